/**
 * The addon's fused optimizer steps (native/optim.cc) as kernels of core's `adamStep` and
 * `sgdStep` ops, so `@tessera/optim`'s Adam, AdamW and SGD update each parameter in one pass.
 * Cases the addon does not take (integer dtypes, mixed dtypes, non-contiguous parameters or
 * state, out-of-range hyperparameters) fall back to core's composition.
 */
import {
  adamStepComposite,
  contiguous,
  sgdStepComposite,
  type AdamStepAttrs,
  type FusedKernel,
  type SgdStepAttrs,
  type Tensor,
} from '@tessera/core';
import { adamStep, sgdStep } from './kernels.js';

/** Whether the addon can update `param` (and `written`, updated in place) and read `grad`. */
function fusable(param: Tensor, grad: Tensor, written: readonly Tensor[]): boolean {
  const dt = param.dtype;
  if (dt !== 'float32' && dt !== 'float64') return false;
  if (grad.dtype !== dt) return false;
  if (!param.isContiguous()) return false;
  for (const t of written) if (t.dtype !== dt || !t.isContiguous()) return false;
  return true;
}

/** Runs `fn` with a contiguous version of `grad` (a copy only when it is strided). */
function withContiguousGrad(grad: Tensor, fn: (g: Tensor) => void): void {
  if (grad.isContiguous()) return fn(grad);
  const g = contiguous(grad);
  try {
    fn(g);
  } finally {
    g.dispose();
  }
}

const inUnit = (b: number): boolean => b >= 0 && b < 1;

/** Core's `adamStep` on the addon; returns the parameter, as core's op does. */
export const adamStepKernel: FusedKernel = (inputs, attrs) => {
  const [param, grad, expAvg, expAvgSq, maxExpAvgSq] = inputs as Tensor[];
  const a = attrs as unknown as AdamStepAttrs;
  const state = maxExpAvgSq ? [expAvg!, expAvgSq!, maxExpAvgSq] : [expAvg!, expAvgSq!];
  const ok = fusable(param!, grad!, state) && inUnit(a.beta1) && inUnit(a.beta2) && Number.isInteger(a.step) && a.step >= 1;
  if (!ok) return adamStepComposite(param!, grad!, expAvg!, expAvgSq!, maxExpAvgSq ?? null, a);
  withContiguousGrad(grad!, (g) =>
    adamStep(param!, g, expAvg!, expAvgSq!, {
      lr: a.lr,
      beta1: a.beta1,
      beta2: a.beta2,
      eps: a.eps,
      weightDecay: a.weightDecay,
      step: a.step,
      decoupled: a.decoupled,
      maximize: a.maximize,
      maxExpAvgSq: maxExpAvgSq ?? null,
    }),
  );
  return param!;
};

/** Core's `sgdStep` on the addon; returns the parameter, as core's op does. */
export const sgdStepKernel: FusedKernel = (inputs, attrs) => {
  const [param, grad, buf] = inputs as Tensor[];
  const a = attrs as unknown as SgdStepAttrs;
  if (!fusable(param!, grad!, buf ? [buf] : [])) return sgdStepComposite(param!, grad!, buf ?? null, a);
  withContiguousGrad(grad!, (g) => sgdStep(param!, g, buf ?? null, a));
  return param!;
};

/** The optimizer-step kernels by core op name. */
export const OPTIM_KERNELS: Readonly<Record<string, FusedKernel>> = {
  adamStep: adamStepKernel,
  sgdStep: sgdStepKernel,
};

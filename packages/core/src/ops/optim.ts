/**
 * Optimizer steps as in-place, non-differentiable ops: one Adam/AdamW or SGD update of a parameter
 * and its state tensors, with PyTorch's formulas (`torch.optim.Adam`/`AdamW`/`SGD`, non-foreach).
 * Core's default is a composition of elementwise and in-place ops; a backend registers one fused
 * kernel for `'adamStep'` / `'sgdStep'` (see `registerKernel`) to do the update in one pass.
 * Kernels must write the same tensors in place, bump their storage versions, and return `param`.
 */
import { shapesEqual, fmtShape } from '../shape.js';
import { tidy } from '../memory.js';
import type { Tensor } from '../tensor.js';
import { runOp, sameBackend } from './dispatch.js';
import * as E from './elementwise.js';
import { add_, checkInPlace, copy_, mul_ } from './inplace.js';

/** Hyperparameters of one Adam (or AdamW) step. */
export interface AdamStepOptions {
  /** Learning rate. */
  lr: number;
  /** Decay rate of the first moment estimate (default 0.9). */
  beta1?: number;
  /** Decay rate of the second moment estimate (default 0.999). */
  beta2?: number;
  /** Added to the denominator for numerical stability (default 1e-8). */
  eps?: number;
  /** Weight decay: an L2 penalty added to the gradient, or decoupled with `decoupled` (default 0). */
  weightDecay?: number;
  /** The step number, starting at 1 (for the bias corrections). */
  step: number;
  /** AdamW: shrink the parameter by `1 - lr * weightDecay` instead of adding to the gradient (default false). */
  decoupled?: boolean;
  /** Maximize the objective instead of minimizing it (default false). */
  maximize?: boolean;
}

/** Hyperparameters of one SGD step. */
export interface SgdStepOptions {
  /** Learning rate. */
  lr: number;
  /** Momentum factor (default 0: no buffer is used). */
  momentum?: number;
  /** Dampening of the momentum's gradient term (default 0). */
  dampening?: number;
  /** L2 penalty added to the gradient (default 0). */
  weightDecay?: number;
  /** Nesterov momentum (default false). */
  nesterov?: boolean;
  /** Maximize the objective instead of minimizing it (default false). */
  maximize?: boolean;
  /** The momentum buffer's first step: it is set to the gradient instead of being decayed (default false). */
  first?: boolean;
}

/** The attrs an `'adamStep'` kernel receives (every option resolved). */
export type AdamStepAttrs = {
  lr: number;
  beta1: number;
  beta2: number;
  eps: number;
  weightDecay: number;
  step: number;
  decoupled: boolean;
  maximize: boolean;
};

/** The attrs an `'sgdStep'` kernel receives (every option resolved). */
export type SgdStepAttrs = {
  lr: number;
  momentum: number;
  dampening: number;
  weightDecay: number;
  nesterov: boolean;
  maximize: boolean;
  first: boolean;
};

function checkState(op: string, param: Tensor, what: string, t: Tensor): void {
  if (!shapesEqual(t.shape, param.shape)) {
    throw new RangeError(`${op}: ${what} of shape ${fmtShape(t.shape)} doesn't match the parameter's shape ${fmtShape(param.shape)}`);
  }
}

function checkNumber(op: string, name: string, v: unknown): number {
  if (typeof v !== 'number' || Number.isNaN(v)) throw new TypeError(`${op}: ${name} must be a number, got ${String(v)}`);
  return v;
}

/**
 * One Adam (or AdamW, with `decoupled`) update of `param` in place, with PyTorch's formulas:
 * `m = β1·m + (1 − β1)·g`, `v = β2·v + (1 − β2)·g²`, `p −= lr/(1 − β1^t) · m / (sqrt(v̂)/sqrt(1 − β2^t) + eps)`,
 * where `v̂` is `v`, or with AMSGrad (`maxExpAvgSq` given) the running maximum of `v`, updated in
 * place. `expAvg`, `expAvgSq` and `maxExpAvgSq` are updated in place; returns `param`. Runs a
 * backend's fused `'adamStep'` kernel when one is registered.
 *
 * @example
 * noGrad(() => adamStep(w, w.grad!, m, v, null, { lr: 1e-3, step: 1 }));
 */
export function adamStep(param: Tensor, grad: Tensor, expAvg: Tensor, expAvgSq: Tensor, maxExpAvgSq: Tensor | null, options: AdamStepOptions): Tensor {
  const op = 'adamStep';
  const inputs = maxExpAvgSq ? [param, grad, expAvg, expAvgSq, maxExpAvgSq] : [param, grad, expAvg, expAvgSq];
  sameBackend(op, inputs);
  for (const t of inputs) t.assertAlive();
  checkState(op, param, 'grad', grad);
  checkState(op, param, 'expAvg', expAvg);
  checkState(op, param, 'expAvgSq', expAvgSq);
  if (maxExpAvgSq) checkState(op, param, 'maxExpAvgSq', maxExpAvgSq);
  checkInPlace(op, param);
  checkInPlace(op, expAvg);
  checkInPlace(op, expAvgSq);
  if (maxExpAvgSq) checkInPlace(op, maxExpAvgSq);
  const attrs: AdamStepAttrs = {
    lr: checkNumber(op, 'lr', options.lr),
    beta1: checkNumber(op, 'beta1', options.beta1 ?? 0.9),
    beta2: checkNumber(op, 'beta2', options.beta2 ?? 0.999),
    eps: checkNumber(op, 'eps', options.eps ?? 1e-8),
    weightDecay: checkNumber(op, 'weightDecay', options.weightDecay ?? 0),
    step: checkNumber(op, 'step', options.step),
    decoupled: options.decoupled ?? false,
    maximize: options.maximize ?? false,
  };
  if (!(attrs.step >= 1)) throw new RangeError(`${op}: step must be at least 1, got ${attrs.step}`);
  return runOp('adamStep', inputs, attrs, () => adamStepComposite(param, grad, expAvg, expAvgSq, maxExpAvgSq, attrs));
}

/**
 * Core's composition of `adamStep` (elementwise and in-place ops). Backends call it for the cases
 * their fused kernel does not handle (other dtypes, non-contiguous tensors).
 */
export function adamStepComposite(param: Tensor, grad: Tensor, expAvg: Tensor, expAvgSq: Tensor, maxExpAvgSq: Tensor | null, a: AdamStepAttrs): Tensor {
  const { lr, beta1, beta2, eps, weightDecay, step, decoupled, maximize } = a;
  tidy(() => {
    let g = maximize ? E.neg(grad) : grad;
    if (weightDecay !== 0) {
      if (decoupled) mul_(param, 1 - lr * weightDecay);
      else g = E.add(g, param, weightDecay);
    }
    add_(mul_(expAvg, beta1), g, 1 - beta1);
    add_(mul_(expAvgSq, beta2), E.mul(g, g), 1 - beta2);
    const biasCorrection1 = 1 - beta1 ** step;
    const biasCorrection2Sqrt = Math.sqrt(1 - beta2 ** step);
    const stepSize = lr / biasCorrection1;
    let second = expAvgSq;
    if (maxExpAvgSq) {
      copy_(maxExpAvgSq, E.maximum(maxExpAvgSq, expAvgSq));
      second = maxExpAvgSq;
    }
    const denom = E.add(E.div(E.sqrt(second), biasCorrection2Sqrt), eps);
    add_(param, E.div(expAvg, denom), -stepSize);
  });
  return param;
}

/**
 * One SGD update of `param` in place, with PyTorch's formulas: `d = g (+ weightDecay·p)`; with
 * momentum, `b = μ·b + (1 − dampening)·d` (`b = d` when `first`), then `d = b` (or `d + μ·b` with
 * Nesterov); finally `p −= lr·d`. `momentumBuffer` (needed when momentum ≠ 0) is updated in place;
 * returns `param`. Runs a backend's fused `'sgdStep'` kernel when one is registered.
 *
 * @example
 * noGrad(() => sgdStep(w, w.grad!, buf, { lr: 0.1, momentum: 0.9, first: step === 1 }));
 */
export function sgdStep(param: Tensor, grad: Tensor, momentumBuffer: Tensor | null, options: SgdStepOptions): Tensor {
  const op = 'sgdStep';
  const attrs: SgdStepAttrs = {
    lr: checkNumber(op, 'lr', options.lr),
    momentum: checkNumber(op, 'momentum', options.momentum ?? 0),
    dampening: checkNumber(op, 'dampening', options.dampening ?? 0),
    weightDecay: checkNumber(op, 'weightDecay', options.weightDecay ?? 0),
    nesterov: options.nesterov ?? false,
    maximize: options.maximize ?? false,
    first: options.first ?? false,
  };
  const buf = attrs.momentum !== 0 ? momentumBuffer : null;
  if (attrs.momentum !== 0 && !buf) throw new TypeError(`${op}: a momentum buffer is needed when momentum != 0`);
  const inputs = buf ? [param, grad, buf] : [param, grad];
  sameBackend(op, inputs);
  for (const t of inputs) t.assertAlive();
  checkState(op, param, 'grad', grad);
  if (buf) checkState(op, param, 'momentumBuffer', buf);
  checkInPlace(op, param);
  if (buf) checkInPlace(op, buf);
  return runOp('sgdStep', inputs, attrs, () => sgdStepComposite(param, grad, buf, attrs));
}

/**
 * Core's composition of `sgdStep` (elementwise and in-place ops). Backends call it for the cases
 * their fused kernel does not handle.
 */
export function sgdStepComposite(param: Tensor, grad: Tensor, momentumBuffer: Tensor | null, a: SgdStepAttrs): Tensor {
  const { lr, momentum, dampening, weightDecay, nesterov, maximize, first } = a;
  tidy(() => {
    let d = maximize ? E.neg(grad) : grad;
    if (weightDecay !== 0) d = E.add(d, param, weightDecay);
    if (momentum !== 0) {
      const buf = momentumBuffer!;
      if (first) copy_(buf, d);
      else add_(mul_(buf, momentum), d, 1 - dampening);
      d = nesterov ? E.add(d, buf, momentum) : buf;
    }
    add_(param, d, -lr);
  });
  return param;
}

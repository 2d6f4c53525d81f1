/**
 * The addon's fused linear layer, cross-entropy and activation gradient (native/nn.cc) as kernels
 * of core's `linear`, `crossEntropy`, `crossEntropyBackward` and `reluBackward` ops. Other dtypes (and mixed ones) run core's
 * compositions.
 */
import * as core from '@tessera/core';
import type { CrossEntropyAttrs, FusedKernel, Tensor } from '@tessera/core';
import { activationBackward, crossEntropy, linear } from './kernels.js';

const isFloat = (t: Tensor): boolean => t.dtype === 'float32' || t.dtype === 'float64';

/** Core's `linear` on the addon: one GEMM with the bias added in its epilogue. */
export const linearKernel: FusedKernel = ([x, w, b]) => {
  if (isFloat(x!) && w!.dtype === x!.dtype && (!b || b.dtype === x!.dtype)) return linear(x!, w!, b ?? null);
  return core.tidy(() => {
    const y = core.matmul(x!, core.t(w!));
    return b ? core.add(y, b) : y;
  });
};

/** The addon's loss and logits gradient in one pass, or null when it does not take these inputs. */
function fused(logits: Tensor, target: Tensor, a: CrossEntropyAttrs): { loss: Tensor; gradLogits: Tensor } | null {
  if (!isFloat(logits)) return null;
  return crossEntropy(logits, target, { reduction: a.reduction, ignoreIndex: a.ignoreIndex, labelSmoothing: a.labelSmoothing });
}

/** Core's `crossEntropy` on the addon (the gradient it also computes is dropped). */
export const crossEntropyKernel: FusedKernel = ([logits, target], attrs) => {
  const a = attrs as CrossEntropyAttrs;
  const r = fused(logits!, target!, a);
  if (!r) return core.tidy(() => core.crossEntropy(core.cast(logits!, 'float32'), target!, a));
  r.gradLogits.dispose();
  return r.loss;
};

/** Core's `crossEntropyBackward` on the addon: its logits gradient, scaled by the upstream gradient. */
export const crossEntropyBackwardKernel: FusedKernel = ([logits, target, g], attrs) => {
  const a = attrs as CrossEntropyAttrs;
  return core.tidy(() => {
    const r = fused(logits!, target!, a);
    if (!r) return core.crossEntropyBackward(core.cast(logits!, 'float32'), target!, g!, a);
    return core.mul(r.gradLogits, a.reduction === 'none' ? core.unsqueeze(g!, 1) : g!);
  });
};

/** Core's `reluBackward` on the addon: the mask and the select in one pass. */
export const reluBackwardKernel: FusedKernel = ([y, g]) => {
  if (isFloat(y!) && g!.dtype === y!.dtype) return activationBackward(y!, g!, 'relu');
  return core.tidy(() => core.where(core.le(y!, 0), 0, g!));
};

/** The neural-network kernels by core op name. */
export const NN_KERNELS: Readonly<Record<string, FusedKernel>> = {
  linear: linearKernel,
  crossEntropy: crossEntropyKernel,
  crossEntropyBackward: crossEntropyBackwardKernel,
  reluBackward: reluBackwardKernel,
};

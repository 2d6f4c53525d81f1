/** Gradients of core's neural-network ops: `linear` and `crossEntropy`. */
import { crossEntropyBackward, matmul, reshape, sum, t, type CrossEntropyOptions, type Tensor } from '@tessera/core';
import { registerGradRule } from './registry.js';

// y = x W^T + b with x [..., K], W [N, K]: over the flattened rows g2 [M, N] and x2 [M, K],
// dx = g2 W, dW = g2^T x2 (already [N, K]: no transpose of the result), db = Σ_rows g2.
registerGradRule('linear', {
  backward(ctx, [g]) {
    const [x, w] = ctx.inputs as [Tensor, Tensor];
    const N = w.shape[0]!;
    const K = w.shape[1]!;
    const g2 = g!.ndim === 2 ? g! : reshape(g!, [-1, N]);
    const gx = ctx.needsInputGrad[0] ? reshape(matmul(g2, w), x.shape) : null;
    const gw = ctx.needsInputGrad[1] ? matmul(t(g2), x.ndim === 2 ? x : reshape(x, [-1, K])) : null;
    if (ctx.inputShapes.length < 3) return [gx, gw];
    return [gx, gw, ctx.needsInputGrad[2] ? sum(g2, 0) : null];
  },
});

// The gradient is one op, softmax minus the (smoothed) one-hot target, scaled by the upstream
// gradient; the class-index target gets none.
registerGradRule('crossEntropy', {
  save: { inputs: [0, 1] },
  backward(ctx, [g]) {
    const [logits, target] = ctx.inputs as [Tensor, Tensor];
    if (!ctx.needsInputGrad[0]) return [null, null];
    return [crossEntropyBackward(logits, target, g!, ctx.attrs as CrossEntropyOptions), null];
  },
});

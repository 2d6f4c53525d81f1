/** Gradient of matmul, with PyTorch's 1-D promotion and batch broadcasting undone. */
import { matmul, reshape, transpose, unsqueeze, type Tensor } from '@tessera/core';
import { registerGradRule } from './registry.js';
import { sumToShape } from './util.js';

// With A [..., M, K] and B [..., K, N]: dA = g B^T and dB = A^T g, summed over broadcast batch
// dims. A 1-D A is treated as [1, K] and a 1-D B as [K, 1]; g gets those dims back first.
registerGradRule('matmul', {
  backward(ctx, [g]) {
    const [a, b] = ctx.inputs as [Tensor, Tensor];
    const a2 = a.ndim === 1 ? unsqueeze(a, 0) : a;
    const b2 = b.ndim === 1 ? unsqueeze(b, 1) : b;
    let g2 = g!;
    if (a.ndim === 1) g2 = unsqueeze(g2, b.ndim === 1 ? 0 : -2);
    if (b.ndim === 1) g2 = unsqueeze(g2, -1);
    const ga = ctx.needsInputGrad[0] ? reshape(sumToShape(matmul(g2, transpose(b2, -1, -2)), a2.shape), a.shape) : null;
    const gb = ctx.needsInputGrad[1] ? reshape(sumToShape(matmul(transpose(a2, -1, -2), g2), b2.shape), b.shape) : null;
    return [ga, gb];
  },
});

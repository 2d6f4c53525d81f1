/**
 * Gradients of activations that have their own rule. gelu, silu and leakyRelu are differentiated
 * through their compositions (see table.ts); softplus and elu get rules because their
 * compositions use abs/relu/minimum, whose kinks at 0 would give the wrong derivative exactly at 0.
 */
import { add, gt, mul, sigmoid, where } from '@tessera/core';
import { registerGradRule } from './registry.js';

// softplus(x) = log(1 + e^(beta x)) / beta, linear above the threshold: derivative sigmoid(beta x).
registerGradRule('softplus', {
  backward(ctx, [g]) {
    const x = ctx.inputs[0]!;
    const beta = ctx.attrs.beta as number;
    const threshold = ctx.attrs.threshold as number;
    const z = beta === 1 ? x : mul(x, beta);
    return [where(gt(z, threshold), g!, mul(g!, sigmoid(z)))];
  },
});

// elu(x) = x for x > 0, alpha (e^x - 1) otherwise: derivative 1, or alpha e^x = y + alpha.
registerGradRule('elu', {
  save: { inputs: true, outputs: true },
  backward(ctx, [g]) {
    const alpha = ctx.attrs.alpha as number;
    return [where(gt(ctx.inputs[0]!, 0), g!, mul(g!, add(ctx.outputs[0]!, alpha)))];
  },
});

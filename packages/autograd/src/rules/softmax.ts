/** Gradients of softmax and logSoftmax, from their outputs. */
import { exp, mul, sub, sum } from '@tessera/core';
import { registerGradRule } from './registry.js';

// y = softmax(x): dx = y * (g - sum(g * y))
registerGradRule('softmax', {
  save: { inputs: false, outputs: true },
  backward(ctx, [g]) {
    const d = ctx.attrs.dim as number;
    const y = ctx.outputs[0]!;
    return [mul(y, sub(g!, sum(mul(g!, y), d, true)))];
  },
});

// y = logSoftmax(x): dx = g - softmax(x) * sum(g) = g - exp(y) * sum(g)
registerGradRule('logSoftmax', {
  save: { inputs: false, outputs: true },
  backward(ctx, [g]) {
    const d = ctx.attrs.dim as number;
    return [sub(g!, mul(exp(ctx.outputs[0]!), sum(g!, d, true)))];
  },
});

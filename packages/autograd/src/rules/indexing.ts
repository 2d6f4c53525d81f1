/** Gradients of gather, scatterAdd and sort: gather and scatter-add are each other's gradient. */
import { gather, pad, scatterAdd, zeros } from '@tessera/core';
import { registerGradRule } from './registry.js';

// gather reads x at index: its gradient adds g back at those positions (repeats sum).
registerGradRule('gather', {
  save: { inputs: [1] },
  backward(ctx, [g]) {
    const d = ctx.attrs.dim as number;
    const base = zeros(ctx.inputShapes[0]!, { dtype: g!.dtype, device: ctx.device });
    return [scatterAdd(base, d, ctx.inputs[1]!, g!), null];
  },
});

// scatterAdd(x, index, src) = x + (src added at index): x gets g; src gets g read at index
// (src entries beyond index's extent are unused and get 0).
registerGradRule('scatterAdd', {
  save: { inputs: [1] },
  backward(ctx, [g]) {
    const d = ctx.attrs.dim as number;
    const index = ctx.inputs[1]!;
    let gsrc = null;
    if (ctx.needsInputGrad[2]) {
      gsrc = gather(g!, d, index);
      const srcShape = ctx.inputShapes[2]!;
      if (srcShape.some((s, i) => s !== index.shape[i])) {
        const padding: number[] = [];
        for (let i = srcShape.length - 1; i >= 0; i--) padding.push(0, srcShape[i]! - index.shape[i]!);
        gsrc = pad(gsrc, padding);
      }
    }
    return [ctx.needsInputGrad[0] ? g! : null, null, gsrc];
  },
});

// sort permutes elements along dim: the values' gradient goes back to where each came from.
registerGradRule('sort', {
  save: { inputs: false, outputs: [1] },
  backward(ctx, [gValues]) {
    const d = ctx.attrs.dim as number;
    const base = zeros(ctx.inputShapes[0]!, { dtype: gValues!.dtype, device: ctx.device });
    return [scatterAdd(base, d, ctx.outputs[1]!, gValues!)];
  },
});

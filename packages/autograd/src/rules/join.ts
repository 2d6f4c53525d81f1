/** Gradients of cat and pad. */
import { pad, slice } from '@tessera/core';
import { registerGradRule } from './registry.js';

// cat: each input gets its own slice of g along the joined dim.
registerGradRule('cat', {
  save: { inputs: false },
  backward(ctx, [g]) {
    const d = ctx.attrs.dim as number;
    let at = 0;
    return ctx.inputShapes.map((shape, i) => {
      const n = shape[d]!;
      const piece = ctx.needsInputGrad[i] ? slice(g!, d, at, at + n) : null;
      at += n;
      return piece;
    });
  },
});

// pad adds (or, with negative amounts, crops) borders; padding by the opposite amounts undoes it.
registerGradRule('pad', {
  save: { inputs: false },
  backward(ctx, [g]) {
    const padding = ctx.attrs.padding as number[];
    return [pad(g!, padding.map((p) => -p))];
  },
});

/**
 * Gradients of reductions. A reduction's output gradient is reshaped to keep the reduced dims
 * (when `keepdim` dropped them) and broadcast back over the input.
 *
 * max/min: the gradient is split evenly between tied maxima (PyTorch's `amax`/`amin` rule), so
 * `max` of `[1, 3, 3]` sends 0.5 to each 3.
 */
import { add, cumsum, div, eq, exp, logicalAnd, mul, prod, sub, sum, where } from '@tessera/core';
import { registerGradRule, type RuleContext } from './registry.js';
import { expandReduced, unreduce } from './util.js';

interface ReduceAttrs {
  dims: number[];
  keepdim: boolean;
}
const reduceAttrs = (ctx: RuleContext): ReduceAttrs => ctx.attrs as unknown as ReduceAttrs;

registerGradRule('sum', {
  save: { inputs: false },
  backward(ctx, [g]) {
    const { dims, keepdim } = reduceAttrs(ctx);
    return [expandReduced(g!, ctx.inputShapes[0]!, dims, keepdim)];
  },
});

registerGradRule('mean', {
  save: { inputs: false },
  backward(ctx, [g]) {
    const { dims, keepdim } = reduceAttrs(ctx);
    const shape = ctx.inputShapes[0]!;
    let count = 1;
    for (const d of dims) count *= shape[d]!;
    return [expandReduced(div(g!, count), shape, dims, keepdim)];
  },
});

// d prod / d x_i is the product of the other elements. Dividing y by x_i fails at zeros, so:
// no zero in the slice: y / x_i; exactly one zero: the product of the non-zeros at that zero and
// 0 elsewhere; two or more zeros: 0.
registerGradRule('prod', {
  save: { inputs: true, outputs: true },
  backward(ctx, [g]) {
    const { dims, keepdim } = reduceAttrs(ctx);
    const x = ctx.inputs[0]!;
    const shape = ctx.inputShapes[0]!;
    const y = unreduce(ctx.outputs[0]!, shape, dims, keepdim);
    const isZero = eq(x, 0);
    const zeros = sum(isZero, dims, true);
    const safe = where(isZero, 1, x);
    const others = where(
      eq(zeros, 0),
      div(y, safe),
      where(logicalAnd(eq(zeros, 1), isZero), prod(safe, dims, true), 0),
    );
    return [mul(unreduce(g!, shape, dims, keepdim), others)];
  },
});

function extremum(name: 'max' | 'min'): void {
  registerGradRule(name, {
    save: { inputs: true, outputs: true },
    backward(ctx, [g]) {
      const { dims, keepdim } = reduceAttrs(ctx);
      const shape = ctx.inputShapes[0]!;
      const hit = eq(ctx.inputs[0]!, unreduce(ctx.outputs[0]!, shape, dims, keepdim));
      const ties = sum(hit, dims, true);
      return [where(hit, div(unreduce(g!, shape, dims, keepdim), ties), 0)];
    },
  });
}
extremum('max');
extremum('min');

// d logsumexp(x) / dx = softmax(x) = exp(x - y).
registerGradRule('logsumexp', {
  save: { inputs: true, outputs: true },
  backward(ctx, [g]) {
    const { dims, keepdim } = reduceAttrs(ctx);
    const shape = ctx.inputShapes[0]!;
    const y = unreduce(ctx.outputs[0]!, shape, dims, keepdim);
    return [mul(unreduce(g!, shape, dims, keepdim), exp(sub(ctx.inputs[0]!, y)))];
  },
});

// The gradient of a cumulative sum is the reversed cumulative sum of g: sum_{j >= i} g_j,
// written without a flip as total - cumsum(g) + g.
registerGradRule('cumsum', {
  save: { inputs: false },
  backward(ctx, [g]) {
    if (ctx.inputShapes[0]!.length === 0) return [g!];
    const d = ctx.attrs.dim as number;
    return [add(sub(sum(g!, d, true), cumsum(g!, d)), g!)];
  },
});

/**
 * Gradients of movement ops. Each is exact: the gradient of a view puts every output gradient
 * back at the input element it was read from (and sums where the view repeats an element).
 */
import { gather, pad, permute, reshape, scatterAdd, tensor, unsqueeze, zeros, type Tensor } from '@tessera/core';
import { registerGradRule } from './registry.js';
import { sumToShape } from './util.js';

registerGradRule('reshape', { save: { inputs: false }, backward: (ctx, [g]) => [reshape(g!, ctx.inputShapes[0]!)] });

registerGradRule('permute', {
  save: { inputs: false },
  backward(ctx, [g]) {
    const perm = ctx.attrs.dims as number[];
    const inverse = new Array<number>(perm.length);
    perm.forEach((p, i) => (inverse[p] = i));
    return [permute(g!, inverse)];
  },
});

// expand repeats elements along broadcast dims: their gradients sum.
registerGradRule('expand', { save: { inputs: false }, backward: (ctx, [g]) => [sumToShape(g!, ctx.inputShapes[0]!)] });

// slice: the gradient is g placed at the sliced positions of a zero tensor. With step 1 that is a
// pad; with a step, zeros are first interleaved after each element (unsqueeze + pad + reshape).
registerGradRule('slice', {
  save: { inputs: false },
  backward(ctx, [g]) {
    const { dim, start, step } = ctx.attrs as { dim: number; start: number; end: number; step: number };
    const shape = ctx.inputShapes[0]!;
    const n = shape[dim]!;
    let spread: Tensor = g!;
    const len = g!.shape[dim]!;
    if (step > 1 && len > 0) {
      const nd = shape.length;
      const withGaps = pad(unsqueeze(g!, dim + 1), padPairs(nd + 1, dim + 1, 0, step - 1));
      spread = reshape(withGaps, shape.map((s, i) => (i === dim ? len * step : s)));
    }
    const covered = spread.shape[dim]!;
    return [pad(spread, padPairs(shape.length, dim, start, n - start - covered))];
  },
});

/** `pad`'s padding list (pairs from the last dim) that pads only `dim` by `before`/`after`. */
function padPairs(ndim: number, dim: number, before: number, after: number): number[] {
  const pairs = new Array<number>(2 * (ndim - dim)).fill(0);
  const k = ndim - 1 - dim;
  pairs[2 * k] = before;
  pairs[2 * k + 1] = after;
  return pairs;
}

// asStrided reads storage positions directly: scatter-add the output gradient into a flat buffer
// over the storage, then read it back at the input's own positions. Assumes the input does not
// overlap itself (each of its elements has its own storage position), as PyTorch's fast path does.
registerGradRule('asStrided', {
  backward(ctx, [g]) {
    const x = ctx.inputs[0]!;
    const { shape, strides, offset } = ctx.attrs as { shape: number[]; strides: number[]; offset: number };
    const outPos = positions(shape, strides, offset);
    const inPos = positions(x.shape, x.strides, x.offset);
    let extent = 0;
    for (const p of outPos) extent = Math.max(extent, p + 1);
    for (const p of inPos) extent = Math.max(extent, p + 1);
    const device = x.device;
    const outIndex = tensor(outPos, { dtype: 'int32', device });
    const inIndex = tensor(inPos, { dtype: 'int32', device });
    const flat = scatterAdd(zeros([extent], { dtype: g!.dtype, device }), 0, outIndex, reshape(g!, [outPos.length]));
    return [reshape(gather(flat, 0, inIndex), x.shape)];
  },
});

/** Storage positions of every element of a strided layout, in row-major order. */
function positions(shape: readonly number[], strides: readonly number[], offset: number): Int32Array {
  let n = 1;
  for (const d of shape) n *= d;
  const out = new Int32Array(n);
  const idx = new Array<number>(shape.length).fill(0);
  for (let i = 0; i < n; i++) {
    let p = offset;
    for (let k = 0; k < shape.length; k++) p += idx[k]! * strides[k]!;
    out[i] = p;
    for (let k = shape.length - 1; k >= 0; k--) {
      if (++idx[k]! < shape[k]!) break;
      idx[k] = 0;
    }
  }
  return out;
}

registerGradRule('contiguous', { save: { inputs: false }, backward: (_, [g]) => [g!] });
registerGradRule('clone', { save: { inputs: false }, backward: (_, [g]) => [g!] });

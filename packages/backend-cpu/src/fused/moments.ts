/**
 * Fused reductions that core composes from several passes and temporaries: 'mean', 'var' and
 * 'logsumexp' over any set of dims. Each walks the input in memory order against a float64
 * accumulator (see `reductionRows`) and rounds to the compute dtype where the composition does.
 */
import { cast, type DType, type FusedKernel, type Tensor, type TypedArray } from '@tessera/core';
import { reduceImpl, reductionRows } from '../kernels/reduce.js';
import type { ArrayView } from '../kernels/strided.js';
import { floatDtype, hostView, produce, reducedShape } from './util.js';

const fround = Math.fround;
const same = (v: number): number => v;

/** Runs `fn` on `x` cast to its float compute dtype (core's own cast, as the composition does). */
function withFloat<T>(x: Tensor, fn: (f: Tensor) => T): T {
  if (x.dtype === 'float32' || x.dtype === 'float64') return fn(x);
  const f = cast(x, 'float32');
  try {
    return fn(f);
  } finally {
    f.dispose();
  }
}

function countOf(shape: readonly number[], axes: readonly number[]): number {
  let count = 1;
  for (const a of axes) count *= shape[a]!;
  return count;
}

/**
 * Means of a float `x` over `axes` into `out` (float64 sums, rounded as the composition rounds:
 * to float32 when `f32`, which defaults to whether `out` is a Float32Array).
 */
export function meanImpl(x: ArrayView, axes: readonly number[], out: TypedArray, f32 = out instanceof Float32Array): void {
  const sums = new Float64Array(out.length);
  reduceImpl('sum', x, axes, sums);
  const r = f32 ? fround : same;
  const count = r(countOf(x.shape, axes));
  for (let i = 0; i < out.length; i++) out[i] = r(sums[i]!) / count;
}

/** Variances of a float `x` over `axes` into `out`: sum((x - mean)^2) / max(0, count - correction). */
export function varImpl(x: ArrayView, axes: readonly number[], correction: number, out: TypedArray): void {
  const f32 = out instanceof Float32Array;
  const r = f32 ? fround : same;
  const mean = new Float64Array(out.length);
  meanImpl(x, axes, mean, f32);
  for (let i = 0; i < mean.length; i++) mean[i] = r(mean[i]!);
  const acc = new Float64Array(out.length);
  const { it } = reductionRows(x, axes);
  const n = it.length;
  const xs = it.steps[0]!;
  const as = it.steps[1]!;
  const v = x.values;
  for (let row = 0; row < it.rows; row++, it.next()) {
    let xi = it.offsets[0]!;
    let ai = it.offsets[1]!;
    if (as === 0) {
      const m = mean[ai]!;
      let s = 0;
      for (let j = 0; j < n; j++, xi += xs) {
        const c = r(v[xi]! - m);
        s += r(c * c);
      }
      acc[ai] += s;
    } else {
      for (let j = 0; j < n; j++, xi += xs, ai += as) {
        const c = r(v[xi]! - mean[ai]!);
        acc[ai] += r(c * c);
      }
    }
  }
  const divisor = r(Math.max(0, countOf(x.shape, axes) - correction));
  for (let i = 0; i < out.length; i++) out[i] = r(acc[i]!) / divisor;
}

/**
 * `log(sum(exp(x)))` over `axes` into `out`, shifted by the max (by 0 where the max is not
 * finite, so that all -inf gives -inf and +inf gives +inf). An empty reduction gives -inf.
 */
export function logsumexpImpl(x: ArrayView, axes: readonly number[], out: TypedArray): void {
  const r = out instanceof Float32Array ? fround : same;
  const shift = new Float64Array(out.length).fill(-Infinity);
  let { it } = reductionRows(x, axes);
  const n = it.length;
  const xs = it.steps[0]!;
  const as = it.steps[1]!;
  const v = x.values;
  for (let row = 0; row < it.rows; row++, it.next()) {
    let xi = it.offsets[0]!;
    let ai = it.offsets[1]!;
    if (as === 0) {
      let m = shift[ai]!;
      for (let j = 0; j < n; j++, xi += xs) {
        const y = r(v[xi]!);
        if (y > m || y !== y) m = y;
      }
      shift[ai] = m;
    } else {
      for (let j = 0; j < n; j++, xi += xs, ai += as) {
        const y = r(v[xi]!);
        if (y > shift[ai]! || y !== y) shift[ai] = y;
      }
    }
  }
  for (let i = 0; i < shift.length; i++) {
    const m = shift[i]!;
    if (m - m !== 0) shift[i] = 0; // not finite
  }
  const acc = new Float64Array(out.length);
  it = reductionRows(x, axes).it;
  for (let row = 0; row < it.rows; row++, it.next()) {
    let xi = it.offsets[0]!;
    let ai = it.offsets[1]!;
    if (as === 0) {
      const m = shift[ai]!;
      let s = 0;
      for (let j = 0; j < n; j++, xi += xs) s += r(Math.exp(r(r(v[xi]!) - m)));
      acc[ai] += s;
    } else {
      for (let j = 0; j < n; j++, xi += xs, ai += as) acc[ai] += r(Math.exp(r(r(v[xi]!) - shift[ai]!)));
    }
  }
  for (let i = 0; i < out.length; i++) out[i] = r(Math.log(r(acc[i]!))) + shift[i]!;
}

/** 'mean' ({dims, keepdim}): integer inputs average as float32. */
export const meanKernel: FusedKernel = (inputs, attrs) => {
  const x = inputs[0]!;
  const axes = attrs.dims as number[];
  const shape = reducedShape(x.shape, axes, attrs.keepdim === true);
  return withFloat(x, (f) => produce(f.backend, f.dtype, shape, (out) => meanImpl(hostView(f), axes, out)));
};

/** 'var' ({dims, correction, keepdim}). */
export const varKernel: FusedKernel = (inputs, attrs) => {
  const x = inputs[0]!;
  const axes = attrs.dims as number[];
  const shape = reducedShape(x.shape, axes, attrs.keepdim === true);
  const correction = attrs.correction as number;
  return withFloat(x, (f) => produce(f.backend, f.dtype, shape, (out) => varImpl(hostView(f), axes, correction, out)));
};

/** 'logsumexp' ({dims, keepdim}). */
export const logsumexpKernel: FusedKernel = (inputs, attrs) => {
  const x = inputs[0]!;
  const axes = attrs.dims as number[];
  if (x.size === 0 && axes.length === 0 && x.ndim > 0) {
    // The composition takes `max` over no dims first, which rejects an empty tensor.
    throw new RangeError(`max: cannot reduce over a zero-size dimension of a tensor of shape [${x.shape.join(',')}] (no identity)`);
  }
  const dtype: DType = floatDtype(x.dtype);
  const shape = reducedShape(x.shape, axes, attrs.keepdim === true);
  return produce(x.backend, dtype, shape, (out) => logsumexpImpl(hostView(x), axes, out));
};

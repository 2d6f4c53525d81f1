/**
 * Fused 'softmax' and 'logSoftmax' along one dim: three passes over each lane, no intermediates.
 *
 * Core's composition (ops/softmax.ts) rounds to the compute dtype after every op (subtract the
 * max, exp, sum, divide); this kernel rounds at the same points (`Math.fround` for float32), so
 * results agree with it to the summation order of the row sum, which both take in float64.
 */
import type { FusedKernel, TypedArray } from '@tessera/core';
import type { ArrayView } from '../kernels/strided.js';
import { floatDtype, hostView, Lanes, produce } from './util.js';

/** Writes softmax (or log-softmax) of `x` along `dim` into `out` (contiguous, float, `x`'s shape). */
export function softmaxImpl(x: ArrayView, dim: number, out: TypedArray, log: boolean): void {
  // Two functions rather than one with a flag: V8 optimizes each for its own loops.
  if (log) logSoftmaxLanes(x, dim, out);
  else softmaxLanes(x, dim, out);
}

/**
 * Max of a lane with NaN propagation, as the `max` reduction does. Rounding to float32 first
 * matches a cast of integer inputs (rounding is monotonic, so float inputs are unaffected).
 */
function laneMax(v: TypedArray, i: number, step: number, n: number, f32: boolean): number {
  let m = -Infinity;
  for (let k = 0; k < n; k++, i += step) {
    const y = f32 ? Math.fround(v[i]!) : v[i]!;
    if (y > m || y !== y) m = y;
  }
  return m;
}

function softmaxLanes(x: ArrayView, dim: number, out: TypedArray): void {
  const lanes = new Lanes(x, dim);
  const { n, step, inner } = lanes;
  const v = x.values;
  const f32 = out instanceof Float32Array;
  for (let l = 0; l < lanes.count; l++, lanes.next()) {
    const m = laneMax(v, lanes.offset, step, n, f32);
    let sum = 0;
    for (let k = 0, i = lanes.offset, o = lanes.out; k < n; k++, i += step, o += inner) {
      const y = f32 ? Math.fround(v[i]!) : v[i]!;
      out[o] = Math.exp(f32 ? Math.fround(y - m) : y - m);
      sum += out[o]!; // the rounded value, as the composition sums it
    }
    const s = f32 ? Math.fround(sum) : sum;
    for (let k = 0, o = lanes.out; k < n; k++, o += inner) out[o] = out[o]! / s;
  }
}

function logSoftmaxLanes(x: ArrayView, dim: number, out: TypedArray): void {
  const lanes = new Lanes(x, dim);
  const { n, step, inner } = lanes;
  const v = x.values;
  const f32 = out instanceof Float32Array;
  for (let l = 0; l < lanes.count; l++, lanes.next()) {
    const m = laneMax(v, lanes.offset, step, n, f32);
    // Shifted values go to `out` first; the sum of their exps is taken from there.
    let sum = 0;
    for (let k = 0, i = lanes.offset, o = lanes.out; k < n; k++, i += step, o += inner) {
      const y = f32 ? Math.fround(v[i]!) : v[i]!;
      out[o] = y - m;
      const e = Math.exp(out[o]!);
      sum += f32 ? Math.fround(e) : e;
    }
    const ls = f32 ? Math.fround(Math.log(Math.fround(sum))) : Math.log(sum);
    for (let k = 0, o = lanes.out; k < n; k++, o += inner) out[o] = out[o]! - ls;
  }
}

function kernel(log: boolean): FusedKernel {
  return (inputs, attrs) => {
    const x = inputs[0]!;
    const dim = attrs.dim as number;
    return produce(x.backend, floatDtype(x.dtype), x.shape, (out) => softmaxImpl(hostView(x), dim, out, log));
  };
}

/** 'softmax' ({dim}). */
export const softmaxKernel: FusedKernel = kernel(false);
/** 'logSoftmax' ({dim}). */
export const logSoftmaxKernel: FusedKernel = kernel(true);

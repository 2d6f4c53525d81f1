/**
 * Fused 'cumsum': a sequential scan along the dim. Core's default composition is a log-step
 * (Hillis-Steele) scan of whole-tensor adds; this reads and writes each element once. Floats
 * accumulate in float64 (as PyTorch's CPU kernel does) and round when stored, so float32 results
 * may differ from the composition's in the last bits; integers wrap like 32-bit C arithmetic.
 */
import type { DType, FusedKernel, TypedArray } from '@tessera/core';
import type { ArrayView } from '../kernels/strided.js';
import { hostView, Lanes, produce } from './util.js';

/** Writes the cumulative sum of `x` along `dim` into `out` (contiguous, `x`'s shape). */
export function cumsumImpl(x: ArrayView, dim: number, out: TypedArray): void {
  const lanes = new Lanes(x, dim);
  const { n, step, inner } = lanes;
  const v = x.values;
  const int = out instanceof Int32Array;
  for (let l = 0; l < lanes.count; l++, lanes.next()) {
    // Starting from +0 turns a leading -0 into +0, as the composition's `x + 0` does.
    let acc = 0;
    if (int) {
      for (let k = 0, i = lanes.offset, o = lanes.out; k < n; k++, i += step, o += inner) out[o] = acc = (acc + v[i]!) | 0;
    } else {
      for (let k = 0, i = lanes.offset, o = lanes.out; k < n; k++, i += step, o += inner) out[o] = acc += v[i]!;
    }
  }
}

/** 'cumsum' ({dim}): float dtypes are kept, integers and bool sum as int32. */
export const cumsumKernel: FusedKernel = (inputs, attrs) => {
  const x = inputs[0]!;
  // A 0-d input is `x + 0` in the composition, which keeps uint8 (and turns bool into int32).
  const dtype: DType = x.dtype === 'float32' || x.dtype === 'float64' || (x.ndim === 0 && x.dtype === 'uint8') ? x.dtype : 'int32';
  return produce(x.backend, dtype, x.shape, (out) => cumsumImpl(hostView(x), attrs.dim as number, out));
};

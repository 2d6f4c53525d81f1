/**
 * Fused 'sort': a stable O(n log n) merge sort of each lane. Core's default composition ranks
 * every element against every other (O(n^2) memory per row).
 *
 * Order, as in core and PyTorch: NaN sorts as the largest value (last ascending, first
 * descending), ties (and NaNs among themselves) keep their original order in both directions,
 * and -0 ties with +0.
 */
import type { FusedKernel, Tensor, TypedArray } from '@tessera/core';
import type { ArrayView } from '../kernels/strided.js';
import { hostView, Lanes, produce } from './util.js';

/** Runs shorter than this are insertion-sorted before merging. */
const RUN = 16;

/**
 * Sorts each lane of `x` along `dim`, writing the sorted values into `values` (`x`'s array type)
 * and their source positions into `indices` (int32); both contiguous in `x`'s shape.
 */
export function sortImpl(x: ArrayView, dim: number, descending: boolean, values: TypedArray, indices: Int32Array): void {
  const lanes = new Lanes(x, dim);
  const { n, step, inner } = lanes;
  const v = x.values;
  const keys = new Float64Array(n);
  const keysTmp = new Float64Array(n);
  let idx = new Int32Array(n);
  let tmp = new Int32Array(n);
  for (let l = 0; l < lanes.count; l++, lanes.next()) {
    const xi = lanes.offset;
    // NaNs go to one end in their original order; the rest are sorted by plain comparisons.
    let lo = 0;
    let hi = n;
    if (descending) {
      for (let k = 0, i = xi; k < n; k++, i += step) if (v[i] !== v[i]) idx[lo++] = k;
      for (let k = 0, i = xi, j = lo; k < n; k++, i += step) if (v[i] === v[i]) idx[j++] = k;
    } else {
      let nans = 0;
      for (let k = 0, i = xi; k < n; k++, i += step) if (v[i] !== v[i]) nans++;
      hi = n - nans;
      for (let k = 0, i = xi, a = 0, b = hi; k < n; k++, i += step) {
        if (v[i] === v[i]) idx[a++] = k;
        else idx[b++] = k;
      }
    }
    for (let k = lo; k < hi; k++) keys[k] = v[xi + idx[k]! * step]!;
    // Keys travel with their indices through the sort: `keys[p]` is the key of `idx[p]`.
    if (mergeSort(idx, tmp, keys, keysTmp, lo, hi, descending)) {
      const t = idx;
      idx = tmp;
      tmp = t;
    }
    for (let k = 0, o = lanes.out; k < n; k++, o += inner) {
      const j = idx[k]!;
      values[o] = v[xi + j * step]!;
      indices[o] = j;
    }
  }
}

/**
 * Stable sort of `idx[lo, hi)` by `keys[lo, hi)` (permuted together). Merges ping-pong between
 * `idx` and `tmp` (and `keys` and `keysTmp`); returns true when the sorted result ended in `tmp`
 * (then `idx` outside [lo, hi) is copied over, so `tmp` holds the whole lane).
 */
function mergeSort(idx: Int32Array, tmp: Int32Array, keys: Float64Array, keysTmp: Float64Array, lo: number, hi: number, desc: boolean): boolean {
  const len = hi - lo;
  if (len < 2) return false;
  for (let s = lo; s < hi; s += RUN) insertionSort(idx, keys, s, Math.min(s + RUN, hi), desc);
  if (len <= RUN) return false;
  let src = idx;
  let dst = tmp;
  let srcKeys = keys;
  let dstKeys = keysTmp;
  for (let width = RUN; width < len; width *= 2) {
    for (let a = lo; a < hi; a += 2 * width) {
      const mid = Math.min(a + width, hi);
      const end = Math.min(a + 2 * width, hi);
      let i = a;
      let j = mid;
      let o = a;
      while (i < mid && j < end) {
        const ki = srcKeys[i]!;
        const kj = srcKeys[j]!;
        // Take from the right only when strictly before: that keeps ties in order.
        if (desc ? kj > ki : kj < ki) {
          dst[o] = src[j]!;
          dstKeys[o++] = kj;
          j++;
        } else {
          dst[o] = src[i]!;
          dstKeys[o++] = ki;
          i++;
        }
      }
      for (; i < mid; i++, o++) {
        dst[o] = src[i]!;
        dstKeys[o] = srcKeys[i]!;
      }
      for (; j < end; j++, o++) {
        dst[o] = src[j]!;
        dstKeys[o] = srcKeys[j]!;
      }
    }
    const t = src;
    src = dst;
    dst = t;
    const tk = srcKeys;
    srcKeys = dstKeys;
    dstKeys = tk;
  }
  if (src === idx) return false;
  // The NaN block outside [lo, hi) only lives in `idx`: copy it so `tmp` holds the whole lane.
  for (let k = 0; k < lo; k++) tmp[k] = idx[k]!;
  for (let k = hi; k < idx.length; k++) tmp[k] = idx[k]!;
  return true;
}

function insertionSort(idx: Int32Array, keys: Float64Array, lo: number, hi: number, desc: boolean): void {
  for (let i = lo + 1; i < hi; i++) {
    const k = keys[i]!;
    const id = idx[i]!;
    let j = i - 1;
    while (j >= lo && (desc ? k > keys[j]! : k < keys[j]!)) {
      keys[j + 1] = keys[j]!;
      idx[j + 1] = idx[j]!;
      j--;
    }
    keys[j + 1] = k;
    idx[j + 1] = id;
  }
}

/** 'sort' ({dim, descending}): returns [values, indices (int32)]. */
export const sortKernel: FusedKernel = (inputs, attrs) => {
  const x = inputs[0]!;
  const dim = attrs.dim as number;
  const view = hostView(x);
  let indices: Tensor | undefined;
  const values = produce(x.backend, x.dtype, x.shape, (vals) => {
    indices = produce(x.backend, 'int32', x.shape, (idx) => sortImpl(view, dim, attrs.descending === true, vals, idx as Int32Array));
  });
  return [values, indices!];
};

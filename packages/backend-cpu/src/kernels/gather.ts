/** torch.gather along one dim. */
import type { TypedArray } from '@tessera/core';
import { RowIterator, type ArrayView } from './strided.js';

/**
 * `out[i][j][k] = x[index[i][j][k]][j][k]` (for `dim` 0; likewise for other dims) into contiguous
 * `out` of index's shape. Throws a RangeError naming the first index outside `[0, x.shape[dim])`.
 */
export function gatherImpl(x: ArrayView, dim: number, index: ArrayView, out: TypedArray): void {
  const nd = x.shape.length;
  checkIndexShape('gather', x.shape, dim, index.shape);
  const size = nd === 0 ? 1 : x.shape[dim]!;
  const step = nd === 0 ? 0 : x.strides[dim]!;
  // x's strides without `dim`: the gathered coordinate is added per element instead.
  const xStrides = x.strides.map((s, d) => (d === dim ? 0 : s));
  const it = new RowIterator(index.shape, [index.strides, xStrides], [index.offset, x.offset]);
  const n = it.length;
  const idx = index.values;
  const v = x.values;
  const is = it.steps[0]!;
  const xs = it.steps[1]!;
  const off = it.offsets;
  for (let r = 0, o = 0; r < it.rows; r++, it.next()) {
    let ii = off[0]!;
    let xi = off[1]!;
    for (const end = o + n; o < end; o++, ii += is, xi += xs) {
      const k = idx[ii]!;
      if (!(k >= 0 && k < size)) throw outOfBounds('gather', k, dim, size);
      out[o] = v[xi + k * step]!;
    }
  }
}

/** The error for an index outside `[0, size)`. */
export function outOfBounds(op: string, k: number, dim: number, size: number): RangeError {
  const valid = size > 0 ? `valid range [0, ${size - 1}]` : 'the dimension is empty';
  return new RangeError(`${op}: index ${k} is out of bounds for dimension ${dim} with size ${size} (${valid})`);
}

/** torch's shape rule: same rank, and index no larger than `shape` in every dim but `dim`. */
export function checkIndexShape(op: string, shape: readonly number[], dim: number, indexShape: readonly number[], what = 'input'): void {
  const nd = shape.length;
  if (indexShape.length !== nd) {
    throw new RangeError(`${op}: index must have the same number of dimensions as ${what} (${indexShape.length} vs ${nd})`);
  }
  if (nd === 0) {
    if (dim !== 0 && dim !== -1) throw new RangeError(`${op}: dimension ${dim} is out of range for a 0-d ${what}`);
    return;
  }
  if (!Number.isInteger(dim) || dim < 0 || dim >= nd) throw new RangeError(`${op}: dimension ${dim} is out of range for a ${nd}-d ${what}`);
  for (let d = 0; d < nd; d++) {
    if (d !== dim && indexShape[d]! > shape[d]!) {
      throw new RangeError(
        `${op}: index shape [${indexShape.join(',')}] is larger than ${what} shape [${shape.join(',')}] in dimension ${d}`,
      );
    }
  }
}

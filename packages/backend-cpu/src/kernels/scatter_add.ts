/** torch.scatter_add_ along one dim. */
import type { TypedArray } from '@tessera/core';
import { checkIndexShape, outOfBounds } from './gather.js';
import { denseStrides, RowIterator, type ArrayView } from './strided.js';

/**
 * In place: `target[index[i][j]][j] += src[i][j]` (for `dim` 0; likewise for other dims), where
 * `target` is contiguous with `targetShape`. Repeated indices accumulate. Throws a RangeError
 * naming the first index outside `[0, targetShape[dim])`.
 */
export function scatterAddImpl(
  target: TypedArray,
  targetShape: readonly number[],
  dim: number,
  index: ArrayView,
  src: ArrayView,
): void {
  const nd = targetShape.length;
  checkIndexShape('scatterAdd', targetShape, dim, index.shape, 'target');
  if (src.shape.length !== nd) {
    throw new RangeError(`scatterAdd: src must have the same number of dimensions as target (${src.shape.length} vs ${nd})`);
  }
  for (let d = 0; d < nd; d++) {
    if (index.shape[d]! > src.shape[d]!) {
      throw new RangeError(
        `scatterAdd: index shape [${index.shape.join(',')}] is larger than src shape [${src.shape.join(',')}] in dimension ${d}`,
      );
    }
  }
  const size = nd === 0 ? 1 : targetShape[dim]!;
  const tStrides = denseStrides(targetShape);
  const step = nd === 0 ? 0 : tStrides[dim]!;
  if (nd > 0) tStrides[dim] = 0;
  const it = new RowIterator(index.shape, [index.strides, src.strides, tStrides], [index.offset, src.offset, 0]);
  const n = it.length;
  const idx = index.values;
  const s = src.values;
  const is = it.steps[0]!;
  const ss = it.steps[1]!;
  const ts = it.steps[2]!;
  const off = it.offsets;
  for (let r = 0; r < it.rows; r++, it.next()) {
    let ii = off[0]!;
    let si = off[1]!;
    let ti = off[2]!;
    for (let j = 0; j < n; j++, ii += is, si += ss, ti += ts) {
      const k = idx[ii]!;
      if (!(k >= 0 && k < size)) throw outOfBounds('scatterAdd', k, dim, size);
      target[ti + k * step] += s[si]!;
    }
  }
}

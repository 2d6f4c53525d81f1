/** Strided-to-strided copy. */
import { isDense, numelOf, RowIterator, type ArrayView } from './strided.js';

/**
 * Writes every element of `src` into `dst` (same shape). Differing array types convert the way
 * typed-array assignment does (so this also serves casts to non-bool dtypes).
 */
export function copyImpl(src: ArrayView, dst: ArrayView): void {
  const n = numelOf(src.shape);
  if (n === 0) return;
  if (isDense(src.shape, src.strides) && isDense(dst.shape, dst.strides)) {
    // `set` handles overlapping ranges of one buffer and converts between array types.
    dst.values.set(src.values.subarray(src.offset, src.offset + n), dst.offset);
    return;
  }
  const it = new RowIterator(src.shape, [src.strides, dst.strides], [src.offset, dst.offset]);
  const len = it.length;
  const s = src.values;
  const d = dst.values;
  const ss = it.steps[0]!;
  const ds = it.steps[1]!;
  const off = it.offsets;
  for (let r = 0; r < it.rows; r++, it.next()) {
    let si = off[0]!;
    let di = off[1]!;
    for (let j = 0; j < len; j++, si += ss, di += ds) d[di] = s[si]!;
  }
}

/** Elementwise select over three strided views of the output shape. */
import type { TypedArray } from '@tessera/core';
import { RowIterator, type ArrayView } from './strided.js';

/** Writes `cond ? a : b` into `out` (contiguous); any nonzero (or NaN) condition selects `a`. */
export function whereImpl(cond: ArrayView, a: ArrayView, b: ArrayView, out: TypedArray): void {
  const it = new RowIterator(cond.shape, [cond.strides, a.strides, b.strides], [cond.offset, a.offset, b.offset]);
  const n = it.length;
  const c = cond.values;
  const x = a.values;
  const y = b.values;
  const cs = it.steps[0]!;
  const as = it.steps[1]!;
  const bs = it.steps[2]!;
  const off = it.offsets;
  for (let r = 0, o = 0; r < it.rows; r++, it.next()) {
    let ci = off[0]!;
    let ai = off[1]!;
    let bi = off[2]!;
    for (const end = o + n; o < end; o++, ci += cs, ai += as, bi += bs) out[o] = c[ci] !== 0 ? x[ai]! : y[bi]!;
  }
}

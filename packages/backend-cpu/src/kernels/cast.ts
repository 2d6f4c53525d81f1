/** Dtype conversion. */
import type { DType, TypedArray } from '@tessera/core';
import { copyImpl } from './copy.js';
import { denseStrides, RowIterator, type ArrayView } from './strided.js';

/**
 * Converts `x` into `out` (contiguous, backing `dtype`). Typed-array assignment already gives C
 * semantics for the numeric targets: floats truncate toward zero into int32, and uint8 wraps
 * modulo 256. `bool` is `x != 0`, so NaN becomes true.
 */
export function castImpl(x: ArrayView, dtype: DType, out: TypedArray): void {
  if (dtype !== 'bool') {
    copyImpl(x, { values: out, shape: x.shape, strides: denseStrides(x.shape), offset: 0 });
    return;
  }
  const it = new RowIterator(x.shape, [x.strides], [x.offset]);
  const n = it.length;
  const v = x.values;
  const step = it.steps[0]!;
  for (let r = 0, o = 0; r < it.rows; r++, it.next()) {
    let i = it.offsets[0]!;
    for (const end = o + n; o < end; o++, i += step) out[o] = v[i] !== 0 ? 1 : 0;
  }
}

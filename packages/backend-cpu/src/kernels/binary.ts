/** Elementwise binary ops over two strided views of the output shape (broadcast dims have stride 0). */
import type { BinaryOp, TypedArray } from '@tessera/core';
import { fastBinaryLoop } from './binary_fast.js';
import { numelOf, RowIterator, stepOf, type ArrayView } from './strided.js';

/**
 * Writes `a op b` into `out` (contiguous). Integer inputs get integer semantics for `mul`
 * (wrapping 32-bit product) and `pow` (exact integer power); comparisons and logical ops write 0/1.
 */
export function binaryImpl(op: BinaryOp, a: ArrayView, b: ArrayView, out: TypedArray): void {
  const fast = fastBinaryLoop(op, a.values, b.values, out);
  if (fast) {
    // Whole operands contiguous or scalar: one call, without building an iterator.
    const sa = stepOf(a.shape, a.strides);
    const sb = stepOf(b.shape, b.strides);
    if (sa >= 0 && sb >= 0 && sa + sb > 0) {
      fast(a.values, a.offset, sa, b.values, b.offset, sb, out, 0, numelOf(a.shape));
      return;
    }
  }
  const integer = isIntArray(a.values) && isIntArray(b.values);
  const it = new RowIterator(a.shape, [a.strides, b.strides], [a.offset, b.offset]);
  const n = it.length;
  const off = it.offsets;
  const as = it.steps[0]!;
  const bs = it.steps[1]!;
  if (fast && as <= 1 && bs <= 1 && as >= 0 && bs >= 0 && as + bs > 0) {
    // Broadcast rows (a bias over a batch, a per-channel scale): the monomorphic loop per row.
    for (let r = 0, o = 0; r < it.rows; r++, o += n, it.next()) fast(a.values, off[0]!, as, b.values, off[1]!, bs, out, o, n);
    return;
  }
  for (let r = 0, o = 0; r < it.rows; r++, o += n, it.next()) {
    binaryRow(op, integer, a.values, off[0]!, as, b.values, off[1]!, bs, out, o, n);
  }
}

function isIntArray(v: TypedArray): boolean {
  return v instanceof Int32Array || v instanceof Uint8Array;
}

/** Python/PyTorch remainder: the result takes the divisor's sign (`%` is C's fmod). */
export function remainder(x: number, y: number): number {
  const m = x % y;
  return m !== 0 && m < 0 !== y < 0 ? m + y : m;
}

/** Integer power by squaring with 32-bit wrap-around, as C integer arithmetic does. */
export function intPow(base: number, exp: number): number {
  if (exp < 0) return base === 1 ? 1 : base === -1 ? (exp & 1 ? -1 : 1) : 0;
  let result = 1;
  let b = base | 0;
  let e = exp;
  while (e > 0) {
    if (e & 1) result = Math.imul(result, b);
    b = Math.imul(b, b);
    e = Math.floor(e / 2);
  }
  return result;
}

/** `Math.pow`, except that 1^y and (-1)^(+-inf) are 1 as in C and PyTorch (JS gives NaN). */
export function floatPow(x: number, y: number): number {
  const r = Math.pow(x, y);
  if (r === r) return r;
  return x === 1 || (x === -1 && (y === Infinity || y === -Infinity)) ? 1 : r;
}

function binaryRow(
  op: BinaryOp,
  integer: boolean,
  a: TypedArray,
  ai: number,
  as: number,
  b: TypedArray,
  bi: number,
  bs: number,
  out: TypedArray,
  o: number,
  n: number,
): void {
  const end = o + n;
  switch (op) {
    case 'add':
      for (; o < end; o++, ai += as, bi += bs) out[o] = a[ai]! + b[bi]!;
      return;
    case 'sub':
      for (; o < end; o++, ai += as, bi += bs) out[o] = a[ai]! - b[bi]!;
      return;
    case 'mul':
      if (integer) for (; o < end; o++, ai += as, bi += bs) out[o] = Math.imul(a[ai]!, b[bi]!);
      else for (; o < end; o++, ai += as, bi += bs) out[o] = a[ai]! * b[bi]!;
      return;
    case 'div':
      for (; o < end; o++, ai += as, bi += bs) out[o] = a[ai]! / b[bi]!;
      return;
    case 'pow':
      if (integer) for (; o < end; o++, ai += as, bi += bs) out[o] = intPow(a[ai]!, b[bi]!);
      else for (; o < end; o++, ai += as, bi += bs) out[o] = floatPow(a[ai]!, b[bi]!);
      return;
    case 'maximum':
      // `x !== x` picks a NaN on the left; a NaN on the right loses `x > y` and is picked too.
      for (; o < end; o++, ai += as, bi += bs) {
        const x = a[ai]!;
        const y = b[bi]!;
        out[o] = x > y || x !== x ? x : y;
      }
      return;
    case 'minimum':
      for (; o < end; o++, ai += as, bi += bs) {
        const x = a[ai]!;
        const y = b[bi]!;
        out[o] = x < y || x !== x ? x : y;
      }
      return;
    case 'remainder':
      for (; o < end; o++, ai += as, bi += bs) out[o] = remainder(a[ai]!, b[bi]!);
      return;
    case 'atan2':
      for (; o < end; o++, ai += as, bi += bs) out[o] = Math.atan2(a[ai]!, b[bi]!);
      return;
    case 'eq':
      for (; o < end; o++, ai += as, bi += bs) out[o] = a[ai] === b[bi] ? 1 : 0;
      return;
    case 'ne':
      for (; o < end; o++, ai += as, bi += bs) out[o] = a[ai] !== b[bi] ? 1 : 0;
      return;
    case 'lt':
      for (; o < end; o++, ai += as, bi += bs) out[o] = a[ai]! < b[bi]! ? 1 : 0;
      return;
    case 'le':
      for (; o < end; o++, ai += as, bi += bs) out[o] = a[ai]! <= b[bi]! ? 1 : 0;
      return;
    case 'gt':
      for (; o < end; o++, ai += as, bi += bs) out[o] = a[ai]! > b[bi]! ? 1 : 0;
      return;
    case 'ge':
      for (; o < end; o++, ai += as, bi += bs) out[o] = a[ai]! >= b[bi]! ? 1 : 0;
      return;
    case 'logicalAnd':
      for (; o < end; o++, ai += as, bi += bs) out[o] = a[ai] !== 0 && b[bi] !== 0 ? 1 : 0;
      return;
    case 'logicalOr':
      for (; o < end; o++, ai += as, bi += bs) out[o] = a[ai] !== 0 || b[bi] !== 0 ? 1 : 0;
      return;
    default:
      throw new TypeError(`binary: unknown op '${String(op)}'`);
  }
}

/** Elementwise unary ops over a strided view. */
import type { TypedArray, UnaryOp } from '@tessera/core';
import { erf } from './erf.js';
import { isDense, numelOf, RowIterator, type ArrayView } from './strided.js';
import { fastUnaryLoop } from './unary_fast.js';

/**
 * Writes `op(x)` into `out` (contiguous, `x`'s element count). `out`'s array type decides the
 * stored values: predicates (`logicalNot`, `isnan`, `isfinite`) write 0/1 into any array.
 */
export function unaryImpl(op: UnaryOp, x: ArrayView, out: TypedArray): void {
  const fast = fastUnaryLoop(op, x.values, out);
  if (fast && isDense(x.shape, x.strides)) {
    fast(x.values, x.offset, out, 0, numelOf(x.shape));
    return;
  }
  const it = new RowIterator(x.shape, [x.strides], [x.offset]);
  const n = it.length;
  if (fast && it.steps[0] === 1) {
    for (let r = 0, o = 0; r < it.rows; r++, o += n, it.next()) fast(x.values, it.offsets[0]!, out, o, n);
    return;
  }
  for (let r = 0, o = 0; r < it.rows; r++, o += n, it.next()) {
    unaryRow(op, x.values, it.offsets[0]!, it.steps[0]!, out, o, n);
  }
}

/** Round half to even, as PyTorch and NumPy do (Math.round rounds half up). */
export function roundHalfEven(v: number): number {
  const r = Math.round(v);
  return r - v === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

function unaryRow(op: UnaryOp, x: TypedArray, xi: number, xs: number, out: TypedArray, o: number, n: number): void {
  const end = o + n;
  switch (op) {
    case 'neg':
      for (; o < end; o++, xi += xs) out[o] = -x[xi]!;
      return;
    case 'abs':
      for (; o < end; o++, xi += xs) out[o] = Math.abs(x[xi]!);
      return;
    case 'exp':
      for (; o < end; o++, xi += xs) out[o] = Math.exp(x[xi]!);
      return;
    case 'log':
      for (; o < end; o++, xi += xs) out[o] = Math.log(x[xi]!);
      return;
    case 'log1p':
      for (; o < end; o++, xi += xs) out[o] = Math.log1p(x[xi]!);
      return;
    case 'expm1':
      for (; o < end; o++, xi += xs) out[o] = Math.expm1(x[xi]!);
      return;
    case 'sqrt':
      for (; o < end; o++, xi += xs) out[o] = Math.sqrt(x[xi]!);
      return;
    case 'rsqrt':
      for (; o < end; o++, xi += xs) out[o] = 1 / Math.sqrt(x[xi]!);
      return;
    case 'reciprocal':
      for (; o < end; o++, xi += xs) out[o] = 1 / x[xi]!;
      return;
    case 'sin':
      for (; o < end; o++, xi += xs) out[o] = Math.sin(x[xi]!);
      return;
    case 'cos':
      for (; o < end; o++, xi += xs) out[o] = Math.cos(x[xi]!);
      return;
    case 'tanh':
      for (; o < end; o++, xi += xs) out[o] = Math.tanh(x[xi]!);
      return;
    case 'sigmoid':
      // Two forms so that exp never overflows into inf/inf.
      for (; o < end; o++, xi += xs) {
        const v = x[xi]!;
        if (v >= 0) {
          out[o] = 1 / (1 + Math.exp(-v));
        } else {
          const e = Math.exp(v);
          out[o] = e / (1 + e);
        }
      }
      return;
    case 'relu':
      // `v < 0` is false for NaN, so NaN passes through.
      for (; o < end; o++, xi += xs) {
        const v = x[xi]!;
        out[o] = v < 0 ? 0 : v;
      }
      return;
    case 'erf':
      for (; o < end; o++, xi += xs) out[o] = erf(x[xi]!);
      return;
    case 'floor':
      for (; o < end; o++, xi += xs) out[o] = Math.floor(x[xi]!);
      return;
    case 'ceil':
      for (; o < end; o++, xi += xs) out[o] = Math.ceil(x[xi]!);
      return;
    case 'round':
      for (; o < end; o++, xi += xs) out[o] = roundHalfEven(x[xi]!);
      return;
    case 'sign':
      // NaN propagates, as in NumPy; zeros keep their sign bit.
      for (; o < end; o++, xi += xs) {
        const v = x[xi]!;
        out[o] = v > 0 ? 1 : v < 0 ? -1 : v;
      }
      return;
    case 'logicalNot':
      for (; o < end; o++, xi += xs) out[o] = x[xi] === 0 ? 1 : 0;
      return;
    case 'isnan':
      for (; o < end; o++, xi += xs) {
        const v = x[xi]!;
        out[o] = v !== v ? 1 : 0;
      }
      return;
    case 'isfinite':
      for (; o < end; o++, xi += xs) {
        const v = x[xi]!;
        out[o] = v - v === 0 ? 1 : 0;
      }
      return;
    default:
      throw new TypeError(`unary: unknown op '${String(op)}'`);
  }
}

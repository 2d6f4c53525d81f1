/**
 * Reductions (sum, prod, max, min) over any set of axes of a strided view.
 *
 * The input is walked in its own memory order (dims sorted by stride) against an accumulator
 * whose strides are dense over the kept dims and 0 over the reduced ones. Each innermost row is
 * then either reduced to one value (reduced innermost dim, e.g. a row sum) or accumulated
 * elementwise into a row of the accumulator (kept innermost dim, e.g. column sums), so both
 * common cases read memory sequentially.
 */
import type { ReduceOp, TypedArray } from '@tessera/core';
import { denseStrides, numelOf, RowIterator, type ArrayView } from './strided.js';

const IDENTITY: Record<ReduceOp, number> = { sum: 0, prod: 1, max: -Infinity, min: Infinity };

/**
 * Reduces `x` over `axes` (sorted, unique) into `out`, contiguous with those axes removed. Floats
 * accumulate in float64; an integer `prod` into an Int32Array wraps like 32-bit C arithmetic.
 * `max`/`min` propagate NaN; an empty reduction yields the identity.
 */
export function reduceImpl(op: ReduceOp, x: ArrayView, axes: readonly number[], out: TypedArray, outIsBool = false): void {
  const { it, outSize } = reductionRows(x, axes);
  if (out.length < outSize) throw new RangeError(`reduce: output holds ${out.length} elements, needs ${outSize}`);
  if (outSize === 0) return;

  const intProd = op === 'prod' && (out instanceof Int32Array || (out instanceof Uint8Array && !outIsBool)) && !isFloatArray(x.values);
  const acc: Float64Array | Int32Array = intProd ? new Int32Array(outSize) : new Float64Array(outSize);
  acc.fill(IDENTITY[op]);

  const n = it.length;
  const xs = it.steps[0]!;
  const as = it.steps[1]!;
  const off = it.offsets;
  const v = x.values;
  for (let r = 0; r < it.rows; r++, it.next()) {
    const xi = off[0]!;
    const ai = off[1]!;
    if (intProd) {
      prodIntRow(v, xi, xs, acc as Int32Array, ai, as, n);
    } else if (as === 0) {
      const f = acc as Float64Array;
      f[ai] = combine(op, f[ai]!, reduceRow(op, v, xi, xs, n));
    } else {
      accumulateRow(op, v, xi, xs, acc as Float64Array, ai, as, n);
    }
  }

  if (outIsBool) {
    for (let i = 0; i < outSize; i++) out[i] = acc[i] !== 0 ? 1 : 0;
  } else {
    out.set(acc);
  }
}

/**
 * Walks `x` in its own memory order (dims sorted by stride) as rows, alongside an accumulator
 * that is dense over the kept dims and has stride 0 over the reduced `axes`: operand 0 of the
 * iterator is `x`, operand 1 the accumulator index. A row with accumulator step 0 reduces to one
 * value; otherwise it folds elementwise into a row of the accumulator. Fused reductions reuse it.
 */
export function reductionRows(x: ArrayView, axes: readonly number[]): { it: RowIterator; outSize: number } {
  const nd = x.shape.length;
  const reduced = new Array<boolean>(nd).fill(false);
  for (const a of axes) {
    if (!Number.isInteger(a) || a < 0 || a >= nd) throw new RangeError(`reduce: axis ${a} is out of range for a ${nd}-d tensor`);
    reduced[a] = true;
  }
  const keptShape: number[] = [];
  for (let d = 0; d < nd; d++) if (!reduced[d]) keptShape.push(x.shape[d]!);
  const outSize = numelOf(keptShape);

  // Accumulator strides: dense over kept dims, 0 over reduced dims.
  const keptStrides = denseStrides(keptShape);
  const accStrides = new Array<number>(nd);
  for (let d = 0, k = 0; d < nd; d++) accStrides[d] = reduced[d] ? 0 : keptStrides[k++]!;

  // Walk in memory order: larger input strides outside. Ties keep the logical order.
  const order = Array.from({ length: nd }, (_, d) => d);
  order.sort((p, q) => x.strides[q]! - x.strides[p]! || p - q);
  const shape = order.map((d) => x.shape[d]!);
  const xStrides = order.map((d) => x.strides[d]!);
  const aStrides = order.map((d) => accStrides[d]!);
  return { it: new RowIterator(shape, [xStrides, aStrides], [x.offset, 0]), outSize };
}

function isFloatArray(v: TypedArray): boolean {
  return v instanceof Float32Array || v instanceof Float64Array;
}

function combine(op: ReduceOp, x: number, y: number): number {
  switch (op) {
    case 'sum':
      return x + y;
    case 'prod':
      return x * y;
    case 'max':
      return y > x || y !== y ? y : x;
    case 'min':
      return y < x || y !== y ? y : x;
  }
}

/** Reduces one row to a value. */
function reduceRow(op: ReduceOp, v: TypedArray, i: number, s: number, n: number): number {
  switch (op) {
    case 'sum': {
      // Four independent partial sums hide the latency of the add chain.
      let s0 = 0, s1 = 0, s2 = 0, s3 = 0;
      let j = 0;
      if (s === 1) {
        for (; j + 4 <= n; j += 4, i += 4) {
          s0 += v[i]!;
          s1 += v[i + 1]!;
          s2 += v[i + 2]!;
          s3 += v[i + 3]!;
        }
      }
      for (; j < n; j++, i += s) s0 += v[i]!;
      return s0 + s1 + (s2 + s3);
    }
    case 'prod': {
      let p = 1;
      for (let j = 0; j < n; j++, i += s) p *= v[i]!;
      return p;
    }
    case 'max': {
      let m = -Infinity;
      for (let j = 0; j < n; j++, i += s) {
        const y = v[i]!;
        if (y > m || y !== y) m = y;
      }
      return m;
    }
    case 'min': {
      let m = Infinity;
      for (let j = 0; j < n; j++, i += s) {
        const y = v[i]!;
        if (y < m || y !== y) m = y;
      }
      return m;
    }
  }
}

/** Folds one input row elementwise into a row of the accumulator. */
function accumulateRow(op: ReduceOp, v: TypedArray, i: number, s: number, acc: Float64Array, a: number, as: number, n: number): void {
  switch (op) {
    case 'sum':
      for (let j = 0; j < n; j++, i += s, a += as) acc[a] += v[i]!;
      return;
    case 'prod':
      for (let j = 0; j < n; j++, i += s, a += as) acc[a] *= v[i]!;
      return;
    case 'max':
      for (let j = 0; j < n; j++, i += s, a += as) {
        const y = v[i]!;
        if (y > acc[a]! || y !== y) acc[a] = y;
      }
      return;
    case 'min':
      for (let j = 0; j < n; j++, i += s, a += as) {
        const y = v[i]!;
        if (y < acc[a]! || y !== y) acc[a] = y;
      }
      return;
  }
}

function prodIntRow(v: TypedArray, i: number, s: number, acc: Int32Array, a: number, as: number, n: number): void {
  for (let j = 0; j < n; j++, i += s, a += as) acc[a] = Math.imul(acc[a]!, v[i]!);
}

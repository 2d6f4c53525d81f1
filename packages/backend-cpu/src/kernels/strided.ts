/**
 * Strided iteration shared by the elementwise kernels.
 *
 * Several views of one shape are walked together as a sequence of 1-D rows: dims of size 1 are
 * dropped and neighbouring dims that are laid out consecutively in every view are merged, so a
 * contiguous (or uniformly broadcast) operand becomes a single long row and the per-row loop is
 * the only hot loop.
 */
import type { TypedArray } from '@tessera/core';

/** A strided window onto a host typed array (a `View` with its handle resolved). */
export interface ArrayView {
  readonly values: TypedArray;
  readonly shape: readonly number[];
  readonly strides: readonly number[];
  readonly offset: number;
}

export function numelOf(shape: readonly number[]): number {
  let n = 1;
  for (let i = 0; i < shape.length; i++) n *= shape[i]!;
  return n;
}

/** Row-major strides of a dense tensor of `shape`. */
export function denseStrides(shape: readonly number[]): number[] {
  const strides = new Array<number>(shape.length);
  let s = 1;
  for (let i = shape.length - 1; i >= 0; i--) {
    strides[i] = s;
    s *= shape[i]!;
  }
  return strides;
}

/** True when the view is dense row-major (size-1 dims may have any stride). */
export function isDense(shape: readonly number[], strides: readonly number[]): boolean {
  let expected = 1;
  for (let i = shape.length - 1; i >= 0; i--) {
    const d = shape[i]!;
    if (d !== 1 && strides[i] !== expected) return false;
    expected *= d;
  }
  return true;
}

/** 1 for a dense view, 0 for a broadcast scalar (every stride 0 or size 1), -1 for anything else. */
export function stepOf(shape: readonly number[], strides: readonly number[]): number {
  if (isConstant(shape, strides)) return 0;
  return isDense(shape, strides) ? 1 : -1;
}

/**
 * Walks `shape` as rows of its last merged dim, keeping one running offset per operand.
 *
 * ```ts
 * const it = new RowIterator(shape, [a.strides, b.strides], [a.offset, b.offset]);
 * for (let r = 0; r < it.rows; r++, it.next()) loop(it.offsets[0], it.steps[0], it.offsets[1], ...);
 * ```
 */
export class RowIterator {
  /** Number of rows (1 for a 0-d or fully merged shape, 0 when the shape is empty). */
  readonly rows: number;
  /** Elements per row. */
  readonly length: number;
  /** Stride along the row, per operand. */
  readonly steps: number[];
  /** Start of the current row, per operand. */
  readonly offsets: number[];
  private readonly outer: number[];
  private readonly outerStrides: number[]; // [dim * operands + operand]
  private readonly counter: number[];
  private readonly operands: number;

  constructor(shape: readonly number[], strides: readonly (readonly number[])[], offsets: readonly number[]) {
    const k = strides.length;
    this.operands = k;
    this.offsets = offsets.slice();
    this.steps = new Array<number>(k).fill(0);
    this.outer = [];
    this.outerStrides = [];
    this.counter = [];
    const n = numelOf(shape);
    if (n === 0) {
      this.rows = 0;
      this.length = 0;
      return;
    }
    // Fast path (small ops are dominated by setup): every operand dense or constant is one row.
    let simple = true;
    for (let o = 0; o < k && simple; o++) {
      const st = strides[o]!;
      if (isDense(shape, st)) this.steps[o] = 1;
      else if (isConstant(shape, st)) this.steps[o] = 0;
      else simple = false;
    }
    if (simple) {
      this.rows = 1;
      this.length = n;
      return;
    }
    // Drop size-1 dims, then merge dim d into the previous kept dim when every operand steps
    // over d exactly.
    const dims: number[] = [];
    const st: number[] = []; // [dim * k + operand]
    for (let d = 0; d < shape.length; d++) {
      const size = shape[d]!;
      if (size === 1) continue;
      const last = dims.length - 1;
      let merge = last >= 0;
      for (let o = 0; o < k && merge; o++) {
        if (st[last * k + o]! !== strides[o]![d]! * size) merge = false;
      }
      if (merge) {
        dims[last] = dims[last]! * size;
        for (let o = 0; o < k; o++) st[last * k + o] = strides[o]![d]!;
      } else {
        dims.push(size);
        for (let o = 0; o < k; o++) st.push(strides[o]![d]!);
      }
    }
    const nd = dims.length;
    this.length = dims[nd - 1]!;
    for (let o = 0; o < k; o++) this.steps[o] = st[(nd - 1) * k + o]!;
    this.outer = dims.slice(0, nd - 1);
    this.outerStrides = st.slice(0, (nd - 1) * k);
    this.counter = new Array<number>(nd - 1).fill(0);
    this.rows = n / this.length;
  }

  /** Advances `offsets` to the next row. */
  next(): void {
    const k = this.operands;
    const offsets = this.offsets;
    const ostr = this.outerStrides;
    for (let d = this.outer.length - 1; d >= 0; d--) {
      const base = d * k;
      if (++this.counter[d]! < this.outer[d]!) {
        for (let o = 0; o < k; o++) offsets[o] += ostr[base + o]!;
        return;
      }
      this.counter[d] = 0;
      const back = this.outer[d]! - 1;
      for (let o = 0; o < k; o++) offsets[o] -= ostr[base + o]! * back;
    }
  }
}

/** True when every stride of a non-size-1 dim is 0 (a broadcast scalar). */
function isConstant(shape: readonly number[], strides: readonly number[]): boolean {
  for (let i = 0; i < shape.length; i++) if (shape[i] !== 1 && strides[i] !== 0) return false;
  return true;
}

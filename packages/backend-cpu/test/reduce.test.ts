import type { DType, ReduceOp } from '@tessera/core';
import { describe, expect, it } from 'vitest';
import { at, cpu, indices, rand, read, view } from './helpers.js';

/** Reference reduction through the strides. */
function reference(op: ReduceOp, values: number[], shape: number[], strides: number[], offset: number, axes: number[]): number[] {
  const kept = shape.map((_, d) => d).filter((d) => !axes.includes(d));
  const outShape = kept.map((d) => shape[d]!);
  const init = { sum: 0, prod: 1, max: -Infinity, min: Infinity }[op];
  const out = new Array<number>(outShape.reduce((a, b) => a * b, 1)).fill(init);
  for (const idx of indices(shape)) {
    let o = 0;
    for (const d of kept) o = o * shape[d]! + idx[d]!;
    const v = at(values, strides, offset, idx);
    const c = out[o]!;
    if (op === 'sum') out[o] = c + v;
    else if (op === 'prod') out[o] = c * v;
    else if (op === 'max') out[o] = Number.isNaN(c) || Number.isNaN(v) ? NaN : Math.max(c, v);
    else out[o] = Number.isNaN(c) || Number.isNaN(v) ? NaN : Math.min(c, v);
  }
  return out;
}

function run(op: ReduceOp, values: number[], shape: number[], axes: number[], dtype: DType = 'float64', strides?: number[], offset = 0, outDtype: DType = dtype): number[] {
  const x = view(values, dtype, shape, strides, offset);
  const size = shape.filter((_, d) => !axes.includes(d)).reduce((a, b) => a * b, 1);
  return read(cpu.reduce(op, x, axes, outDtype), size);
}

describe('reduce', () => {
  const x = [1, 2, 3, 4, 5, 6]; // [[1,2,3],[4,5,6]]
  it('sum over each axis and all', () => {
    expect(run('sum', x, [2, 3], [1])).toEqual([6, 15]);
    expect(run('sum', x, [2, 3], [0])).toEqual([5, 7, 9]);
    expect(run('sum', x, [2, 3], [0, 1])).toEqual([21]);
    expect(run('sum', x, [2, 3], [])).toEqual(x);
  });

  it('prod, max, min', () => {
    expect(run('prod', x, [2, 3], [1])).toEqual([6, 120]);
    expect(run('max', x, [2, 3], [0])).toEqual([4, 5, 6]);
    expect(run('min', x, [2, 3], [1])).toEqual([1, 4]);
    expect(run('max', [-1, -5, -3], [3], [0])).toEqual([-1]);
  });

  it('max/min propagate NaN along and across rows', () => {
    const v = [1, NaN, 3, 4, 5, 6];
    expect(run('max', v, [2, 3], [1])).toEqual([NaN, 6]);
    expect(run('min', v, [2, 3], [0])).toEqual([1, NaN, 3]);
    expect(run('max', [NaN, 1], [2], [0])).toEqual([NaN]);
    expect(run('min', [1, NaN], [2], [0])).toEqual([NaN]);
    expect(run('sum', v, [2, 3], [0])).toEqual([5, NaN, 9]);
  });

  it('empty reductions give the identity', () => {
    expect(run('sum', [], [0, 3], [0])).toEqual([0, 0, 0]);
    expect(run('prod', [], [0, 3], [0])).toEqual([1, 1, 1]);
    expect(run('max', [], [2, 0], [1])).toEqual([-Infinity, -Infinity]);
    expect(run('min', [], [0], [0])).toEqual([Infinity]);
    expect(run('sum', [], [0, 3], [1])).toEqual([]);
  });

  it('0-d input', () => {
    expect(run('sum', [7], [], [])).toEqual([7]);
    expect(run('max', [7], [], [])).toEqual([7]);
    expect(run('prod', [0, 3], [], [], 'float64', [], 1)).toEqual([3]);
  });

  it('matches a reference on strided views for every axis set', () => {
    const shape = [3, 4, 5];
    const base = rand(200, 11);
    const layouts: [number[], number][] = [
      [[20, 5, 1], 0], // dense
      [[1, 3, 12], 0], // fully transposed
      [[40, 1, 4], 7], // permuted with an offset
      [[0, 5, 1], 0], // broadcast first dim
      [[20, 0, 2], 3], // broadcast middle, strided last
    ];
    const axesSets = [[], [0], [1], [2], [0, 1], [0, 2], [1, 2], [0, 1, 2]];
    for (const op of ['sum', 'prod', 'max', 'min'] as ReduceOp[]) {
      for (const [strides, offset] of layouts) {
        for (const axes of axesSets) {
          const got = run(op, base, shape, axes, 'float64', strides, offset);
          const want = reference(op, base, shape, strides, offset, axes);
          got.forEach((g, i) => expect(g).toBeCloseTo(want[i]!, 10));
        }
      }
    }
  });

  it('float32 sums accumulate in float64', () => {
    const n = 1 << 20;
    const vals = new Array<number>(n).fill(0.1);
    const got = run('sum', vals, [n], [0], 'float32');
    expect(Math.abs(got[0]! - n * Math.fround(0.1))).toBeLessThan(0.01);
    const cols = run('sum', vals, [n / 4, 4], [0], 'float32');
    expect(Math.abs(cols[0]! - (n / 4) * Math.fround(0.1))).toBeLessThan(0.01);
  });

  it('integer and bool outputs', () => {
    expect(run('sum', [1, 2, 3, 4], [2, 2], [0], 'int32')).toEqual([4, 6]);
    expect(run('prod', [65536, 65536, 3], [3], [0], 'int32')).toEqual([0]);
    expect(run('prod', [100003, 99991], [2], [0], 'int32')).toEqual([Math.imul(100003, 99991)]);
    expect(run('sum', [1, 0, 1, 1], [4], [0], 'bool', undefined, 0, 'int32')).toEqual([3]);
    expect(run('max', [0, 1, 0, 0], [2, 2], [1], 'bool')).toEqual([1, 0]);
    expect(run('min', [0, 1, 1, 1], [2, 2], [1], 'bool')).toEqual([0, 1]);
  });

  it('rejects out-of-range axes', () => {
    expect(() => run('sum', [1, 2], [2], [1])).toThrow(RangeError);
  });
});

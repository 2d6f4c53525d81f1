import type { DType, UnaryOp } from '@tessera/core';
import { describe, expect, it } from 'vitest';
import { cpu, read, view } from './helpers.js';

function run(op: UnaryOp, values: number[], dtype: DType = 'float64', outDtype: DType = dtype): number[] {
  const x = view(values, dtype, [values.length]);
  return read(cpu.unary(op, x, outDtype), values.length);
}

describe('unary', () => {
  const xs = [-2, -0.5, 0, 0.5, 3];
  const cases: [UnaryOp, (v: number) => number][] = [
    ['neg', (v) => -v],
    ['abs', Math.abs],
    ['exp', Math.exp],
    ['log', Math.log],
    ['log1p', Math.log1p],
    ['expm1', Math.expm1],
    ['sqrt', Math.sqrt],
    ['rsqrt', (v) => 1 / Math.sqrt(v)],
    ['reciprocal', (v) => 1 / v],
    ['sin', Math.sin],
    ['cos', Math.cos],
    ['tanh', Math.tanh],
    ['sigmoid', (v) => 1 / (1 + Math.exp(-v))],
    ['floor', Math.floor],
    ['ceil', Math.ceil],
  ];
  for (const [op, f] of cases) {
    it(`${op} matches Math`, () => {
      const got = run(op, xs);
      xs.forEach((v, i) => {
        const want = f(v);
        if (Number.isNaN(want)) expect(got[i]).toBeNaN();
        else expect(got[i]).toBeCloseTo(want, 12);
      });
    });
  }

  it('relu keeps NaN and zeroes negatives', () => {
    expect(run('relu', [-1, 0, 2, NaN, -Infinity, Infinity])).toEqual([0, 0, 2, NaN, 0, Infinity]);
  });

  it('sign: 0 stays 0, NaN propagates', () => {
    expect(run('sign', [-3, 0, 4, NaN, -Infinity])).toEqual([-1, 0, 1, NaN, -1]);
    expect(run('sign', [-3, 0, 4], 'int32')).toEqual([-1, 0, 1]);
  });

  it('round is half-to-even', () => {
    expect(run('round', [0.5, 1.5, 2.5, -0.5, -1.5, -2.5, 2.4, 2.6, -2.6, 1e300, NaN])).toEqual([
      0, 2, 2, -0, -2, -2, 2, 3, -3, 1e300, NaN,
    ]);
    expect(run('round', [0.5, 1.5, 2.5, 3.5], 'float32')).toEqual([0, 2, 2, 4]);
  });

  it('predicates write bool', () => {
    expect(run('isnan', [1, NaN, Infinity], 'float32', 'bool')).toEqual([0, 1, 0]);
    expect(run('isfinite', [1, NaN, Infinity, -Infinity, -0], 'float32', 'bool')).toEqual([1, 0, 0, 0, 1]);
    expect(run('logicalNot', [0, 1, -2, NaN], 'float32', 'bool')).toEqual([1, 0, 0, 0]);
    expect(run('isfinite', [1, -5], 'int32', 'bool')).toEqual([1, 1]);
  });

  it('erf is accurate', () => {
    // Reference values from Python's math.erf.
    const ref: [number, number][] = [
      [0, 0],
      [1e-10, 1.1283791670955126e-10],
      [0.1, 0.1124629160182849],
      [0.5, 0.5204998778130465],
      [1, 0.8427007929497149],
      [-1.5, -0.9661051464753108],
      [2, 0.9953222650189527],
      [3.5, 0.9999992569016276],
      [4.5, 0.9999999998033839],
      [-6, -1],
      [30, 1],
    ];
    const got = run('erf', ref.map((r) => r[0]));
    ref.forEach(([, want], i) => expect(Math.abs(got[i]! - want)).toBeLessThanOrEqual(2e-16 * Math.max(1, Math.abs(want))));
    expect(run('erf', [NaN, Infinity, -Infinity])).toEqual([NaN, 1, -1]);
  });

  it('sigmoid saturates without NaN', () => {
    expect(run('sigmoid', [-1000, 1000, 0])).toEqual([0, 1, 0.5]);
  });

  it('integer neg and abs wrap in int32', () => {
    expect(run('neg', [5, -(2 ** 31)], 'int32')).toEqual([-5, -(2 ** 31)]);
    expect(run('abs', [-7, 7], 'int32')).toEqual([7, 7]);
    expect(run('neg', [1, 0], 'uint8')).toEqual([255, 0]);
  });

  it('float32 results are rounded to float32', () => {
    expect(run('exp', [1], 'float32')).toEqual([Math.fround(Math.E)]);
  });

  it('handles strided, broadcast, offset and 0-d views', () => {
    // Transposed 2x3 view of [[0,1,2],[3,4,5]] -> [[0,3],[1,4],[2,5]].
    const x = view([0, 1, 2, 3, 4, 5], 'float32', [3, 2], [1, 3]);
    expect(read(cpu.unary('neg', x, 'float32'), 6)).toEqual([-0, -3, -1, -4, -2, -5]);
    const b = view([7], 'float32', [2, 3], [0, 0]);
    expect(read(cpu.unary('abs', b, 'float32'), 6)).toEqual([7, 7, 7, 7, 7, 7]);
    const o = view([1, 2, 3, 4, 5], 'float64', [2], [2], 1);
    expect(read(cpu.unary('neg', o, 'float64'), 2)).toEqual([-2, -4]);
    const s = view([9, 4], 'float64', [], [], 1);
    expect(read(cpu.unary('sqrt', s, 'float64'), 1)).toEqual([2]);
    const e = view([], 'float64', [0, 3]);
    expect(read(cpu.unary('exp', e, 'float64'), 0)).toEqual([]);
  });

  it('rejects unknown ops', () => {
    expect(() => run('bogus' as UnaryOp, [1])).toThrow(/unknown op 'bogus'/);
  });
});

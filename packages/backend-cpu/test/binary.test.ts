import type { BinaryOp, DType } from '@tessera/core';
import { describe, expect, it } from 'vitest';
import { at, cpu, indices, rand, read, view } from './helpers.js';

function run(op: BinaryOp, a: number[], b: number[], dtype: DType = 'float64', outDtype: DType = dtype): number[] {
  const x = view(a, dtype, [a.length]);
  const y = view(b, dtype, [b.length]);
  return read(cpu.binary(op, x, y, outDtype), a.length);
}

describe('binary arithmetic', () => {
  it('add/sub/mul/div', () => {
    expect(run('add', [1, 2.5, -3], [4, 0.5, 3])).toEqual([5, 3, 0]);
    expect(run('sub', [1, 2.5, -3], [4, 0.5, 3])).toEqual([-3, 2, -6]);
    expect(run('mul', [1, 2.5, -3], [4, 0.5, 3])).toEqual([4, 1.25, -9]);
    expect(run('div', [1, 2.5, -3, 1, 0], [4, 0.5, 0, 0, 0])).toEqual([0.25, 5, -Infinity, Infinity, NaN]);
  });

  it('int32 arithmetic wraps like C', () => {
    expect(run('add', [2 ** 31 - 1], [1], 'int32')).toEqual([-(2 ** 31)]);
    expect(run('mul', [123456789, -7], [987654321, 3], 'int32')).toEqual([Math.imul(123456789, 987654321), -21]);
    expect(run('sub', [3], [5], 'uint8')).toEqual([254]);
    expect(run('mul', [16], [17], 'uint8')).toEqual([16]);
  });

  it('pow: floats, ints and edge cases', () => {
    expect(run('pow', [2, 4, -8, 1, -1, 0], [3, 0.5, 1 / 3, NaN, Infinity, 0])).toEqual([8, 2, NaN, 1, 1, 1]);
    expect(run('pow', [2, -3, 3, 2, 1, -1, -1, 2], [10, 3, 0, 31, -5, -3, -2, -1], 'int32')).toEqual([
      1024, -27, 1, -(2 ** 31), 1, -1, 1, 0,
    ]);
    expect(run('pow', [3], [19], 'int32')).toEqual([Math.imul(3 ** 10, 3 ** 9)]);
  });

  it('remainder takes the sign of the divisor', () => {
    expect(run('remainder', [5, -5, 5, -5, 5.5, -5.5, 3, 0], [3, 3, -3, -3, 2, 2, Infinity, 5])).toEqual([
      2, 1, -1, -2, 1.5, 0.5, 3, 0,
    ]);
    expect(run('remainder', [5, -5, 5, -5, 6], [3, 3, -3, -3, 3], 'int32')).toEqual([2, 1, -1, -2, 0]);
    expect(run('remainder', [1], [0])).toEqual([NaN]);
  });

  it('maximum/minimum propagate NaN from either side', () => {
    expect(run('maximum', [1, 5, NaN, 2], [3, 2, 1, NaN])).toEqual([3, 5, NaN, NaN]);
    expect(run('minimum', [1, 5, NaN, 2], [3, 2, 1, NaN])).toEqual([1, 2, NaN, NaN]);
    expect(run('maximum', [-3, 7], [2, -9], 'int32')).toEqual([2, 7]);
  });

  it('atan2', () => {
    expect(run('atan2', [1, 1, -1, 0], [1, -1, 0, -1])).toEqual([Math.PI / 4, (3 * Math.PI) / 4, -Math.PI / 2, Math.PI]);
  });
});

describe('binary comparisons and logic', () => {
  const a = [1, 2, 3, NaN, NaN];
  const b = [2, 2, 1, NaN, 1];
  const cases: [BinaryOp, number[]][] = [
    ['eq', [0, 1, 0, 0, 0]],
    ['ne', [1, 0, 1, 1, 1]],
    ['lt', [1, 0, 0, 0, 0]],
    ['le', [1, 1, 0, 0, 0]],
    ['gt', [0, 0, 1, 0, 0]],
    ['ge', [0, 1, 1, 0, 0]],
  ];
  for (const [op, want] of cases) {
    it(`${op} writes bool`, () => {
      const out = cpu.binary(op, view(a, 'float32', [5]), view(b, 'float32', [5]), 'bool');
      expect(cpu.readSync(out, 'bool', 5)).toBeInstanceOf(Uint8Array);
      expect(read(out, 5)).toEqual(want);
    });
  }

  it('logicalAnd / logicalOr treat nonzero and NaN as true', () => {
    expect(run('logicalAnd', [0, 0, 2, NaN], [0, 1, -1, 1], 'float32', 'bool')).toEqual([0, 0, 1, 1]);
    expect(run('logicalOr', [0, 0, 2, NaN], [0, 1, 0, 0], 'float32', 'bool')).toEqual([0, 1, 1, 1]);
    expect(run('logicalAnd', [0, 1, 1], [1, 1, 0], 'bool', 'bool')).toEqual([0, 1, 0]);
  });

  it('rejects unknown ops', () => {
    expect(() => run('bogus' as BinaryOp, [1], [1])).toThrow(/unknown op 'bogus'/);
  });
});

describe('binary over strided views', () => {
  /** Reference: element by element through the strides. */
  function check(shape: number[], aStr: number[], aOff: number, aLen: number, bStr: number[], bOff: number, bLen: number): void {
    const av = rand(aLen, 3);
    const bv = rand(bLen, 4);
    const out = read(cpu.binary('sub', view(av, 'float64', shape, aStr, aOff), view(bv, 'float64', shape, bStr, bOff), 'float64'), shape.reduce((x, y) => x * y, 1));
    let i = 0;
    for (const idx of indices(shape)) {
      expect(out[i++]).toBe(at(av, aStr, aOff, idx) - at(bv, bStr, bOff, idx));
    }
  }

  it('scalar broadcast on either side', () => {
    check([3, 4], [0, 0], 2, 5, [4, 1], 0, 12);
    check([3, 4], [4, 1], 0, 12, [0, 0], 0, 1);
  });

  it('row and column broadcast', () => {
    check([3, 4], [4, 1], 0, 12, [0, 1], 0, 4);
    check([3, 4], [4, 1], 0, 12, [1, 0], 0, 3);
    check([2, 3, 4], [0, 4, 1], 0, 12, [3, 1, 0], 1, 7);
  });

  it('transposed and sliced operands', () => {
    check([4, 3], [1, 4], 0, 12, [3, 1], 0, 12);
    check([2, 3], [8, 2], 1, 16, [1, 2], 0, 6);
    check([2, 1, 3], [3, 100, 1], 0, 6, [1, 7, 2], 0, 6);
  });

  it('0-d and empty shapes', () => {
    check([], [], 1, 2, [], 0, 1);
    expect(read(cpu.binary('add', view([], 'float32', [0, 2]), view([], 'float32', [0, 2]), 'float32'), 0)).toEqual([]);
  });
});

import { describe, expect, it } from 'vitest';
import { at, cpu, indices, rand, read, view } from './helpers.js';

describe('where', () => {
  it('selects with broadcast operands', () => {
    const cond = view([1, 0, 1], 'bool', [2, 3], [0, 1]);
    const a = view([10, 20], 'float32', [2, 3], [1, 0]);
    const b = view([-1], 'float32', [2, 3], [0, 0]);
    expect(read(cpu.where(cond, a, b, 'float32'), 6)).toEqual([10, -1, 10, 20, -1, 20]);
  });

  it('treats NaN and any nonzero condition as true', () => {
    const cond = view([NaN, 0, -2], 'float32', [3]);
    expect(read(cpu.where(cond, view([1, 2, 3], 'int32', [3]), view([7, 8, 9], 'int32', [3]), 'int32'), 3)).toEqual([1, 8, 3]);
  });
});

describe('cast', () => {
  it('floats to int32 truncate toward zero', () => {
    expect(read(cpu.cast(view([1.9, -1.9, 0.5, -0.5, 7], 'float32', [5]), 'int32'), 5)).toEqual([1, -1, 0, 0, 7]);
  });

  it('to uint8 wraps modulo 256', () => {
    expect(read(cpu.cast(view([-1, 256, 257, 300.7, -1.5], 'float64', [5]), 'uint8'), 5)).toEqual([255, 0, 1, 44, 255]);
    expect(read(cpu.cast(view([-1, 1000], 'int32', [2]), 'uint8'), 2)).toEqual([255, 232]);
  });

  it('to bool is x != 0 (NaN is true)', () => {
    expect(read(cpu.cast(view([0, -0, 0.1, NaN, -3], 'float32', [5]), 'bool'), 5)).toEqual([0, 0, 1, 1, 1]);
    expect(read(cpu.cast(view([0, 5], 'uint8', [2]), 'bool'), 2)).toEqual([0, 1]);
  });

  it('widens and narrows floats', () => {
    expect(read(cpu.cast(view([0.1], 'float64', [1]), 'float32'), 1)).toEqual([Math.fround(0.1)]);
    expect(read(cpu.cast(view([1, 0, 1], 'bool', [3]), 'float32'), 3)).toEqual([1, 0, 1]);
  });

  it('casts strided views', () => {
    const x = view([0.5, 1.5, 2.5, 3.5, 4.5, 5.5], 'float64', [3, 2], [1, 3]);
    expect(read(cpu.cast(x, 'int32'), 6)).toEqual([0, 3, 1, 4, 2, 5]);
    expect(read(cpu.cast(view([0, 2], 'float64', [2, 2], [1, 0]), 'bool'), 4)).toEqual([0, 0, 1, 1]);
  });
});

describe('copy', () => {
  it('dense to dense at offsets', () => {
    const src = view([1, 2, 3, 4], 'float32', [2], [1], 1);
    const dst = view([0, 0, 0, 0, 0], 'float32', [2], [1], 3);
    cpu.copy(src, dst);
    expect(read(dst.data, 5)).toEqual([0, 0, 0, 2, 3]);
  });

  it('between non-contiguous views', () => {
    const shape = [3, 4, 2];
    const sv = rand(60, 9);
    const src = view(sv, 'float64', shape, [20, 1, 10], 0);
    const dstStr = [2, 6, 1];
    const dst = view(new Array(24).fill(0), 'float64', shape, dstStr, 0);
    cpu.copy(src, dst);
    const d = read(dst.data, 24);
    for (const idx of indices(shape)) expect(at(d, dstStr, 0, idx)).toBe(at(sv, [20, 1, 10], 0, idx));
  });

  it('broadcast source into a transposed destination', () => {
    const src = view([1, 2, 3], 'int32', [2, 3], [0, 1]);
    const dst = view(new Array(6).fill(0), 'int32', [2, 3], [1, 2]);
    cpu.copy(src, dst);
    expect(read(dst.data, 6)).toEqual([1, 1, 2, 2, 3, 3]);
  });

  it('0-d and empty', () => {
    const dst = view([0, 0], 'float32', [], [], 1);
    cpu.copy(view([5], 'float32', []), dst);
    expect(read(dst.data, 2)).toEqual([0, 5]);
    cpu.copy(view([], 'float32', [0]), view([], 'float32', [0]));
  });
});

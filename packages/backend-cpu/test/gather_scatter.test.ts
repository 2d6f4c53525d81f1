import { describe, expect, it } from 'vitest';
import { cpu, read, view } from './helpers.js';

describe('gather', () => {
  const x = view([1, 2, 3, 4, 5, 6], 'float32', [2, 3]); // [[1,2,3],[4,5,6]]

  it('along dim 1', () => {
    const idx = view([2, 0, 1, 1], 'int32', [2, 2]);
    expect(read(cpu.gather(x, 1, idx), 4)).toEqual([3, 1, 5, 5]);
  });

  it('along dim 0 with a smaller index', () => {
    const idx = view([1, 0], 'int32', [1, 2]);
    expect(read(cpu.gather(x, 0, idx), 2)).toEqual([4, 2]);
  });

  it('from a transposed view with a broadcast index', () => {
    const xt = view([1, 2, 3, 4, 5, 6], 'float64', [3, 2], [1, 3]); // [[1,4],[2,5],[3,6]]
    const idx = view([2], 'int32', [1, 2], [0, 0]);
    expect(read(cpu.gather(xt, 0, idx), 2)).toEqual([3, 6]);
  });

  it('0-d', () => {
    expect(read(cpu.gather(view([9], 'int32', []), 0, view([0], 'int32', [])), 1)).toEqual([9]);
  });

  it('throws RangeError naming the index and the valid range', () => {
    expect(() => cpu.gather(x, 1, view([0, 5], 'int32', [1, 2]))).toThrow(RangeError);
    expect(() => cpu.gather(x, 1, view([0, 5], 'int32', [1, 2]))).toThrow('gather: index 5 is out of bounds for dimension 1 with size 3');
    expect(() => cpu.gather(x, 0, view([-1], 'int32', [1, 1]))).toThrow(/index -1 is out of bounds for dimension 0 with size 2 \(valid range \[0, 1\]\)/);
  });

  it('checks index shapes', () => {
    expect(() => cpu.gather(x, 1, view([0, 0, 0], 'int32', [3, 1]))).toThrow(/larger than input/);
    expect(() => cpu.gather(x, 1, view([0], 'int32', [1]))).toThrow(/same number of dimensions/);
  });
});

describe('scatterAdd', () => {
  it('accumulates repeated indices along dim 0', () => {
    const target = cpu.upload(new Float32Array([1, 1, 1, 1, 1, 1]), 'float32'); // [2,3]
    const idx = view([0, 1, 0, 0, 0, 1], 'int32', [2, 3]);
    const src = view([1, 2, 3, 4, 5, 6], 'float32', [2, 3]);
    cpu.scatterAdd(target, [2, 3], 0, idx, src);
    expect(read(target, 6)).toEqual([6, 6, 4, 1, 3, 7]);
  });

  it('along dim 1 with src larger than index and strided', () => {
    const target = cpu.allocate('float64', 4); // [2,2]
    const idx = view([1, 1, 0], 'int32', [1, 3]);
    const src = view([10, 20, 30, 40, 50, 60], 'float64', [2, 3], [1, 2]); // [[10,30,50],[20,40,60]]
    cpu.scatterAdd(target, [2, 2], 1, idx, src);
    expect(read(target, 4)).toEqual([50, 40, 0, 0]);
  });

  it('int32 targets', () => {
    const target = cpu.allocate('int32', 3);
    cpu.scatterAdd(target, [3], 0, view([2, 2, 0], 'int32', [3]), view([1, 2, 3], 'int32', [3]));
    expect(read(target, 3)).toEqual([3, 0, 3]);
  });

  it('throws RangeError for out-of-range indices', () => {
    const target = cpu.allocate('float32', 3);
    expect(() => cpu.scatterAdd(target, [3], 0, view([3], 'int32', [1]), view([1], 'float32', [1]))).toThrow(
      'scatterAdd: index 3 is out of bounds for dimension 0 with size 3',
    );
    expect(() => cpu.scatterAdd(target, [3], 0, view([-2], 'int32', [1]), view([1], 'float32', [1]))).toThrow(RangeError);
    expect(() => cpu.scatterAdd(target, [3], 0, view([0, 0], 'int32', [2]), view([1], 'float32', [1]))).toThrow(/larger than src/);
  });
});

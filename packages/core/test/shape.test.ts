import { describe, expect, it } from 'vitest';
import { broadcastShapes, contiguousStrides, isContiguous, normDim, normDims, numelOf, checkShape } from '../src/shape.js';

describe('shape helpers', () => {
  it('computes row-major strides and sizes', () => {
    expect(contiguousStrides([2, 3, 4])).toEqual([12, 4, 1]);
    expect(contiguousStrides([])).toEqual([]);
    expect(numelOf([])).toBe(1);
    expect(numelOf([3, 0, 2])).toBe(0);
  });

  it('detects contiguity, ignoring strides of size-1 dims', () => {
    expect(isContiguous([2, 3], [3, 1])).toBe(true);
    expect(isContiguous([2, 3], [1, 2])).toBe(false);
    expect(isContiguous([1, 3], [99, 1])).toBe(true);
  });

  it('broadcasts like NumPy and names the op and shapes when it cannot', () => {
    expect(broadcastShapes('add', [2, 1, 3], [4, 1])).toEqual([2, 4, 3]);
    expect(broadcastShapes('add', [], [5])).toEqual([5]);
    expect(broadcastShapes('add', [0], [1])).toEqual([0]);
    expect(() => broadcastShapes('add', [2, 3], [4])).toThrow('add: shapes [2,3] and [4] cannot be broadcast (dimension 1: 3 vs 4)');
  });

  it('normalises negative dims and rejects out-of-range ones', () => {
    expect(normDim('sum', -1, 3)).toBe(2);
    expect(normDim('sum', 0, 0)).toBe(0);
    expect(() => normDim('sum', 3, 3)).toThrow('sum: dimension out of range (expected to be in range of [-3, 2], but got 3)');
    expect(normDims('sum', [-1, 0], 3)).toEqual([0, 2]);
    expect(() => normDims('sum', [1, -2], 3)).toThrow('dim 1 appears multiple times');
    expect(normDims('sum', undefined, 2)).toEqual([0, 1]);
  });

  it('validates user shapes', () => {
    expect(() => checkShape('zeros', [2, -1])).toThrow('zeros: invalid shape [2,-1]');
    expect(() => checkShape('zeros', [2.5])).toThrow('not a non-negative integer');
    expect(checkShape('reshape', [2, -1], true)).toEqual([2, -1]);
  });
});

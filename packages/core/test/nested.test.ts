import { describe, expect, it } from 'vitest';
import { flattenNested, inferShape, toNested } from '../src/nested.js';

describe('nested arrays', () => {
  it('infers shapes and rejects ragged input with its location', () => {
    expect(inferShape('tensor', [[1, 2], [3, 4], [5, 6]])).toEqual([3, 2]);
    expect(inferShape('tensor', 5)).toEqual([]);
    expect(inferShape('tensor', [])).toEqual([0]);
    expect(() => inferShape('tensor', [[1, 2], [3]])).toThrow('tensor: ragged nested array at [1]: expected length 2, found length 1');
    expect(() => inferShape('tensor', [[1, 2], 3])).toThrow('ragged');
    expect(() => inferShape('tensor', [1, 'a'])).toThrow('tensor: expected numbers or booleans, found string at [1]');
  });

  it('round-trips through typed arrays', () => {
    const data = flattenNested([[1, 2], [3, 4]], 'int32', 4);
    expect(Array.from(data)).toEqual([1, 2, 3, 4]);
    expect(toNested(data, [2, 2], 'int32')).toEqual([[1, 2], [3, 4]]);
    expect(toNested(new Uint8Array([1, 0]), [2], 'bool')).toEqual([true, false]);
    expect(toNested(new Float32Array([]), [2, 0], 'float32')).toEqual([[], []]);
  });
});

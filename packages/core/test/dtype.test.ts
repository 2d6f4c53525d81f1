import { describe, expect, it } from 'vitest';
import { assertDType, bytesPerElement, promoteTypes, promoteWithScalar } from '../src/dtype.js';

describe('dtypes', () => {
  it('promotes like PyTorch', () => {
    expect(promoteTypes('int32', 'float32')).toBe('float32');
    expect(promoteTypes('bool', 'uint8')).toBe('uint8');
    expect(promoteTypes('float32', 'float64')).toBe('float64');
    expect(promoteWithScalar('int32', 1.5)).toBe('float32');
    expect(promoteWithScalar('int32', 2)).toBe('int32');
    expect(promoteWithScalar('float32', 2)).toBe('float32');
    expect(promoteWithScalar('bool', 2)).toBe('int32');
    expect(promoteWithScalar('uint8', NaN)).toBe('float32');
  });

  it('knows element sizes and rejects unknown dtypes', () => {
    expect(bytesPerElement('float64')).toBe(8);
    expect(bytesPerElement('bool')).toBe(1);
    expect(() => assertDType('tensor', 'int64')).toThrow('tensor: unknown dtype "int64" (expected one of float32, float64, int32, uint8, bool)');
  });
});

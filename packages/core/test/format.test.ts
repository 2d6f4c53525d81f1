import { describe, expect, it } from 'vitest';
import { formatTensor } from '../src/format.js';

const f32 = (v: number[]) => new Float32Array(v);

describe('PyTorch-style printing', () => {
  it('prints whole floats with a trailing dot and aligns columns', () => {
    expect(formatTensor(f32([1, 2, 3, 4]), [2, 2], 'float32', 'cpu', false)).toBe('tensor([[1., 2.],\n        [3., 4.]])');
    expect(formatTensor(f32([1, -10]), [2], 'float32', 'cpu', false)).toBe('tensor([  1., -10.])');
  });

  it('prints fractions with four decimals, scalars bare', () => {
    expect(formatTensor(f32([0.5, 0.25]), [2], 'float32', 'cpu', false)).toBe('tensor([0.5000, 0.2500])');
    expect(formatTensor(new Float32Array([3.5]), [], 'float32', 'cpu', false)).toBe('tensor(3.5000)');
  });

  it('uses scientific notation for wide ranges', () => {
    expect(formatTensor(new Float64Array([1e-5, 1]), [2], 'float64', 'cpu', false)).toBe('tensor([1.0000e-05, 1.0000e+00], dtype=float64)');
  });

  it('shows dtype for ints, booleans as True/False, and special values', () => {
    expect(formatTensor(new Int32Array([1, 20]), [2], 'int32', 'cpu', false)).toBe('tensor([ 1, 20], dtype=int32)');
    expect(formatTensor(new Uint8Array([1, 0]), [2], 'bool', 'cpu', false)).toBe('tensor([ True, False])');
    expect(formatTensor(f32([NaN, Infinity, 1]), [3], 'float32', 'cpu', false)).toBe('tensor([nan, inf, 1.])');
  });

  it('prints empty tensors with their size, and grad info', () => {
    expect(formatTensor(f32([]), [0], 'float32', 'cpu', false)).toBe('tensor([])');
    expect(formatTensor(f32([]), [0, 3], 'float32', 'cpu', false)).toBe('tensor([], size=(0, 3))');
    expect(formatTensor(f32([1]), [1], 'float32', 'cpu', true)).toBe('tensor([1.], requiresGrad=true)');
    expect(formatTensor(f32([1]), [1], 'float32', 'webgpu', false, 'AddBackward')).toBe("tensor([1.], device='webgpu', gradFn=<AddBackward>)");
    // PyTorch's order of the suffixes: device, size, dtype
    expect(formatTensor(new Int32Array(0), [2, 0], 'int32', 'webgpu', false)).toBe("tensor([], device='webgpu', size=(2, 0), dtype=int32)");
  });

  it('summarises large tensors with ...', () => {
    const data = new Float32Array(2000).map((_, i) => i);
    const s = formatTensor(data, [2000], 'float32', 'cpu', false);
    // Verified against torch 1.13: print(torch.arange(2000.))
    expect(s).toBe('tensor([0.0000e+00, 1.0000e+00, 2.0000e+00,  ..., 1.9970e+03, 1.9980e+03,\n        1.9990e+03])');
    const small = formatTensor(new Float32Array(2000).map((_, i) => 1 + (i % 7)), [2000], 'float32', 'cpu', false);
    expect(small).toBe('tensor([1., 2., 3.,  ..., 3., 4., 5.])');
    expect(formatTensor(new Float32Array(24), [2, 3, 4], 'float32', 'cpu', false)).toBe(
      'tensor([[[0., 0., 0., 0.],\n         [0., 0., 0., 0.],\n         [0., 0., 0., 0.]],\n\n        [[0., 0., 0., 0.],\n         [0., 0., 0., 0.],\n         [0., 0., 0., 0.]]])',
    );
    expect(formatTensor(f32([1e10, 2, 3, 4]), [2, 2], 'float32', 'cpu', false)).toBe('tensor([[1.0000e+10, 2.0000e+00],\n        [3.0000e+00, 4.0000e+00]])');
    expect(formatTensor(f32([0, 1.5]), [2], 'float32', 'cpu', false)).toBe('tensor([0.0000, 1.5000])');
    const m = formatTensor(new Float32Array(100 * 100), [100, 100], 'float32', 'cpu', false);
    expect(m.split('\n')).toEqual([
      'tensor([[0., 0., 0.,  ..., 0., 0., 0.],',
      '        [0., 0., 0.,  ..., 0., 0., 0.],',
      '        [0., 0., 0.,  ..., 0., 0., 0.],',
      '        ...,',
      '        [0., 0., 0.,  ..., 0., 0., 0.],',
      '        [0., 0., 0.,  ..., 0., 0., 0.],',
      '        [0., 0., 0.,  ..., 0., 0., 0.]])',
    ]);
  });
});

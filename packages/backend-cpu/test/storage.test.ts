import { describe, expect, it } from 'vitest';
import { CpuBackend } from '../src/backend.js';

describe('cpu storage', () => {
  it('allocates zero-filled arrays of the backing type', () => {
    const b = new CpuBackend();
    expect(b.readSync(b.allocate('float32', 3), 'float32', 3)).toEqual(new Float32Array(3));
    expect(b.readSync(b.allocate('float64', 2), 'float64', 2)).toBeInstanceOf(Float64Array);
    expect(b.readSync(b.allocate('int32', 2), 'int32', 2)).toBeInstanceOf(Int32Array);
    expect(b.readSync(b.allocate('uint8', 2), 'uint8', 2)).toBeInstanceOf(Uint8Array);
    expect(b.readSync(b.allocate('bool', 2), 'bool', 2)).toBeInstanceOf(Uint8Array);
  });

  it('upload copies its input and read returns copies', async () => {
    const b = new CpuBackend();
    const src = new Float32Array([1, 2, 3]);
    const d = b.upload(src, 'float32');
    src[0] = 99;
    const r1 = b.readSync(d, 'float32', 3);
    expect(Array.from(r1)).toEqual([1, 2, 3]);
    r1[1] = 42;
    const r2 = await b.read(d, 'float32', 3);
    expect(Array.from(r2)).toEqual([1, 2, 3]);
    expect(Array.from(b.readSync(d, 'float32', 2))).toEqual([1, 2]);
  });

  it('upload converts to the dtype backing array', () => {
    const b = new CpuBackend();
    expect(Array.from(b.readSync(b.upload(new Float32Array([1.7, -1.7]), 'int32'), 'int32', 2))).toEqual([1, -1]);
    expect(Array.from(b.readSync(b.upload(new Float32Array([0, 2, NaN]), 'bool'), 'bool', 3))).toEqual([0, 1, 1]);
  });

  it('tracks bytes and buffers, and ignores double free', () => {
    const b = new CpuBackend();
    const x = b.allocate('float32', 10);
    const y = b.upload(new Float64Array(4), 'float64');
    expect(b.memory()).toEqual({ bytes: 72, buffers: 2 });
    b.free(x);
    b.free(x);
    expect(b.memory()).toEqual({ bytes: 32, buffers: 1 });
    b.free(y);
    expect(b.memory()).toEqual({ bytes: 0, buffers: 0 });
  });

  it('counts kernel outputs', () => {
    const b = new CpuBackend();
    const x = b.upload(new Float32Array([1, 2]), 'float32');
    const y = b.unary('neg', { data: x, dtype: 'float32', shape: [2], strides: [1], offset: 0 }, 'float32');
    expect(b.memory().buffers).toBe(2);
    b.free(y);
    b.free(x);
    expect(b.memory()).toEqual({ bytes: 0, buffers: 0 });
  });

  it('rejects reads past the end', async () => {
    const b = new CpuBackend();
    const d = b.allocate('float32', 2);
    expect(() => b.readSync(d, 'float32', 3)).toThrow(RangeError);
    await expect(b.read(d, 'float32', 3)).rejects.toThrow(RangeError);
  });

  it('reuses freed arrays, zero-filled where allocate promises zeros', () => {
    const b = new CpuBackend();
    const x = b.upload(new Float32Array([1, 2, 3]), 'float32');
    const xs = (x as { values: Float32Array }).values;
    b.free(x);
    const y = b.allocate('float32', 3);
    expect((y as { values: Float32Array }).values).toBe(xs);
    expect(Array.from(b.readSync(y, 'float32', 3))).toEqual([0, 0, 0]);
    // A different length or dtype does not reuse it.
    b.free(y);
    expect((b.allocate('float32', 4) as { values: Float32Array }).values).not.toBe(xs);
    expect((b.allocate('int32', 3) as { values: Int32Array }).values).not.toBe(xs);
    b.clearPool();
    expect((b.allocate('float32', 3) as { values: Float32Array }).values).not.toBe(xs);
  });

  it('a freed handle fails loudly when read', () => {
    const b = new CpuBackend();
    const x = b.upload(new Float32Array([1, 2]), 'float32');
    b.free(x);
    expect(() => b.readSync(x, 'float32', 2)).toThrow(/freed/);
  });

  it('frees the output of a kernel that throws', () => {
    const b = new CpuBackend();
    const x = b.upload(new Float32Array([1, 2, 3]), 'float32');
    const idx = b.upload(new Int32Array([7]), 'int32');
    const before = b.memory();
    expect(() =>
      b.gather({ data: x, dtype: 'float32', shape: [3], strides: [1], offset: 0 }, 0, { data: idx, dtype: 'int32', shape: [1], strides: [1], offset: 0 }),
    ).toThrow(RangeError);
    expect(b.memory()).toEqual(before);
  });
});

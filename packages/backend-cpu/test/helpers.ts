import type { DType, TypedArray, View } from '@tessera/core';
import { CpuBackend } from '../src/backend.js';
import { allocValues } from '../src/storage.js';

export const cpu = new CpuBackend();

export function dense(shape: readonly number[]): number[] {
  const s = new Array<number>(shape.length);
  let acc = 1;
  for (let i = shape.length - 1; i >= 0; i--) {
    s[i] = acc;
    acc *= shape[i]!;
  }
  return s;
}

/** Uploads `values` and returns a view onto them (dense unless strides/offset are given). */
export function view(values: ArrayLike<number>, dtype: DType, shape: readonly number[], strides?: readonly number[], offset = 0): View {
  const arr = allocValues(dtype, values.length);
  for (let i = 0; i < values.length; i++) arr[i] = values[i]!;
  return { data: cpu.upload(arr, dtype), dtype, shape, strides: strides ?? dense(shape), offset };
}

export function read(data: object, size: number): number[] {
  return Array.from(cpu.readSync(data, 'float64', size) as TypedArray);
}

/** Deterministic pseudo-random numbers in [-1, 1). */
export function rand(n: number, seed = 1): number[] {
  let s = seed >>> 0 || 1;
  const out = new Array<number>(n);
  for (let i = 0; i < n; i++) {
    s ^= s << 13;
    s >>>= 0;
    s ^= s >>> 17;
    s ^= s << 5;
    s >>>= 0;
    out[i] = s / 2 ** 31 - 1;
  }
  return out;
}

/** Reads element `idx` of a strided view through its strides (reference for the kernels). */
export function at(values: ArrayLike<number>, strides: readonly number[], offset: number, idx: readonly number[]): number {
  let o = offset;
  for (let d = 0; d < idx.length; d++) o += idx[d]! * strides[d]!;
  return values[o]!;
}

/** All multi-indices of `shape` in row-major order. */
export function* indices(shape: readonly number[]): Generator<number[]> {
  const n = shape.reduce((a, b) => a * b, 1);
  const idx = new Array<number>(shape.length).fill(0);
  for (let i = 0; i < n; i++) {
    yield idx.slice();
    for (let d = shape.length - 1; d >= 0; d--) {
      if (++idx[d]! < shape[d]!) break;
      idx[d] = 0;
    }
  }
}

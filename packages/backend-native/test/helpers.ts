import type { DType, TypedArray, View } from '@tessera/core';
import { cpuBackend } from '@tessera/backend-cpu';
import { nativeBackend } from '@tessera/backend-native';
import { expect } from 'vitest';

export const cpu = cpuBackend;
export const native = nativeBackend;

/** Deterministic pseudo-random numbers (xorshift32) in [0, 1). */
export function rng(seed = 1): () => number {
  let s = seed >>> 0 || 1;
  return () => {
    s ^= s << 13;
    s >>>= 0;
    s ^= s >>> 17;
    s ^= s << 5;
    s >>>= 0;
    return s / 2 ** 32;
  };
}

export function arrayFor(dtype: DType, n: number): TypedArray {
  switch (dtype) {
    case 'float32':
      return new Float32Array(n);
    case 'float64':
      return new Float64Array(n);
    case 'int32':
      return new Int32Array(n);
    default:
      return new Uint8Array(n);
  }
}

/** Values typical of a dtype, with some specials (NaN, +-inf, -0, large) for floats. */
export function randomValues(dtype: DType, n: number, r: () => number, specials = true): TypedArray {
  const a = arrayFor(dtype, n);
  for (let i = 0; i < n; i++) {
    const u = r();
    if (dtype === 'bool') a[i] = u < 0.5 ? 1 : 0;
    else if (dtype === 'uint8') a[i] = Math.floor(u * 256);
    else if (dtype === 'int32') a[i] = u < 0.05 ? (u < 0.025 ? 2147483647 : -2147483648) : Math.floor((r() - 0.5) * 20);
    else if (specials && u < 0.04) a[i] = [NaN, Infinity, -Infinity, -0, 0, 1e30, -1e-30, 0.5, -2.5][Math.floor(r() * 9)]!;
    else a[i] = (r() - 0.5) * 8;
  }
  return a;
}

export function dense(shape: readonly number[]): number[] {
  const s = new Array<number>(shape.length);
  let acc = 1;
  for (let i = shape.length - 1; i >= 0; i--) {
    s[i] = acc;
    acc *= shape[i]!;
  }
  return s;
}

export function numel(shape: readonly number[]): number {
  return shape.reduce((a, b) => a * b, 1);
}

/** A layout over a buffer of `shape`: dense, transposed, sliced with a step, or broadcast. */
export interface Layout {
  /** Elements the buffer needs. */
  size: number;
  strides: number[];
  offset: number;
}

export function randomLayout(shape: readonly number[], r: () => number): Layout {
  const nd = shape.length;
  const kind = r();
  if (nd === 0 || kind < 0.35) return { size: Math.max(1, numel(shape)), strides: dense(shape), offset: 0 };
  // Lay out a permutation of the dims with padding (a step) and an offset, and broadcast some.
  const order = Array.from({ length: nd }, (_, i) => i).sort(() => r() - 0.5);
  const strides = new Array<number>(nd).fill(0);
  let acc = 1;
  for (let k = nd - 1; k >= 0; k--) {
    const d = order[k]!;
    if (r() < 0.2 || shape[d] === 1) {
      strides[d] = 0;
      continue;
    }
    const step = r() < 0.3 ? 2 : 1;
    strides[d] = acc * step;
    acc *= shape[d]! * step;
  }
  const offset = Math.floor(r() * 3);
  return { size: acc + offset + 1, strides, offset };
}

/** The same values uploaded to both backends, as views with the same layout. */
export function twin(dtype: DType, shape: readonly number[], layout: Layout, values: TypedArray): { c: View; n: View } {
  return {
    c: { data: cpu.upload(values, dtype), dtype, shape, strides: layout.strides, offset: layout.offset },
    n: { data: native.upload(values, dtype), dtype, shape, strides: layout.strides, offset: layout.offset },
  };
}

export function freeTwin(t: { c: View; n: View }): void {
  cpu.free(t.c.data);
  native.free(t.n.data);
}

/** Expects equal arrays: exact (ints, bools), or within float tolerances (NaN equals NaN). */
export function expectClose(actual: ArrayLike<number>, expected: ArrayLike<number>, what: string, rtol = 1e-5, atol = 1e-6): void {
  expect(actual.length, `${what}: length`).toBe(expected.length);
  for (let i = 0; i < expected.length; i++) {
    const a = actual[i]!;
    const e = expected[i]!;
    if (Number.isNaN(e)) {
      if (!Number.isNaN(a)) expect.fail(`${what}[${i}]: expected NaN, got ${a}`);
      continue;
    }
    if (!Number.isFinite(e) || rtol === 0) {
      if (!Object.is(a, e) && !(a === e)) expect.fail(`${what}[${i}]: expected ${e}, got ${a}`);
      continue;
    }
    if (!(Math.abs(a - e) <= atol + rtol * Math.abs(e))) expect.fail(`${what}[${i}]: expected ${e}, got ${a}`);
  }
}

import type { DType, View } from '@tessera/core';
import { describe, expect, it } from 'vitest';
import { at, cpu, rand, read, view } from './helpers.js';

/** Naive triple loop through the strides. */
function naive(a: number[], aStr: number[], aOff: number, b: number[], bStr: number[], bOff: number, B: number, M: number, K: number, N: number): number[] {
  const out = new Array<number>(B * M * N).fill(0);
  for (let t = 0; t < B; t++)
    for (let i = 0; i < M; i++)
      for (let j = 0; j < N; j++) {
        let s = 0;
        for (let k = 0; k < K; k++) s += at(a, aStr, aOff, [t, i, k]) * at(b, bStr, bOff, [t, k, j]);
        out[(t * M + i) * N + j] = s;
      }
  return out;
}

function check(B: number, M: number, K: number, N: number, opts: { transA?: boolean; transB?: boolean; broadcastB?: boolean; broadcastA?: boolean; dtype?: DType; seed?: number } = {}): void {
  const dtype = opts.dtype ?? 'float64';
  const seed = opts.seed ?? M * 31 + K * 7 + N;
  const aB = opts.broadcastA ? 1 : B;
  const bB = opts.broadcastB ? 1 : B;
  const av = rand(aB * M * K + 3, seed).map((v) => (dtype === 'int32' ? Math.round(v * 10) : v));
  const bv = rand(bB * K * N + 2, seed + 1).map((v) => (dtype === 'int32' ? Math.round(v * 10) : v));
  // A stored as [B,M,K] or, transposed, as [B,K,M]; likewise B. Offsets exercise the view offset.
  const aStr = opts.transA ? [opts.broadcastA ? 0 : M * K, 1, M] : [opts.broadcastA ? 0 : M * K, K, 1];
  const bStr = opts.transB ? [opts.broadcastB ? 0 : K * N, 1, K] : [opts.broadcastB ? 0 : K * N, N, 1];
  const a: View = view(av, dtype, [B, M, K], aStr, 3);
  const b: View = view(bv, dtype, [B, K, N], bStr, 2);
  const got = read(cpu.matmul(a, b, dtype), B * M * N);
  const want = naive(av, aStr, 3, bv, bStr, 2, B, M, K, N);
  const tol = dtype === 'float32' ? 1e-4 * Math.sqrt(K) : 1e-12 * K;
  for (let i = 0; i < want.length; i++) {
    if (dtype === 'int32') expect(got[i]).toBe(want[i]);
    else if (!(Math.abs(got[i]! - want[i]!) <= tol)) expect.fail(`[${B},${M},${K},${N}] element ${i}: ${got[i]} vs ${want[i]}`);
  }
}

describe('matmul', () => {
  it('odd sizes, small and packed paths', () => {
    for (const [M, K, N] of [[1, 1, 1], [7, 13, 5], [2, 3, 4], [4, 4, 4], [5, 1, 9], [33, 17, 3], [65, 129, 33], [64, 64, 64], [100, 300, 70], [3, 500, 200]]) {
      check(1, M!, K!, N!);
    }
  });

  it('float32', () => {
    check(1, 65, 129, 33, { dtype: 'float32' });
    check(2, 40, 300, 41, { dtype: 'float32' });
  });

  it('K larger than one block and rows beyond one M block', () => {
    check(1, 300, 600, 37);
  });

  it('transposed inputs via strides', () => {
    for (const [M, K, N] of [[7, 13, 5], [65, 129, 33], [40, 40, 40]]) {
      check(1, M!, K!, N!, { transA: true });
      check(1, M!, K!, N!, { transB: true });
      check(1, M!, K!, N!, { transA: true, transB: true });
    }
  });

  it('batched, with B or A broadcast over the batch', () => {
    check(3, 7, 13, 5);
    check(3, 33, 65, 17);
    check(4, 33, 65, 17, { broadcastB: true });
    check(4, 1, 65, 17, { broadcastB: true });
    check(4, 33, 65, 17, { broadcastB: true, transA: true });
    check(4, 33, 65, 17, { broadcastA: true });
    check(3, 7, 13, 5, { broadcastA: true, transB: true });
  });

  it('matrix-vector shapes', () => {
    check(1, 50, 70, 1);
    check(1, 1, 70, 50);
    check(2, 50, 70, 1, { transA: true });
  });

  it('int32 is exact with wrap-around', () => {
    check(2, 9, 17, 6, { dtype: 'int32' });
    check(1, 40, 50, 45, { dtype: 'int32', transB: true });
    const a = view([2 ** 20, 2 ** 20], 'int32', [1, 1, 2]);
    const b = view([2 ** 20, 3], 'int32', [1, 2, 1]);
    expect(read(cpu.matmul(a, b, 'int32'), 1)).toEqual([3 * 2 ** 20]);
  });

  it('empty dims', () => {
    expect(read(cpu.matmul(view([], 'float32', [1, 3, 0]), view([], 'float32', [1, 0, 2]), 'float32'), 6)).toEqual([0, 0, 0, 0, 0, 0]);
    expect(read(cpu.matmul(view([], 'float32', [1, 0, 3]), view([1, 2, 3], 'float32', [1, 3, 1]), 'float32'), 0)).toEqual([]);
  });

  it('0 * Infinity is NaN on every path', () => {
    for (const [M, K, N] of [[1, 1, 1], [1, 3, 8], [8, 3, 1], [40, 40, 40]]) {
      const av = new Array<number>(M! * K!).fill(0);
      const bv = new Array<number>(K! * N!).fill(Infinity);
      const out = read(cpu.matmul(view(av, 'float32', [1, M!, K!]), view(bv, 'float32', [1, K!, N!]), 'float32'), M! * N!);
      expect(out.every(Number.isNaN)).toBe(true);
    }
  });

  it('propagates NaN and Infinity', () => {
    const a = view([NaN, 1, 1, 1], 'float64', [1, 2, 2]);
    const b = view([1, 0, 0, 1], 'float64', [1, 2, 2]);
    const out = read(cpu.matmul(a, b, 'float64'), 4);
    expect(out[0]).toBeNaN();
    expect(out.slice(2)).toEqual([1, 1]);
  });

  it('rejects mismatched shapes', () => {
    expect(() => cpu.matmul(view([1, 2], 'float32', [1, 1, 2]), view([1, 2, 3], 'float32', [1, 3, 1]), 'float32')).toThrow(/cannot be multiplied/);
  });
});

/**
 * Compares a fused kernel with core's composition: the same op runs on 'cpu' (fused kernels) and
 * on 'cpu-ref', a second CpuBackend without fused kernels (so core composes the op there).
 */
import { getKernel, listDevices, registerBackend, registerKernel, tensor, type DType, type Tensor } from '@tessera/core';
import { expect } from 'vitest';
import { CpuBackend } from '../../src/index.js';

export const REF = 'cpu-ref';
if (!listDevices().includes(REF)) registerBackend(new CpuBackend({ name: REF }), { priority: -1 });

/** Deterministic values in [-scale, scale) (xorshift). */
export function values(n: number, seed = 1, scale = 3): number[] {
  let s = seed >>> 0 || 1;
  const out = new Array<number>(n);
  for (let i = 0; i < n; i++) {
    s ^= s << 13;
    s >>>= 0;
    s ^= s >>> 17;
    s ^= s << 5;
    s >>>= 0;
    out[i] = (s / 2 ** 32) * 2 * scale - scale;
  }
  return out;
}

/** A 'cpu' tensor of `shape` with random values (rounded to `round` steps to make ties when given). */
export function rnd(shape: readonly number[], options: { seed?: number; dtype?: DType; round?: number; scale?: number } = {}): Tensor {
  const n = shape.reduce((a, b) => a * b, 1);
  let v = values(n, options.seed ?? 7, options.scale ?? 3);
  if (options.round !== undefined) v = v.map((x) => Math.round(x * options.round!) / options.round!);
  return tensor(v, { shape, dtype: options.dtype ?? 'float32', device: 'cpu' });
}

/** `t` with some elements replaced: NaN, +-inf, -0 at the given flat (row-major, contiguous) positions. */
export function withSpecials(t: Tensor, specials: Record<number, number>): Tensor {
  const data = Array.from(t.dataSync() as ArrayLike<number>);
  for (const [i, v] of Object.entries(specials)) data[Number(i)] = v;
  return tensor(data, { shape: [...t.shape], dtype: t.dtype, device: t.device });
}

export interface Tolerance {
  rtol?: number;
  atol?: number;
}

/**
 * Runs `op` on `inputs` (on 'cpu', where `name`'s fused kernel runs, which is checked) and on
 * copies moved to the reference device, and expects equal dtypes, shapes and values (NaN matching
 * NaN, infinities exact, floats within the tolerance; `EXACT=1` in the environment demands
 * bit-identical floats, which float32 results mostly are).
 */
export function expectMatchesComposition(name: string, op: (...xs: Tensor[]) => Tensor | Tensor[], inputs: Tensor[], tol: Tolerance = {}): void {
  const kernel = getKernel('cpu', name);
  expect(kernel, `fused kernel '${name}' is registered`).toBeDefined();
  const refInputs = inputs.map((x) => x.to(REF));
  let calls = 0;
  registerKernel('cpu', name, (xs, attrs) => (calls++, kernel!(xs, attrs)));
  let got: Tensor | Tensor[];
  try {
    got = op(...inputs);
  } finally {
    registerKernel('cpu', name, kernel!);
  }
  expect(calls, `fused kernel '${name}' ran`).toBeGreaterThan(0);
  const want = op(...refInputs);
  const gs = Array.isArray(got) ? got : [got];
  const ws = Array.isArray(want) ? want : [want];
  expect(gs.length).toBe(ws.length);
  for (let k = 0; k < gs.length; k++) {
    const g = gs[k]!;
    const w = ws[k]!;
    expect(g.device).toBe('cpu');
    expect(w.device).toBe(REF);
    expect(g.dtype, `${name} output ${k} dtype`).toBe(w.dtype);
    expect(g.shape, `${name} output ${k} shape`).toEqual(w.shape);
    expectClose(g.dataSync() as ArrayLike<number>, w.dataSync() as ArrayLike<number>, tol, `${name} output ${k}`);
  }
  for (const t of [...gs, ...ws, ...refInputs]) t.dispose();
}

export function expectClose(got: ArrayLike<number>, want: ArrayLike<number>, tol: Tolerance, label: string): void {
  const rtol = process.env.EXACT ? 0 : (tol.rtol ?? 1e-5);
  const atol = process.env.EXACT ? 0 : (tol.atol ?? 1e-6);
  expect(got.length, `${label} length`).toBe(want.length);
  for (let i = 0; i < got.length; i++) {
    const g = got[i]!;
    const w = want[i]!;
    if (Object.is(g, w) || (g === w && g === 0)) continue;
    if (Number.isNaN(w) || !Number.isFinite(w) || Number.isNaN(g) || !Number.isFinite(g)) {
      expect(g, `${label}[${i}]`).toBe(w);
      continue;
    }
    if (Math.abs(g - w) > atol + rtol * Math.abs(w)) expect(g, `${label}[${i}] (want ${w})`).toBe(w);
  }
}

/** Non-contiguous variants of a 'cpu' tensor (same values where possible): transposed, strided slice, broadcast. */
export function layouts(x: Tensor): Record<string, Tensor> {
  const out: Record<string, Tensor> = { contiguous: x };
  if (x.ndim >= 2) out.transposed = x.transpose(0, x.ndim - 1).contiguous().transpose(0, x.ndim - 1);
  if (x.ndim >= 1 && x.shape[x.ndim - 1]! >= 2) out.sliced = x.slice(x.ndim - 1, 1, null, 2);
  if (x.ndim >= 1 && x.shape[0]! >= 1) out.expanded = x.slice(0, 0, 1).expand([3, ...x.shape.slice(1)]);
  return out;
}

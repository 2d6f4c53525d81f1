import { expect, it } from 'vitest';
import { memory, type DType, type NestedArray, type Tensor } from '@tessera/core';
import type { SuiteContext } from './run.js';

/** Options of {@link expectTensor}. */
export interface ExpectOptions {
  dtype?: DType;
  shape?: readonly number[];
  atol?: number;
  rtol?: number;
}

function flatten(v: NestedArray): (number | boolean)[] {
  return Array.isArray(v) ? v.flatMap(flatten) : [v];
}

/**
 * Asserts a tensor's values (read asynchronously, so it works on every device), and optionally
 * its shape and dtype. NaN matches NaN; infinities must match exactly.
 */
export async function expectTensor(t: Tensor, expected: NestedArray, options: ExpectOptions = {}): Promise<void> {
  if (options.shape) expect([...t.shape]).toEqual([...options.shape]);
  if (options.dtype) expect(t.dtype).toBe(options.dtype);
  const actual = flatten((await t.array()) as NestedArray);
  const want = flatten(expected);
  expect(actual.length).toBe(want.length);
  const atol = options.atol ?? (t.dtype === 'float64' ? 1e-12 : 1e-5);
  const rtol = options.rtol ?? (t.dtype === 'float64' ? 1e-10 : 1e-5);
  for (let i = 0; i < want.length; i++) {
    const a = actual[i]!;
    const w = want[i]!;
    if (typeof w === 'boolean' || typeof a === 'boolean') {
      expect(a, `element ${i}`).toBe(w);
    } else if (Number.isNaN(w)) {
      expect(Number.isNaN(a), `element ${i}: expected NaN, got ${a}`).toBe(true);
    } else if (!Number.isFinite(w)) {
      expect(a, `element ${i}`).toBe(w);
    } else {
      const ok = Math.abs(a - w) <= atol + rtol * Math.abs(w);
      expect(ok, `element ${i}: expected ${w}, got ${a}`).toBe(true);
    }
  }
}

/** The elements of `t` as a flat array of numbers (booleans as 0/1), read asynchronously. */
export async function values(t: Tensor): Promise<number[]> {
  return Array.from(await t.data());
}

/** `[0, 1, ..., n-1]`. */
export function range(n: number): number[] {
  return Array.from({ length: n }, (_, i) => i);
}

/** Applies `f` to every number of nested arrays. */
export function mapNested(v: NestedArray, f: (x: number) => number): NestedArray {
  return Array.isArray(v) ? v.map((x) => mapNested(x, f)) : f(Number(v));
}

/** Live tensors and bytes on `device` right now (read synchronously: no GC callback can interleave). */
export function liveOn(device: string): { tensors: number; bytes: number } {
  const m = memory().devices[device];
  return { tensors: m?.tensors ?? 0, bytes: m?.bytes ?? 0 };
}

/** A case body: may be synchronous or return a promise. */
export type CaseFn = () => unknown;

/** Declares a case; `options.skip` (e.g. `!ctx.float64`) or a `skip` entry naming it skips it. */
export type CaseDeclarer = (title: string, fn: CaseFn, options?: { skip?: boolean }) => void;

/** The `it` of one suite, honouring the backend's `skip` list (by title or `'suite/title'`). */
export function cases(ctx: SuiteContext, suite: string): CaseDeclarer {
  return (title, fn, options = {}) => {
    const skipped = options.skip === true || ctx.skipped(title) || ctx.skipped(`${suite}/${title}`);
    (skipped ? it.skip : it)(title, async () => {
      await fn();
    });
  };
}

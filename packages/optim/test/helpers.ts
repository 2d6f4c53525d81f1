/** Shared test helpers: fixture loading and float32-tolerance comparisons. */
import '@tessera/backend-cpu';
import type { Tensor } from '@tessera/core';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect } from 'vitest';

const here = dirname(fileURLToPath(import.meta.url));

/** Reads `fixtures/<name>.json` (written by fixtures/generate.py). */
export function loadFixture<T>(name: string): T {
  return JSON.parse(readFileSync(join(here, '..', 'fixtures', `${name}.json`), 'utf8')) as T;
}

/** Asserts `|got - want| <= atol + rtol |want|` elementwise, naming the worst element. */
export function expectClose(label: string, got: ArrayLike<number>, want: readonly number[], atol = 1e-5, rtol = 1e-4): void {
  expect(got.length, `${label}: length`).toBe(want.length);
  let worst = 0;
  let at = -1;
  for (let i = 0; i < want.length; i++) {
    const excess = Math.abs(got[i]! - want[i]!) - (atol + rtol * Math.abs(want[i]!));
    if (!(excess <= worst)) [worst, at] = [Number.isNaN(excess) ? Infinity : excess, i];
  }
  expect(at, `${label}[${at}]: got ${got[at]}, PyTorch ${want[at]}`).toBe(-1);
}

/** A tensor's values as a plain array. */
export function values(t: Tensor): number[] {
  return Array.from(t.dataSync() as ArrayLike<number>);
}

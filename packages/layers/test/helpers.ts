import { tensor, type Tensor } from '@tessera/core';
import '@tessera/backend-cpu';
import { expect } from 'vitest';

/** Asserts two tensors (or arrays) are elementwise close. */
export function expectClose(actual: Tensor | ArrayLike<number>, expected: Tensor | ArrayLike<number>, atol = 1e-5): void {
  const a = Array.from('dataSync' in (actual as object) ? (actual as Tensor).dataSync() : (actual as ArrayLike<number>));
  const b = Array.from('dataSync' in (expected as object) ? (expected as Tensor).dataSync() : (expected as ArrayLike<number>));
  expect(a.length).toBe(b.length);
  let worst = 0;
  for (let i = 0; i < a.length; i++) worst = Math.max(worst, Math.abs(a[i]! - b[i]!));
  expect(worst).toBeLessThanOrEqual(atol);
}

export function t(values: number[] | number[][], shape?: number[]): Tensor {
  return shape ? tensor(Float32Array.from((values as number[]).flat()), { shape }) : tensor(values);
}

/** Captures what `fn` writes to stdout. */
export async function captureStdout(fn: () => Promise<unknown> | unknown): Promise<string> {
  const write = process.stdout.write.bind(process.stdout);
  let out = '';
  (process.stdout as unknown as { write: (s: string) => boolean }).write = (s: string) => {
    out += s;
    return true;
  };
  try {
    await fn();
  } finally {
    (process.stdout as unknown as { write: typeof write }).write = write;
  }
  return out;
}

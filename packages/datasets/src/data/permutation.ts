/** Host-side random permutations, the same stream `randperm` draws for the same generator. */
import { getDefaultGenerator, type Generator } from '@tessera/core';

/** A random permutation of `0..n-1` (Fisher-Yates, matching core's `randperm` for the same generator state). */
export function permutation(n: number, generator: Generator = getDefaultGenerator()): Int32Array {
  const out = new Int32Array(n);
  for (let i = 0; i < n; i++) out[i] = i;
  for (let i = n - 1; i > 0; i--) {
    const j = generator.integer(0, i + 1);
    const t = out[i]!;
    out[i] = out[j]!;
    out[j] = t;
  }
  return out;
}

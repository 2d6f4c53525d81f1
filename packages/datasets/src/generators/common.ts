import { Generator, tensor, type Tensor } from '@tessera/core';

/** Options shared by the generators: every one is reproducible from `seed` (default 0) or `generator`. */
export interface GeneratorOptions {
  /** Number of samples (default 100). */
  nSamples?: number;
  /** Seed of a fresh generator (default 0); ignored when `generator` is given. */
  seed?: number;
  /** A generator to draw from (advanced by the call). */
  generator?: Generator;
  /** Device of the tensors. */
  device?: string;
}

/** Features and targets. */
export interface Generated {
  x: Tensor;
  y: Tensor;
}

export function rngOf(options: GeneratorOptions): Generator {
  return options.generator ?? new Generator(options.seed ?? 0);
}

export function countOf(op: string, n: number | undefined, fallback = 100): number {
  const v = n ?? fallback;
  if (!Number.isInteger(v) || v < 0) throw new RangeError(`${op}: nSamples must be a non-negative integer, got ${v}`);
  return v;
}

export function floats(data: Float32Array, shape: number[], device?: string): Tensor {
  return tensor(data, { shape, ...(device ? { device } : {}) });
}

export function ints(data: Int32Array, shape: number[], device?: string): Tensor {
  return tensor(data, { shape, ...(device ? { device } : {}) });
}

/** Reorders rows of `x` (width `w`) and `y` by `perm`. */
export function permuteRows(x: Float32Array, w: number, y: Int32Array, perm: Int32Array): [Float32Array, Int32Array] {
  const px = new Float32Array(x.length);
  const py = new Int32Array(y.length);
  for (let i = 0; i < perm.length; i++) {
    const j = perm[i]!;
    px.set(x.subarray(j * w, (j + 1) * w), i * w);
    py[i] = y[j]!;
  }
  return [px, py];
}

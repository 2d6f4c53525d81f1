/** Test helpers: float64 leaves in various layouts, seeded. */
import { Generator, permute, rand, slice, type Tensor } from '@tessera/core';

export const gen = new Generator(1234);

/** A float64 leaf requiring grad with values uniform in [low, high). */
export function leaf(shape: number[], low = -2, high = 2): Tensor {
  const r = rand(shape, { dtype: 'float64', generator: gen });
  const t = r.mul(high - low).add(low);
  r.dispose();
  return t.requiresGrad_();
}

/** Like `leaf`, but a transposed (non-contiguous) view: the last two dims are swapped in memory. */
export function leafT(shape: number[], low = -2, high = 2): Tensor {
  if (shape.length < 2) return leafStrided(shape, low, high);
  const n = shape.length;
  const swapped = [...shape];
  [swapped[n - 2], swapped[n - 1]] = [swapped[n - 1]!, swapped[n - 2]!];
  const base = leaf(swapped, low, high);
  const perm = shape.map((_, i) => i);
  [perm[n - 2], perm[n - 1]] = [perm[n - 1]!, perm[n - 2]!];
  const view = permute(base, perm);
  const t = view.detach().requiresGrad_();
  base.dispose();
  view.dispose();
  return t;
}

/** Like `leaf`, but every other element of a larger buffer along dim 0 (non-contiguous, with an offset). */
export function leafStrided(shape: number[], low = -2, high = 2): Tensor {
  const big = [2 * shape[0]! + 1, ...shape.slice(1)];
  const base = leaf(big, low, high);
  const view = slice(base, 0, 1, null, 2);
  const t = view.detach().requiresGrad_();
  base.dispose();
  view.dispose();
  return t;
}

/** Values far enough from 0 for ops with a kink or pole there: magnitude in [0.5, 2), random sign. */
export function leafAwayFromZero(shape: number[]): Tensor {
  const mag = rand(shape, { dtype: 'float64', generator: gen });
  const sgn = rand(shape, { dtype: 'float64', generator: gen });
  const t = mag.mul(1.5).add(0.5).mul(sgn.gt(0.5).double().mul(2).sub(1));
  mag.dispose();
  sgn.dispose();
  return t.requiresGrad_();
}

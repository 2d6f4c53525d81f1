/** Linear regression data: `y = X w + b + noise`. */
import { countOf, floats, rngOf, type Generated, type GeneratorOptions } from './common.js';

/** Options of `regression`. */
export interface RegressionOptions extends GeneratorOptions {
  /** Number of features (default 1; the length of `weights` when given). */
  nFeatures?: number;
  /** True weights (default: drawn uniformly from [-2, 2)). */
  weights?: readonly number[];
  /** True bias (default 0.5). */
  bias?: number;
  /** Standard deviation of the Gaussian noise added to `y` (default 0.1). */
  noise?: number;
}

/**
 * Features `x` `[n, f]` drawn from a standard normal and targets `y` `[n, 1]` = `x w + b + noise`.
 * Also returns the true `weights` and `bias`.
 *
 * @example
 * const { x, y, weights, bias } = regression({ nSamples: 200, nFeatures: 3, noise: 0.05, seed: 1 });
 */
export function regression(options: RegressionOptions = {}): Generated & { weights: number[]; bias: number } {
  const n = countOf('regression', options.nSamples);
  const f = options.weights?.length ?? options.nFeatures ?? 1;
  if (!Number.isInteger(f) || f < 1) throw new RangeError(`regression: nFeatures must be a positive integer, got ${f}`);
  if (options.weights && options.nFeatures !== undefined && options.nFeatures !== f) {
    throw new RangeError(`regression: nFeatures (${options.nFeatures}) does not match weights.length (${f})`);
  }
  const g = rngOf(options);
  const weights = options.weights ? [...options.weights] : Array.from({ length: f }, () => g.random() * 4 - 2);
  const bias = options.bias ?? 0.5;
  const noise = options.noise ?? 0.1;
  const x = new Float32Array(n * f);
  const y = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    let s = bias;
    for (let k = 0; k < f; k++) {
      const v = g.normal();
      x[i * f + k] = v;
      s += v * weights[k]!;
    }
    y[i] = s + noise * g.normal();
  }
  return { x: floats(x, [n, f], options.device), y: floats(y, [n, 1], options.device), weights, bias };
}

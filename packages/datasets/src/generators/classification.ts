/** Toy 2-D (or n-D) classification sets: two moons, spirals, Gaussian blobs. */
import { permutation } from '../data/permutation.js';
import { countOf, floats, ints, permuteRows, rngOf, type Generated, type GeneratorOptions } from './common.js';

/** Options of `twoMoons`. */
export interface MoonsOptions extends GeneratorOptions {
  /** Standard deviation of Gaussian noise added to the points (default 0.1). */
  noise?: number;
  /** Shuffle the samples (default true; else class 0 then class 1). */
  shuffle?: boolean;
}

/**
 * Two interleaving half circles (scikit-learn's `make_moons`): `x` float32 `[n, 2]`, `y` int32 `[n]`
 * (0 for the upper moon, 1 for the lower one).
 *
 * @example
 * const { x, y } = twoMoons({ nSamples: 200, noise: 0.1, seed: 0 });
 */
export function twoMoons(options: MoonsOptions = {}): Generated {
  const n = countOf('twoMoons', options.nSamples);
  const g = rngOf(options);
  const noise = options.noise ?? 0.1;
  const nOut = Math.floor(n / 2);
  const nIn = n - nOut;
  const x = new Float32Array(2 * n);
  const y = new Int32Array(n);
  for (let i = 0; i < nOut; i++) {
    const t = nOut > 1 ? (Math.PI * i) / (nOut - 1) : 0;
    x[2 * i] = Math.cos(t);
    x[2 * i + 1] = Math.sin(t);
  }
  for (let i = 0; i < nIn; i++) {
    const t = nIn > 1 ? (Math.PI * i) / (nIn - 1) : 0;
    const r = nOut + i;
    x[2 * r] = 1 - Math.cos(t);
    x[2 * r + 1] = 0.5 - Math.sin(t);
    y[r] = 1;
  }
  if (noise > 0) for (let i = 0; i < x.length; i++) x[i] = x[i]! + noise * g.normal();
  const [px, py] = options.shuffle === false ? [x, y] : permuteRows(x, 2, y, permutation(n, g));
  return { x: floats(px, [n, 2], options.device), y: ints(py, [n], options.device) };
}

/** Options of `spirals`. */
export interface SpiralOptions extends GeneratorOptions {
  /** Number of arms, one class each (default 2). */
  nClasses?: number;
  /** Turns of each arm (default 1). */
  turns?: number;
  /** Standard deviation of Gaussian noise on the angle (default 0.2 radians). */
  noise?: number;
  shuffle?: boolean;
}

/**
 * Interleaved spiral arms, one per class (the CS231n toy set): `x` float32 `[n, 2]` within the unit
 * disc, `y` int32 `[n]`. Not linearly separable: a classic first test for a small MLP.
 *
 * @example
 * const { x, y } = spirals({ nSamples: 300, nClasses: 3, seed: 0 });
 */
export function spirals(options: SpiralOptions = {}): Generated {
  const n = countOf('spirals', options.nSamples);
  const k = options.nClasses ?? 2;
  if (!Number.isInteger(k) || k < 1) throw new RangeError(`spirals: nClasses must be a positive integer, got ${k}`);
  const g = rngOf(options);
  const noise = options.noise ?? 0.2;
  const turns = options.turns ?? 1;
  const x = new Float32Array(2 * n);
  const y = new Int32Array(n);
  let row = 0;
  for (let c = 0; c < k; c++) {
    const m = Math.floor(n / k) + (c < n % k ? 1 : 0);
    for (let i = 0; i < m; i++, row++) {
      const r = m > 1 ? i / (m - 1) : 0;
      const t = (2 * Math.PI * c) / k + 2 * Math.PI * turns * r + noise * g.normal();
      x[2 * row] = r * Math.sin(t);
      x[2 * row + 1] = r * Math.cos(t);
      y[row] = c;
    }
  }
  const [px, py] = options.shuffle === false ? [x, y] : permuteRows(x, 2, y, permutation(n, g));
  return { x: floats(px, [n, 2], options.device), y: ints(py, [n], options.device) };
}

/** Options of `blobs`. */
export interface BlobOptions extends GeneratorOptions {
  /** Number of clusters (drawn in `centerBox`) or their centres (default 3). */
  centers?: number | readonly (readonly number[])[];
  /** Dimensions (default 2; the centres' length when given). */
  nFeatures?: number;
  /** Standard deviation of each cluster (default 1), one number or one per cluster. */
  clusterStd?: number | readonly number[];
  /** Range of random centres (default [-10, 10]). */
  centerBox?: readonly [number, number];
  shuffle?: boolean;
}

/**
 * Isotropic Gaussian clusters (scikit-learn's `make_blobs`): `x` float32 `[n, f]`, `y` int32 `[n]`
 * the cluster of each point; samples are spread evenly over the clusters.
 *
 * @example
 * const { x, y, centers } = blobs({ nSamples: 300, centers: 4, clusterStd: 0.5, seed: 3 });
 */
export function blobs(options: BlobOptions = {}): Generated & { centers: number[][] } {
  const n = countOf('blobs', options.nSamples);
  const g = rngOf(options);
  const spec = options.centers ?? 3;
  let centers: number[][];
  if (typeof spec === 'number') {
    if (!Number.isInteger(spec) || spec < 1) throw new RangeError(`blobs: centers must be a positive integer, got ${spec}`);
    const f = options.nFeatures ?? 2;
    const [lo, hi] = options.centerBox ?? [-10, 10];
    centers = Array.from({ length: spec }, () => Array.from({ length: f }, () => lo + (hi - lo) * g.random()));
  } else {
    centers = spec.map((c) => [...c]);
    const f = centers[0]?.length ?? 0;
    if (centers.length === 0 || centers.some((c) => c.length !== f)) throw new RangeError('blobs: centers must be a non-empty list of equally long points');
    if (options.nFeatures !== undefined && options.nFeatures !== f) throw new RangeError(`blobs: nFeatures (${options.nFeatures}) does not match the centres' length (${f})`);
  }
  const k = centers.length;
  const f = centers[0]!.length;
  const stds = typeof options.clusterStd === 'object' ? [...options.clusterStd] : new Array<number>(k).fill(options.clusterStd ?? 1);
  if (stds.length !== k) throw new RangeError(`blobs: clusterStd has ${stds.length} entries for ${k} clusters`);
  const x = new Float32Array(n * f);
  const y = new Int32Array(n);
  let row = 0;
  for (let c = 0; c < k; c++) {
    const m = Math.floor(n / k) + (c < n % k ? 1 : 0);
    for (let i = 0; i < m; i++, row++) {
      for (let j = 0; j < f; j++) x[row * f + j] = centers[c]![j]! + stds[c]! * g.normal();
      y[row] = c;
    }
  }
  const [px, py] = options.shuffle === false ? [x, y] : permuteRows(x, f, y, permutation(n, g));
  return { x: floats(px, [n, f], options.device), y: ints(py, [n], options.device), centers };
}

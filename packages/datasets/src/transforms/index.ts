/**
 * Transforms of tensors, written for batches (the first dimension indexes samples) and made of
 * core ops, so they run on any device. Random ones draw from a seeded `Generator` on the host.
 */
import { getDefaultGenerator, oneHot as coreOneHot, pad, tensor, tidy, type Generator, type Tensor } from '@tessera/core';

/** A tensor-to-tensor function. */
export type Transform = (x: Tensor) => Tensor;

/**
 * Applies transforms left to right.
 *
 * @example
 * const prep = compose(scale(), normalize(0.1307, 0.3081));
 */
export function compose(...transforms: Transform[]): Transform {
  return (x) => tidy(() => transforms.reduce((acc, t) => t(acc), x));
}

/** Casts to float32 (values unchanged). */
export function toFloat(): Transform {
  return (x) => x.float();
}

/**
 * Casts to float32 and multiplies by `factor`: the default 1/255 takes uint8 images to [0, 1].
 *
 * @example
 * scale()(xTrain); // float32 in [0, 1]
 */
export function scale(factor = 1 / 255): Transform {
  return (x) => tidy(() => x.float().mul(factor));
}

/** Options of the image transforms. */
export interface ImageOptions {
  /**
   * Layout of the trailing dimensions: `[..., C, H, W]` or `[..., H, W]` by default (PyTorch);
   * `[..., H, W, C]` when true (Keras, e.g. CIFAR-10 from `cifar10.loadData`).
   */
  channelsLast?: boolean;
}

/**
 * `(x - mean) / std`, with one value for all channels or one per channel.
 *
 * @example
 * normalize([0.4914, 0.4822, 0.4465], [0.2470, 0.2435, 0.2616], { channelsLast: true });
 */
export function normalize(mean: number | readonly number[], std: number | readonly number[], options: ImageOptions = {}): Transform {
  const m = typeof mean === 'number' ? [mean] : [...mean];
  const s = typeof std === 'number' ? [std] : [...std];
  if (s.some((v) => v === 0)) throw new RangeError('normalize: std must be nonzero');
  return (x) =>
    tidy(() => {
      const xf = x.float();
      const perChannel = m.length > 1 || s.length > 1;
      if (!perChannel) return xf.sub(m[0]!).div(s[0]!);
      const cDim = options.channelsLast ? x.ndim - 1 : x.ndim - 3;
      const c = x.shape[cDim];
      if (cDim < 0 || (m.length !== 1 && m.length !== c) || (s.length !== 1 && s.length !== c)) {
        throw new RangeError(`normalize: ${m.length} means and ${s.length} stds for ${c ?? 'no'} channels (dimension ${cDim} of shape [${x.shape.join(', ')}])`);
      }
      const shape = options.channelsLast ? [c!] : [c!, 1, 1];
      const full = (v: number[]): number[] => (v.length === 1 ? new Array<number>(c!).fill(v[0]!) : v);
      const mt = tensor(Float32Array.from(full(m)), { shape, device: x.device });
      const st = tensor(Float32Array.from(full(s)), { shape, device: x.device });
      return xf.sub(mt).div(st);
    });
}

/**
 * Class indices to one-hot vectors `[..., numClasses]` (float32 by default, as losses expect).
 *
 * @example
 * oneHot(10)(yTrain); // [60000, 10]
 */
export function oneHot(numClasses: number, options: { dtype?: 'float32' | 'int32' } = {}): Transform {
  if (!Number.isInteger(numClasses) || numClasses < 1) throw new RangeError(`oneHot: numClasses must be a positive integer, got ${numClasses}`);
  return (y) => tidy(() => coreOneHot(y, numClasses).cast(options.dtype ?? 'float32'));
}

/** Options of the random image transforms. */
export interface RandomImageOptions extends ImageOptions {
  /** Draws the random choices (default: core's default generator). */
  generator?: Generator;
  /** Whether dimension 0 indexes samples, each getting its own draw (default true); else one draw for the tensor. */
  batched?: boolean;
}

function spatialDims(x: Tensor, options: ImageOptions, op: string): [number, number] {
  const h = options.channelsLast ? x.ndim - 3 : x.ndim - 2;
  if (h < 0) throw new RangeError(`${op}: expected an image tensor [..., ${options.channelsLast ? 'H, W, C' : 'H, W'}], got shape [${x.shape.join(', ')}]`);
  return [h, h + 1];
}

/**
 * Per-position index along `dim`: sample `n` reads `offsets[n] + j` (or `W - 1 - j` when `flip[n]`),
 * shaped to gather along `dim` of a tensor of shape `shape`.
 */
function gatherIndex(shape: readonly number[], dim: number, out: number, rowOf: (n: number, j: number) => number, batched: boolean, device: string): Tensor {
  const n = batched ? shape[0]! : 1;
  const data = new Int32Array(n * out);
  for (let s = 0; s < n; s++) for (let j = 0; j < out; j++) data[s * out + j] = rowOf(s, j);
  const viewShape = shape.map((_, k) => (k === dim ? out : batched && k === 0 ? n : 1));
  const target = shape.map((d, k) => (k === dim ? out : d));
  return tensor(data, { shape: viewShape, device }).expand(target);
}

/**
 * Pads the image by `padding` on every side (with `fill`) and crops a random `size` window, a new
 * window for every sample.
 *
 * @example
 * randomCrop(32, { padding: 4, channelsLast: true, generator: new Generator(0) });
 */
export function randomCrop(size: number | readonly [number, number], options: RandomImageOptions & { padding?: number; fill?: number } = {}): Transform {
  const [ch, cw] = typeof size === 'number' ? [size, size] : size;
  const p = options.padding ?? 0;
  if (!Number.isInteger(p) || p < 0) throw new RangeError(`randomCrop: padding must be a non-negative integer, got ${p}`);
  return (x) =>
    tidy(() => {
      const g = options.generator ?? getDefaultGenerator();
      const batched = options.batched ?? true;
      const [hDim, wDim] = spatialDims(x, options, 'randomCrop');
      const pads = new Array<number>(2 * (x.ndim - hDim)).fill(0);
      // pad() lists (before, after) pairs from the last dimension backwards.
      pads[2 * (x.ndim - 1 - wDim)] = p;
      pads[2 * (x.ndim - 1 - wDim) + 1] = p;
      pads[2 * (x.ndim - 1 - hDim)] = p;
      pads[2 * (x.ndim - 1 - hDim) + 1] = p;
      const padded = p > 0 ? pad(x, pads, options.fill ?? 0) : x;
      const H = padded.shape[hDim]!;
      const W = padded.shape[wDim]!;
      if (ch > H || cw > W) throw new RangeError(`randomCrop: crop ${ch}x${cw} is larger than the padded image ${H}x${W}`);
      const n = batched ? x.shape[0]! : 1;
      const dy = Array.from({ length: n }, () => g.integer(0, H - ch + 1));
      const dx = Array.from({ length: n }, () => g.integer(0, W - cw + 1));
      if (!batched) return padded.narrow(hDim, dy[0]!, ch).narrow(wDim, dx[0]!, cw).contiguous();
      const rows = padded.gather(hDim, gatherIndex(padded.shape, hDim, ch, (s, j) => dy[s]! + j, true, x.device));
      return rows.gather(wDim, gatherIndex(rows.shape, wDim, cw, (s, j) => dx[s]! + j, true, x.device));
    });
}

/**
 * Mirrors images left-right with probability `p` (default 0.5), drawn for every sample.
 *
 * @example
 * randomHorizontalFlip({ channelsLast: true, generator: new Generator(0) });
 */
export function randomHorizontalFlip(options: RandomImageOptions & { p?: number } = {}): Transform {
  const prob = options.p ?? 0.5;
  if (!(prob >= 0 && prob <= 1)) throw new RangeError(`randomHorizontalFlip: p must be in [0, 1], got ${prob}`);
  return (x) =>
    tidy(() => {
      const g = options.generator ?? getDefaultGenerator();
      const batched = options.batched ?? true;
      const [, wDim] = spatialDims(x, options, 'randomHorizontalFlip');
      const n = batched ? x.shape[0]! : 1;
      const flip = Array.from({ length: n }, () => g.random() < prob);
      if (!flip.some(Boolean)) return x;
      const W = x.shape[wDim]!;
      return x.gather(wDim, gatherIndex(x.shape, wDim, W, (s, j) => (flip[s] ? W - 1 - j : j), batched, x.device));
    });
}

/**
 * Weight initialisers (PyTorch's `torch.nn.init`). Each fills a tensor in place, without recording
 * gradients, and returns it. Random ones draw from core's default generator, so `manualSeed(n)`
 * makes them reproducible (the numbers differ from PyTorch's, whose generator is different).
 *
 * @example
 * init.kaimingNormal_(conv.weight, { mode: 'fan_out', nonlinearity: 'relu' });
 * init.zeros_(conv.bias!);
 */
import { noGrad } from '@tessera/autograd';
import * as T from '@tessera/core';
import { getDefaultGenerator, tidy, type Generator, type Tensor } from '@tessera/core';
import { fmt } from './util.js';

/** Nonlinearities known to `calculateGain` (PyTorch's names; camelCase accepted too). */
export type Nonlinearity =
  | 'linear' | 'conv1d' | 'conv2d' | 'conv3d' | 'conv_transpose1d' | 'conv_transpose2d' | 'conv_transpose3d'
  | 'sigmoid' | 'tanh' | 'relu' | 'leaky_relu' | 'leakyRelu' | 'selu';

/** Options naming the random stream. */
export interface InitOptions {
  generator?: Generator;
}

function write(t: Tensor, make: () => Tensor): Tensor {
  noGrad(() =>
    tidy(() => {
      t.copy_(make());
    }),
  );
  return t;
}

function opts(t: Tensor, o: InitOptions): T.RandomOptions {
  return { dtype: t.dtype, device: t.device, generator: o.generator };
}

/** Fills with samples from U(a, b). */
export function uniform_(t: Tensor, a = 0, b = 1, options: InitOptions = {}): Tensor {
  return write(t, () => T.add(T.mul(T.rand(t.shape, opts(t, options)), b - a), a));
}

/** Fills with samples from N(mean, std^2). */
export function normal_(t: Tensor, mean = 0, std = 1, options: InitOptions = {}): Tensor {
  return write(t, () => T.add(T.mul(T.randn(t.shape, opts(t, options)), std), mean));
}

/** Fills with `value`. */
export function constant_(t: Tensor, value: number): Tensor {
  noGrad(() => t.fill_(value));
  return t;
}

/** Fills with zeros. */
export function zeros_(t: Tensor): Tensor {
  return constant_(t, 0);
}

/** Fills with ones. */
export function ones_(t: Tensor): Tensor {
  return constant_(t, 1);
}

/** Fills a 2-D tensor with the identity matrix. */
export function eye_(t: Tensor): Tensor {
  if (t.ndim !== 2) throw new RangeError(`eye_: only 2-D tensors are supported, got ${fmt(t.shape)}`);
  return write(t, () => T.eye(t.shape[0]!, t.shape[1]!, { dtype: t.dtype, device: t.device }));
}

/** Normal samples redrawn until they fall in [a, b] (PyTorch's `trunc_normal_`). */
export function truncNormal_(t: Tensor, mean = 0, std = 1, a = -2, b = 2, options: InitOptions = {}): Tensor {
  const g = options.generator ?? getDefaultGenerator();
  const data = new Float64Array(t.size);
  for (let i = 0; i < data.length; i++) {
    let v: number;
    let tries = 0;
    do {
      v = mean + std * g.normal();
      if (++tries > 1000) throw new RangeError(`truncNormal_: [${a}, ${b}] is too far from N(${mean}, ${std}^2)`);
    } while (v < a || v > b);
    data[i] = v;
  }
  return write(t, () => T.tensor(data, { shape: t.shape, dtype: t.dtype, device: t.device }));
}

/**
 * The recommended gain for a nonlinearity: 1 for linear/conv/sigmoid, 5/3 for tanh, sqrt(2) for
 * relu, sqrt(2 / (1 + slope^2)) for leaky_relu (`param` is the slope, default 0.01), 3/4 for selu.
 */
export function calculateGain(nonlinearity: Nonlinearity, param?: number | null): number {
  switch (nonlinearity) {
    case 'linear': case 'conv1d': case 'conv2d': case 'conv3d':
    case 'conv_transpose1d': case 'conv_transpose2d': case 'conv_transpose3d': case 'sigmoid':
      return 1;
    case 'tanh':
      return 5 / 3;
    case 'relu':
      return Math.SQRT2;
    case 'leaky_relu': case 'leakyRelu': {
      const slope = param ?? 0.01;
      return Math.sqrt(2 / (1 + slope * slope));
    }
    case 'selu':
      return 3 / 4;
    default:
      throw new RangeError(`calculateGain: unsupported nonlinearity ${JSON.stringify(nonlinearity)}`);
  }
}

/** [fanIn, fanOut] of a weight [out, in, ...kernel] (PyTorch's `_calculate_fan_in_and_fan_out`). */
export function calculateFanInAndFanOut(t: Tensor | readonly number[]): [number, number] {
  const shape = Array.isArray(t) ? (t as readonly number[]) : (t as Tensor).shape;
  if (shape.length < 2) throw new RangeError(`init: fan in and fan out can not be computed for a tensor with fewer than 2 dimensions (shape ${fmt(shape)})`);
  let receptive = 1;
  for (let i = 2; i < shape.length; i++) receptive *= shape[i]!;
  return [shape[1]! * receptive, shape[0]! * receptive];
}

/** Options of the Kaiming initialisers. */
export interface KaimingOptions extends InitOptions {
  /** Negative slope of the leaky ReLU that follows (only for 'leaky_relu'). Default 0. */
  a?: number;
  /** Preserve the variance of the forward ('fan_in', default) or backward ('fan_out') pass. */
  mode?: 'fan_in' | 'fan_out' | 'fanIn' | 'fanOut';
  /** Default 'leaky_relu'. */
  nonlinearity?: Nonlinearity;
}

function kaimingStd(t: Tensor, o: KaimingOptions): number {
  const [fanIn, fanOut] = calculateFanInAndFanOut(t);
  const mode = o.mode ?? 'fan_in';
  const fan = mode === 'fan_in' || mode === 'fanIn' ? fanIn : fanOut;
  return calculateGain(o.nonlinearity ?? 'leaky_relu', o.a ?? 0) / Math.sqrt(fan);
}

/** He initialisation, uniform: U(-b, b) with `b = gain * sqrt(3 / fan)`. */
export function kaimingUniform_(t: Tensor, options: KaimingOptions = {}): Tensor {
  if (t.size === 0) return t;
  const bound = Math.sqrt(3) * kaimingStd(t, options);
  return uniform_(t, -bound, bound, options);
}

/** He initialisation, normal: N(0, std^2) with `std = gain / sqrt(fan)`. */
export function kaimingNormal_(t: Tensor, options: KaimingOptions = {}): Tensor {
  if (t.size === 0) return t;
  return normal_(t, 0, kaimingStd(t, options), options);
}

/** Glorot initialisation, uniform: U(-a, a) with `a = gain * sqrt(6 / (fanIn + fanOut))`. */
export function xavierUniform_(t: Tensor, options: InitOptions & { gain?: number } = {}): Tensor {
  const [fanIn, fanOut] = calculateFanInAndFanOut(t);
  const a = (options.gain ?? 1) * Math.sqrt(6 / (fanIn + fanOut));
  return uniform_(t, -a, a, options);
}

/** Glorot initialisation, normal: N(0, std^2) with `std = gain * sqrt(2 / (fanIn + fanOut))`. */
export function xavierNormal_(t: Tensor, options: InitOptions & { gain?: number } = {}): Tensor {
  const [fanIn, fanOut] = calculateFanInAndFanOut(t);
  return normal_(t, 0, (options.gain ?? 1) * Math.sqrt(2 / (fanIn + fanOut)), options);
}

/**
 * A (semi-)orthogonal matrix, scaled by `gain`: the Q of the QR decomposition of a normal sample,
 * with the signs fixed by R's diagonal (as PyTorch). Tensors with more than 2 dims are treated as
 * [shape[0], rest].
 */
export function orthogonal_(t: Tensor, options: InitOptions & { gain?: number } = {}): Tensor {
  if (t.ndim < 2) throw new RangeError(`orthogonal_: only tensors with 2 or more dimensions are supported, got ${fmt(t.shape)}`);
  if (t.size === 0) return t;
  const rows = t.shape[0]!;
  const cols = t.size / rows;
  const g = options.generator ?? getDefaultGenerator();
  // QR of the tall orientation m x n (m >= n) by modified Gram-Schmidt, twice for stability.
  const transpose = rows < cols;
  const m = transpose ? cols : rows;
  const n = transpose ? rows : cols;
  const a = new Float64Array(m * n);
  for (let i = 0; i < a.length; i++) a[i] = g.normal();
  const q = new Float64Array(m * n);
  for (let j = 0; j < n; j++) {
    for (let i = 0; i < m; i++) q[i * n + j] = a[i * n + j]!;
    let rjj = 0;
    for (let pass = 0; pass < 2; pass++) {
      for (let k = 0; k < j; k++) {
        let dot = 0;
        for (let i = 0; i < m; i++) dot += q[i * n + k]! * q[i * n + j]!;
        for (let i = 0; i < m; i++) q[i * n + j]! -= dot * q[i * n + k]!;
      }
    }
    for (let i = 0; i < m; i++) rjj += q[i * n + j]! ** 2;
    rjj = Math.sqrt(rjj);
    // R's diagonal is positive here, which is what multiplying by sign(diag(R)) achieves.
    for (let i = 0; i < m; i++) q[i * n + j]! /= rjj || 1;
  }
  const gain = options.gain ?? 1;
  const out = new Float64Array(rows * cols);
  for (let i = 0; i < rows; i++) {
    for (let j = 0; j < cols; j++) out[i * cols + j] = gain * (transpose ? q[j * n + i]! : q[i * n + j]!);
  }
  return write(t, () => T.tensor(out, { shape: t.shape, dtype: t.dtype, device: t.device }));
}

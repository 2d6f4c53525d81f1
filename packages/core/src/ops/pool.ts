/**
 * Pooling (NCHW, PyTorch semantics), composed from padding, sliding windows and reductions.
 * Backends may register fused kernels under the same op names.
 */
import { allocArray, isFloat } from '../dtype.js';
import { tidy } from '../memory.js';
import { fmtShape } from '../shape.js';
import type { Tensor } from '../tensor.js';
import { pair } from './conv.js';
import { ones } from './creation.js';
import { fromData, runOp } from './dispatch.js';
import * as E from './elementwise.js';
import { pad } from './join.js';
import { matmul } from './linalg.js';
import { max, sum } from './reduce.js';
import { contiguous, slice, squeeze, transpose, unsqueeze } from './views.js';
import { windows2d } from './windows.js';

type Pair = number | readonly [number, number];

/** Options of `maxPool2d`. */
export interface MaxPool2dOptions {
  /** Default: the kernel size. */
  stride?: Pair | null;
  padding?: Pair;
  dilation?: Pair;
  /** Use ceil instead of floor for the output size. */
  ceilMode?: boolean;
}

/** Options of `avgPool2d`. */
export interface AvgPool2dOptions {
  stride?: Pair | null;
  padding?: Pair;
  ceilMode?: boolean;
  /** Whether zero padding counts in the average (default true). */
  countIncludePad?: boolean;
  /** Divide by this instead of the window size. */
  divisorOverride?: number;
}

interface PoolGeometry {
  kernel: [number, number];
  stride: [number, number];
  padding: [number, number];
  dilation: [number, number];
  out: [number, number];
  /** Padding on the far side (more than `padding` in ceil mode). */
  far: [number, number];
}

function poolOutSize(size: number, k: number, s: number, p: number, d: number, ceil: boolean): number {
  const span = size + 2 * p - d * (k - 1) - 1;
  let out = (ceil ? Math.ceil(span / s) : Math.floor(span / s)) + 1;
  if (ceil && (out - 1) * s >= size + p) out--;
  return out;
}

function geometry(op: string, x: Tensor, kernelSize: Pair, o: { stride?: Pair | null; padding?: Pair; dilation?: Pair; ceilMode?: boolean }): PoolGeometry {
  if (x.ndim !== 3 && x.ndim !== 4) throw new RangeError(`${op}: expected input [N, C, H, W] or [C, H, W], got ${fmtShape(x.shape)}`);
  if (!isFloat(x.dtype)) throw new TypeError(`${op}: expected a floating point input, got ${x.dtype}`);
  const kernel = pair(op, 'kernelSize', kernelSize, 1, 1);
  const stride = o.stride === undefined || o.stride === null ? kernel : pair(op, 'stride', o.stride, 1, 1);
  const padding = pair(op, 'padding', o.padding, 0, 0);
  const dilation = pair(op, 'dilation', o.dilation, 1, 1);
  for (let i = 0; i < 2; i++) {
    if (padding[i]! * 2 > dilation[i]! * (kernel[i]! - 1) + 1) {
      throw new RangeError(`${op}: pad should be at most half of effective kernel size, but got pad=${padding[i]}, kernel_size=${kernel[i]} and dilation=${dilation[i]}`);
    }
  }
  const H = x.shape[x.ndim - 2]!;
  const W = x.shape[x.ndim - 1]!;
  const out: [number, number] = [
    poolOutSize(H, kernel[0], stride[0], padding[0], dilation[0], o.ceilMode ?? false),
    poolOutSize(W, kernel[1], stride[1], padding[1], dilation[1], o.ceilMode ?? false),
  ];
  if (out[0] <= 0 || out[1] <= 0) {
    throw new RangeError(`${op}: output size ${out[0]}x${out[1]} is too small (input ${fmtShape(x.shape)}, kernel ${kernel.join('x')})`);
  }
  const far: [number, number] = [
    Math.max(padding[0], (out[0] - 1) * stride[0] + dilation[0] * (kernel[0] - 1) + 1 - H - padding[0]),
    Math.max(padding[1], (out[1] - 1) * stride[1] + dilation[1] * (kernel[1] - 1) + 1 - W - padding[1]),
  ];
  return { kernel, stride, padding, dilation, out, far };
}

/** Windows [..., OH, OW, KH, KW] of `x` padded with `value`, cut to the pooled output size. */
function pooledWindows(x: Tensor, g: PoolGeometry, value: number): Tensor {
  const needsPad = g.padding[0] > 0 || g.padding[1] > 0 || g.far[0] > 0 || g.far[1] > 0;
  const xp = needsPad ? pad(x, [g.padding[1], g.far[1], g.padding[0], g.far[0]], value) : x;
  const win = windows2d(xp, { kernel: g.kernel, stride: g.stride, dilation: g.dilation });
  const h = x.ndim - 2;
  return slice(slice(win, h, 0, g.out[0]), h + 1, 0, g.out[1]);
}

function attrsOf(g: PoolGeometry, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return { kernel: g.kernel, stride: g.stride, padding: g.padding, dilation: g.dilation, out: g.out, ...extra };
}

/** 2-D max pooling over `input` [N, C, H, W] (or [C, H, W]); padding counts as -infinity. */
export function maxPool2d(input: Tensor, kernelSize: Pair, options: MaxPool2dOptions = {}): Tensor {
  input.assertAlive();
  const g = geometry('maxPool2d', input, kernelSize, options);
  return runOp('maxPool2d', [input], attrsOf(g, { ceilMode: options.ceilMode ?? false }), () =>
    tidy(() => contiguous(max(pooledWindows(input, g, -Infinity), [-2, -1]))),
  );
}

/** 2-D average pooling over `input` [N, C, H, W] (or [C, H, W]). */
export function avgPool2d(input: Tensor, kernelSize: Pair, options: AvgPool2dOptions = {}): Tensor {
  input.assertAlive();
  const g = geometry('avgPool2d', input, kernelSize, options);
  const includePad = options.countIncludePad ?? true;
  const divisor = options.divisorOverride;
  if (divisor !== undefined && (!Number.isFinite(divisor) || divisor === 0)) throw new RangeError(`avgPool2d: divisorOverride must be a nonzero number, got ${divisor}`);
  const attrs = attrsOf(g, { ceilMode: options.ceilMode ?? false, countIncludePad: includePad, divisorOverride: divisor ?? null });
  return runOp('avgPool2d', [input], attrs, () =>
    tidy(() => {
      const sums = sum(pooledWindows(input, g, 0), [-2, -1]);
      if (divisor !== undefined) return contiguous(E.div(sums, divisor));
      // The count of each window: input cells (plus the symmetric zero padding when it counts).
      const H = input.shape[input.ndim - 2]!;
      const W = input.shape[input.ndim - 1]!;
      const base = ones([1, 1, H, W], { dtype: input.dtype, device: input.device });
      const mask = includePad ? pad(base, [g.padding[1], g.padding[1], g.padding[0], g.padding[0]], 1) : base;
      const inner: PoolGeometry = includePad
        ? { ...g, padding: [0, 0], far: [g.far[0] - g.padding[0], g.far[1] - g.padding[1]] }
        : g;
      const counts = sum(pooledWindows(mask, inner, 0), [-2, -1]);
      const avg = E.div(sums, input.ndim === 3 ? squeeze(counts, 0) : counts);
      return contiguous(avg);
    }),
  );
}

/** 1-D max pooling over `input` [N, C, L] (or [C, L]). */
export function maxPool1d(
  input: Tensor,
  kernelSize: number,
  options: { stride?: number | null; padding?: number; dilation?: number; ceilMode?: boolean } = {},
): Tensor {
  if (input.ndim !== 2 && input.ndim !== 3) throw new RangeError(`maxPool1d: expected input [N, C, L] or [C, L], got ${fmtShape(input.shape)}`);
  return tidy(() =>
    squeeze(
      maxPool2d(unsqueeze(input, -2), [1, kernelSize], {
        stride: [1, options.stride ?? kernelSize],
        padding: [0, options.padding ?? 0],
        dilation: [1, options.dilation ?? 1],
        ceilMode: options.ceilMode,
      }),
      -2,
    ),
  );
}

/** 1-D average pooling over `input` [N, C, L] (or [C, L]). */
export function avgPool1d(
  input: Tensor,
  kernelSize: number,
  options: { stride?: number | null; padding?: number; ceilMode?: boolean; countIncludePad?: boolean } = {},
): Tensor {
  if (input.ndim !== 2 && input.ndim !== 3) throw new RangeError(`avgPool1d: expected input [N, C, L] or [C, L], got ${fmtShape(input.shape)}`);
  return tidy(() =>
    squeeze(
      avgPool2d(unsqueeze(input, -2), [1, kernelSize], {
        stride: [1, options.stride ?? kernelSize],
        padding: [0, options.padding ?? 0],
        ceilMode: options.ceilMode,
        countIncludePad: options.countIncludePad,
      }),
      -2,
    ),
  );
}

/** The [out, size] matrix that averages PyTorch's adaptive bins: start floor(i*size/out), end ceil((i+1)*size/out). */
function adaptiveMatrix(input: Tensor, size: number, out: number): Tensor {
  const m = allocArray(input.dtype, out * size);
  for (let i = 0; i < out; i++) {
    const start = Math.floor((i * size) / out);
    const end = Math.ceil(((i + 1) * size) / out);
    for (let j = start; j < end; j++) m[i * size + j] = 1 / (end - start);
  }
  return fromData(input.backend, input.backend.upload(m, input.dtype), input.dtype, [out, size]);
}

/** Average pooling to a fixed output size (bins as in PyTorch, also for sizes that do not divide). */
export function adaptiveAvgPool2d(input: Tensor, outputSize: Pair | readonly [number | null, number | null]): Tensor {
  input.assertAlive();
  if (input.ndim !== 3 && input.ndim !== 4) throw new RangeError(`adaptiveAvgPool2d: expected input [N, C, H, W] or [C, H, W], got ${fmtShape(input.shape)}`);
  if (!isFloat(input.dtype)) throw new TypeError(`adaptiveAvgPool2d: expected a floating point input, got ${input.dtype}`);
  const H = input.shape[input.ndim - 2]!;
  const W = input.shape[input.ndim - 1]!;
  const raw = typeof outputSize === 'number' ? [outputSize, outputSize] : outputSize;
  const out = pair('adaptiveAvgPool2d', 'outputSize', [raw[0] ?? H, raw[1] ?? W], 1, 1);
  return runOp('adaptiveAvgPool2d', [input], { outputSize: out }, () =>
    tidy(() => {
      const rows = matmul(adaptiveMatrix(input, H, out[0]), input); // [..., OH, W]
      return contiguous(matmul(rows, transpose(adaptiveMatrix(input, W, out[1]), 0, 1)));
    }),
  );
}

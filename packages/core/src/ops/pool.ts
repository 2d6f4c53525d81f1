/**
 * Pooling (NCHW, PyTorch semantics), composed from padding, sliding windows and reductions.
 * Backends may register fused kernels under the same op names.
 *
 * Gradients are ops too: 'maxPool2dWithIndices' (the forward plus each maximum's position, which
 * core dispatches instead of 'maxPool2d' when autograd records the call), 'maxPool2dBackward'
 * (scatter-add of the gradient at those positions) and 'avgPool2dBackward' (col2im of the scaled
 * gradient), so that backends' fused kernels serve training too.
 */
import { allocArray, isFloat } from '../dtype.js';
import { engine } from '../engine.js';
import { tidy } from '../memory.js';
import { fmtShape } from '../shape.js';
import type { Tensor } from '../tensor.js';
import { ones, zeros } from './creation.js';
import { fromData, runOp, sameBackend } from './dispatch.js';
import * as E from './elementwise.js';
import { gather, indexSelect, scatterAdd } from './indexing.js';
import { arangeOn } from './internal.js';
import { pad } from './join.js';
import { matmul } from './linalg.js';
import { argmax, max, min, sum } from './reduce.js';
import { fmtDims, sizes, spatialNames, type SizeArg } from './spatial.js';
import { contiguous, expand, reshape, slice, squeeze, transpose, unsqueeze } from './views.js';
import { foldWindows2d, windows2d } from './windows.js';

type Pair = number | readonly [number, number];

/** Options of `maxPool2d`. */
export interface MaxPool2dOptions {
  /** Default: the kernel size. */
  stride?: Pair | null;
  /** Implicit -infinity padding per side, at most half the (dilated) kernel. */
  padding?: Pair;
  dilation?: Pair;
  /** Use ceil instead of floor for the output size (a last window may then hang over the end). */
  ceilMode?: boolean;
}

/** Options of `maxPool1d`. */
export interface MaxPool1dOptions {
  /** Default: the kernel size. */
  stride?: number | null;
  padding?: number;
  dilation?: number;
  ceilMode?: boolean;
}

/** Options of `avgPool2d`. */
export interface AvgPool2dOptions {
  /** Default: the kernel size. */
  stride?: Pair | null;
  /** Implicit zero padding per side, at most half the kernel. */
  padding?: Pair;
  ceilMode?: boolean;
  /** Whether zero padding counts in the average (default true). Cells past the end in ceil mode never count. */
  countIncludePad?: boolean;
  /** Divide by this instead of the window size. */
  divisorOverride?: number;
}

/** Options of `avgPool1d`. */
export interface AvgPool1dOptions {
  stride?: number | null;
  padding?: number;
  ceilMode?: boolean;
  countIncludePad?: boolean;
}

/** Resolved 2-D pooling geometry; `attrs` of the pooling ops carry it (without `far`). */
interface PoolGeometry {
  kernel: [number, number];
  stride: [number, number];
  padding: [number, number];
  dilation: [number, number];
  out: [number, number];
  /** Padding on the far side (more than `padding` in ceil mode). */
  far: [number, number];
}

/** PyTorch's pooled size; in ceil mode a last window must start inside the input or the near padding. */
function poolOutSize(size: number, k: number, s: number, p: number, d: number, ceil: boolean): number {
  const span = size + 2 * p - d * (k - 1) - 1;
  let out = (ceil ? Math.ceil(span / s) : Math.floor(span / s)) + 1;
  if (ceil && (out - 1) * s >= size + p) out--;
  return out;
}

/**
 * Checks pooling arguments over the last `dims` dims of `x` (messages show the caller's shapes)
 * and resolves them into 2-D geometry; 1-D pooling gets a height-1 axis in front.
 */
function geometry(
  op: string,
  dims: 1 | 2,
  x: Tensor,
  kernelSize: SizeArg,
  o: { stride?: SizeArg | null; padding?: SizeArg; dilation?: SizeArg; ceilMode?: boolean },
): PoolGeometry {
  x.assertAlive();
  const sp = spatialNames(dims);
  if (x.ndim !== dims + 1 && x.ndim !== dims + 2) throw new RangeError(`${op}: expected input [N, C, ${sp}] or [C, ${sp}], got ${fmtShape(x.shape)}`);
  if (!isFloat(x.dtype)) throw new TypeError(`${op}: expected a floating point input, got ${x.dtype}`);
  const kernel = sizes(op, 'kernelSize', kernelSize, dims, undefined, 1);
  const stride = o.stride === undefined || o.stride === null ? kernel : sizes(op, 'stride', o.stride, dims, 1, 1);
  const padding = sizes(op, 'padding', o.padding, dims, 0, 0);
  const dilation = sizes(op, 'dilation', o.dilation, dims, 1, 1);
  // As current PyTorch: at most half the effective (dilated) kernel (1.13 checked the undilated one).
  for (let i = 0; i < dims; i++) {
    if (padding[i]! * 2 > dilation[i]! * (kernel[i]! - 1) + 1) {
      throw new RangeError(`${op}: pad should be at most half of effective kernel size, but got pad=${padding[i]}, kernel_size=${kernel[i]} and dilation=${dilation[i]}`);
    }
  }
  const size = x.shape.slice(-dims);
  const out = size.map((n, i) => poolOutSize(n, kernel[i]!, stride[i]!, padding[i]!, dilation[i]!, o.ceilMode ?? false));
  if (out.some((n) => n <= 0)) {
    throw new RangeError(`${op}: output size ${fmtDims(out)} is too small (input ${fmtShape(x.shape)}, kernel ${fmtDims(kernel)}, stride ${fmtDims(stride)}, padding ${fmtDims(padding)}, dilation ${fmtDims(dilation)})`);
  }
  const far = size.map((n, i) => Math.max(padding[i]!, (out[i]! - 1) * stride[i]! + dilation[i]! * (kernel[i]! - 1) + 1 - n - padding[i]!));
  const two = (v: number[], lead: number): [number, number] => (dims === 2 ? [v[0]!, v[1]!] : [lead, v[0]!]);
  return {
    kernel: two(kernel, 1),
    stride: two(stride, 1),
    padding: two(padding, 0),
    dilation: two(dilation, 1),
    out: two(out, 1),
    far: two(far, 0),
  };
}

/** Windows [..., OH, OW, KH, KW] of `x` padded with `value`, cut to the pooled output size. */
function pooledWindows(x: Tensor, g: PoolGeometry, value: number): Tensor {
  const needsPad = g.padding[0] > 0 || g.padding[1] > 0 || g.far[0] > 0 || g.far[1] > 0;
  const xp = needsPad ? pad(x, [g.padding[1], g.far[1], g.padding[0], g.far[0]], value) : x;
  const win = windows2d(xp, { kernel: g.kernel, stride: g.stride, dilation: g.dilation });
  const h = x.ndim - 2;
  return slice(slice(win, h, 0, g.out[0]), h + 1, 0, g.out[1]);
}

function attrsOf(g: PoolGeometry, extra: Record<string, unknown>): Record<string, unknown> {
  return { kernel: g.kernel, stride: g.stride, padding: g.padding, dilation: g.dilation, out: g.out, ...extra };
}

/** Whether autograd records an op on `input` now (what `runOp` checks before recording). */
function recordsGrad(input: Tensor): boolean {
  return input.requiresGrad && engine.recorder !== null && engine.gradEnabled && engine.recordingSuppressed === 0;
}

/**
 * Dispatches 'maxPool2d' over the last two dims of a checked `input`. When autograd records the
 * call it dispatches 'maxPool2dWithIndices' instead, so that backward reuses the positions.
 */
function maxPoolOp(input: Tensor, g: PoolGeometry, ceilMode: boolean): Tensor {
  if (recordsGrad(input)) {
    const [output, indices] = maxPoolWithIndicesOp(input, g, ceilMode);
    indices.dispose();
    return output;
  }
  return runOp('maxPool2d', [input], attrsOf(g, { ceilMode }), () =>
    tidy(() => contiguous(max(pooledWindows(input, g, -Infinity), [-2, -1]))),
  );
}

/**
 * Dispatches 'maxPool2dWithIndices': the max pooling and, as int32, the position `h * W + w` in
 * its input plane of each window's first maximum, or of its last NaN when it has NaNs (as PyTorch).
 * A window whose first maximum lies in the padding (every value it reads is -infinity) points at its first input cell.
 */
function maxPoolWithIndicesOp(input: Tensor, g: PoolGeometry, ceilMode: boolean): [Tensor, Tensor] {
  return runOp('maxPool2dWithIndices', [input], attrsOf(g, { ceilMode }), () =>
    tidy((): [Tensor, Tensor] => {
      const win = pooledWindows(input, g, -Infinity); // [..., OH, OW, KH, KW]
      const values = contiguous(max(win, [-2, -1]));
      const taps = g.kernel[0] * g.kernel[1];
      const lead = win.shape.slice(0, -2);
      const flat = reshape(win, [...lead, taps]);
      // PyTorch's scan lets every NaN win, so a window with NaNs points at its last one; argmax
      // (the first maximum, or the first NaN) gives the rest.
      const tap = arangeOn(input.backend, taps);
      const lastNaN = max(E.where(E.isnan(flat), tap, -1), -1, true);
      const first = E.where(E.ge(lastNaN, 0), lastNaN, argmax(flat, -1, true)); // [..., OH, OW, 1]
      // Each tap's position in the plane; padding taps get H * W, past every real position.
      const H = input.shape[input.ndim - 2]!;
      const W = input.shape[input.ndim - 1]!;
      const plane = reshape(arangeOn(input.backend, H * W), [H, W]);
      const where2d = reshape(pooledWindows(plane, g, H * W), [g.out[0], g.out[1], taps]);
      const at = reshape(gather(expand(where2d, [...lead, taps]), -1, first), lead);
      // Positions grow along a window (row-major), so its first input cell is the smallest one.
      const indices = E.where(E.eq(at, H * W), min(where2d, -1), at);
      return [values, contiguous(indices)];
    }),
  );
}

/** Dispatches 'avgPool2d' over the last two dims of a checked `input`. */
function avgPoolOp(input: Tensor, g: PoolGeometry, ceilMode: boolean, includePad: boolean, divisor: number | null): Tensor {
  const attrs = attrsOf(g, { ceilMode, countIncludePad: includePad, divisorOverride: divisor });
  return runOp('avgPool2d', [input], attrs, () =>
    tidy(() => {
      const sums = sum(pooledWindows(input, g, 0), [-2, -1]);
      if (divisor !== null) return contiguous(E.div(sums, divisor));
      const H = input.shape[input.ndim - 2]!;
      const W = input.shape[input.ndim - 1]!;
      return contiguous(E.div(sums, windowCounts(input, H, W, g, includePad)));
    }),
  );
}

/** The count of each window [OH, OW]: input cells, plus the symmetric zero padding when it counts. */
function windowCounts(like: Tensor, H: number, W: number, g: PoolGeometry, includePad: boolean): Tensor {
  const base = ones([H, W], { dtype: like.dtype, device: like.device });
  const mask = includePad ? pad(base, [g.padding[1], g.padding[1], g.padding[0], g.padding[0]], 1) : base;
  const inner: PoolGeometry = includePad
    ? { ...g, padding: [0, 0], far: [g.far[0] - g.padding[0], g.far[1] - g.padding[1]] }
    : g;
  return sum(pooledWindows(mask, inner, 0), [-2, -1]);
}

/** Attributes of the pooling ops, as they pass them to `runOp` (and fused kernels get them). */
export interface Pool2dAttrs {
  kernel: readonly [number, number];
  stride: readonly [number, number];
  /** Per side, [height, width]; ceil mode may read past the far end (never counted). */
  padding: readonly [number, number];
  dilation: readonly [number, number];
  /** The output size [OH, OW]. */
  out: readonly [number, number];
  ceilMode: boolean;
}

/** Attributes of 'avgPool2d' (and, with `inputShape`, of 'avgPool2dBackward'). */
export interface AvgPool2dAttrs extends Pool2dAttrs {
  countIncludePad: boolean;
  divisorOverride: number | null;
}

/** Checks `inputShape` ([N, C, H, W] or [C, H, W]) against a gradient of the pooled shape `out`. */
function checkPoolGradient(op: string, gradOutput: Tensor, inputShape: readonly number[], out: readonly number[]): void {
  gradOutput.assertAlive();
  if ((inputShape.length !== 3 && inputShape.length !== 4) || inputShape.some((d) => !Number.isInteger(d) || d < 0)) {
    throw new RangeError(`${op}: inputShape must be [N, C, H, W] or [C, H, W], got ${fmtShape(inputShape)}`);
  }
  const expected = [...inputShape.slice(0, -2), out[0]!, out[1]!];
  if (gradOutput.ndim !== expected.length || gradOutput.shape.some((d, i) => d !== expected[i])) {
    throw new RangeError(`${op}: expected gradOutput ${fmtShape(expected)} (input ${fmtShape(inputShape)}), got ${fmtShape(gradOutput.shape)}`);
  }
  if (!isFloat(gradOutput.dtype)) throw new TypeError(`${op}: expected a floating point gradOutput, got ${gradOutput.dtype}`);
}

/**
 * 2-D max pooling that also returns, per output element, the int32 position `h * W + w` within
 * its input plane of the window's (first) maximum, as PyTorch's `max_pool2d(..., return_indices=True)`.
 * Autograd differentiates it with `maxPool2dBackward`.
 *
 * @example
 * const { output, indices } = maxPool2dWithIndices(x, 2); // both [N, C, H/2, W/2]
 */
export function maxPool2dWithIndices(input: Tensor, kernelSize: Pair, options: MaxPool2dOptions = {}): { output: Tensor; indices: Tensor } {
  const g = geometry('maxPool2dWithIndices', 2, input, kernelSize, options);
  const [output, indices] = maxPoolWithIndicesOp(input, g, options.ceilMode ?? false);
  return { output, indices };
}

/**
 * Gradient of max pooling: `gradOutput` [N, C, OH, OW] (or [C, OH, OW]) added at the positions
 * `indices` (as `maxPool2dWithIndices` returns them) of an input of shape `inputShape`; zero
 * elsewhere. The composition is a scatter-add over each plane.
 */
export function maxPool2dBackward(gradOutput: Tensor, indices: Tensor, inputShape: readonly number[]): Tensor {
  const op = 'maxPool2dBackward';
  indices.assertAlive();
  const out = gradOutput.shape.slice(-2);
  checkPoolGradient(op, gradOutput, inputShape, out);
  if (indices.dtype !== 'int32' || indices.ndim !== gradOutput.ndim || indices.shape.some((d, i) => d !== gradOutput.shape[i])) {
    throw new RangeError(`${op}: expected int32 indices ${fmtShape(gradOutput.shape)}, got ${indices.dtype} ${fmtShape(indices.shape)}`);
  }
  sameBackend(op, [gradOutput, indices]);
  const H = inputShape[inputShape.length - 2]!;
  const W = inputShape[inputShape.length - 1]!;
  return runOp('maxPool2dBackward', [gradOutput, indices], { inputShape: [...inputShape] }, () =>
    tidy(() => {
      let planes = 1;
      for (const d of inputShape.slice(0, -2)) planes *= d;
      const Q = out[0]! * out[1]!;
      const base = zeros([planes, H * W], { dtype: gradOutput.dtype, device: gradOutput.device });
      const dx = scatterAdd(base, 1, reshape(indices, [planes, Q]), reshape(gradOutput, [planes, Q]));
      return reshape(dx, [...inputShape]);
    }),
  );
}

/**
 * Gradient of average pooling: each output gradient in `gradOutput` divided by its window's
 * divisor and spread over the window's input cells, for an input of shape `inputShape`; `attrs`
 * is what `avgPool2d` dispatched with. The composition is col2im (`foldWindows2d`) of the scaled
 * gradient with the padding cut off.
 */
export function avgPool2dBackward(gradOutput: Tensor, inputShape: readonly number[], attrs: AvgPool2dAttrs): Tensor {
  const op = 'avgPool2dBackward';
  checkPoolGradient(op, gradOutput, inputShape, attrs.out);
  const H = inputShape[inputShape.length - 2]!;
  const W = inputShape[inputShape.length - 1]!;
  const { kernel, stride, padding, dilation, out } = attrs;
  const far = [0, 1].map((i) => {
    const n = i === 0 ? H : W;
    return Math.max(padding[i]!, (out[i]! - 1) * stride[i]! + dilation[i]! * (kernel[i]! - 1) + 1 - n - padding[i]!);
  }) as [number, number];
  const g: PoolGeometry = {
    kernel: [kernel[0], kernel[1]],
    stride: [stride[0], stride[1]],
    padding: [padding[0], padding[1]],
    dilation: [dilation[0], dilation[1]],
    out: [out[0], out[1]],
    far,
  };
  const divisor = attrs.divisorOverride ?? null;
  const fullAttrs = { ...attrsOf(g, { ceilMode: attrs.ceilMode, countIncludePad: attrs.countIncludePad, divisorOverride: divisor }), inputShape: [...inputShape] };
  return runOp('avgPool2dBackward', [gradOutput], fullAttrs, () =>
    tidy(() => {
      const scaled = E.div(gradOutput, divisor !== null ? divisor : windowCounts(gradOutput, H, W, g, attrs.countIncludePad));
      const win = expand(unsqueeze(unsqueeze(scaled, -1), -1), [...scaled.shape, g.kernel[0], g.kernel[1]]);
      const size: [number, number] = [H + g.padding[0] + g.far[0], W + g.padding[1] + g.far[1]];
      const folded = foldWindows2d(win, size, { kernel: g.kernel, stride: g.stride, dilation: g.dilation });
      const h = folded.ndim - 2;
      return contiguous(slice(slice(folded, h, g.padding[0], g.padding[0] + H), h + 1, g.padding[1], g.padding[1] + W));
    }),
  );
}

function checkDivisor(op: string, divisor: number | undefined): number | null {
  if (divisor === undefined) return null;
  if (!Number.isFinite(divisor) || divisor === 0) throw new RangeError(`${op}: divisorOverride must be a nonzero number, got ${divisor}`);
  return divisor;
}

/**
 * 2-D max pooling over `input` [N, C, H, W] (or [C, H, W]); padding counts as -infinity.
 *
 * @example
 * maxPool2d(randn([8, 16, 32, 32]), 2).shape; // [8, 16, 16, 16]
 * maxPool2d(x, 3, { stride: 2, padding: 1, ceilMode: true });
 */
export function maxPool2d(input: Tensor, kernelSize: Pair, options: MaxPool2dOptions = {}): Tensor {
  const g = geometry('maxPool2d', 2, input, kernelSize, options);
  return maxPoolOp(input, g, options.ceilMode ?? false);
}

/**
 * 2-D average pooling over `input` [N, C, H, W] (or [C, H, W]).
 *
 * @example
 * avgPool2d(randn([8, 16, 32, 32]), 2).shape; // [8, 16, 16, 16]
 * avgPool2d(x, 3, { stride: 1, padding: 1, countIncludePad: false });
 */
export function avgPool2d(input: Tensor, kernelSize: Pair, options: AvgPool2dOptions = {}): Tensor {
  const g = geometry('avgPool2d', 2, input, kernelSize, options);
  const divisor = checkDivisor('avgPool2d', options.divisorOverride);
  return avgPoolOp(input, g, options.ceilMode ?? false, options.countIncludePad ?? true, divisor);
}

/**
 * 1-D max pooling over `input` [N, C, L] (or [C, L]); runs as a maxPool2d of height 1.
 *
 * @example
 * maxPool1d(randn([4, 8, 100]), 4).shape; // [4, 8, 25]
 */
export function maxPool1d(input: Tensor, kernelSize: number, options: MaxPool1dOptions = {}): Tensor {
  const g = geometry('maxPool1d', 1, input, kernelSize, options);
  return tidy(() => squeeze(maxPoolOp(unsqueeze(input, -2), g, options.ceilMode ?? false), -2));
}

/**
 * 1-D average pooling over `input` [N, C, L] (or [C, L]); runs as an avgPool2d of height 1.
 *
 * @example
 * avgPool1d(randn([4, 8, 100]), 4).shape; // [4, 8, 25]
 */
export function avgPool1d(input: Tensor, kernelSize: number, options: AvgPool1dOptions = {}): Tensor {
  const g = geometry('avgPool1d', 1, input, kernelSize, options);
  return tidy(() => squeeze(avgPoolOp(unsqueeze(input, -2), g, options.ceilMode ?? false, options.countIncludePad ?? true, null), -2));
}

/** Output size of adaptive pooling: a number or a pair, where null keeps that input size. */
export type AdaptiveSize = number | readonly [number | null, number | null];

/** Checks an adaptive pooling call and resolves its output size [OH, OW]. */
function adaptiveSize(op: string, input: Tensor, outputSize: AdaptiveSize): [number, number] {
  input.assertAlive();
  if (input.ndim !== 3 && input.ndim !== 4) throw new RangeError(`${op}: expected input [N, C, H, W] or [C, H, W], got ${fmtShape(input.shape)}`);
  if (!isFloat(input.dtype)) throw new TypeError(`${op}: expected a floating point input, got ${input.dtype}`);
  const H = input.shape[input.ndim - 2]!;
  const W = input.shape[input.ndim - 1]!;
  if (H === 0 || W === 0) throw new RangeError(`${op}: expected an input with non-zero height and width, got ${fmtShape(input.shape)}`);
  const raw = typeof outputSize === 'number' ? [outputSize, outputSize] : Array.isArray(outputSize) && outputSize.length === 2 ? outputSize : null;
  if (raw === null) throw new RangeError(`${op}: outputSize must be a positive integer or 2 of them (null keeps the input size), got ${JSON.stringify(outputSize)}`);
  return sizes(op, 'outputSize', [raw[0] ?? H, raw[1] ?? W], 2, undefined, 1) as [number, number];
}

/** PyTorch's adaptive bin `i` of `out` over `size`: [floor(i*size/out), ceil((i+1)*size/out)). */
function bin(i: number, size: number, out: number): [number, number] {
  return [Math.floor((i * size) / out), Math.ceil(((i + 1) * size) / out)];
}

/** The [out, size] matrix that averages each adaptive bin. */
function adaptiveMatrix(input: Tensor, size: number, out: number): Tensor {
  const m = allocArray(input.dtype, out * size);
  for (let i = 0; i < out; i++) {
    const [start, end] = bin(i, size, out);
    for (let j = start; j < end; j++) m[i * size + j] = 1 / (end - start);
  }
  return fromData(input.backend, input.backend.upload(m, input.dtype), input.dtype, [out, size]);
}

/**
 * Max over the adaptive bins of `dim` ([..., size, ...] -> [..., out, ...]): gathers every bin
 * as `k` (the widest bin) indices, repeating a bin's last index where it is narrower.
 */
function binMax(x: Tensor, dim: number, out: number): Tensor {
  const size = x.shape[dim]!;
  let k = 0;
  for (let i = 0; i < out; i++) {
    const [start, end] = bin(i, size, out);
    k = Math.max(k, end - start);
  }
  const idx = allocArray('int32', out * k);
  for (let i = 0; i < out; i++) {
    const [start, end] = bin(i, size, out);
    for (let j = 0; j < k; j++) idx[i * k + j] = Math.min(start + j, end - 1);
  }
  const index = fromData(x.backend, x.backend.upload(idx, 'int32'), 'int32', [out * k]);
  const shape = [...x.shape];
  shape.splice(dim, 1, out, k);
  return max(reshape(indexSelect(x, dim, index), shape), dim + 1);
}

/**
 * Average pooling of `input` [N, C, H, W] (or [C, H, W]) to a fixed output size; bins as in
 * PyTorch (they overlap when the sizes do not divide).
 *
 * @example
 * adaptiveAvgPool2d(randn([8, 512, 7, 7]), 1).shape; // [8, 512, 1, 1]
 * adaptiveAvgPool2d(x, [3, null]); // height 3, width unchanged
 */
export function adaptiveAvgPool2d(input: Tensor, outputSize: AdaptiveSize): Tensor {
  const out = adaptiveSize('adaptiveAvgPool2d', input, outputSize);
  const H = input.shape[input.ndim - 2]!;
  const W = input.shape[input.ndim - 1]!;
  return runOp('adaptiveAvgPool2d', [input], { outputSize: out }, () =>
    tidy(() => {
      const rows = matmul(adaptiveMatrix(input, H, out[0]), input); // [..., OH, W]
      return contiguous(matmul(rows, transpose(adaptiveMatrix(input, W, out[1]), 0, 1)));
    }),
  );
}

/**
 * Max pooling of `input` [N, C, H, W] (or [C, H, W]) to a fixed output size; bins as in
 * `adaptiveAvgPool2d`. Returns the values only.
 *
 * @example
 * adaptiveMaxPool2d(randn([8, 512, 13, 13]), [6, 6]).shape; // [8, 512, 6, 6]
 */
export function adaptiveMaxPool2d(input: Tensor, outputSize: AdaptiveSize): Tensor {
  const out = adaptiveSize('adaptiveMaxPool2d', input, outputSize);
  // A max over a rectangle is a max over rows of maxes over columns: bin the height, then the width.
  return runOp('adaptiveMaxPool2d', [input], { outputSize: out }, () =>
    tidy(() => contiguous(binMax(binMax(input, input.ndim - 2, out[0]), input.ndim - 1, out[1]))),
  );
}

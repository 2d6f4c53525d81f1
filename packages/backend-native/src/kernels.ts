/**
 * Fused operations on native tensors: one addon call each instead of a chain of primitive ops.
 * They compute forward values and gradients only (no autograd recording): `nn`/`optim` code and the
 * kernels registered with core (see register.ts) build on them.
 *
 * @example
 * const { loss, gradLogits } = crossEntropy(logits, labels); // loss: mean over the batch
 */
import { fromData, type AdamStepOptions as CoreAdamStepOptions, type DType, type SgdStepOptions as CoreSgdStepOptions, type Tensor } from '@tessera/core';
import type { NativeBackend } from './backend.js';
import { requireNative } from './state.js';

/** Kernel codes, in the order of the FusedKernel enum of native/fused.h. */
export const FUSED = {
  softmax: 0,
  softmaxBackward: 1,
  crossEntropy: 2,
  biasAct: 3,
  actBackward: 4,
  linear: 5,
  conv2d: 6,
  conv2dBackwardInput: 7,
  conv2dBackwardWeight: 8,
  maxPool2d: 9,
  maxPool2dBackward: 10,
  avgPool2d: 11,
  avgPool2dBackward: 12,
  adam: 13,
  sgd: 14,
  foldWindows: 15,
} as const;

/** Activations the fused kernels apply. */
export type Activation = 'none' | 'relu' | 'gelu' | 'geluTanh' | 'sigmoid' | 'tanh' | 'silu';
const ACT: Readonly<Record<Activation, number>> = { none: 0, relu: 1, gelu: 2, geluTanh: 3, sigmoid: 4, tanh: 5, silu: 6 };

function actCode(op: string, act: Activation): number {
  const c = ACT[act];
  if (c === undefined) throw new RangeError(`${op}: unknown activation ${JSON.stringify(act)} (expected one of ${Object.keys(ACT).join(', ')})`);
  return c;
}

/** The native backend, after checking every tensor is alive and on it. */
export function onNative(op: string, ...tensors: (Tensor | null | undefined)[]): NativeBackend {
  const b = requireNative();
  for (const t of tensors) {
    if (!t) continue;
    t.assertAlive();
    if (t.backend !== b) throw new Error(`${op}: expected tensors on device 'native', got one on '${t.device}'`);
  }
  return b;
}

/** Runs `fn` with contiguous versions of `ts`, disposing the copies it made. */
export function withContiguous<R>(ts: readonly (Tensor | null)[], fn: (...cs: (Tensor | null)[]) => R): R {
  const cs = ts.map((t) => (t === null || t.isContiguous() ? t : t.contiguous()));
  try {
    return fn(...cs);
  } finally {
    cs.forEach((c, i) => {
      if (c !== ts[i]) c?.dispose();
    });
  }
}

/** Calls fused kernel `code` (operands already in the meta buffer) and returns the new buffer ids. */
function run(b: NativeBackend, code: number): number[] {
  const r = b.addon.fused(code);
  return typeof r === 'number' ? [r] : r;
}

function out(b: NativeBackend, id: number, dtype: DType, shape: readonly number[]): Tensor {
  let n = 1;
  for (const d of shape) n *= d;
  return fromData(b, b.wrap(id, n, dtype), dtype, shape);
}

function putOptional(b: NativeBackend, p: number, t: Tensor | null | undefined): number {
  if (!t) {
    b.meta[p] = 0;
    return p + 1;
  }
  b.meta[p] = 1;
  return b.put(p + 1, { data: t.storage.data, dtype: t.dtype, shape: t.shape, strides: t.strides, offset: t.offset });
}

function putTensor(b: NativeBackend, p: number, t: Tensor): number {
  return b.put(p, { data: t.storage.data, dtype: t.dtype, shape: t.shape, strides: t.strides, offset: t.offset });
}

function putNumbers(b: NativeBackend, p: number, values: readonly number[]): number {
  for (const v of values) b.meta[p++] = v;
  return p;
}

/** A number or a pair, as a pair. */
function pair(op: string, name: string, v: number | readonly number[] | undefined, fallback: number): [number, number] {
  if (v === undefined) return [fallback, fallback];
  if (typeof v === 'number') return [v, v];
  if (Array.isArray(v) && v.length === 2) return [v[0]!, v[1]!];
  throw new RangeError(`${op}: ${name} must be a number or a pair of numbers, got ${JSON.stringify(v)}`);
}

// ---------------------------------------------------------------------------------------------
// softmax

/** Softmax (or log-softmax) along `dim` of a float tensor. */
export function softmax(x: Tensor, dim: number, log = false): Tensor {
  const b = onNative(log ? 'logSoftmax' : 'softmax', x);
  return withContiguous([x], (xc) => {
    const p = putTensor(b, 0, xc!);
    putNumbers(b, p, [dim < 0 ? dim + x.ndim : dim, log ? 1 : 0]);
    return out(b, run(b, FUSED.softmax)[0]!, x.dtype, x.shape);
  });
}

/** Gradient of softmax (or log-softmax) given its output `y` and the output gradient `dy`. */
export function softmaxBackward(y: Tensor, dy: Tensor, dim: number, log = false): Tensor {
  const b = onNative('softmaxBackward', y, dy);
  return withContiguous([y, dy], (yc, dyc) => {
    let p = putTensor(b, 0, yc!);
    p = putTensor(b, p, dyc!);
    putNumbers(b, p, [dim < 0 ? dim + y.ndim : dim, log ? 1 : 0]);
    return out(b, run(b, FUSED.softmaxBackward)[0]!, y.dtype, y.shape);
  });
}

// ---------------------------------------------------------------------------------------------
// cross-entropy

export interface CrossEntropyOptions {
  /** `'mean'` (default, over non-ignored rows), `'sum'` or `'none'` (per row). */
  reduction?: 'mean' | 'sum' | 'none';
  /** Rows whose target equals this are skipped (default -100, as in PyTorch). */
  ignoreIndex?: number;
  /** Mixes the one-hot target with the uniform distribution (default 0). */
  labelSmoothing?: number;
}

/**
 * Cross-entropy of `logits` [N, C] against class indices `target` [N] (int32), and its gradient
 * with respect to the logits, in one pass. For `reduction: 'none'` the gradient is that of the
 * sum of the per-row losses (scale its rows by the upstream gradient).
 */
export function crossEntropy(logits: Tensor, target: Tensor, options: CrossEntropyOptions = {}): { loss: Tensor; gradLogits: Tensor } {
  const b = onNative('crossEntropy', logits, target);
  const reduction = options.reduction ?? 'mean';
  const r = reduction === 'none' ? 0 : reduction === 'mean' ? 1 : reduction === 'sum' ? 2 : -1;
  if (r < 0) throw new RangeError(`crossEntropy: reduction must be 'mean', 'sum' or 'none', got ${JSON.stringify(reduction)}`);
  return withContiguous([logits], (lc) => {
    let p = putTensor(b, 0, lc!);
    p = putTensor(b, p, target);
    putNumbers(b, p, [r, options.ignoreIndex ?? -100, options.labelSmoothing ?? 0]);
    const [lossId, gradId] = run(b, FUSED.crossEntropy);
    const loss = out(b, lossId!, logits.dtype, r === 0 ? [logits.shape[0]!] : []);
    return { loss, gradLogits: out(b, gradId!, logits.dtype, logits.shape) };
  });
}

// ---------------------------------------------------------------------------------------------
// activations and linear layers

/** `act(x + bias)`, with `bias` broadcast along the last dim (or no bias). */
export function biasActivation(x: Tensor, bias: Tensor | null, act: Activation = 'none'): Tensor {
  const b = onNative('biasActivation', x, bias);
  const a = actCode('biasActivation', act);
  return withContiguous([x, bias], (xc, bc) => {
    let p = putTensor(b, 0, xc!);
    p = putOptional(b, p, bc);
    putNumbers(b, p, [a]);
    return out(b, run(b, FUSED.biasAct)[0]!, x.dtype, x.shape);
  });
}

/** Gradient of `act` at pre-activation `x` times `dy`. */
export function activationBackward(x: Tensor, dy: Tensor, act: Activation): Tensor {
  const b = onNative('activationBackward', x, dy);
  const a = actCode('activationBackward', act);
  return withContiguous([x, dy], (xc, dyc) => {
    let p = putTensor(b, 0, xc!);
    p = putTensor(b, p, dyc!);
    putNumbers(b, p, [a]);
    return out(b, run(b, FUSED.actBackward)[0]!, x.dtype, x.shape);
  });
}

/**
 * A linear layer `act(x @ weight^T + bias)` as one GEMM with a fused epilogue; `x` is [..., K],
 * `weight` [N, K] (PyTorch's layout), `bias` [N].
 */
export function linear(x: Tensor, weight: Tensor, bias: Tensor | null = null, act: Activation = 'none'): Tensor {
  const b = onNative('linear', x, weight, bias);
  const a = actCode('linear', act);
  if (x.ndim < 1 || weight.ndim !== 2) throw new RangeError(`linear: expected x [..., K] and weight [N, K], got [${x.shape}] and [${weight.shape}]`);
  const K = x.shape[x.ndim - 1]!;
  const lead = x.shape.slice(0, -1);
  const x2 = x.reshape([lead.reduce((s, d) => s * d, 1), K]);
  try {
    return withContiguous([bias], (bc) => {
      let p = putTensor(b, 0, x2);
      p = putTensor(b, p, weight);
      p = putOptional(b, p, bc);
      putNumbers(b, p, [a]);
      return out(b, run(b, FUSED.linear)[0]!, x.dtype, [...lead, weight.shape[0]!]);
    });
  } finally {
    x2.dispose();
  }
}

// ---------------------------------------------------------------------------------------------
// conv2d

export interface Conv2dOptions {
  stride?: number | readonly [number, number];
  /** Per side: one number, [height, width], or [top, bottom, left, right]. */
  padding?: number | readonly [number, number] | readonly [number, number, number, number];
  dilation?: number | readonly [number, number];
  groups?: number;
}

/** [strideH, strideW, top, bottom, left, right, dilationH, dilationW, groups] */
function convParams(op: string, o: Conv2dOptions): number[] {
  const s = pair(op, 'stride', o.stride, 1);
  const pd =
    Array.isArray(o.padding) && o.padding.length === 4
      ? (o.padding as readonly number[])
      : ((p) => [p[0], p[0], p[1], p[1]])(pair(op, 'padding', o.padding as number | readonly number[] | undefined, 0));
  const d = pair(op, 'dilation', o.dilation, 1);
  return [s[0], s[1], pd[0]!, pd[1]!, pd[2]!, pd[3]!, d[0], d[1], o.groups ?? 1];
}

/** Runs `fn` on a 4-d version of a 3-d (unbatched) or 4-d tensor. */
function batched<R>(op: string, x: Tensor, fn: (x4: Tensor) => R): R {
  if (x.ndim === 4) return fn(x);
  if (x.ndim !== 3) throw new RangeError(`${op}: expected a 3-d or 4-d input, got shape [${x.shape}]`);
  const x4 = x.unsqueeze(0);
  try {
    return fn(x4);
  } finally {
    x4.dispose();
  }
}

function squeezeIf(t: Tensor, squeeze: boolean): Tensor {
  if (!squeeze) return t;
  const s = t.squeeze(0);
  t.dispose();
  return s;
}

/** 2-d convolution of `x` [N, C, H, W] (or [C, H, W]) with `weight` [O, C/groups, kh, kw], PyTorch semantics. */
export function conv2d(x: Tensor, weight: Tensor, bias: Tensor | null = null, options: Conv2dOptions = {}): Tensor {
  const b = onNative('conv2d', x, weight, bias);
  const params = convParams('conv2d', options);
  return squeezeIf(
    batched('conv2d', x, (x4) =>
      withContiguous([x4, weight, bias], (xc, wc, bc) => {
        let p = putTensor(b, 0, xc!);
        p = putTensor(b, p, wc!);
        p = putOptional(b, p, bc);
        putNumbers(b, p, params);
        const id = run(b, FUSED.conv2d)[0]!;
        const [N, , H, W] = x4.shape as [number, number, number, number];
        const [O, , kh, kw] = weight.shape as [number, number, number, number];
        const OH = Math.floor((H + params[2]! + params[3]! - params[6]! * (kh - 1) - 1) / params[0]!) + 1;
        const OW = Math.floor((W + params[4]! + params[5]! - params[7]! * (kw - 1) - 1) / params[1]!) + 1;
        return out(b, id, x.dtype, [N, O, OH, OW]);
      }),
    ),
    x.ndim === 3,
  );
}

/** Gradient of conv2d with respect to its input, given the output gradient `dy`. */
export function conv2dBackwardInput(dy: Tensor, weight: Tensor, inputShape: readonly number[], options: Conv2dOptions = {}): Tensor {
  const b = onNative('conv2dBackwardInput', dy, weight);
  const params = convParams('conv2dBackwardInput', options);
  const unbatched = inputShape.length === 3;
  const shape4 = unbatched ? [1, ...inputShape] : [...inputShape];
  if (shape4.length !== 4) throw new RangeError(`conv2dBackwardInput: inputShape must have 3 or 4 dims, got [${inputShape}]`);
  return squeezeIf(
    batched('conv2dBackwardInput', dy, (dy4) =>
      withContiguous([dy4, weight], (dyc, wc) => {
        let p = putTensor(b, 0, dyc!);
        p = putTensor(b, p, wc!);
        p = putNumbers(b, p, shape4);
        putNumbers(b, p, params);
        return out(b, run(b, FUSED.conv2dBackwardInput)[0]!, dy.dtype, shape4);
      }),
    ),
    unbatched,
  );
}

/** Gradients of conv2d with respect to its weight (and bias), given input `x` and output gradient `dy`. */
export function conv2dBackwardWeight(
  x: Tensor,
  dy: Tensor,
  weightShape: readonly number[],
  options: Conv2dOptions & { bias?: boolean } = {},
): { gradWeight: Tensor; gradBias: Tensor | null } {
  const b = onNative('conv2dBackwardWeight', x, dy);
  const params = convParams('conv2dBackwardWeight', options);
  if (weightShape.length !== 4) throw new RangeError(`conv2dBackwardWeight: weightShape must have 4 dims, got [${weightShape}]`);
  return batched('conv2dBackwardWeight', x, (x4) =>
    batched('conv2dBackwardWeight', dy, (dy4) =>
      withContiguous([x4, dy4], (xc, dyc) => {
        let p = putTensor(b, 0, xc!);
        p = putTensor(b, p, dyc!);
        p = putNumbers(b, p, weightShape);
        p = putNumbers(b, p, params);
        putNumbers(b, p, [options.bias ? 1 : 0]);
        const ids = run(b, FUSED.conv2dBackwardWeight);
        return {
          gradWeight: out(b, ids[0]!, x.dtype, weightShape),
          gradBias: options.bias ? out(b, ids[1]!, x.dtype, [weightShape[0]!]) : null,
        };
      }),
    ),
  );
}

// ---------------------------------------------------------------------------------------------
// pooling

export interface Pool2dOptions {
  kernelSize: number | readonly [number, number];
  /** Defaults to the kernel size. */
  stride?: number | readonly [number, number] | null;
  padding?: number | readonly [number, number];
  ceilMode?: boolean;
}

export interface MaxPool2dOptions extends Pool2dOptions {
  dilation?: number | readonly [number, number];
}

export interface AvgPool2dOptions extends Pool2dOptions {
  countIncludePad?: boolean;
  divisorOverride?: number | null;
}

function poolGeometry(op: string, o: Pool2dOptions): number[] {
  const k = pair(op, 'kernelSize', o.kernelSize, NaN);
  const s = o.stride === undefined || o.stride === null ? k : pair(op, 'stride', o.stride, 1);
  const pd = pair(op, 'padding', o.padding, 0);
  return [k[0], k[1], s[0], s[1], pd[0], pd[1]];
}

function poolOut(size: number, k: number, pad: number, stride: number, dil: number, ceil: boolean): number {
  const span = size + 2 * pad - dil * (k - 1) - 1 + (ceil ? stride - 1 : 0);
  let o = Math.floor(span / stride) + 1;
  if (ceil && (o - 1) * stride >= size + pad) o--;
  return o;
}

/** 2-d max pooling; `indices` hold each maximum's flat position within its input plane (int32). */
export function maxPool2d(x: Tensor, options: MaxPool2dOptions): { output: Tensor; indices: Tensor } {
  const r = maxPool(x, options, true);
  return { output: r.output, indices: r.indices! };
}

/** @internal max pooling, with or without the indices. */
export function maxPool(x: Tensor, options: MaxPool2dOptions, withIndices: boolean): { output: Tensor; indices: Tensor | null } {
  const b = onNative('maxPool2d', x);
  const g = poolGeometry('maxPool2d', options);
  const d = pair('maxPool2d', 'dilation', options.dilation, 1);
  const ceil = options.ceilMode ? 1 : 0;
  const r = batched('maxPool2d', x, (x4) =>
    withContiguous([x4], (xc) => {
      let p = putTensor(b, 0, xc!);
      p = putNumbers(b, p, [...g, d[0], d[1], ceil, withIndices ? 1 : 0]);
      const [yId, iId] = run(b, FUSED.maxPool2d);
      const [N, C, H, W] = x4.shape as [number, number, number, number];
      const shape = [N, C, poolOut(H, g[0]!, g[4]!, g[2]!, d[0], !!ceil), poolOut(W, g[1]!, g[5]!, g[3]!, d[1], !!ceil)];
      return { output: out(b, yId!, x.dtype, shape), indices: withIndices ? out(b, iId!, 'int32', shape) : null };
    }),
  );
  return { output: squeezeIf(r.output, x.ndim === 3), indices: r.indices && squeezeIf(r.indices, x.ndim === 3) };
}

/** Gradient of max pooling: `dy` routed to the positions in `indices`; `inputShape` is the input's. */
export function maxPool2dBackward(dy: Tensor, indices: Tensor, inputShape: readonly number[]): Tensor {
  const b = onNative('maxPool2dBackward', dy, indices);
  const unbatched = inputShape.length === 3;
  const shape4 = unbatched ? [1, ...inputShape] : [...inputShape];
  return squeezeIf(
    batched('maxPool2dBackward', dy, (dy4) =>
      batched('maxPool2dBackward', indices, (i4) =>
        withContiguous([dy4, i4], (dyc, ic) => {
          let p = putTensor(b, 0, dyc!);
          p = putTensor(b, p, ic!);
          putNumbers(b, p, [shape4[2]!, shape4[3]!]);
          return out(b, run(b, FUSED.maxPool2dBackward)[0]!, dy.dtype, shape4);
        }),
      ),
    ),
    unbatched,
  );
}

function avgExtra(o: AvgPool2dOptions): number[] {
  return [o.ceilMode ? 1 : 0, o.countIncludePad === false ? 0 : 1, o.divisorOverride ?? 0];
}

/** 2-d average pooling (PyTorch semantics for padding, ceilMode, countIncludePad, divisorOverride). */
export function avgPool2d(x: Tensor, options: AvgPool2dOptions): Tensor {
  const b = onNative('avgPool2d', x);
  const g = poolGeometry('avgPool2d', options);
  const extra = avgExtra(options);
  return squeezeIf(
    batched('avgPool2d', x, (x4) =>
      withContiguous([x4], (xc) => {
        let p = putTensor(b, 0, xc!);
        putNumbers(b, p, [...g, ...extra]);
        const [N, C, H, W] = x4.shape as [number, number, number, number];
        const ceil = extra[0] === 1;
        const shape = [N, C, poolOut(H, g[0]!, g[4]!, g[2]!, 1, ceil), poolOut(W, g[1]!, g[5]!, g[3]!, 1, ceil)];
        return out(b, run(b, FUSED.avgPool2d)[0]!, x.dtype, shape);
      }),
    ),
    x.ndim === 3,
  );
}

/**
 * Sums windows [..., OH, OW, KH, KW] back into [..., H, W] (col2im; core's `foldWindows2d`).
 */
export function foldWindows2d(
  windows: Tensor,
  size: readonly [number, number],
  geometry: { stride: readonly [number, number]; dilation: readonly [number, number] },
): Tensor {
  const b = onNative('foldWindows2d', windows);
  const p = putTensor(b, 0, windows);
  putNumbers(b, p, [size[0], size[1], geometry.stride[0], geometry.stride[1], geometry.dilation[0], geometry.dilation[1]]);
  return out(b, run(b, FUSED.foldWindows)[0]!, windows.dtype, [...windows.shape.slice(0, -4), size[0], size[1]]);
}

/** Gradient of average pooling; `inputShape` is the input's. */
export function avgPool2dBackward(dy: Tensor, inputShape: readonly number[], options: AvgPool2dOptions): Tensor {
  const b = onNative('avgPool2dBackward', dy);
  const g = poolGeometry('avgPool2dBackward', options);
  const unbatched = inputShape.length === 3;
  const shape4 = unbatched ? [1, ...inputShape] : [...inputShape];
  if (shape4.length !== 4) throw new RangeError(`avgPool2dBackward: inputShape must have 3 or 4 dims, got [${inputShape}]`);
  return squeezeIf(
    batched('avgPool2dBackward', dy, (dy4) =>
      withContiguous([dy4], (dyc) => {
        let p = putTensor(b, 0, dyc!);
        p = putNumbers(b, p, shape4);
        putNumbers(b, p, [...g, ...avgExtra(options)]);
        return out(b, run(b, FUSED.avgPool2dBackward)[0]!, dy.dtype, shape4);
      }),
    ),
    unbatched,
  );
}

// ---------------------------------------------------------------------------------------------
// optimizer steps

/** Core's Adam options, plus AMSGrad's running maximum of `expAvgSq` (updated in place). */
export type AdamStepOptions = CoreAdamStepOptions & { maxExpAvgSq?: Tensor | null };

function bump(...ts: (Tensor | null | undefined)[]): void {
  for (const t of ts) if (t) t.storage.version++;
}

function requireContiguous(op: string, ts: Record<string, Tensor | null | undefined>): void {
  for (const [name, t] of Object.entries(ts)) {
    if (t && !t.isContiguous()) throw new RangeError(`${op}: ${name} must be contiguous (it is updated in place)`);
  }
}

/**
 * One Adam (or AdamW) update of `param` in place, with its state `expAvg` and `expAvgSq` (PyTorch's
 * formulas). All tensors are contiguous native float tensors of one shape.
 */
export function adamStep(param: Tensor, grad: Tensor, expAvg: Tensor, expAvgSq: Tensor, options: AdamStepOptions): void {
  const b = onNative('adamStep', param, grad, expAvg, expAvgSq, options.maxExpAvgSq);
  requireContiguous('adamStep', { param, grad, expAvg, expAvgSq, maxExpAvgSq: options.maxExpAvgSq });
  let p = putTensor(b, 0, param);
  p = putTensor(b, p, grad);
  p = putTensor(b, p, expAvg);
  p = putTensor(b, p, expAvgSq);
  p = putOptional(b, p, options.maxExpAvgSq);
  putNumbers(b, p, [
    options.lr,
    options.beta1 ?? 0.9,
    options.beta2 ?? 0.999,
    options.eps ?? 1e-8,
    options.weightDecay ?? 0,
    options.step,
    options.decoupled ? 1 : 0,
    options.maximize ? 1 : 0,
  ]);
  run(b, FUSED.adam);
  bump(param, expAvg, expAvgSq, options.maxExpAvgSq);
}

/** Core's SGD options. */
export type SgdStepOptions = CoreSgdStepOptions;

/** One SGD update of `param` in place (momentum, dampening, weight decay, Nesterov as in PyTorch). */
export function sgdStep(param: Tensor, grad: Tensor, momentumBuffer: Tensor | null, options: SgdStepOptions): void {
  const b = onNative('sgdStep', param, grad, momentumBuffer);
  requireContiguous('sgdStep', { param, grad, momentumBuffer });
  const momentum = options.momentum ?? 0;
  if (momentum !== 0 && !momentumBuffer) throw new TypeError('sgdStep: a momentum buffer is needed when momentum != 0');
  let p = putTensor(b, 0, param);
  p = putTensor(b, p, grad);
  p = putOptional(b, p, momentum !== 0 ? momentumBuffer : null);
  putNumbers(b, p, [
    options.lr,
    momentum,
    options.dampening ?? 0,
    options.weightDecay ?? 0,
    options.nesterov ? 1 : 0,
    options.maximize ? 1 : 0,
    options.first ? 1 : 0,
  ]);
  run(b, FUSED.sgd);
  bump(param, momentum !== 0 ? momentumBuffer : null);
}

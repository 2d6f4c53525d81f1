/**
 * Convolutions (NCHW, PyTorch semantics). The default composition is im2col: pad, take sliding
 * windows as a view, lay them out as a matrix and multiply with the weight (groups become a batch
 * dim of the matmul). Backends may register fused 'conv2d' / 'convTranspose2d' kernels. conv2d's
 * gradients are ops of their own, 'conv2dBackwardInput' and 'conv2dBackwardWeight' (or
 * 'conv2dBackwardWeightBias', weight and bias gradients in one op; autograd's conv2d rule calls them, so backends' fused kernels serve training too); their compositions are
 * the adjoints of im2col + matmul (matmul, then col2im via foldWindows2d; im2col, then matmul).
 * convTranspose2d is differentiated through its composition (matmul, foldWindows2d).
 */
import { isFloat } from '../dtype.js';
import { tidy } from '../memory.js';
import { fmtShape } from '../shape.js';
import type { Tensor } from '../tensor.js';
import { runOp, sameBackend } from './dispatch.js';
import * as E from './elementwise.js';
import { pad } from './join.js';
import { matmul } from './linalg.js';
import { sum } from './reduce.js';
import { fmtDims, sizes, spatialNames, type SizeArg } from './spatial.js';
import { contiguous, permute, reshape, slice, squeeze, transpose, unsqueeze } from './views.js';
import { foldWindows2d, windows2d } from './windows.js';

type Pair = number | readonly [number, number];
type Single = number | readonly [number];

/** Options of `conv2d`. */
export interface Conv2dOptions {
  stride?: Pair;
  /** Zero padding per side, or 'valid' (none) or 'same' (output size = input size; stride 1 only). */
  padding?: Pair | 'valid' | 'same';
  dilation?: Pair;
  groups?: number;
}

/** Options of `conv1d`. */
export interface Conv1dOptions {
  stride?: Single;
  /** Zero padding per side, or 'valid' (none) or 'same' (output length = input length; stride 1 only). */
  padding?: Single | 'valid' | 'same';
  dilation?: Single;
  groups?: number;
}

/** Options of `convTranspose2d`. */
export interface ConvTranspose2dOptions {
  stride?: Pair;
  /** Removed from both sides of the full output (`dilation * (K - 1) - padding` zero padding of the adjoint convolution). */
  padding?: Pair;
  /** Extra rows/columns on the bottom/right, to pick among the input sizes a strided conv2d maps to this one. */
  outputPadding?: Pair;
  dilation?: Pair;
  groups?: number;
}

/**
 * Resolved geometry of a convolution, as `conv2d` passes it to fused kernels in `attrs`
 * (conv1d dispatches as a conv2d with a height of 1).
 */
export type ConvAttrs = {
  stride: [number, number];
  /** [top, bottom, left, right]: 'same' padding may be asymmetric (the extra row/column goes last). */
  padding: [number, number, number, number];
  dilation: [number, number];
  groups: number;
};

/** Resolved geometry of a transposed convolution, as `convTranspose2d` passes it in `attrs`. */
export type ConvTranspose2dAttrs = {
  stride: [number, number];
  padding: [number, number];
  outputPadding: [number, number];
  dilation: [number, number];
  groups: number;
};

function checkGroups(op: string, groups: number | undefined): number {
  const g = groups ?? 1;
  if (!Number.isInteger(g) || g < 1) throw new RangeError(`${op}: groups must be a positive integer, got ${groups}`);
  return g;
}

function checkDtypes(op: string, input: Tensor, weight: Tensor): void {
  if (input.dtype !== weight.dtype || !isFloat(input.dtype)) {
    throw new TypeError(`${op}: input (${input.dtype}) and weight (${weight.dtype}) must have the same floating dtype`);
  }
}

/**
 * Checks the arguments of a `dims`-D convolution `op` against the shapes the caller passed
 * (so messages show them, not the 2-D shapes conv1d dispatches) and resolves them into conv2d attrs.
 */
function resolveConv(
  op: string,
  dims: 1 | 2,
  input: Tensor,
  weight: Tensor,
  bias: Tensor | null,
  options: { stride?: SizeArg; padding?: SizeArg | string; dilation?: SizeArg; groups?: number },
): ConvAttrs {
  input.assertAlive();
  weight.assertAlive();
  bias?.assertAlive();
  const sp = spatialNames(dims);
  const ks = dims === 2 ? 'KH, KW' : 'K';
  if (input.ndim !== dims + 1 && input.ndim !== dims + 2) {
    throw new RangeError(`${op}: expected input [N, C, ${sp}] or [C, ${sp}], got ${fmtShape(input.shape)}`);
  }
  if (weight.ndim !== dims + 2) throw new RangeError(`${op}: expected weight [O, C/groups, ${ks}], got ${fmtShape(weight.shape)}`);
  const groups = checkGroups(op, options.groups);
  const C = input.shape[input.ndim - dims - 1]!;
  const O = weight.shape[0]!;
  const Cg = weight.shape[1]!;
  if (C !== Cg * groups) {
    const layout = input.ndim === dims + 2 ? `[N, C, ${sp}]` : `[C, ${sp}]`;
    throw new RangeError(`${op}: expected input ${layout} with C = ${Cg * groups} (weight ${fmtShape(weight.shape)}, groups ${groups}), got ${fmtShape(input.shape)}`);
  }
  if (O % groups !== 0) throw new RangeError(`${op}: out channels ${O} must be divisible by groups ${groups}`);
  if (bias && (bias.ndim !== 1 || bias.shape[0] !== O)) throw new RangeError(`${op}: expected bias [${O}], got ${fmtShape(bias.shape)}`);
  const stride = sizes(op, 'stride', options.stride, dims, 1, 1);
  const dilation = sizes(op, 'dilation', options.dilation, dims, 1, 1);
  const kernel = weight.shape.slice(2);
  let before: number[];
  let after: number[];
  if (options.padding === 'same') {
    if (stride.some((s) => s !== 1)) throw new RangeError(`${op}: padding='same' is not supported for strided convolutions (stride ${fmtDims(stride)})`);
    // As PyTorch: the total padding is dilation * (K - 1), and an odd total puts the extra one last.
    const total = kernel.map((k, i) => dilation[i]! * (k - 1));
    before = total.map((t) => Math.floor(t / 2));
    after = total.map((t, i) => t - before[i]!);
  } else if (options.padding === 'valid' || options.padding === undefined) {
    before = after = new Array<number>(dims).fill(0);
  } else if (typeof options.padding === 'string') {
    throw new RangeError(`${op}: padding must be 'valid', 'same', or a non-negative integer${dims > 1 ? ` or ${dims} of them` : ''}, got '${options.padding}'`);
  } else {
    before = after = sizes(op, 'padding', options.padding, dims, 0, 0);
  }
  const padded = input.shape.slice(-dims).map((s, i) => s + before[i]! + after[i]!);
  if (kernel.some((k, i) => dilation[i]! * (k - 1) + 1 > padded[i]!)) {
    throw new RangeError(`${op}: kernel ${fmtDims(kernel)} (dilation ${fmtDims(dilation)}) is larger than the padded input ${fmtDims(padded)}`);
  }
  sameBackend(op, bias ? [input, weight, bias] : [input, weight]);
  checkDtypes(op, input, weight);
  if (dims === 1) return { stride: [1, stride[0]!], padding: [0, 0, before[0]!, after[0]!], dilation: [1, dilation[0]!], groups };
  return {
    stride: [stride[0]!, stride[1]!],
    padding: [before[0]!, after[0]!, before[1]!, after[1]!],
    dilation: [dilation[0]!, dilation[1]!],
    groups,
  };
}

/**
 * im2col of a checked [N, C, H, W] input for a KH x KW kernel: [G, N*OH*OW, Cg*KH*KW] (a view where
 * the layout allows; call inside `tidy`), with the output size.
 */
function im2col(input: Tensor, KH: number, KW: number, attrs: ConvAttrs): { cols: Tensor; OH: number; OW: number } {
  const { stride, padding, dilation, groups: G } = attrs;
  const [N, C] = input.shape as [number, number];
  const xp = padding.some((p) => p > 0) ? pad(input, [padding[2], padding[3], padding[0], padding[1]]) : input;
  const win = windows2d(xp, { kernel: [KH, KW], stride, dilation }); // [N, C, OH, OW, KH, KW]
  const OH = win.shape[2]!;
  const OW = win.shape[3]!;
  const cols = permute(reshape(permute(win, [0, 2, 3, 1, 4, 5]), [N * OH * OW, G, (C / G) * KH * KW]), [1, 0, 2]);
  return { cols, OH, OW };
}

/** An output (gradient) [N, O, OH, OW] as the matmul operand [G, N*OH*OW, O/G] (call inside `tidy`). */
function outputRows(y: Tensor, G: number): Tensor {
  const [N, O, OH, OW] = y.shape as [number, number, number, number];
  return permute(reshape(permute(y, [0, 2, 3, 1]), [N * OH * OW, G, O / G]), [1, 0, 2]);
}

/** Output size [OH, OW] of a conv2d of an [.., H, W] input with a KH x KW kernel. */
function convOutSize(H: number, W: number, KH: number, KW: number, a: ConvAttrs): [number, number] {
  return [
    Math.floor((H + a.padding[0] + a.padding[1] - a.dilation[0] * (KH - 1) - 1) / a.stride[0]) + 1,
    Math.floor((W + a.padding[2] + a.padding[3] - a.dilation[1] * (KW - 1) - 1) / a.stride[1]) + 1,
  ];
}

/** Dispatches 'conv2d' for a checked [N, C, H, W] input; the composition is im2col + matmul. */
function conv2dOp(input: Tensor, weight: Tensor, bias: Tensor | null, attrs: ConvAttrs): Tensor {
  const G = attrs.groups;
  const [N] = input.shape as [number];
  const [O, Cg, KH, KW] = weight.shape as [number, number, number, number];
  const inputs = bias ? [input, weight, bias] : [input, weight];
  return runOp('conv2d', inputs, attrs, () =>
    tidy(() => {
      const { cols, OH, OW } = im2col(input, KH, KW, attrs); // [G, N*OH*OW, Cg*KH*KW]
      const w = permute(reshape(weight, [G, O / G, Cg * KH * KW]), [0, 2, 1]); // [G, Cg*KH*KW, O/G]
      const out = matmul(cols, w); // [G, N*OH*OW, O/G]
      let y = permute(reshape(permute(out, [1, 0, 2]), [N, OH, OW, O]), [0, 3, 1, 2]);
      if (bias) y = E.add(y, reshape(bias, [1, O, 1, 1]));
      return contiguous(y);
    }),
  );
}

function checkShape(op: string, what: string, shape: readonly number[], n: number): void {
  if (shape.length !== n || shape.some((d) => !Number.isInteger(d) || d < 0)) {
    throw new RangeError(`${op}: ${what} must be ${n} non-negative integers, got ${fmtShape(shape)}`);
  }
}

function checkFloatPair(op: string, a: Tensor, aName: string, b: Tensor, bName: string): void {
  if (a.dtype !== b.dtype || !isFloat(a.dtype)) {
    throw new TypeError(`${op}: ${aName} (${a.dtype}) and ${bName} (${b.dtype}) must have the same floating dtype`);
  }
}

function checkGradOutput(op: string, gradOutput: Tensor, expected: readonly number[]): void {
  if (gradOutput.ndim !== 4 || gradOutput.shape.some((d, i) => d !== expected[i])) {
    throw new RangeError(`${op}: expected gradOutput ${fmtShape(expected)}, got ${fmtShape(gradOutput.shape)}`);
  }
}

/**
 * Gradient of `conv2d` with respect to its input [N, C, H, W] (`inputShape`), given the output
 * gradient `gradOutput` [N, O, OH, OW] and `weight` [O, C / groups, KH, KW]; `attrs` is the
 * conv2d's resolved geometry. The composition is the adjoint of im2col + matmul: a matmul with the
 * weight, then col2im (`foldWindows2d`) with the padding cut off. Backends may fuse it.
 */
export function conv2dBackwardInput(gradOutput: Tensor, weight: Tensor, inputShape: readonly number[], attrs: ConvAttrs): Tensor {
  const op = 'conv2dBackwardInput';
  gradOutput.assertAlive();
  weight.assertAlive();
  checkShape(op, 'inputShape', inputShape, 4);
  if (weight.ndim !== 4) throw new RangeError(`${op}: expected weight [O, C/groups, KH, KW], got ${fmtShape(weight.shape)}`);
  const G = checkGroups(op, attrs.groups);
  const [N, C, H, W] = inputShape as [number, number, number, number];
  const [O, Cg, KH, KW] = weight.shape as [number, number, number, number];
  if (C !== Cg * G || O % G !== 0) {
    throw new RangeError(`${op}: weight ${fmtShape(weight.shape)} (groups ${G}) does not match input ${fmtShape(inputShape)}`);
  }
  const [OH, OW] = convOutSize(H, W, KH, KW, attrs);
  checkGradOutput(op, gradOutput, [N, O, OH, OW]);
  sameBackend(op, [gradOutput, weight]);
  checkFloatPair(op, gradOutput, 'gradOutput', weight, 'weight');
  const { stride, padding, dilation } = attrs;
  const fullAttrs = { inputShape: [N, C, H, W], stride, padding, dilation, groups: G };
  return runOp('conv2dBackwardInput', [gradOutput, weight], fullAttrs, () =>
    tidy(() => {
      const w = reshape(weight, [G, O / G, Cg * KH * KW]);
      const dcols = matmul(outputRows(gradOutput, G), w); // [G, N*OH*OW, Cg*KH*KW]
      const win = permute(reshape(permute(dcols, [1, 0, 2]), [N, OH, OW, C, KH, KW]), [0, 3, 1, 2, 4, 5]);
      const size: [number, number] = [H + padding[0] + padding[1], W + padding[2] + padding[3]];
      const folded = foldWindows2d(win, size, { kernel: [KH, KW], stride, dilation });
      const dx = padding.some((p) => p > 0) ? slice(slice(folded, 2, padding[0], padding[0] + H), 3, padding[2], padding[2] + W) : folded;
      return contiguous(dx);
    }),
  );
}

/**
 * Gradient of `conv2d` with respect to its weight [O, C / groups, KH, KW] (`weightShape`), given
 * the input [N, C, H, W] and the output gradient `gradOutput` [N, O, OH, OW]; `attrs` is the
 * conv2d's resolved geometry. The composition is im2col of the input, then a matmul with the
 * gradient. (The bias gradient is `gradOutput` summed over N, OH, OW: `conv2dBackwardWeightBias`
 * gives both.) Backends may fuse it.
 */
export function conv2dBackwardWeight(input: Tensor, gradOutput: Tensor, weightShape: readonly number[], attrs: ConvAttrs): Tensor {
  const { fullAttrs, G, KH, KW } = checkWeightGradient('conv2dBackwardWeight', input, gradOutput, weightShape, attrs);
  const [O, Cg] = weightShape as [number, number];
  return runOp('conv2dBackwardWeight', [input, gradOutput], fullAttrs, () =>
    tidy(() => {
      const { cols } = im2col(input, KH, KW, attrs); // [G, N*OH*OW, Cg*KH*KW]
      const dw = matmul(transpose(outputRows(gradOutput, G), 1, 2), cols); // [G, O/G, Cg*KH*KW]
      return contiguous(reshape(dw, [O, Cg, KH, KW]));
    }),
  );
}

/**
 * The gradients of `conv2d` with respect to its weight and its bias in one op: `gradWeight` as
 * `conv2dBackwardWeight` gives it and `gradBias` [O], `gradOutput` summed over N, OH and OW (the
 * composition), so that a backend can take the bias gradient in the same pass over `gradOutput`.
 * autograd's conv2d rule calls it when both need a gradient.
 *
 * @example
 * const { gradWeight, gradBias } = conv2dBackwardWeightBias(x, dy, w.shape, attrs);
 */
export function conv2dBackwardWeightBias(
  input: Tensor,
  gradOutput: Tensor,
  weightShape: readonly number[],
  attrs: ConvAttrs,
): { gradWeight: Tensor; gradBias: Tensor } {
  const { fullAttrs } = checkWeightGradient('conv2dBackwardWeightBias', input, gradOutput, weightShape, attrs);
  const [gradWeight, gradBias] = runOp('conv2dBackwardWeightBias', [input, gradOutput], fullAttrs, () =>
    tidy((): [Tensor, Tensor] => [conv2dBackwardWeight(input, gradOutput, weightShape, attrs), sum(gradOutput, [0, 2, 3])]),
  );
  return { gradWeight, gradBias };
}

/** Checks the operands of the weight gradient ops; returns their dispatched attrs. */
function checkWeightGradient(op: string, input: Tensor, gradOutput: Tensor, weightShape: readonly number[], attrs: ConvAttrs) {
  input.assertAlive();
  gradOutput.assertAlive();
  checkShape(op, 'weightShape', weightShape, 4);
  if (input.ndim !== 4) throw new RangeError(`${op}: expected input [N, C, H, W], got ${fmtShape(input.shape)}`);
  const G = checkGroups(op, attrs.groups);
  const [N, C, H, W] = input.shape as [number, number, number, number];
  const [O, Cg, KH, KW] = weightShape as [number, number, number, number];
  if (C !== Cg * G || O % G !== 0) {
    throw new RangeError(`${op}: weightShape ${fmtShape(weightShape)} (groups ${G}) does not match input ${fmtShape(input.shape)}`);
  }
  const [OH, OW] = convOutSize(H, W, KH, KW, attrs);
  checkGradOutput(op, gradOutput, [N, O, OH, OW]);
  sameBackend(op, [input, gradOutput]);
  checkFloatPair(op, input, 'input', gradOutput, 'gradOutput');
  const { stride, padding, dilation } = attrs;
  const fullAttrs = { weightShape: [O, Cg, KH, KW], stride, padding, dilation, groups: G };
  return { fullAttrs, G, KH, KW };
}

/**
 * 2-D convolution (cross-correlation, as in PyTorch) of `input` [N, C, H, W] (or unbatched
 * [C, H, W]) with `weight` [O, C / groups, KH, KW], plus an optional `bias` [O].
 * Output size per axis: `floor((H + 2 * padding - dilation * (KH - 1) - 1) / stride) + 1`.
 *
 * @example
 * conv2d(randn([8, 3, 32, 32]), randn([16, 3, 3, 3]), null, { padding: 1 }).shape; // [8, 16, 32, 32]
 */
export function conv2d(input: Tensor, weight: Tensor, bias?: Tensor | null, options: Conv2dOptions = {}): Tensor {
  const attrs = resolveConv('conv2d', 2, input, weight, bias ?? null, options);
  if (input.ndim === 4) return conv2dOp(input, weight, bias ?? null, attrs);
  return tidy(() => squeeze(conv2dOp(unsqueeze(input, 0), weight, bias ?? null, attrs), 0));
}

/**
 * 1-D convolution of `input` [N, C, L] (or unbatched [C, L]) with `weight` [O, C / groups, K],
 * plus an optional `bias` [O]. Runs as a conv2d of height 1 (so a backend's fused conv2d serves it).
 *
 * @example
 * conv1d(randn([4, 2, 100]), randn([8, 2, 5]), null, { padding: 'same' }).shape; // [4, 8, 100]
 */
export function conv1d(input: Tensor, weight: Tensor, bias?: Tensor | null, options: Conv1dOptions = {}): Tensor {
  const attrs = resolveConv('conv1d', 1, input, weight, bias ?? null, options);
  return tidy(() => {
    const x = unsqueeze(input.ndim === 3 ? input : unsqueeze(input, 0), 2); // [N, C, 1, L]
    const y = squeeze(conv2dOp(x, unsqueeze(weight, 2), bias ?? null, attrs), 2);
    return input.ndim === 3 ? y : squeeze(y, 0);
  });
}

/**
 * Transposed 2-D convolution (the gradient of `conv2d` with respect to its input) of `input`
 * [N, Cin, H, W] (or unbatched [Cin, H, W]) with `weight` [Cin, Cout / groups, KH, KW], plus an
 * optional `bias` [Cout]. Output size per axis:
 * `(H - 1) * stride - 2 * padding + dilation * (KH - 1) + outputPadding + 1`.
 *
 * @example
 * convTranspose2d(randn([1, 16, 8, 8]), randn([16, 3, 4, 4]), null, { stride: 2, padding: 1 }).shape; // [1, 3, 16, 16]
 */
export function convTranspose2d(input: Tensor, weight: Tensor, bias?: Tensor | null, options: ConvTranspose2dOptions = {}): Tensor {
  const op = 'convTranspose2d';
  input.assertAlive();
  weight.assertAlive();
  bias?.assertAlive();
  if (input.ndim !== 3 && input.ndim !== 4) throw new RangeError(`${op}: expected input [N, C, H, W] or [C, H, W], got ${fmtShape(input.shape)}`);
  if (weight.ndim !== 4) throw new RangeError(`${op}: expected weight [C, O/groups, KH, KW], got ${fmtShape(weight.shape)}`);
  const groups = checkGroups(op, options.groups);
  const batched = input.ndim === 4;
  const [Cin, H, W] = input.shape.slice(-3) as [number, number, number];
  const [Cw, Og, KH, KW] = weight.shape as [number, number, number, number];
  if (Cin !== Cw) {
    throw new RangeError(`${op}: expected input ${batched ? '[N, C, H, W]' : '[C, H, W]'} with C = ${Cw} (weight ${fmtShape(weight.shape)}, groups ${groups}), got ${fmtShape(input.shape)}`);
  }
  if (Cin % groups !== 0) throw new RangeError(`${op}: in channels ${Cin} must be divisible by groups ${groups}`);
  const Cout = Og * groups;
  if (bias && (bias.ndim !== 1 || bias.shape[0] !== Cout)) throw new RangeError(`${op}: expected bias [${Cout}], got ${fmtShape(bias.shape)}`);
  const stride = sizes(op, 'stride', options.stride, 2, 1, 1) as [number, number];
  const padding = sizes(op, 'padding', options.padding, 2, 0, 0) as [number, number];
  const dilation = sizes(op, 'dilation', options.dilation, 2, 1, 1) as [number, number];
  const outputPadding = sizes(op, 'outputPadding', options.outputPadding, 2, 0, 0) as [number, number];
  if (outputPadding[0] >= Math.max(stride[0], dilation[0]) || outputPadding[1] >= Math.max(stride[1], dilation[1])) {
    throw new RangeError(`${op}: outputPadding ${fmtDims(outputPadding)} must be smaller than either stride (${fmtDims(stride)}) or dilation (${fmtDims(dilation)})`);
  }
  // The full (unpadded) output: every input pixel spreads a dilated kernel-sized window.
  const full: [number, number] = [(H - 1) * stride[0] + dilation[0] * (KH - 1) + 1, (W - 1) * stride[1] + dilation[1] * (KW - 1) + 1];
  const OH = full[0] - 2 * padding[0] + outputPadding[0];
  const OW = full[1] - 2 * padding[1] + outputPadding[1];
  if (OH <= 0 || OW <= 0) {
    throw new RangeError(`${op}: output size ${OH}x${OW} is not positive (input ${fmtShape(input.shape)}, weight ${fmtShape(weight.shape)}, padding ${fmtDims(padding)})`);
  }
  sameBackend(op, bias ? [input, weight, bias] : [input, weight]);
  checkDtypes(op, input, weight);
  if (!batched) return tidy(() => squeeze(convTranspose2d(unsqueeze(input, 0), weight, bias, options), 0));
  const attrs: ConvTranspose2dAttrs = { stride, padding, outputPadding, dilation, groups };
  const inputs = bias ? [input, weight, bias] : [input, weight];
  const N = input.shape[0]!;
  return runOp('convTranspose2d', inputs, attrs, () =>
    tidy(() => {
      // Adjoint of im2col: [G, N*H*W, Cg] x [G, Cg, Og*KH*KW] is every input pixel's output
      // window, and folding the windows sums them into place (col2im).
      const G = groups;
      const Cg = Cin / G;
      const x = permute(reshape(permute(input, [0, 2, 3, 1]), [N * H * W, G, Cg]), [1, 0, 2]);
      const w = reshape(weight, [G, Cg, Og * KH * KW]);
      const contrib = matmul(x, w); // [G, N*H*W, Og*KH*KW]
      const win = permute(reshape(permute(contrib, [1, 0, 2]), [N, H, W, Cout, KH, KW]), [0, 3, 1, 2, 4, 5]);
      const size: [number, number] = [full[0] + outputPadding[0], full[1] + outputPadding[1]];
      const folded = foldWindows2d(win, size, { kernel: [KH, KW], stride, dilation });
      let y = slice(slice(folded, 2, padding[0], padding[0] + OH), 3, padding[1], padding[1] + OW);
      if (bias) y = E.add(y, reshape(bias, [1, Cout, 1, 1]));
      return contiguous(y);
    }),
  );
}

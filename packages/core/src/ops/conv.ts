/**
 * Convolutions (NCHW, PyTorch semantics). The default composition is im2col: pad, take sliding
 * windows as a view, lay them out as a matrix and multiply with the weight (groups become a batch
 * dim of the matmul). Backends may register fused 'conv2d' / 'convTranspose2d' kernels. Autograd
 * differentiates through the composition (pad, windows2d, matmul each have exact rules).
 */
import { isFloat } from '../dtype.js';
import { tidy } from '../memory.js';
import { fmtShape } from '../shape.js';
import type { Tensor } from '../tensor.js';
import { runOp, sameBackend } from './dispatch.js';
import * as E from './elementwise.js';
import { pad } from './join.js';
import { matmul } from './linalg.js';
import { contiguous, permute, reshape, slice, squeeze, unsqueeze } from './views.js';
import { foldWindows2d, windows2d } from './windows.js';

type Pair = number | readonly [number, number];

/** Options of `conv2d` (and, with single numbers, `conv1d`). */
export interface Conv2dOptions {
  stride?: Pair;
  /** Zero padding per side, or 'valid' (none) or 'same' (output size = input size; stride 1 only). */
  padding?: Pair | 'valid' | 'same';
  dilation?: Pair;
  groups?: number;
}

/** Options of `convTranspose2d`. */
export interface ConvTranspose2dOptions {
  stride?: Pair;
  padding?: Pair;
  outputPadding?: Pair;
  dilation?: Pair;
  groups?: number;
}

/** Resolves a number-or-pair argument into a validated [h, w] pair. */
export function pair(op: string, name: string, v: Pair | undefined, dflt: number, min: number): [number, number] {
  const p: [number, number] = v === undefined ? [dflt, dflt] : typeof v === 'number' ? [v, v] : [v[0], v[1]];
  if (p.length !== 2 || p.some((x) => !Number.isInteger(x) || x < min)) {
    throw new RangeError(`${op}: ${name} must be ${min > 0 ? 'a positive' : 'a non-negative'} integer or a pair of them, got ${JSON.stringify(v)}`);
  }
  return p;
}

/** Resolved geometry of a convolution, as passed to fused kernels in `attrs`. */
export type ConvAttrs = {
  stride: [number, number];
  /** [top, bottom, left, right] */
  padding: [number, number, number, number];
  dilation: [number, number];
  groups: number;
};

function checkGroups(op: string, groups: number | undefined): number {
  const g = groups ?? 1;
  if (!Number.isInteger(g) || g < 1) throw new RangeError(`${op}: groups must be a positive integer, got ${groups}`);
  return g;
}

/**
 * 2-D convolution (cross-correlation, as in PyTorch) of `input` [N, C, H, W] (or unbatched
 * [C, H, W]) with `weight` [O, C / groups, KH, KW], plus an optional `bias` [O].
 *
 * @example
 * conv2d(randn([8, 3, 32, 32]), randn([16, 3, 3, 3]), null, { padding: 1 }).shape; // [8, 16, 32, 32]
 */
export function conv2d(input: Tensor, weight: Tensor, bias?: Tensor | null, options: Conv2dOptions = {}): Tensor {
  const op = 'conv2d';
  input.assertAlive();
  weight.assertAlive();
  if (input.ndim !== 3 && input.ndim !== 4) throw new RangeError(`${op}: expected input [N, C, H, W] or [C, H, W], got ${fmtShape(input.shape)}`);
  if (weight.ndim !== 4) throw new RangeError(`${op}: expected weight [O, C/groups, KH, KW], got ${fmtShape(weight.shape)}`);
  if (input.ndim === 3) return tidy(() => squeeze(conv2d(unsqueeze(input, 0), weight, bias, options), 0));
  const groups = checkGroups(op, options.groups);
  const [N, C, H, W] = input.shape as [number, number, number, number];
  const [O, Cg, KH, KW] = weight.shape as [number, number, number, number];
  if (C !== Cg * groups) {
    throw new RangeError(`${op}: expected input [N, C, H, W] with C = ${Cg * groups} (weight ${fmtShape(weight.shape)}, groups ${groups}), got ${fmtShape(input.shape)}`);
  }
  if (O % groups !== 0) throw new RangeError(`${op}: out channels ${O} must be divisible by groups ${groups}`);
  if (bias && (bias.ndim !== 1 || bias.shape[0] !== O)) throw new RangeError(`${op}: expected bias [${O}], got ${fmtShape(bias.shape)}`);
  const stride = pair(op, 'stride', options.stride, 1, 1);
  const dilation = pair(op, 'dilation', options.dilation, 1, 1);
  let padding: [number, number, number, number];
  if (options.padding === 'same') {
    if (stride[0] !== 1 || stride[1] !== 1) throw new RangeError(`${op}: padding='same' is not supported for strided convolutions (stride ${stride.join('x')})`);
    const th = dilation[0] * (KH - 1);
    const tw = dilation[1] * (KW - 1);
    padding = [Math.floor(th / 2), th - Math.floor(th / 2), Math.floor(tw / 2), tw - Math.floor(tw / 2)];
  } else if (options.padding === 'valid' || options.padding === undefined) padding = [0, 0, 0, 0];
  else {
    const p = pair(op, 'padding', options.padding as Pair, 0, 0);
    padding = [p[0], p[0], p[1], p[1]];
  }
  const Hp = H + padding[0] + padding[1];
  const Wp = W + padding[2] + padding[3];
  if (dilation[0] * (KH - 1) + 1 > Hp || dilation[1] * (KW - 1) + 1 > Wp) {
    throw new RangeError(`${op}: kernel ${KH}x${KW} (dilation ${dilation.join('x')}) is larger than the padded input ${Hp}x${Wp}`);
  }
  sameBackend(op, bias ? [input, weight, bias] : [input, weight]);
  if (input.dtype !== weight.dtype || !isFloat(input.dtype)) {
    throw new TypeError(`${op}: input (${input.dtype}) and weight (${weight.dtype}) must have the same floating dtype`);
  }
  const attrs: ConvAttrs = { stride, padding, dilation, groups };
  const inputs = bias ? [input, weight, bias] : [input, weight];
  return runOp('conv2d', inputs, attrs, () =>
    tidy(() => {
      const xp = padding.some((p) => p > 0) ? pad(input, [padding[2], padding[3], padding[0], padding[1]]) : input;
      const win = windows2d(xp, { kernel: [KH, KW], stride, dilation }); // [N, C, OH, OW, KH, KW]
      const OH = win.shape[2]!;
      const OW = win.shape[3]!;
      const G = groups;
      // im2col: [G, N*OH*OW, Cg*KH*KW]
      const cols = permute(reshape(permute(win, [0, 2, 3, 1, 4, 5]), [N * OH * OW, G, Cg * KH * KW]), [1, 0, 2]);
      const w = permute(reshape(weight, [G, O / G, Cg * KH * KW]), [0, 2, 1]); // [G, Cg*KH*KW, O/G]
      const out = matmul(cols, w); // [G, N*OH*OW, O/G]
      let y = permute(reshape(permute(out, [1, 0, 2]), [N, OH, OW, O]), [0, 3, 1, 2]);
      if (bias) y = E.add(y, reshape(bias, [1, O, 1, 1]));
      return contiguous(y);
    }),
  );
}

/** Options of `conv1d`. */
export interface Conv1dOptions {
  stride?: number;
  padding?: number | 'valid' | 'same';
  dilation?: number;
  groups?: number;
}

/** 1-D convolution of `input` [N, C, L] (or [C, L]) with `weight` [O, C / groups, K]. */
export function conv1d(input: Tensor, weight: Tensor, bias?: Tensor | null, options: Conv1dOptions = {}): Tensor {
  if (input.ndim !== 2 && input.ndim !== 3) throw new RangeError(`conv1d: expected input [N, C, L] or [C, L], got ${fmtShape(input.shape)}`);
  if (weight.ndim !== 3) throw new RangeError(`conv1d: expected weight [O, C/groups, K], got ${fmtShape(weight.shape)}`);
  const padding = options.padding;
  return tidy(() =>
    squeeze(
      conv2d(unsqueeze(input, -2), unsqueeze(weight, -2), bias, {
        stride: [1, options.stride ?? 1],
        padding: typeof padding === 'number' ? [0, padding] : padding,
        dilation: [1, options.dilation ?? 1],
        groups: options.groups,
      }),
      -2,
    ),
  );
}

/**
 * Transposed 2-D convolution (the gradient of `conv2d` with respect to its input) of `input`
 * [N, Cin, H, W] with `weight` [Cin, Cout / groups, KH, KW]. Output size per axis:
 * `(H - 1) * stride - 2 * padding + dilation * (KH - 1) + outputPadding + 1`.
 */
export function convTranspose2d(input: Tensor, weight: Tensor, bias?: Tensor | null, options: ConvTranspose2dOptions = {}): Tensor {
  const op = 'convTranspose2d';
  input.assertAlive();
  weight.assertAlive();
  if (input.ndim !== 3 && input.ndim !== 4) throw new RangeError(`${op}: expected input [N, C, H, W] or [C, H, W], got ${fmtShape(input.shape)}`);
  if (weight.ndim !== 4) throw new RangeError(`${op}: expected weight [Cin, Cout/groups, KH, KW], got ${fmtShape(weight.shape)}`);
  if (input.ndim === 3) return tidy(() => squeeze(convTranspose2d(unsqueeze(input, 0), weight, bias, options), 0));
  const groups = checkGroups(op, options.groups);
  const [N, Cin, H, W] = input.shape as [number, number, number, number];
  const [Cw, Og, KH, KW] = weight.shape as [number, number, number, number];
  if (Cin !== Cw) throw new RangeError(`${op}: expected input with ${Cw} channels (weight ${fmtShape(weight.shape)}), got ${fmtShape(input.shape)}`);
  if (Cin % groups !== 0) throw new RangeError(`${op}: in channels ${Cin} must be divisible by groups ${groups}`);
  const Cout = Og * groups;
  if (bias && (bias.ndim !== 1 || bias.shape[0] !== Cout)) throw new RangeError(`${op}: expected bias [${Cout}], got ${fmtShape(bias.shape)}`);
  const stride = pair(op, 'stride', options.stride, 1, 1);
  const padding = pair(op, 'padding', options.padding, 0, 0);
  const dilation = pair(op, 'dilation', options.dilation, 1, 1);
  const outputPadding = pair(op, 'outputPadding', options.outputPadding, 0, 0);
  if (outputPadding[0] >= Math.max(stride[0], dilation[0]) || outputPadding[1] >= Math.max(stride[1], dilation[1])) {
    throw new RangeError(`${op}: outputPadding ${outputPadding.join('x')} must be smaller than either stride or dilation`);
  }
  const full: [number, number] = [(H - 1) * stride[0] + dilation[0] * (KH - 1) + 1, (W - 1) * stride[1] + dilation[1] * (KW - 1) + 1];
  const OH = full[0] - 2 * padding[0] + outputPadding[0];
  const OW = full[1] - 2 * padding[1] + outputPadding[1];
  if (OH <= 0 || OW <= 0) throw new RangeError(`${op}: output size ${OH}x${OW} is not positive (input ${fmtShape(input.shape)}, padding ${padding.join('x')})`);
  sameBackend(op, bias ? [input, weight, bias] : [input, weight]);
  if (input.dtype !== weight.dtype || !isFloat(input.dtype)) {
    throw new TypeError(`${op}: input (${input.dtype}) and weight (${weight.dtype}) must have the same floating dtype`);
  }
  const attrs = { stride, padding, outputPadding, dilation, groups };
  const inputs = bias ? [input, weight, bias] : [input, weight];
  return runOp('convTranspose2d', inputs, attrs, () =>
    tidy(() => {
      const G = groups;
      const Cg = Cin / G;
      // [G, N*H*W, Cg] x [G, Cg, Og*KH*KW] -> every input pixel's contribution window.
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


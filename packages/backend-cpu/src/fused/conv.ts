/**
 * Fused 'conv2d' and 'convTranspose2d' (NCHW): per sample and group, one blocked matmul
 * (`kernels/matmul.ts`) against a column buffer, written straight into the NCHW output.
 *
 * conv2d is im2col: `out[n, g] (Og x P) = W[g] (Og x K) @ col (K x P)`, K = Cg*KH*KW, P = OH*OW.
 * A 1x1, stride-1, unpadded convolution multiplies the input in place (no column buffer).
 * convTranspose2d is the adjoint: `col (Og*KH*KW x H*W) = W[g]^T @ x[n, g]`, then col2im sums the
 * columns into the output. Products accumulate in float64 and are stored in the input's dtype,
 * where core's composition (ops/conv.ts) rounds too; the bias is added after that rounding.
 *
 * conv2d's input gradient is fused too: 'conv2dBackwardInput' is `col (K x P) = W[g]^T @ dy[n, g]`
 * per sample and group, then col2im (taps in the order the composition's fold adds them). The
 * weight gradient runs core's composition: one matmul over every sample's im2col columns, which a
 * fused version (same matmul, same copies) measured no faster.
 */
import { add, reshape, type FusedKernel, type Tensor, type TypedArray } from '@tessera/core';
import { copyImpl } from '../kernels/copy.js';
import { matmulImpl } from '../kernels/matmul.js';
import { denseStrides, isDense, type ArrayView } from '../kernels/strided.js';
import { allocValues } from '../storage.js';
import { hostView, produce } from './util.js';

type Pair = readonly [number, number];

/** conv2d geometry as core passes it (padding is [top, bottom, left, right]). */
export interface Conv2dGeometry {
  stride: Pair;
  padding: readonly [number, number, number, number];
  dilation: Pair;
  groups: number;
}

/** convTranspose2d geometry as core passes it. */
export interface ConvTranspose2dGeometry {
  stride: Pair;
  padding: Pair;
  outputPadding: Pair;
  dilation: Pair;
  groups: number;
}

/** A dense copy of `v` (or `v` itself when it already is dense), as values plus offset. */
function dense(v: ArrayView): { values: TypedArray; offset: number } {
  if (isDense(v.shape, v.strides)) return { values: v.values, offset: v.offset };
  let n = 1;
  for (const d of v.shape) n *= d;
  const values = allocValues(v.values instanceof Float64Array ? 'float64' : 'float32', n);
  copyImpl(v, { values, shape: v.shape, strides: denseStrides(v.shape), offset: 0 });
  return { values, offset: 0 };
}

/** A view of `values` (offset `offset`) as the single-batch matrix [rows, cols] with the given strides. */
function matrix(values: TypedArray, offset: number, rows: number, cols: number, rowStride: number, colStride: number): ArrayView {
  return { values, shape: [1, rows, cols], strides: [0, rowStride, colStride], offset };
}

/**
 * 2-D convolution of `x` [N, C, H, W] with `w` [O, C/groups, KH, KW] into `out` [N, O, OH, OW]
 * (contiguous, `x`'s array type), plus `bias` [O] when given (same array type).
 */
export function conv2dImpl(x: ArrayView, w: ArrayView, bias: ArrayView | null, g: Conv2dGeometry, out: TypedArray): void {
  const [N, , H, W] = x.shape as [number, number, number, number];
  const [O, Cg, KH, KW] = w.shape as [number, number, number, number];
  const [sh, sw] = g.stride;
  const [pt, pb, pl, pr] = g.padding;
  const [dh, dw] = g.dilation;
  const G = g.groups;
  const OH = Math.floor((H + pt + pb - dh * (KH - 1) - 1) / sh) + 1;
  const OW = Math.floor((W + pl + pr - dw * (KW - 1) - 1) / sw) + 1;
  const Og = O / G;
  const K = Cg * KH * KW;
  const P = OH * OW;
  if (N * O * P === 0) return;
  const wd = dense(w);
  const [xsN, xsC, xsH, xsW] = x.strides as [number, number, number, number];
  // A 1x1 unpadded stride-1 convolution is a plain matmul with the input's [C, H*W] planes.
  const pointwise = KH === 1 && KW === 1 && sh === 1 && sw === 1 && pt + pb + pl + pr === 0 && (H === 1 || xsH === W * xsW);
  const col = pointwise ? null : allocValues(x.values instanceof Float64Array ? 'float64' : 'float32', K * P);
  for (let n = 0; n < N; n++) {
    for (let gi = 0; gi < G; gi++) {
      const xBase = x.offset + n * xsN + gi * Cg * xsC;
      const b = col
        ? (im2col(x.values, xBase, xsC, xsH, xsW, Cg, H, W, KH, KW, sh, sw, pt, pl, dh, dw, OH, OW, col), matrix(col, 0, K, P, P, 1))
        : matrix(x.values, xBase, K, P, xsC, xsW);
      const o0 = (n * O + gi * Og) * P;
      matmulImpl(matrix(wd.values, wd.offset + gi * Og * K, Og, K, K, 1), b, out.subarray(o0, o0 + Og * P));
    }
  }
  if (bias) addBias(out, bias, N, O, P);
}

/** col[(c, kh, kw), (oh, ow)] = the input under kernel tap (kh, kw) of window (oh, ow), 0 in the padding. */
function im2col(
  xv: TypedArray,
  xBase: number,
  xsC: number,
  xsH: number,
  xsW: number,
  Cg: number,
  H: number,
  W: number,
  KH: number,
  KW: number,
  sh: number,
  sw: number,
  pt: number,
  pl: number,
  dh: number,
  dw: number,
  OH: number,
  OW: number,
  col: TypedArray,
): void {
  let r = 0;
  for (let c = 0; c < Cg; c++) {
    const cBase = xBase + c * xsC;
    for (let kh = 0; kh < KH; kh++) {
      for (let kw = 0; kw < KW; kw++, r += OH * OW) {
        // Output columns whose tap lands inside the input: iw = ow*sw - pl + kw*dw in [0, W).
        const shift = kw * dw - pl;
        const owLo = Math.min(OW, Math.max(0, Math.ceil(-shift / sw)));
        const owHi = Math.max(owLo, Math.min(OW, Math.floor((W - 1 - shift) / sw) + 1));
        for (let oh = 0; oh < OH; oh++) {
          const ih = oh * sh - pt + kh * dh;
          const d = r + oh * OW;
          if (ih < 0 || ih >= H) {
            col.fill(0, d, d + OW);
            continue;
          }
          col.fill(0, d, d + owLo);
          let s = cBase + ih * xsH + (owLo * sw + shift) * xsW;
          const step = sw * xsW;
          for (let ow = owLo; ow < owHi; ow++, s += step) col[d + ow] = xv[s]!;
          col.fill(0, d + owHi, d + OW);
        }
      }
    }
  }
}

/** out[n, o, :] += bias[o], rounding per element as a separate add does. */
function addBias(out: TypedArray, bias: ArrayView, N: number, O: number, P: number): void {
  for (let n = 0; n < N; n++) {
    for (let o = 0; o < O; o++) {
      const b = bias.values[bias.offset + o * bias.strides[0]!]!;
      for (let i = (n * O + o) * P, end = i + P; i < end; i++) out[i] += b;
    }
  }
}

/**
 * Transposed 2-D convolution of `x` [N, Cin, H, W] with `w` [Cin, Cout/groups, KH, KW] into
 * `out` [N, Cout, OH, OW] (contiguous), plus `bias` [Cout] when given.
 */
export function convTranspose2dImpl(x: ArrayView, w: ArrayView, bias: ArrayView | null, g: ConvTranspose2dGeometry, out: TypedArray): void {
  const [N, Cin, H, W] = x.shape as [number, number, number, number];
  const [, Og, KH, KW] = w.shape as [number, number, number, number];
  const [sh, sw] = g.stride;
  const [ph, pw] = g.padding;
  const [dh, dw] = g.dilation;
  const G = g.groups;
  const Cg = Cin / G;
  const Cout = Og * G;
  const OH = (H - 1) * sh - 2 * ph + dh * (KH - 1) + g.outputPadding[0] + 1;
  const OW = (W - 1) * sw - 2 * pw + dw * (KW - 1) + g.outputPadding[1] + 1;
  const P = OH * OW;
  out.fill(0, 0, N * Cout * P);
  const HW = H * W;
  const R = Og * KH * KW;
  if (N * Cout * P === 0 || HW === 0) {
    if (bias) addBias(out, bias, N, Cout, P);
    return;
  }
  const wd = dense(w);
  const xd = dense(x);
  const col = allocValues(x.values instanceof Float64Array ? 'float64' : 'float32', R * HW);
  for (let n = 0; n < N; n++) {
    for (let gi = 0; gi < G; gi++) {
      // col [Og*KH*KW, H*W] = W[g]^T [R, Cg] @ x[n, g] [Cg, H*W]
      const a = matrix(wd.values, wd.offset + gi * Cg * R, R, Cg, 1, R);
      const b = matrix(xd.values, xd.offset + (n * Cin + gi * Cg) * HW, Cg, HW, HW, 1);
      matmulImpl(a, b, col);
      // col2im, taps in (kh, kw) order per output element, as the composition's fold sums them.
      for (let og = 0; og < Og; og++) {
        const oBase = (n * Cout + gi * Og + og) * P;
        for (let kh = 0; kh < KH; kh++) {
          for (let kw = 0; kw < KW; kw++) {
            const r = ((og * KH + kh) * KW + kw) * HW;
            for (let h = 0; h < H; h++) {
              const oh = h * sh + kh * dh - ph;
              if (oh < 0 || oh >= OH) continue;
              for (let wi = 0, ow = kw * dw - pw; wi < W; wi++, ow += sw) {
                if (ow >= 0 && ow < OW) out[oBase + oh * OW + ow] += col[r + h * W + wi]!;
              }
            }
          }
        }
      }
    }
  }
  if (bias) addBias(out, bias, N, Cout, P);
}

/** Adds a bias of another dtype with core's own ops, as the composition does (promoting the result). */
function withForeignBias(y: Tensor, bias: Tensor): Tensor {
  const b = reshape(bias, [1, bias.shape[0]!, 1, 1]);
  try {
    return add(y, b);
  } finally {
    b.dispose();
    y.dispose();
  }
}

/** 'conv2d' (inputs [x, weight, bias?]; attrs {stride, padding, dilation, groups}). */
export const conv2dKernel: FusedKernel = (inputs, attrs) => {
  const [x, w, bias] = inputs as [Tensor, Tensor, Tensor | undefined];
  const g = attrs as unknown as Conv2dGeometry;
  const [N, , H, W] = x.shape as [number, number, number, number];
  const [O, , KH, KW] = w.shape as [number, number, number, number];
  const OH = Math.floor((H + g.padding[0] + g.padding[1] - g.dilation[0] * (KH - 1) - 1) / g.stride[0]) + 1;
  const OW = Math.floor((W + g.padding[2] + g.padding[3] - g.dilation[1] * (KW - 1) - 1) / g.stride[1]) + 1;
  const fuseBias = bias !== undefined && bias.dtype === x.dtype;
  const y = produce(x.backend, x.dtype, [N, O, OH, OW], (out) =>
    conv2dImpl(hostView(x), hostView(w), fuseBias ? hostView(bias) : null, g, out),
  );
  return bias && !fuseBias ? withForeignBias(y, bias) : y;
};

/** 'convTranspose2d' (inputs [x, weight, bias?]; attrs {stride, padding, outputPadding, dilation, groups}). */
export const convTranspose2dKernel: FusedKernel = (inputs, attrs) => {
  const [x, w, bias] = inputs as [Tensor, Tensor, Tensor | undefined];
  const g = attrs as unknown as ConvTranspose2dGeometry;
  const [N, , H, W] = x.shape as [number, number, number, number];
  const [, Og, KH, KW] = w.shape as [number, number, number, number];
  const OH = (H - 1) * g.stride[0] - 2 * g.padding[0] + g.dilation[0] * (KH - 1) + g.outputPadding[0] + 1;
  const OW = (W - 1) * g.stride[1] - 2 * g.padding[1] + g.dilation[1] * (KW - 1) + g.outputPadding[1] + 1;
  const fuseBias = bias !== undefined && bias.dtype === x.dtype;
  const y = produce(x.backend, x.dtype, [N, Og * g.groups, OH, OW], (out) =>
    convTranspose2dImpl(hostView(x), hostView(w), fuseBias ? hostView(bias) : null, g, out),
  );
  return bias && !fuseBias ? withForeignBias(y, bias) : y;
};

/**
 * Gradient of conv2d with respect to its input: `dy` [N, O, OH, OW] and `w` [O, C/groups, KH, KW]
 * into `out` [N, C, H, W] (contiguous, zeroed here).
 */
export function conv2dBackwardInputImpl(dy: ArrayView, w: ArrayView, inputShape: readonly number[], g: Conv2dGeometry, out: TypedArray): void {
  const [N, C, H, W] = inputShape as [number, number, number, number];
  const [O, Cg, KH, KW] = w.shape as [number, number, number, number];
  const [, , OH, OW] = dy.shape as [number, number, number, number];
  const [sh, sw] = g.stride;
  const [pt, , pl] = g.padding;
  const [dh, dw] = g.dilation;
  const G = g.groups;
  const Og = O / G;
  const K = Cg * KH * KW;
  const P = OH * OW;
  const HW = H * W;
  out.fill(0, 0, N * C * HW);
  if (N * C * HW === 0 || P === 0 || Og === 0) return;
  const wd = dense(w);
  const dyd = dense(dy);
  const col = allocValues(out instanceof Float64Array ? 'float64' : 'float32', K * P);
  for (let n = 0; n < N; n++) {
    for (let gi = 0; gi < G; gi++) {
      // col [K, P] = W[g]^T [K, Og] @ dy[n, g] [Og, P]
      matmulImpl(matrix(wd.values, wd.offset + gi * Og * K, K, Og, 1, K), matrix(dyd.values, dyd.offset + (n * O + gi * Og) * P, Og, P, P, 1), col);
      // col2im: every cell gets its taps in (kh, kw) order, as the composition's fold adds them
      const base = (n * C + gi * Cg) * HW;
      for (let c = 0, r = 0; c < Cg; c++) {
        const cBase = base + c * HW;
        for (let kh = 0; kh < KH; kh++) {
          for (let kw = 0; kw < KW; kw++, r += P) {
            const shift = kw * dw - pl;
            const owLo = Math.min(OW, Math.max(0, Math.ceil(-shift / sw)));
            const owHi = Math.max(owLo, Math.min(OW, Math.floor((W - 1 - shift) / sw) + 1));
            for (let oh = 0; oh < OH; oh++) {
              const ih = oh * sh - pt + kh * dh;
              if (ih < 0 || ih >= H) continue;
              let o = cBase + ih * W + owLo * sw + shift;
              for (let ow = owLo, i = r + oh * OW + owLo; ow < owHi; ow++, i++, o += sw) out[o] += col[i]!;
            }
          }
        }
      }
    }
  }
}

/** 'conv2dBackwardInput' (inputs [gradOutput, weight]; attrs {inputShape, stride, padding, dilation, groups}). */
export const conv2dBackwardInputKernel: FusedKernel = (inputs, attrs) => {
  const [dy, w] = inputs as [Tensor, Tensor];
  const shape = attrs.inputShape as number[];
  return produce(dy.backend, dy.dtype, shape, (out) => conv2dBackwardInputImpl(hostView(dy), hostView(w), shape, attrs as unknown as Conv2dGeometry, out));
};

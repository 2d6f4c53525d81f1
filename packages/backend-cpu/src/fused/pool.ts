/**
 * Fused 'maxPool2d' and 'avgPool2d' over the last two dims of [N, C, H, W] or [C, H, W]: one
 * pass per output element over its window's in-bounds taps. Padding acts as -inf (max) or 0
 * (average), as in core's composition (ops/pool.ts), which pads and then reduces windows.
 *
 * Their gradient ops too: 'maxPool2dWithIndices' (the maxima's in-plane positions, picked as the
 * composition's argmax picks them), 'maxPool2dBackward' (adds the gradient at those positions in
 * the composition's scatter order) and 'avgPool2dBackward' (spreads each scaled gradient over its
 * window, adding the taps in the composition's fold order).
 */
import type { FusedKernel, Tensor, TypedArray } from '@tessera/core';
import type { ArrayView } from '../kernels/strided.js';
import { hostView, produce } from './util.js';

type Pair = readonly [number, number];

/** Pooling geometry as core passes it; `out` is the output size [OH, OW]. */
export interface PoolGeometry {
  kernel: Pair;
  stride: Pair;
  padding: Pair;
  dilation: Pair;
  out: Pair;
}

/** Options of average pooling as core passes them. */
export interface AvgPoolOptions {
  countIncludePad: boolean;
  divisorOverride: number | null;
}

/** Calls `pool(base, o0)` for every plane (all dims but the last two) of `x`: its input and output offsets. */
function forEachPlane(x: ArrayView, outPlane: number, pool: (base: number, o0: number) => void): void {
  const nd = x.shape.length;
  const lead = x.shape.slice(0, nd - 2);
  const strides = x.strides.slice(0, nd - 2);
  let planes = 1;
  for (const d of lead) planes *= d;
  const counter = new Array<number>(lead.length).fill(0);
  let base = x.offset;
  for (let p = 0; p < planes; p++) {
    pool(base, p * outPlane);
    for (let d = lead.length - 1; d >= 0; d--) {
      if (++counter[d]! < lead[d]!) {
        base += strides[d]!;
        break;
      }
      counter[d] = 0;
      base -= strides[d]! * (lead[d]! - 1);
    }
  }
}

/** Max pooling of `x` into `out` (contiguous [..., OH, OW]); NaN propagates, empty windows give -inf. */
export function maxPool2dImpl(x: ArrayView, g: PoolGeometry, out: TypedArray): void {
  const { H, W, sH, sW, KH, KW, sh, sw, ph, pw, dh, dw, OH, OW } = windowGeometry(x, g);
  const v = x.values;
  forEachPlane(x, OH * OW, (base, o) => {
    for (let oh = 0; oh < OH; oh++) {
      const h0 = oh * sh - ph;
      for (let ow = 0; ow < OW; ow++, o++) {
        const w0 = ow * sw - pw;
        let m = -Infinity;
        for (let kh = 0, ih = h0; kh < KH; kh++, ih += dh) {
          if (ih < 0 || ih >= H) continue;
          const row = base + ih * sH;
          for (let kw = 0, iw = w0; kw < KW; kw++, iw += dw) {
            if (iw < 0 || iw >= W) continue;
            const y = v[row + iw * sW]!;
            if (y > m || y !== y) m = y;
          }
        }
        out[o] = m;
      }
    }
  });
}

/** The plane sizes and strides of `x` and the pooling geometry, as the pooling loops use them. */
function windowGeometry(x: ArrayView, g: PoolGeometry) {
  const nd = x.shape.length;
  const [KH, KW] = g.kernel;
  const [sh, sw] = g.stride;
  const [ph, pw] = g.padding;
  const [dh, dw] = g.dilation;
  const [OH, OW] = g.out;
  return { H: x.shape[nd - 2]!, W: x.shape[nd - 1]!, sH: x.strides[nd - 2]!, sW: x.strides[nd - 1]!, KH, KW, sh, sw, ph, pw, dh, dw, OH, OW };
}

/** Number of taps `start + k*d` (k < K) that fall in [lo, hi). */
function tapsWithin(start: number, K: number, d: number, lo: number, hi: number): number {
  let c = 0;
  for (let k = 0, i = start; k < K; k++, i += d) if (i >= lo && i < hi) c++;
  return c;
}

/**
 * Average pooling of `x` into `out` (contiguous [..., OH, OW]). The divisor is `divisorOverride`,
 * else the number of taps inside the input, plus those in the symmetric zero padding when
 * `countIncludePad` (the extra far-side padding of ceil mode never counts).
 */
export function avgPool2dImpl(x: ArrayView, g: PoolGeometry, options: AvgPoolOptions, out: TypedArray): void {
  const { H, W, sH, sW, KH, KW, sh, sw, ph, pw, dh, dw, OH, OW } = windowGeometry(x, g);
  const f32 = out instanceof Float32Array;
  const r = (y: number): number => (f32 ? Math.fround(y) : y);
  // Divisors per output row and column (their product is the window's count).
  const pad = options.countIncludePad ? 1 : 0;
  const rowCount = new Float64Array(OH);
  const colCount = new Float64Array(OW);
  for (let oh = 0; oh < OH; oh++) rowCount[oh] = tapsWithin(oh * sh - ph, KH, dh, -ph * pad, H + ph * pad);
  for (let ow = 0; ow < OW; ow++) colCount[ow] = tapsWithin(ow * sw - pw, KW, dw, -pw * pad, W + pw * pad);
  const override = options.divisorOverride === null ? null : r(options.divisorOverride);
  const v = x.values;
  forEachPlane(x, OH * OW, (base, o) => {
    for (let oh = 0; oh < OH; oh++) {
      const h0 = oh * sh - ph;
      for (let ow = 0; ow < OW; ow++, o++) {
        const w0 = ow * sw - pw;
        let s = 0;
        for (let kh = 0, ih = h0; kh < KH; kh++, ih += dh) {
          if (ih < 0 || ih >= H) continue;
          const row = base + ih * sH;
          for (let kw = 0, iw = w0; kw < KW; kw++, iw += dw) {
            if (iw >= 0 && iw < W) s += v[row + iw * sW]!;
          }
        }
        out[o] = r(s) / (override ?? rowCount[oh]! * colCount[ow]!);
      }
    }
  });
}

/** 'maxPool2d' (attrs {kernel, stride, padding, dilation, out, ceilMode}). */
export const maxPool2dKernel: FusedKernel = (inputs, attrs) => {
  const x = inputs[0]!;
  const g = attrs as unknown as PoolGeometry;
  return produce(x.backend, x.dtype, [...x.shape.slice(0, -2), g.out[0], g.out[1]], (out) => maxPool2dImpl(hostView(x), g, out));
};

/** 'avgPool2d' (attrs {kernel, stride, padding, dilation, out, ceilMode, countIncludePad, divisorOverride}). */
export const avgPool2dKernel: FusedKernel = (inputs, attrs) => {
  const x = inputs[0]!;
  const g = attrs as unknown as PoolGeometry & AvgPoolOptions;
  return produce(x.backend, x.dtype, [...x.shape.slice(0, -2), g.out[0], g.out[1]], (out) => avgPool2dImpl(hostView(x), g, g, out));
};

/** Offsets of every plane (all dims but the last two) of `v`, row-major. */
function planeOffsets(v: ArrayView): number[] {
  const offsets: number[] = [];
  forEachPlane(v, 0, (base) => offsets.push(base));
  return offsets;
}

/**
 * Max pooling of `x` into `out` plus, in `idx`, the position `h * W + w` in the input plane of
 * each window's maximum: the last NaN when there is one (as PyTorch, whose scan lets every NaN
 * win), else the first maximum, and the first in-bounds tap when every value read is -inf.
 */
export function maxPool2dWithIndicesImpl(x: ArrayView, g: PoolGeometry, out: TypedArray, idx: TypedArray): void {
  const { H, W, sH, sW, KH, KW, sh, sw, ph, pw, dh, dw, OH, OW } = windowGeometry(x, g);
  const v = x.values;
  forEachPlane(x, OH * OW, (base, o) => {
    for (let oh = 0; oh < OH; oh++) {
      const h0 = oh * sh - ph;
      for (let ow = 0; ow < OW; ow++, o++) {
        const w0 = ow * sw - pw;
        let m = -Infinity;
        let at = -1;
        for (let kh = 0, ih = h0; kh < KH; kh++, ih += dh) {
          if (ih < 0 || ih >= H) continue;
          const row = base + ih * sH;
          for (let kw = 0, iw = w0; kw < KW; kw++, iw += dw) {
            if (iw < 0 || iw >= W) continue;
            const y = v[row + iw * sW]!;
            if (at < 0) at = ih * W + iw;
            if (y > m || y !== y) {
              m = y;
              at = ih * W + iw;
            }
          }
        }
        out[o] = m;
        idx[o] = at;
      }
    }
  });
}

/** Adds `dy` [..., OH, OW] at the in-plane positions `indices` into `out` [..., H, W] (contiguous, zeroed here). */
export function maxPool2dBackwardImpl(dy: ArrayView, indices: ArrayView, H: number, W: number, out: TypedArray): void {
  const nd = dy.shape.length;
  const OH = dy.shape[nd - 2]!;
  const OW = dy.shape[nd - 1]!;
  const gOff = planeOffsets(dy);
  const iOff = planeOffsets(indices);
  const [gsH, gsW] = [dy.strides[nd - 2]!, dy.strides[nd - 1]!];
  const [isH, isW] = [indices.strides[nd - 2]!, indices.strides[nd - 1]!];
  const HW = H * W;
  out.fill(0, 0, gOff.length * HW);
  for (let p = 0; p < gOff.length; p++) {
    const o0 = p * HW;
    for (let oh = 0; oh < OH; oh++) {
      for (let ow = 0; ow < OW; ow++) {
        const at = indices.values[iOff[p]! + oh * isH + ow * isW]!;
        if (!(at >= 0 && at < HW)) throw new RangeError(`maxPool2dBackward: index ${at} is outside the input plane (${H}x${W})`);
        out[o0 + at] += dy.values[gOff[p]! + oh * gsH + ow * gsW]!;
      }
    }
  }
}

/**
 * Gradient of average pooling: each output gradient of `dy` [..., OH, OW] divided by its window's
 * divisor (rounded to the dtype, as the composition's division) and added to the window's input
 * cells of `out` [..., H, W] (contiguous, zeroed here), tap by tap as the composition folds.
 */
export function avgPool2dBackwardImpl(dy: ArrayView, g: PoolGeometry, options: AvgPoolOptions, H: number, W: number, out: TypedArray): void {
  const nd = dy.shape.length;
  const [KH, KW] = g.kernel;
  const [sh, sw] = g.stride;
  const [ph, pw] = g.padding;
  const [dh, dw] = g.dilation;
  const [OH, OW] = g.out;
  const [gsH, gsW] = [dy.strides[nd - 2]!, dy.strides[nd - 1]!];
  const f32 = out instanceof Float32Array;
  const r = (y: number): number => (f32 ? Math.fround(y) : y);
  const pad = options.countIncludePad ? 1 : 0;
  const rowCount = new Float64Array(OH);
  const colCount = new Float64Array(OW);
  for (let oh = 0; oh < OH; oh++) rowCount[oh] = tapsWithin(oh * sh - ph, KH, dh, -ph * pad, H + ph * pad);
  for (let ow = 0; ow < OW; ow++) colCount[ow] = tapsWithin(ow * sw - pw, KW, dw, -pw * pad, W + pw * pad);
  const override = options.divisorOverride === null ? null : r(options.divisorOverride);
  const offsets = planeOffsets(dy);
  const HW = H * W;
  out.fill(0, 0, offsets.length * HW);
  const scaled = new Float64Array(OH * OW);
  for (let p = 0; p < offsets.length; p++) {
    for (let oh = 0; oh < OH; oh++) {
      for (let ow = 0; ow < OW; ow++) {
        scaled[oh * OW + ow] = r(dy.values[offsets[p]! + oh * gsH + ow * gsW]! / (override ?? rowCount[oh]! * colCount[ow]!));
      }
    }
    const o0 = p * HW;
    for (let kh = 0; kh < KH; kh++) {
      for (let kw = 0; kw < KW; kw++) {
        for (let oh = 0; oh < OH; oh++) {
          const ih = oh * sh - ph + kh * dh;
          if (ih < 0 || ih >= H) continue;
          for (let ow = 0; ow < OW; ow++) {
            const iw = ow * sw - pw + kw * dw;
            if (iw >= 0 && iw < W) out[o0 + ih * W + iw] += scaled[oh * OW + ow]!;
          }
        }
      }
    }
  }
}

/** 'maxPool2dWithIndices' (attrs {kernel, stride, padding, dilation, out, ceilMode}): [values, int32 positions]. */
export const maxPool2dWithIndicesKernel: FusedKernel = (inputs, attrs) => {
  const x = inputs[0]!;
  const g = attrs as unknown as PoolGeometry;
  const shape = [...x.shape.slice(0, -2), g.out[0], g.out[1]];
  const positions = new Int32Array(shape.reduce((a, b) => a * b, 1));
  const output = produce(x.backend, x.dtype, shape, (out) => maxPool2dWithIndicesImpl(hostView(x), g, out, positions));
  return [output, produce(x.backend, 'int32', shape, (idx) => idx.set(positions))];
};

/** 'maxPool2dBackward' (inputs [gradOutput, int32 indices]; attrs {inputShape}). */
export const maxPool2dBackwardKernel: FusedKernel = (inputs, attrs) => {
  const [dy, indices] = inputs as [Tensor, Tensor];
  const shape = attrs.inputShape as number[];
  const H = shape[shape.length - 2]!;
  const W = shape[shape.length - 1]!;
  return produce(dy.backend, dy.dtype, shape, (out) => maxPool2dBackwardImpl(hostView(dy), hostView(indices), H, W, out));
};

/** 'avgPool2dBackward' (attrs of 'avgPool2d' plus inputShape). */
export const avgPool2dBackwardKernel: FusedKernel = (inputs, attrs) => {
  const dy = inputs[0]!;
  const g = attrs as unknown as PoolGeometry & AvgPoolOptions;
  const shape = attrs.inputShape as number[];
  const H = shape[shape.length - 2]!;
  const W = shape[shape.length - 1]!;
  return produce(dy.backend, dy.dtype, shape, (out) => avgPool2dBackwardImpl(hostView(dy), g, g, H, W, out));
};

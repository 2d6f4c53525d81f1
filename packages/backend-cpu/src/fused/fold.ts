/**
 * Fused 'foldWindows2d' (col2im): sums sliding windows [..., OH, OW, KH, KW] back into
 * [..., H, W]. It is the gradient of `windows2d`, so training's conv2d and pooling backward passes
 * run through it. Core's composition does one whole-tensor add per kernel tap; this kernel adds
 * the taps in that same order per output element, straight into the output.
 */
import type { FusedKernel, TypedArray } from '@tessera/core';
import type { ArrayView } from '../kernels/strided.js';
import { hostView, produce } from './util.js';

type Pair = readonly [number, number];

/** Window geometry as core passes it. */
export interface FoldGeometry {
  size: Pair;
  kernel: Pair;
  stride: Pair;
  dilation: Pair;
}

/** Writes the fold of `windows` [..., OH, OW, KH, KW] into `out` [..., H, W] (contiguous). */
export function foldWindows2dImpl(windows: ArrayView, g: FoldGeometry, out: TypedArray): void {
  const nd = windows.shape.length;
  const [H, W] = g.size;
  const [KH, KW] = g.kernel;
  const [sh, sw] = g.stride;
  const [dh, dw] = g.dilation;
  const OH = windows.shape[nd - 4]!;
  const OW = windows.shape[nd - 3]!;
  const st = windows.strides;
  const [sOH, sOW, sKH, sKW] = [st[nd - 4]!, st[nd - 3]!, st[nd - 2]!, st[nd - 1]!];
  const lead = windows.shape.slice(0, nd - 4);
  const leadStrides = st.slice(0, nd - 4);
  let planes = 1;
  for (const d of lead) planes *= d;
  out.fill(0, 0, planes * H * W);
  const v = windows.values;
  const counter = new Array<number>(lead.length).fill(0);
  let base = windows.offset;
  for (let p = 0; p < planes; p++) {
    const o0 = p * H * W;
    for (let kh = 0; kh < KH; kh++) {
      for (let kw = 0; kw < KW; kw++) {
        const tap = base + kh * sKH + kw * sKW;
        for (let oh = 0; oh < OH; oh++) {
          let o = o0 + (oh * sh + kh * dh) * W + kw * dw;
          let i = tap + oh * sOH;
          for (let ow = 0; ow < OW; ow++, o += sw, i += sOW) out[o] += v[i]!;
        }
      }
    }
    // Next plane: odometer over the leading dims.
    for (let d = lead.length - 1; d >= 0; d--) {
      if (++counter[d]! < lead[d]!) {
        base += leadStrides[d]!;
        break;
      }
      counter[d] = 0;
      base -= leadStrides[d]! * (lead[d]! - 1);
    }
  }
}

/** 'foldWindows2d' (attrs {size, kernel, stride, dilation}). */
export const foldWindows2dKernel: FusedKernel = (inputs, attrs) => {
  const windows = inputs[0]!;
  const g = attrs as unknown as FoldGeometry;
  const shape = [...windows.shape.slice(0, -4), g.size[0], g.size[1]];
  return produce(windows.backend, windows.dtype, shape, (out) => foldWindows2dImpl(hostView(windows), g, out));
};

/**
 * Sliding windows, the building block of convolution and pooling. `windows2d` is a view
 * (overlapping windows share memory, nothing is copied); `foldWindows2d` is its adjoint: it sums
 * window entries back onto the positions they were read from (col2im).
 */
import { fmtShape } from '../shape.js';
import type { Tensor } from '../tensor.js';
import { zeros } from './creation.js';
import { runOp } from './dispatch.js';
import * as E from './elementwise.js';
import { copyInto, slice } from './views.js';

/** Window geometry of a 2-D sliding window: kernel size, stride and dilation as [h, w] pairs. */
export interface WindowGeometry {
  kernel: readonly [number, number];
  stride: readonly [number, number];
  dilation: readonly [number, number];
}

/** Number of window positions along one axis. */
export function windowCount(size: number, kernel: number, stride: number, dilation: number): number {
  return Math.floor((size - dilation * (kernel - 1) - 1) / stride) + 1;
}

/**
 * Windows of the last two dims of `x` [..., H, W] as a view [..., OH, OW, KH, KW]
 * (no padding: pad first).
 */
export function windows2d(x: Tensor, geometry: WindowGeometry): Tensor {
  x.assertAlive();
  const { kernel, stride, dilation } = geometry;
  if (x.ndim < 2) throw new RangeError(`windows2d: expected at least 2 dims, got ${fmtShape(x.shape)}`);
  const H = x.shape[x.ndim - 2]!;
  const W = x.shape[x.ndim - 1]!;
  const OH = windowCount(H, kernel[0], stride[0], dilation[0]);
  const OW = windowCount(W, kernel[1], stride[1], dilation[1]);
  if (OH <= 0 || OW <= 0) {
    throw new RangeError(
      `windows2d: kernel ${kernel[0]}x${kernel[1]} (dilation ${dilation[0]}x${dilation[1]}) is larger than the input ${H}x${W}`,
    );
  }
  const attrs = { kernel: [...kernel], stride: [...stride], dilation: [...dilation] };
  return runOp('windows2d', [x], attrs, () => {
    const lead = x.shape.slice(0, -2);
    const sH = x.strides[x.ndim - 2]!;
    const sW = x.strides[x.ndim - 1]!;
    return x._share(
      [...lead, OH, OW, kernel[0], kernel[1]],
      [...x.strides.slice(0, -2), sH * stride[0], sW * stride[1], sH * dilation[0], sW * dilation[1]],
      x.offset,
    );
  });
}

/**
 * Sums windows [..., OH, OW, KH, KW] back into a tensor [..., H, W]: the adjoint of `windows2d`.
 * `size` is [H, W] (it may exceed what the windows reach; the rest stays zero).
 */
export function foldWindows2d(windows: Tensor, size: readonly [number, number], geometry: WindowGeometry): Tensor {
  windows.assertAlive();
  const { kernel, stride, dilation } = geometry;
  const nd = windows.ndim;
  if (nd < 4 || windows.shape[nd - 2] !== kernel[0] || windows.shape[nd - 1] !== kernel[1]) {
    throw new RangeError(`foldWindows2d: expected windows [..., OH, OW, ${kernel[0]}, ${kernel[1]}], got ${fmtShape(windows.shape)}`);
  }
  const OH = windows.shape[nd - 4]!;
  const OW = windows.shape[nd - 3]!;
  const [H, W] = size;
  if ((OH - 1) * stride[0] + dilation[0] * (kernel[0] - 1) + 1 > H || (OW - 1) * stride[1] + dilation[1] * (kernel[1] - 1) + 1 > W) {
    throw new RangeError(`foldWindows2d: windows ${fmtShape(windows.shape)} do not fit in ${H}x${W}`);
  }
  const attrs = { size: [H, W], kernel: [...kernel], stride: [...stride], dilation: [...dilation] };
  return runOp('foldWindows2d', [windows], attrs, () => {
    const lead = windows.shape.slice(0, -4);
    const out = zeros([...lead, H, W], { dtype: windows.dtype, device: windows.device });
    const hAxis = lead.length;
    for (let kh = 0; kh < kernel[0]; kh++) {
      for (let kw = 0; kw < kernel[1]; kw++) {
        const h0 = kh * dilation[0];
        const w0 = kw * dilation[1];
        const rows = slice(out, hAxis, h0, h0 + (OH - 1) * stride[0] + 1, stride[0]);
        const dst = slice(rows, hAxis + 1, w0, w0 + (OW - 1) * stride[1] + 1, stride[1]);
        const piece = windows._share(
          [...windows.shape.slice(0, -2)],
          [...windows.strides.slice(0, -2)],
          windows.offset + kh * windows.strides[nd - 2]! + kw * windows.strides[nd - 1]!,
        );
        const sum = E.add(dst, piece);
        copyInto(dst, sum);
        for (const t of [sum, piece, dst, rows]) t.dispose();
      }
    }
    return out;
  });
}

/**
 * Channels-last (Keras) convolution and pooling on nn's channels-first functional ops
 * (`F.conv2d`, `F.convTranspose2d`, `F.maxPool2d`, `F.avgPool2d`, which are core's kernels): one
 * set of kernels, so a backend's fused kernels serve Keras layers too. Inputs are permuted
 * NHWC -> NCHW and back, and Keras's kernels [KH, KW, C, O] to PyTorch's [O, C, KH, KW]. These adapters add what Keras needs and core's ops do not do: TensorFlow's 'same' padding
 * (the extra pixel goes after, for any stride), Keras's kernel layouts, and average pooling that
 * counts only the pixels inside the image.
 */
import { full, pad, type Tensor } from '@tessera/core';
import { F } from '@tessera/nn';
import { samePadding, ValueError } from '../common.js';

export interface Conv2DOptions {
  strides: [number, number];
  padding: string;
  dilation: [number, number];
}

const toNCHW = (x: Tensor): Tensor => x.permute([0, 3, 1, 2]);
const toNHWC = (x: Tensor): Tensor => x.permute([0, 2, 3, 1]);

/** TensorFlow's padding [top, bottom, left, right] of an [N, C, H, W] input. */
function tfPadding(x: Tensor, kernel: [number, number], o: Conv2DOptions): [number, number, number, number] {
  if (o.padding === 'valid') return [0, 0, 0, 0];
  if (o.padding !== 'same') throw new ValueError(`Unsupported padding '${o.padding}'`);
  const [t, b] = samePadding(x.shape[2]!, kernel[0], o.strides[0], o.dilation[0]);
  const [l, r] = samePadding(x.shape[3]!, kernel[1], o.strides[1], o.dilation[1]);
  return [t, b, l, r];
}

function padNCHW(x: Tensor, [t, b, l, r]: [number, number, number, number], value = 0): Tensor {
  return t === 0 && b === 0 && l === 0 && r === 0 ? x : pad(x, [l, r, t, b], value);
}

/** x [N, H, W, C] * kernel [KH, KW, C, O] -> [N, OH, OW, O]. */
export function conv2dNHWC(x: Tensor, kernel: Tensor, o: Conv2DOptions): Tensor {
  const [kh, kw, c] = kernel.shape as [number, number, number, number];
  if (x.shape[3] !== c) throw new ValueError(`conv2d: input has ${x.shape[3]} channels but the kernel of shape [${kernel.shape.join(', ')}] expects ${c}`);
  const xc = toNCHW(x);
  const xp = padNCHW(xc, tfPadding(xc, [kh, kw], o));
  // Keras kernel [KH, KW, C, O] -> core weight [O, C, KH, KW].
  return toNHWC(F.conv2d(xp, kernel.permute([3, 2, 0, 1]), null, { stride: o.strides, dilation: o.dilation }));
}

/** x [N, H, W, C] with kernel [KH, KW, C, M] per channel -> [N, OH, OW, C*M] (a grouped convolution). */
export function depthwiseConv2dNHWC(x: Tensor, kernel: Tensor, o: Conv2DOptions): Tensor {
  const [kh, kw, c, m] = kernel.shape as [number, number, number, number];
  if (x.shape[3] !== c) throw new ValueError(`depthwiseConv2d: input has ${x.shape[3]} channels but the kernel expects ${c}`);
  const xc = toNCHW(x);
  const xp = padNCHW(xc, tfPadding(xc, [kh, kw], o));
  // [KH, KW, C, M] -> [C*M, 1, KH, KW]; output channel c*M + j reads input channel c, as in TensorFlow.
  const w = kernel.permute([2, 3, 0, 1]).reshape([c * m, 1, kh, kw]);
  return toNHWC(F.conv2d(xp, w, null, { stride: o.strides, dilation: o.dilation, groups: c }));
}

/** Output length of a transposed convolution (TensorFlow's `deconv_output_length`). */
export function deconvLength(input: number, kernel: number, padding: string, stride: number, dilation: number): number {
  const dk = (kernel - 1) * dilation + 1;
  return padding === 'valid' ? input * stride + Math.max(dk - stride, 0) : input * stride;
}

/** x [N, H, W, Cin] with kernel [KH, KW, O, Cin] (Keras's layout) -> [N, OH, OW, O]. */
export function conv2dTransposeNHWC(x: Tensor, kernel: Tensor, o: Conv2DOptions): Tensor {
  const [kh, kw, , cin] = kernel.shape as [number, number, number, number];
  if (x.shape[3] !== cin) throw new ValueError(`conv2dTranspose: input has ${x.shape[3]} channels but the kernel expects ${cin}`);
  const [H, W] = [x.shape[1]!, x.shape[2]!];
  // The full (unpadded) transposed convolution; core weight [Cin, O, KH, KW].
  const full = F.convTranspose2d(toNCHW(x), kernel.permute([3, 2, 0, 1]), null, { stride: o.strides, dilation: o.dilation });
  const oh = deconvLength(H, kh, o.padding, o.strides[0], o.dilation[0]);
  const ow = deconvLength(W, kw, o.padding, o.strides[1], o.dilation[1]);
  // The forward convolution of an [oh, ow] image pads it by (before, after): crop those (a
  // negative crop zero-extends when the kernel is smaller than the stride).
  const crop = (fullLen: number, outLen: number, k: number, s: number, d: number): [number, number] => {
    if (o.padding === 'valid') return [0, fullLen - outLen];
    const [before] = samePadding(outLen, k, s, d);
    return [before, fullLen - outLen - before];
  };
  const [t, b] = crop(full.shape[2]!, oh, kh, o.strides[0], o.dilation[0]);
  const [l, r] = crop(full.shape[3]!, ow, kw, o.strides[1], o.dilation[1]);
  return toNHWC(padNCHW(full, [-t, -b, -l, -r]));
}

export interface PoolOptions {
  poolSize: [number, number];
  strides: [number, number];
  padding: string;
}

/** Max pooling over [N, H, W, C]; 'same' pads with -Infinity. */
export function maxPool2dNHWC(x: Tensor, o: PoolOptions): Tensor {
  const xc = toNCHW(x);
  const xp = padNCHW(xc, tfPadding(xc, o.poolSize, { strides: o.strides, padding: o.padding, dilation: [1, 1] }), -Infinity);
  return toNHWC(F.maxPool2d(xp, o.poolSize, { stride: o.strides }));
}

/** Average pooling over [N, H, W, C]; 'same' averages only the pixels inside the image (as TensorFlow). */
export function avgPool2dNHWC(x: Tensor, o: PoolOptions): Tensor {
  const xc = toNCHW(x);
  const p = tfPadding(xc, o.poolSize, { strides: o.strides, padding: o.padding, dilation: [1, 1] });
  if (p.every((v) => v === 0)) return toNHWC(F.avgPool2d(xc, o.poolSize, { stride: o.strides }));
  const sums = F.avgPool2d(padNCHW(xc, p), o.poolSize, { stride: o.strides, divisorOverride: 1 });
  const ones = full([1, 1, xc.shape[2]!, xc.shape[3]!], 1, { dtype: x.dtype, device: x.device });
  const counts = F.avgPool2d(padNCHW(ones, p), o.poolSize, { stride: o.strides, divisorOverride: 1 });
  return toNHWC(sums.div(counts));
}

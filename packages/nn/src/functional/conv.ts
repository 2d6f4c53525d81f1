/** Convolution and pooling: core's ops under PyTorch's functional names, plus the 1-D adaptive pool. */
import * as T from '@tessera/core';
import { tidy, type Tensor } from '@tessera/core';
import { fmt } from '../util.js';

export { conv1d, conv2d, convTranspose2d, maxPool1d, maxPool2d, avgPool1d, avgPool2d, adaptiveAvgPool2d } from '@tessera/core';

/** Average pooling of [N, C, L] (or [C, L]) to `outputSize` bins. */
export function adaptiveAvgPool1d(x: Tensor, outputSize: number): Tensor {
  if (x.ndim !== 2 && x.ndim !== 3) throw new RangeError(`adaptiveAvgPool1d: expected input [N, C, L] or [C, L], got ${fmt(x.shape)}`);
  return tidy(() => T.squeeze(T.adaptiveAvgPool2d(T.unsqueeze(x, -2), [1, outputSize]), -2));
}

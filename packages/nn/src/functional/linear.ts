/** `linear` and `dropout`. */
import * as T from '@tessera/core';
import { tidy, type Tensor } from '@tessera/core';
import { fmt } from '../util.js';

/**
 * `x @ weight^T + bias` over the last dim of `x` (PyTorch's `F.linear`).
 *
 * @example
 * linear(randn([32, 784]), randn([10, 784]), zeros([10])).shape; // [32, 10]
 */
export function linear(x: Tensor, weight: Tensor, bias?: Tensor | null): Tensor {
  const inF = weight.shape[weight.ndim - 1];
  if (x.ndim === 0 || x.shape[x.ndim - 1] !== inF) {
    throw new RangeError(`linear: input ${fmt(x.shape)} has last dim ${x.shape[x.ndim - 1]}, expected ${inF} (weight ${fmt(weight.shape)})`);
  }
  // One op (one autograd node; one fused GEMM + bias on the native backend).
  return T.linear(x, weight, bias);
}

function checkP(op: string, p: number): void {
  if (!(p >= 0 && p <= 1)) throw new RangeError(`${op}: dropout probability has to be between 0 and 1, but got ${p}`);
}

/** A float mask of `shape`: `1 / (1 - p)` with probability `1 - p`, else 0. */
function keepMask(x: Tensor, shape: readonly number[], p: number): Tensor {
  return tidy(() => {
    const r = T.rand(shape, { dtype: x.dtype, device: x.device });
    return T.mul(T.cast(T.lt(r, 1 - p), x.dtype), 1 / (1 - p));
  });
}

/**
 * Zeroes each element with probability `p` and scales the rest by `1 / (1 - p)` while training;
 * returns `x` itself otherwise. Draws from core's default generator (`manualSeed`).
 */
export function dropout(x: Tensor, p = 0.5, training = true): Tensor {
  checkP('dropout', p);
  if (!training || p === 0) return x;
  if (p === 1) return T.mul(x, 0);
  return tidy(() => T.mul(x, keepMask(x, x.shape, p)));
}

/** Zeroes whole channels (dim 1 of [N, C, ...], or dim 0 of unbatched [C, ...] input with `batched: false`). */
function channelDropout(op: string, x: Tensor, p: number, training: boolean, spatial: number): Tensor {
  checkP(op, p);
  if (x.ndim !== spatial + 1 && x.ndim !== spatial + 2) {
    throw new RangeError(`${op}: expected input [N, C, ${spatial === 1 ? 'L' : 'H, W'}] or unbatched, got ${fmt(x.shape)}`);
  }
  if (!training || p === 0) return x;
  if (p === 1) return T.mul(x, 0);
  const lead = x.ndim - spatial;
  const shape = x.shape.map((s, i) => (i < lead ? s : 1));
  return tidy(() => T.mul(x, keepMask(x, shape, p)));
}

/** Channel-wise dropout of [N, C, L] input. */
export function dropout1d(x: Tensor, p = 0.5, training = true): Tensor {
  return channelDropout('dropout1d', x, p, training, 1);
}

/** Channel-wise dropout of [N, C, H, W] input. */
export function dropout2d(x: Tensor, p = 0.5, training = true): Tensor {
  return channelDropout('dropout2d', x, p, training, 2);
}

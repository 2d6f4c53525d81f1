/** Activation functions (PyTorch's `F.relu`, `F.gelu`, ...), composed from core ops. */
import * as T from '@tessera/core';
import { tidy, type Tensor } from '@tessera/core';

export const relu = (x: Tensor): Tensor => T.relu(x);
export const sigmoid = (x: Tensor): Tensor => T.sigmoid(x);
export const tanh = (x: Tensor): Tensor => T.tanh(x);
export const silu = (x: Tensor): Tensor => T.silu(x);

/** `x` where positive, `negativeSlope * x` elsewhere. */
export const leakyRelu = (x: Tensor, negativeSlope = 0.01): Tensor => T.leakyRelu(x, negativeSlope);
/** `x` where positive, `alpha * (e^x - 1)` elsewhere. */
export const elu = (x: Tensor, alpha = 1): Tensor => T.elu(x, alpha);
/** Exact (erf) GELU, or the tanh approximation with `approximate: 'tanh'`. */
export const gelu = (x: Tensor, approximate: 'none' | 'tanh' = 'none'): Tensor => T.gelu(x, approximate);
/** `log(1 + e^(beta x)) / beta`, linear above `threshold`. */
export const softplus = (x: Tensor, beta = 1, threshold = 20): Tensor => T.softplus(x, beta, threshold);
/** Clamps to `[minVal, maxVal]`; the gradient is 1 strictly inside and 0 at and beyond the bounds, as PyTorch's `hardtanh`. */
export const hardtanh = (x: Tensor, minVal = -1, maxVal = 1): Tensor => T.hardtanh(x, minVal, maxVal);

/** `min(max(x, 0), 6)`, with PyTorch's gradient (0 at the bounds). */
export const relu6 = (x: Tensor): Tensor => T.relu6(x);
/** Softmax along `dim`. */
export const softmax = (x: Tensor, dim: number): Tensor => T.softmax(x, dim);
/** Log-softmax along `dim` (stable: `x - logsumexp(x)`). */
export const logSoftmax = (x: Tensor, dim: number): Tensor => T.logSoftmax(x, dim);

/** `softmax(-x)` along `dim`. */
export function softmin(x: Tensor, dim: number): Tensor {
  return tidy(() => T.softmax(T.neg(x), dim));
}

/** `x * tanh(softplus(x))`. */
export function mish(x: Tensor): Tensor {
  return tidy(() => T.mul(x, T.tanh(T.softplus(x))));
}

/** `x / (1 + |x|)`. */
export function softsign(x: Tensor): Tensor {
  return tidy(() => T.div(x, T.add(T.abs(x), 1)));
}

/** `relu6(x + 3) / 6`. */
export function hardsigmoid(x: Tensor): Tensor {
  return tidy(() => T.div(relu6(T.add(x, 3)), 6));
}

/** `x * relu6(x + 3) / 6`. */
export function hardswish(x: Tensor): Tensor {
  return tidy(() => T.mul(x, T.div(relu6(T.add(x, 3)), 6)));
}

/** Leaky ReLU with a learned slope per channel (dim 1), or one shared slope. */
export function prelu(x: Tensor, weight: Tensor): Tensor {
  return tidy(() => {
    let w = weight;
    if (weight.size > 1 && x.ndim >= 2) w = T.reshape(weight, [weight.size, ...new Array<number>(x.ndim - 2).fill(1)]);
    return T.where(T.gt(x, 0), x, T.mul(x, w));
  });
}

/** Gated linear unit: `a * sigmoid(b)` for the two halves of `x` along `dim`. */
export function glu(x: Tensor, dim = -1): Tensor {
  return tidy(() => {
    const [a, b] = T.chunk(x, 2, dim);
    return T.mul(a!, T.sigmoid(b!));
  });
}

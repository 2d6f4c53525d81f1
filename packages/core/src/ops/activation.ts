/** Activation functions composed from elementwise primitives. */
import { tidy } from '../memory.js';
import type { Tensor } from '../tensor.js';
import { runOp } from './dispatch.js';
import * as E from './elementwise.js';

/** `max(x, 0)`. */
export function relu(x: Tensor): Tensor {
  return E.reluPrimitive(x);
}

/** GELU: `x * Phi(x)`, exactly (erf) or with the tanh approximation. */
export function gelu(x: Tensor, approximate: 'none' | 'tanh' = 'none'): Tensor {
  if (approximate !== 'none' && approximate !== 'tanh') {
    throw new RangeError(`gelu: approximate must be 'none' or 'tanh', got ${JSON.stringify(approximate)}`);
  }
  return runOp('gelu', [x], { approximate }, () =>
    tidy(() => {
      if (approximate === 'tanh') {
        const inner = E.mul(E.add(x, E.mul(E.pow(x, 3), 0.044715)), Math.sqrt(2 / Math.PI));
        return E.mul(E.mul(x, 0.5), E.add(E.tanh(inner), 1));
      }
      return E.mul(E.mul(x, 0.5), E.add(E.erf(E.mul(x, Math.SQRT1_2)), 1));
    }),
  );
}

/** SiLU / swish: `x * sigmoid(x)`. */
export function silu(x: Tensor): Tensor {
  return runOp('silu', [x], {}, () => tidy(() => E.mul(x, E.sigmoid(x))));
}

/** `log(1 + e^(beta x)) / beta`, linear above `threshold` (PyTorch's defaults: beta 1, threshold 20). */
export function softplus(x: Tensor, beta = 1, threshold = 20): Tensor {
  return runOp('softplus', [x], { beta, threshold }, () =>
    tidy(() => {
      const z = beta === 1 ? x : E.mul(x, beta);
      const soft = E.add(relu(z), E.log1p(E.exp(E.neg(E.abs(z)))));
      const scaled = beta === 1 ? soft : E.div(soft, beta);
      return E.where(E.gt(z, threshold), x, scaled);
    }),
  );
}

/** `x` where positive, `negativeSlope * x` elsewhere. */
export function leakyRelu(x: Tensor, negativeSlope = 0.01): Tensor {
  return runOp('leakyRelu', [x], { negativeSlope }, () => tidy(() => E.where(E.gt(x, 0), x, E.mul(x, negativeSlope))));
}

/** `x` where positive, `alpha * (e^x - 1)` elsewhere. */
export function elu(x: Tensor, alpha = 1): Tensor {
  return runOp('elu', [x], { alpha }, () => tidy(() => E.where(E.gt(x, 0), x, E.mul(E.expm1(E.minimum(x, 0)), alpha))));
}

/**
 * Clamps to `[minVal, maxVal]` (default [-1, 1]). Unlike `clamp`, the gradient is 1 strictly
 * inside and 0 at the bounds, as PyTorch's `hardtanh`.
 */
export function hardtanh(x: Tensor, minVal = -1, maxVal = 1): Tensor {
  return tidy(() => E.where(E.le(x, minVal), minVal, E.where(E.ge(x, maxVal), maxVal, x)));
}

/** `min(max(x, 0), 6)`, with `hardtanh`'s gradient (0 at the bounds, as PyTorch's `relu6`). */
export function relu6(x: Tensor): Tensor {
  return hardtanh(x, 0, 6);
}


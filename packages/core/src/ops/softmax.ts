import { isFloat } from '../dtype.js';
import { tidy } from '../memory.js';
import { normDim } from '../shape.js';
import type { Tensor } from '../tensor.js';
import { cast } from './cast.js';
import { runOp } from './dispatch.js';
import * as E from './elementwise.js';
import { max, sum } from './reduce.js';

/** `exp(x) / sum(exp(x))` along `dim`, shifted by the max for stability. */
export function softmax(x: Tensor, dim: number): Tensor {
  const d = normDim('softmax', dim, x.ndim);
  return runOp('softmax', [x], { dim: d }, () =>
    tidy(() => {
      const f = isFloat(x.dtype) ? x : cast(x, 'float32');
      if (f.size === 0) return E.add(f, 0);
      const e = E.exp(E.sub(f, max(f, d, true).detach()));
      return E.div(e, sum(e, d, true));
    }),
  );
}

/** `x - logsumexp(x)` along `dim`, computed stably. */
export function logSoftmax(x: Tensor, dim: number): Tensor {
  const d = normDim('logSoftmax', dim, x.ndim);
  return runOp('logSoftmax', [x], { dim: d }, () =>
    tidy(() => {
      const f = isFloat(x.dtype) ? x : cast(x, 'float32');
      if (f.size === 0) return E.add(f, 0);
      const shifted = E.sub(f, max(f, d, true).detach());
      return E.sub(shifted, E.log(sum(E.exp(shifted), d, true)));
    }),
  );
}

/** `pad` with PyTorch's modes: constant (core's), reflect, replicate and circular. */
import * as T from '@tessera/core';
import { tidy, tensor, type Tensor } from '@tessera/core';
import { fmt } from '../util.js';

/** Padding mode of `pad`. */
export type PadMode = 'constant' | 'reflect' | 'replicate' | 'circular';

/** Source index of each output position along a dim of size `n` padded by `before`/`after`. */
function sourceIndices(mode: PadMode, n: number, before: number, after: number): Int32Array {
  const out = new Int32Array(n + before + after);
  for (let o = 0; o < out.length; o++) {
    const i = o - before;
    if (mode === 'reflect') {
      const period = 2 * (n - 1);
      let j = period === 0 ? 0 : ((i % period) + period) % period;
      if (j >= n) j = period - j;
      out[o] = j;
    } else if (mode === 'replicate') out[o] = Math.min(Math.max(i, 0), n - 1);
    else out[o] = ((i % n) + n) % n;
  }
  return out;
}

/**
 * Pads `x` by (before, after) pairs starting from the last dim, as PyTorch's `F.pad`:
 * `pad(x, [1, 1, 2, 0], 'reflect')` pads the last dim by 1/1 and the one before by 2/0. The
 * non-constant modes gather along each padded dim, so gradients flow back to the source.
 */
export function pad(x: Tensor, padding: readonly number[], mode: PadMode = 'constant', value = 0): Tensor {
  if (mode === 'constant') return T.pad(x, padding, value);
  if (padding.length % 2 !== 0 || padding.length / 2 > x.ndim) {
    throw new RangeError(`pad: padding length must be even and at most 2 * ndim (${2 * x.ndim}), got ${padding.length}`);
  }
  if (!['reflect', 'replicate', 'circular'].includes(mode)) throw new RangeError(`pad: unknown mode ${JSON.stringify(mode)}`);
  return tidy(() => {
    let y = x;
    for (let i = 0; i < padding.length / 2; i++) {
      const dim = x.ndim - 1 - i;
      const before = padding[2 * i]!;
      const after = padding[2 * i + 1]!;
      if (before === 0 && after === 0) continue;
      const n = x.shape[dim]!;
      if (mode === 'reflect' && (before >= n || after >= n)) {
        throw new RangeError(`pad: reflect padding (${before}, ${after}) must be smaller than dim ${dim} of size ${n} (input ${fmt(x.shape)})`);
      }
      if (mode === 'circular' && (before > n || after > n)) {
        throw new RangeError(`pad: circular padding (${before}, ${after}) can be at most dim ${dim} of size ${n} (input ${fmt(x.shape)})`);
      }
      if (n === 0) throw new RangeError(`pad: cannot ${mode}-pad an empty dim ${dim} (input ${fmt(x.shape)})`);
      const idx = tensor(sourceIndices(mode, n, before, after), { device: x.device });
      y = T.indexSelect(y, dim, idx);
    }
    return y === x ? T.reshape(x, x.shape) : y;
  });
}

/**
 * Fused 'argmax' and 'argmin': one pass per lane. The first extreme wins, and NaN counts as the
 * extreme for both (the first NaN is returned), as in core's composition and PyTorch.
 */
import type { FusedKernel, TypedArray } from '@tessera/core';
import type { ArrayView } from '../kernels/strided.js';
import { hostView, Lanes, produce, reducedShape } from './util.js';

/** Writes the index of the max (or min) of each lane of `x` along `dim` into `out` (int32, lane order). */
export function argReduceImpl(x: ArrayView, dim: number, out: TypedArray, largest: boolean): void {
  const lanes = new Lanes(x, dim);
  const { n, step } = lanes;
  const v = x.values;
  for (let l = 0; l < lanes.count; l++, lanes.next()) {
    let i = lanes.offset;
    let best = v[i]!;
    let at = 0;
    if (best === best) {
      i += step;
      for (let k = 1; k < n; k++, i += step) {
        const y = v[i]!;
        if (y !== y) {
          at = k;
          break;
        }
        if (largest ? y > best : y < best) {
          best = y;
          at = k;
        }
      }
    }
    out[l] = at;
  }
}

function kernel(largest: boolean): FusedKernel {
  return (inputs, attrs) => {
    const x = inputs[0]!;
    const dim = attrs.dim as number;
    // Core rejects an empty reduced dim before dispatch; a 0-d input has the single index 0.
    const shape = x.ndim === 0 ? [] : reducedShape(x.shape, [dim], attrs.keepdim === true);
    return produce(x.backend, 'int32', shape, (out) => argReduceImpl(hostView(x), dim, out, largest));
  };
}

/** 'argmax' ({dim, keepdim}). */
export const argmaxKernel: FusedKernel = kernel(true);
/** 'argmin' ({dim, keepdim}). */
export const argminKernel: FusedKernel = kernel(false);

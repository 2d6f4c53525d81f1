/**
 * Sorting. The default composition ranks every element against every other along the dim
 * (O(n^2) memory per row, fine for class scores); backends register a real sort kernel for
 * long rows. NaN sorts as the largest value, and ties keep their original order (stable).
 */
import { tidy } from '../memory.js';
import { normDim } from '../shape.js';
import type { Tensor } from '../tensor.js';
import { cast } from './cast.js';
import { runOp } from './dispatch.js';
import * as E from './elementwise.js';
import { gather, scatterAdd } from './indexing.js';
import { arangeOn } from './internal.js';
import { sum } from './reduce.js';
import { reshape, slice, transpose, unsqueeze } from './views.js';
import { zerosLike } from './creation.js';

/** Sorted values and the indices they came from. */
export interface SortResult {
  values: Tensor;
  indices: Tensor;
}

function lessThan(a: Tensor, b: Tensor): Tensor {
  return E.logicalOr(E.lt(a, b), E.logicalAnd(E.logicalNot(E.isnan(a)), E.isnan(b)));
}

function equalTo(a: Tensor, b: Tensor): Tensor {
  return E.logicalOr(E.eq(a, b), E.logicalAnd(E.isnan(a), E.isnan(b)));
}

/** Indices that sort `x` along its last dim (stable). */
function argsortLast(x: Tensor, descending: boolean): Tensor {
  const n = x.shape[x.ndim - 1]!;
  const xi = unsqueeze(x, -1); // [..., n, 1]: element i
  const xj = unsqueeze(x, -2); // [..., 1, n]: element j
  const before = descending ? lessThan(xi, xj) : lessThan(xj, xi); // j sorts before i
  const pos = arangeOn(x.backend, n);
  const earlier = E.lt(reshape(pos, [1, n]), reshape(pos, [n, 1])); // j < i
  const tiedBefore = E.logicalAnd(equalTo(xi, xj), earlier);
  const rank = sum(E.logicalOr(before, tiedBefore), -1); // int32 [..., n]
  const order = reshape(pos, [...x.shape.slice(0, -1).map(() => 1), n]);
  const src = E.add(zerosLike(rank), order);
  return scatterAdd(zerosLike(rank), -1, rank, src);
}

/** Sorts along `dim` (default last); returns values and int32 indices. */
export function sort(x: Tensor, dim = -1, descending = false): SortResult {
  x.assertAlive();
  if (x.ndim === 0) return { values: E.add(x, 0), indices: cast(E.mul(x, 0), 'int32') };
  const d = normDim('sort', dim, x.ndim);
  const [values, indices] = runOp('sort', [x], { dim: d, descending }, () =>
    tidy(() => {
      const last = d === x.ndim - 1 ? x : transpose(x, d, -1);
      const idx = argsortLast(last, descending);
      const vals = gather(last, -1, idx);
      return d === x.ndim - 1 ? [vals, idx] : [transpose(vals, d, -1), transpose(idx, d, -1)];
    }),
  );
  return { values: values!, indices: indices! };
}

/** Indices that sort `x` along `dim`. */
export function argsort(x: Tensor, dim = -1, descending = false): Tensor {
  const { values, indices } = sort(x, dim, descending);
  values.dispose();
  return indices;
}

/** The `k` largest (or smallest) entries along `dim`, sorted. */
export function topk(x: Tensor, k: number, dim = -1, largest = true, sorted = true): SortResult {
  void sorted; // results are always returned in sorted order, which satisfies either setting
  const d = normDim('topk', dim, x.ndim);
  const n = x.ndim === 0 ? 1 : x.shape[d]!;
  if (!Number.isInteger(k) || k < 0 || k > n) throw new RangeError(`topk: k (${k}) is out of range for dimension ${d} of size ${n}`);
  return tidy(() => {
    const { values, indices } = sort(x, d, largest);
    if (x.ndim === 0) return { values, indices };
    return { values: slice(values, d, 0, k), indices: slice(indices, d, 0, k) };
  });
}

/** `embedding` and `oneHot`. */
import * as T from '@tessera/core';
import { tidy, type Tensor } from '@tessera/core';
import { checkIndices, fmt } from '../util.js';

export { oneHot } from '@tessera/core';

/**
 * Rows of `weight` [numEmbeddings, dim] picked by integer `input`: the result is
 * `[...input.shape, dim]`. Rows at `paddingIdx` are returned but receive no gradient, as in
 * PyTorch.
 */
export function embedding(input: Tensor, weight: Tensor, paddingIdx?: number | null): Tensor {
  checkIndices('embedding', input);
  if (weight.ndim !== 2) throw new RangeError(`embedding: weight must be [numEmbeddings, dim], got ${fmt(weight.shape)}`);
  const n = weight.shape[0]!;
  if (input.backend.supportsSyncRead && input.size > 0) {
    const d = input.dataSync();
    for (let i = 0; i < d.length; i++) {
      if (d[i]! < 0 || d[i]! >= n) throw new RangeError(`embedding: index ${d[i]} is out of range for ${n} embeddings (input ${fmt(input.shape)})`);
    }
  }
  return tidy(() => {
    const flat = T.reshape(input, [input.size]);
    const rows = T.indexSelect(weight, 0, flat);
    let out = rows;
    if (paddingIdx !== undefined && paddingIdx !== null && weight.requiresGrad) {
      const pad = paddingIdx < 0 ? paddingIdx + n : paddingIdx;
      // The padding rows take their values from a detached copy, so no gradient reaches them.
      out = T.where(T.unsqueeze(T.eq(flat, pad), 1), rows.detach(), rows);
    }
    return T.reshape(out, [...input.shape, weight.shape[1]!]);
  });
}

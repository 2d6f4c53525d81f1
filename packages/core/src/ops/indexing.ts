/** Index-driven ops: gather and scatter-add are backend primitives; the rest compose them. */
import { isIntegral } from '../dtype.js';
import { tidy } from '../memory.js';
import { fmtShape, normDim } from '../shape.js';
import type { Tensor } from '../tensor.js';
import { cast } from './cast.js';
import { fromData, runOp, sameBackend, viewOf } from './dispatch.js';
import * as E from './elementwise.js';
import { arangeOn } from './internal.js';
import { max } from './reduce.js';
import { contiguousCopy, expand, reshape } from './views.js';

function checkIndex(op: string, index: Tensor): void {
  index.assertAlive();
  if (!isIntegral(index.dtype)) throw new TypeError(`${op}: index must be an integer tensor (int32 or uint8), got ${index.dtype}`);
}

/** `out[i][j] = x[index[i][j]][j]` along `dim` (PyTorch's `gather`); the result has `index`'s shape. */
export function gather(x: Tensor, dim: number, index: Tensor): Tensor {
  x.assertAlive();
  checkIndex('gather', index);
  const d = normDim('gather', dim, x.ndim);
  if (index.ndim !== x.ndim) {
    throw new RangeError(`gather: index tensor must have the same number of dimensions as input tensor (${fmtShape(index.shape)} vs ${fmtShape(x.shape)})`);
  }
  index.shape.forEach((s, i) => {
    if (i !== d && s > x.shape[i]!) {
      throw new RangeError(`gather: size of index ${fmtShape(index.shape)} does not match input ${fmtShape(x.shape)} at dimension ${i} (index may not be larger than input except at dimension ${d})`);
    }
  });
  const backend = sameBackend('gather', [x, index]);
  return runOp('gather', [x, index], { dim: d }, () => {
    const idx = index.dtype === 'int32' ? index : cast(index, 'int32');
    try {
      return fromData(backend, backend.gather(viewOf(x), x.ndim === 0 ? 0 : d, viewOf(idx)), x.dtype, index.shape);
    } finally {
      if (idx !== index) idx.dispose();
    }
  });
}

/** A copy of `x` with `src` values added at `index` along `dim` (PyTorch's `scatter_add`, out of place). */
export function scatterAdd(x: Tensor, dim: number, index: Tensor, src: Tensor): Tensor {
  x.assertAlive();
  src.assertAlive();
  checkIndex('scatterAdd', index);
  const d = normDim('scatterAdd', dim, x.ndim);
  if (index.ndim !== x.ndim || src.ndim !== x.ndim) {
    throw new RangeError(`scatterAdd: index ${fmtShape(index.shape)}, src ${fmtShape(src.shape)} and self ${fmtShape(x.shape)} must have the same number of dimensions`);
  }
  index.shape.forEach((s, i) => {
    if (s > src.shape[i]! || (i !== d && s > x.shape[i]!)) {
      throw new RangeError(`scatterAdd: index ${fmtShape(index.shape)} is larger than src ${fmtShape(src.shape)} or self ${fmtShape(x.shape)} at dimension ${i}`);
    }
  });
  if (src.dtype !== x.dtype) throw new TypeError(`scatterAdd: src dtype ${src.dtype} must match self dtype ${x.dtype}`);
  const backend = sameBackend('scatterAdd', [x, index, src]);
  return runOp('scatterAdd', [x, index, src], { dim: d }, () => {
    const out = contiguousCopy(x);
    const idx = index.dtype === 'int32' ? index : cast(index, 'int32');
    try {
      const srcView = { ...viewOf(src), shape: index.shape };
      backend.scatterAdd(out.storage.data, out.shape, x.ndim === 0 ? 0 : d, viewOf(idx), srcView);
      return out;
    } finally {
      if (idx !== index) idx.dispose();
    }
  });
}

/** Entries of `x` at the 1-D `index` along `dim`. */
export function indexSelect(x: Tensor, dim: number, index: Tensor): Tensor {
  checkIndex('indexSelect', index);
  if (index.ndim > 1) throw new RangeError(`indexSelect: index must be 0-D or 1-D, got shape ${fmtShape(index.shape)}`);
  const d = normDim('indexSelect', dim, x.ndim);
  return runOp('indexSelect', [x, index], { dim: d }, () =>
    tidy(() => {
      if (x.ndim === 0) return gather(x, 0, reshape(index, []));
      const n = index.size;
      const idxShape = x.shape.map((_, i) => (i === d ? n : 1));
      const outShape = x.shape.map((s, i) => (i === d ? n : s));
      return gather(x, d, expand(reshape(index, idxShape), outShape));
    }),
  );
}

/** Rows of `weight` picked by integer `indices`: the result is `[...indices.shape, weight.shape[1]]`. */
export function embedding(indices: Tensor, weight: Tensor): Tensor {
  if (weight.ndim !== 2) throw new RangeError(`embedding: weight must be 2-D [numEmbeddings, dim], got ${fmtShape(weight.shape)}`);
  return tidy(() => reshape(indexSelect(weight, 0, reshape(indices, [indices.size])), [...indices.shape, weight.shape[1]!]));
}

/** One-hot encoding of integer class indices as int32 `[...indices.shape, numClasses]`. */
export function oneHot(indices: Tensor, numClasses = -1): Tensor {
  checkIndex('oneHot', indices);
  let n = numClasses;
  const readable = indices.backend.readSync !== undefined;
  if (n === -1) {
    if (!readable) throw new Error(`oneHot: numClasses must be given on device '${indices.device}'`);
    if (indices.size === 0) n = 0;
    else {
      const m = max(indices);
      n = Number(m.itemSync()) + 1;
      m.dispose();
    }
  }
  if (!Number.isInteger(n) || n < 0) throw new RangeError(`oneHot: numClasses must be a non-negative integer, got ${numClasses}`);
  if (readable && indices.size > 0) {
    const data = indices.dataSync();
    for (let i = 0; i < data.length; i++) {
      const v = data[i]!;
      if (v < 0 || v >= n) throw new RangeError(`oneHot: class value ${v} is out of range for numClasses=${n}`);
    }
  }
  return tidy(() => {
    const classes = arangeOn(indices.backend, n);
    return cast(E.eq(reshape(indices, [...indices.shape, 1]), classes), 'int32');
  });
}

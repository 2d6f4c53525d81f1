/** Matrix products (a backend primitive: decomposing it would cost huge intermediates). */
import { promoteTypes } from '../dtype.js';
import { broadcastShapes, fmtShape, numelOf } from '../shape.js';
import type { Tensor } from '../tensor.js';
import { cast } from './cast.js';
import { fromData, runOp, sameBackend, viewOf } from './dispatch.js';
import { contiguousCopy, viewStrides } from './views.js';

/** A [B, rows, cols] view of `x` (already expanded to `batch`), copying only when strides cannot merge the batch dims. */
function as3d(x: Tensor, batch: readonly number[], rows: number, cols: number): Tensor {
  const off = batch.length - (x.ndim - 2);
  const shape = [...batch, rows, cols];
  const strides = shape.map((d, i) => {
    if (i >= batch.length) return x.strides[x.ndim - (shape.length - i)]!;
    const j = i - off;
    return j < 0 || x.shape[j] !== d ? 0 : x.strides[j]!;
  });
  const expanded = x._share(shape, strides, x.offset);
  const B = numelOf(batch);
  const merged = viewStrides(shape, strides, [B, rows, cols]);
  if (merged) {
    const v = expanded._share([B, rows, cols], merged, expanded.offset);
    expanded.dispose();
    return v;
  }
  const c = contiguousCopy(expanded);
  expanded.dispose();
  const v = c._share([B, rows, cols], [rows * cols, cols, 1], 0);
  c.dispose();
  return v;
}

/**
 * Matrix product with PyTorch's rules: 1-D operands are promoted to matrices and the added
 * dim removed afterwards; leading (batch) dims broadcast.
 *
 * @example
 * matmul(randn([2, 3]), randn([3, 4])).shape; // [2, 4]
 * matmul(randn([10, 2, 3]), randn([3, 4])).shape; // [10, 2, 4]
 */
export function matmul(a: Tensor, b: Tensor): Tensor {
  a.assertAlive();
  b.assertAlive();
  if (a.ndim === 0 || b.ndim === 0) {
    throw new RangeError(`matmul: both arguments need at least 1 dimension, got ${fmtShape(a.shape)} and ${fmtShape(b.shape)}`);
  }
  const backend = sameBackend('matmul', [a, b]);
  const M = a.ndim === 1 ? 1 : a.shape[a.ndim - 2]!;
  const K = a.shape[a.ndim - 1]!;
  const K2 = b.ndim === 1 ? b.shape[0]! : b.shape[b.ndim - 2]!;
  const N = b.ndim === 1 ? 1 : b.shape[b.ndim - 1]!;
  if (K !== K2) throw new RangeError(`matmul: cannot multiply ${fmtShape(a.shape)} by ${fmtShape(b.shape)} (${K} != ${K2})`);
  const batch = broadcastShapes('matmul', a.shape.slice(0, Math.max(0, a.ndim - 2)), b.shape.slice(0, Math.max(0, b.ndim - 2)));
  const dtype = promoteTypes(a.dtype, b.dtype);
  if (dtype === 'bool' || dtype === 'uint8') throw new TypeError(`matmul: not implemented for dtype ${dtype}`);
  const outShape = [...batch, ...(a.ndim > 1 ? [M] : []), ...(b.ndim > 1 ? [N] : [])];
  return runOp('matmul', [a, b], {}, () => {
    const ca = a.dtype === dtype ? a : cast(a, dtype);
    const cb = b.dtype === dtype ? b : cast(b, dtype);
    const a2 = ca.ndim === 1 ? ca._share([1, K], [0, ca.strides[0]!], ca.offset) : ca;
    const b2 = cb.ndim === 1 ? cb._share([K, 1], [cb.strides[0]!, 0], cb.offset) : cb;
    const a3 = as3d(a2, batch, M, K);
    const b3 = as3d(b2, batch, K, N);
    try {
      const data = backend.matmul(viewOf(a3), viewOf(b3), dtype);
      return fromData(backend, data, dtype, outShape);
    } finally {
      for (const t of [a3, b3]) t.dispose();
      if (a2 !== ca) a2.dispose();
      if (b2 !== cb) b2.dispose();
      if (ca !== a) ca.dispose();
      if (cb !== b) cb.dispose();
    }
  });
}

/** Product of two matrices (2-D only). */
export function mm(a: Tensor, b: Tensor): Tensor {
  if (a.ndim !== 2) throw new RangeError(`mm: self must be a matrix, got shape ${fmtShape(a.shape)}`);
  if (b.ndim !== 2) throw new RangeError(`mm: mat2 must be a matrix, got shape ${fmtShape(b.shape)}`);
  if (a.shape[1] !== b.shape[0]) {
    throw new RangeError(`mm: mat1 and mat2 shapes cannot be multiplied (${a.shape.join('x')} and ${b.shape.join('x')})`);
  }
  return matmul(a, b);
}

/** Batched product of 3-D tensors with equal batch sizes. */
export function bmm(a: Tensor, b: Tensor): Tensor {
  if (a.ndim !== 3 || b.ndim !== 3) throw new RangeError(`bmm: expected 3-D tensors, got ${fmtShape(a.shape)} and ${fmtShape(b.shape)}`);
  if (a.shape[0] !== b.shape[0]) throw new RangeError(`bmm: batch sizes differ: ${a.shape[0]} vs ${b.shape[0]}`);
  return matmul(a, b);
}

/** Joining and splitting: cat/stack/split/chunk and constant padding. */
import { promoteTypes } from '../dtype.js';
import { tidy } from '../memory.js';
import { fmtShape, normDim } from '../shape.js';
import type { Tensor } from '../tensor.js';
import { cast } from './cast.js';
import { fromData, runOp, sameBackend } from './dispatch.js';
import { full } from './creation.js';
import { copyInto, narrow, slice, unsqueeze } from './views.js';

/** Concatenates along `dim` (all other dims must match). Empty 1-D tensors are skipped, as in PyTorch. */
export function cat(tensors: readonly Tensor[], dim = 0): Tensor {
  if (!(tensors as unknown[])?.length) throw new RangeError('cat: expected a non-empty list of Tensors');
  for (const t of tensors) t.assertAlive();
  const parts = tensors.filter((t) => !(t.ndim === 1 && t.shape[0] === 0));
  const ref = parts[0] ?? tensors[0]!;
  if (ref.ndim === 0) throw new RangeError('cat: zero-dimensional tensor cannot be concatenated');
  const d = normDim('cat', dim, ref.ndim);
  const backend = sameBackend('cat', tensors);
  let dtype = ref.dtype;
  let total = 0;
  parts.forEach((t, i) => {
    dtype = promoteTypes(dtype, t.dtype);
    if (t.ndim !== ref.ndim) {
      throw new RangeError(`cat: tensors must have the same number of dimensions: got ${ref.ndim} and ${t.ndim} (tensor ${i})`);
    }
    t.shape.forEach((s, k) => {
      if (k !== d && s !== ref.shape[k]) {
        throw new RangeError(
          `cat: sizes of tensors must match except in dimension ${d}. Expected size ${ref.shape[k]} but got size ${s} for tensor number ${i} in the list (shapes ${fmtShape(ref.shape)} and ${fmtShape(t.shape)})`,
        );
      }
    });
    total += t.shape[d]!;
  });
  const outShape = [...ref.shape];
  outShape[d] = total;
  return runOp('cat', parts, { dim: d }, () => {
    const out = fromData(backend, backend.allocate(dtype, outShape.reduce((a, b) => a * b, 1)), dtype, outShape);
    let at = 0;
    for (const t of parts) {
      const n = t.shape[d]!;
      if (n > 0) {
        tidy(() => copyInto(narrow(out, d, at, n), t.dtype === dtype ? t : cast(t, dtype)));
      }
      at += n;
    }
    return out;
  });
}

/** Alias of `cat` (TensorFlow.js's name). */
export const concat = cat;

/** Stacks equally shaped tensors along a new dim. */
export function stack(tensors: readonly Tensor[], dim = 0): Tensor {
  if (!(tensors as unknown[])?.length) throw new RangeError('stack: expected a non-empty list of Tensors');
  const ref = tensors[0]!;
  tensors.forEach((t, i) => {
    if (t.shape.length !== ref.shape.length || t.shape.some((s, k) => s !== ref.shape[k])) {
      throw new RangeError(`stack: expects each tensor to be equal size, but got ${fmtShape(ref.shape)} at entry 0 and ${fmtShape(t.shape)} at entry ${i}`);
    }
  });
  const d = normDim('stack', dim, ref.ndim + 1);
  return tidy(() => cat(tensors.map((t) => unsqueeze(t, d)), d));
}

/** Splits into pieces of `size` (last one smaller), or into the given section sizes. Pieces are views. */
export function split(x: Tensor, sizeOrSections: number | readonly number[], dim = 0): Tensor[] {
  const d = normDim('split', dim, x.ndim);
  const n = x.shape[d]!;
  let sizes: number[];
  if (typeof sizeOrSections === 'number') {
    if (!Number.isInteger(sizeOrSections) || sizeOrSections <= 0) {
      throw new RangeError(`split: split_size must be a positive integer, got ${sizeOrSections}`);
    }
    sizes = [];
    for (let at = 0; at < n; at += sizeOrSections) sizes.push(Math.min(sizeOrSections, n - at));
    if (sizes.length === 0) sizes.push(0);
  } else {
    sizes = [...sizeOrSections];
    const total = sizes.reduce((a, b) => a + b, 0);
    if (total !== n || sizes.some((s) => !Number.isInteger(s) || s < 0)) {
      throw new RangeError(`split: split_with_sizes expects split_sizes to sum exactly to ${n} (input tensor's size at dimension ${d}), but got split_sizes=${fmtShape(sizes)}`);
    }
  }
  let at = 0;
  return sizes.map((s) => {
    const piece = slice(x, d, at, at + s);
    at += s;
    return piece;
  });
}

/** Splits into `chunks` nearly equal views (the last may be smaller, as in PyTorch). */
export function chunk(x: Tensor, chunks: number, dim = 0): Tensor[] {
  if (!Number.isInteger(chunks) || chunks <= 0) throw new RangeError(`chunk: expects chunks to be a positive integer, got ${chunks}`);
  const d = normDim('chunk', dim, x.ndim);
  const size = Math.ceil(x.shape[d]! / chunks) || 1;
  return split(x, size, d);
}

/**
 * Constant padding. `padding` lists (before, after) pairs starting from the LAST dim, as in
 * PyTorch's `F.pad`: `pad(x, [1, 1, 2, 0])` pads the last dim by 1/1 and the one before by 2/0.
 * Negative padding crops.
 */
export function pad(x: Tensor, padding: readonly number[], value = 0): Tensor {
  x.assertAlive();
  if (padding.length % 2 !== 0 || padding.length / 2 > x.ndim) {
    throw new RangeError(`pad: padding length must be even and at most 2 * ndim (${2 * x.ndim}), got ${padding.length}`);
  }
  for (const p of padding) if (!Number.isInteger(p)) throw new TypeError(`pad: padding values must be integers, got ${p}`);
  const before = new Array<number>(x.ndim).fill(0);
  const after = new Array<number>(x.ndim).fill(0);
  for (let i = 0; i < padding.length / 2; i++) {
    before[x.ndim - 1 - i] = padding[2 * i]!;
    after[x.ndim - 1 - i] = padding[2 * i + 1]!;
  }
  const outShape = x.shape.map((s, i) => s + before[i]! + after[i]!);
  outShape.forEach((s, i) => {
    if (s < 0) throw new RangeError(`pad: the padded size of dimension ${i} is negative (${x.shape[i]} + ${before[i]} + ${after[i]})`);
  });
  return runOp('pad', [x], { padding: [...padding], value }, () =>
    tidy(() => {
      const out = full(outShape, value, { dtype: x.dtype, device: x.device });
      // Crop the source where padding is negative, then write it into the interior.
      let src = x;
      let dst = out;
      for (let i = 0; i < x.ndim; i++) {
        const srcStart = Math.max(0, -before[i]!);
        const srcEnd = x.shape[i]! - Math.max(0, -after[i]!);
        const len = Math.max(0, srcEnd - srcStart);
        src = narrow(src, i, Math.min(srcStart, x.shape[i]!), Math.min(len, x.shape[i]! - Math.min(srcStart, x.shape[i]!)));
        dst = narrow(dst, i, Math.max(0, before[i]!), src.shape[i]!);
      }
      if (src.size > 0) copyInto(dst, src);
      return out;
    }),
  );
}

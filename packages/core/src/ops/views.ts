/**
 * Movement ops. They return views: new shape/strides/offset over the same storage, no copy
 * (except `reshape` of a layout that no strides can describe, which copies like PyTorch).
 */
import { contiguousStrides, fmtShape, isContiguous, normDim, numelOf, shapesEqual } from '../shape.js';
import { Tensor } from '../tensor.js';
import { fromData, runOp, viewOf } from './dispatch.js';

/** @internal A contiguous copy of `x` (not recorded by autograd). */
export function contiguousCopy(x: Tensor): Tensor {
  x.assertAlive();
  const b = x.backend;
  const out = fromData(b, b.allocate(x.dtype, x.size), x.dtype, x.shape);
  b.copy(viewOf(x), viewOf(out));
  return out;
}

/** @internal Writes `src` into the (possibly strided) view `dst` in place. Not recorded by autograd. */
export function copyInto(dst: Tensor, src: Tensor): void {
  if (!shapesEqual(dst.shape, src.shape)) throw new RangeError(`copy: shape mismatch ${fmtShape(dst.shape)} vs ${fmtShape(src.shape)}`);
  if (dst.dtype !== src.dtype) throw new TypeError(`copy: dtype mismatch ${dst.dtype} vs ${src.dtype}`);
  dst.backend.copy(viewOf(src), viewOf(dst));
  dst.storage.version++;
}

function inferShape(op: string, x: Tensor, shape: readonly number[]): number[] {
  const out = [...shape];
  let infer = -1;
  let known = 1;
  for (let i = 0; i < out.length; i++) {
    const d = out[i]!;
    if (d === -1) {
      if (infer >= 0) throw new RangeError(`${op}: only one dimension can be inferred in ${fmtShape(shape)}`);
      infer = i;
    } else if (!Number.isInteger(d) || d < 0) throw new RangeError(`${op}: invalid shape dimension ${d} in ${fmtShape(shape)}`);
    else known *= d;
  }
  if (infer >= 0) {
    if (known === 0 || x.size % known !== 0) throw new RangeError(`${op}: shape ${fmtShape(shape)} is invalid for input of size ${x.size}`);
    out[infer] = x.size / known;
  }
  if (numelOf(out) !== x.size) throw new RangeError(`${op}: shape ${fmtShape(shape)} is invalid for input of size ${x.size}`);
  return out;
}

/** Strides that view `oldShape/oldStrides` as `newShape` without copying, or null if impossible. */
export function viewStrides(oldShape: readonly number[], oldStrides: readonly number[], newShape: readonly number[]): number[] | null {
  if (numelOf(oldShape) === 0 || isContiguous(oldShape, oldStrides)) return contiguousStrides(newShape);
  const newStrides = new Array<number>(newShape.length);
  let viewD = newShape.length - 1;
  let chunkBase = oldStrides[oldStrides.length - 1] ?? 1;
  let tensorNumel = 1;
  let viewNumel = 1;
  for (let d = oldShape.length - 1; d >= 0; d--) {
    tensorNumel *= oldShape[d]!;
    if (d === 0 || (oldShape[d - 1] !== 1 && oldStrides[d - 1] !== tensorNumel * chunkBase)) {
      while (viewD >= 0 && (viewNumel < tensorNumel || newShape[viewD] === 1)) {
        newStrides[viewD] = viewNumel * chunkBase;
        viewNumel *= newShape[viewD]!;
        viewD--;
      }
      if (viewNumel !== tensorNumel) return null;
      if (d > 0) {
        chunkBase = oldStrides[d - 1]!;
        tensorNumel = 1;
        viewNumel = 1;
      }
    }
  }
  return viewD === -1 ? newStrides : null;
}

/** Same data, new shape (one dim may be -1); copies only when the layout cannot be viewed. */
export function reshape(x: Tensor, shape: readonly number[]): Tensor {
  x.assertAlive();
  const target = inferShape('reshape', x, shape);
  return runOp('reshape', [x], { shape: target }, () => {
    const strides = viewStrides(x.shape, x.strides, target);
    if (strides) return x._share(target, strides, x.offset);
    const c = contiguousCopy(x);
    try {
      return c._share(target, contiguousStrides(target), 0);
    } finally {
      c.dispose();
    }
  });
}

/** Like `reshape`, but never copies: throws when the strides cannot describe the new shape. */
export function view(x: Tensor, shape: readonly number[]): Tensor {
  x.assertAlive();
  const target = inferShape('view', x, shape);
  if (!viewStrides(x.shape, x.strides, target)) {
    throw new Error(
      `view: size ${fmtShape(target)} is not compatible with input tensor's size ${fmtShape(x.shape)} and stride ${fmtShape(x.strides)} (at least one dimension spans across two contiguous subspaces). Use .reshape(...) instead.`,
    );
  }
  return reshape(x, target);
}

/** Reorders dimensions: `permute(x, [2, 0, 1])`. */
export function permute(x: Tensor, dims: readonly number[]): Tensor {
  x.assertAlive();
  if (dims.length !== x.ndim) {
    throw new RangeError(`permute: number of dims don't match in permute (input has ${x.ndim} dims, got ${dims.length}: ${fmtShape(dims)})`);
  }
  const perm = dims.map((d) => normDim('permute', d, x.ndim));
  if (new Set(perm).size !== perm.length) throw new RangeError(`permute: repeated dim in ${fmtShape(dims)}`);
  return runOp('permute', [x], { dims: perm }, () =>
    x._share(
      perm.map((d) => x.shape[d]!),
      perm.map((d) => x.strides[d]!),
      x.offset,
    ),
  );
}

/** Swaps two dimensions. */
export function transpose(x: Tensor, dim0: number, dim1: number): Tensor {
  const n = Math.max(x.ndim, 1);
  const a = normDim('transpose', dim0, x.ndim);
  const b = normDim('transpose', dim1, x.ndim);
  if (x.ndim === 0) return permute(x, []);
  const perm = Array.from({ length: n }, (_, i) => i);
  perm[a] = b;
  perm[b] = a;
  return permute(x, perm);
}

/** Transpose of a matrix; 0-d and 1-d tensors are returned as they are. */
export function t(x: Tensor): Tensor {
  if (x.ndim > 2) throw new RangeError(`t: expects a tensor with <= 2 dimensions, but self is ${x.ndim}D`);
  return x.ndim < 2 ? permute(x, x.ndim === 1 ? [0] : []) : transpose(x, 0, 1);
}

/** Broadcasts to a larger shape without copying (`-1` keeps a dimension). */
export function expand(x: Tensor, shape: readonly number[]): Tensor {
  x.assertAlive();
  if (shape.length < x.ndim) {
    throw new RangeError(`expand: the number of sizes provided (${shape.length}) must be greater or equal to the number of dimensions in the tensor (${x.ndim})`);
  }
  const off = shape.length - x.ndim;
  const target = shape.map((d, i) => {
    const own = i >= off ? x.shape[i - off]! : undefined;
    if (d === -1) {
      if (own === undefined) throw new RangeError(`expand: the expanded size -1 isn't allowed in a leading, non-existing dimension ${i}`);
      return own;
    }
    if (!Number.isInteger(d) || d < 0) throw new RangeError(`expand: invalid size ${d}`);
    if (own !== undefined && own !== 1 && own !== d) {
      throw new RangeError(
        `expand: the expanded size of the tensor (${d}) must match the existing size (${own}) at non-singleton dimension ${i}. Target sizes: ${fmtShape(shape)}. Tensor sizes: ${fmtShape(x.shape)}`,
      );
    }
    return d;
  });
  return runOp('expand', [x], { shape: target }, () =>
    x._share(
      target,
      target.map((d, i) => (i < off || x.shape[i - off] !== d ? 0 : x.strides[i - off]!)),
      x.offset,
    ),
  );
}

/** Inserts a size-1 dimension at `dim`. */
export function unsqueeze(x: Tensor, dim: number): Tensor {
  const d = normDim('unsqueeze', dim, x.ndim + 1);
  const shape = [...x.shape];
  shape.splice(d, 0, 1);
  return reshape(x, shape);
}

/** Removes size-1 dimensions (all of them, or the given ones; other dims are left alone). */
export function squeeze(x: Tensor, dim?: number | readonly number[]): Tensor {
  const dims =
    dim === undefined
      ? x.shape.map((_, i) => i)
      : (typeof dim === 'number' ? [dim] : dim).map((d) => normDim('squeeze', d, x.ndim));
  const drop = new Set(dims.filter((d) => x.shape[d] === 1));
  return reshape(
    x,
    x.shape.filter((_, i) => !drop.has(i)),
  );
}

/** Flattens dims `startDim..endDim` into one. */
export function flatten(x: Tensor, startDim = 0, endDim = -1): Tensor {
  if (x.ndim === 0) return reshape(x, [1]);
  const s = normDim('flatten', startDim, x.ndim);
  const e = normDim('flatten', endDim, x.ndim);
  if (s > e) throw new RangeError(`flatten: start_dim (${s}) cannot come after end_dim (${e})`);
  const shape = [...x.shape.slice(0, s), numelOf(x.shape.slice(s, e + 1)), ...x.shape.slice(e + 1)];
  return reshape(x, shape);
}

/** Splits dimension `dim` into `sizes` (one may be -1). */
export function unflatten(x: Tensor, dim: number, sizes: readonly number[]): Tensor {
  const d = normDim('unflatten', dim, x.ndim);
  const known = sizes.filter((s) => s !== -1).reduce((a, b) => a * b, 1);
  const resolved = sizes.map((s) => (s === -1 ? x.shape[d]! / known : s));
  if (numelOf(resolved) !== x.shape[d]) {
    throw new RangeError(`unflatten: provided sizes ${fmtShape(sizes)} don't multiply up to the size of dim ${d} (${x.shape[d]}) in the input tensor`);
  }
  return reshape(x, [...x.shape.slice(0, d), ...resolved, ...x.shape.slice(d + 1)]);
}

/** Python-style slice along `dim`: negative bounds count from the end and are clamped. */
export function slice(x: Tensor, dim: number, start?: number | null, end?: number | null, step = 1): Tensor {
  x.assertAlive();
  const d = normDim('slice', dim, x.ndim);
  if (x.ndim === 0) throw new RangeError('slice: cannot slice a 0-d tensor');
  if (!Number.isInteger(step) || step <= 0) throw new RangeError(`slice: step must be a positive integer, got ${step}`);
  const n = x.shape[d]!;
  const clampIdx = (v: number | null | undefined, dflt: number): number => {
    if (v === undefined || v === null) return dflt;
    if (!Number.isInteger(v)) throw new TypeError(`slice: bounds must be integers, got ${v}`);
    const r = v < 0 ? v + n : v;
    return Math.min(Math.max(r, 0), n);
  };
  const s = clampIdx(start, 0);
  const e = Math.max(clampIdx(end, n), s);
  const len = Math.ceil((e - s) / step);
  return runOp('slice', [x], { dim: d, start: s, end: e, step }, () => {
    const shape = [...x.shape];
    const strides = [...x.strides];
    shape[d] = len;
    strides[d] = x.strides[d]! * step;
    return x._share(shape, strides, len === 0 ? x.offset : x.offset + s * x.strides[d]!);
  });
}

/** `length` elements from `start` along `dim`; errors when out of range (PyTorch's `narrow`). */
export function narrow(x: Tensor, dim: number, start: number, length: number): Tensor {
  const d = normDim('narrow', dim, x.ndim);
  const n = x.shape[d]!;
  const s = start < 0 ? start + n : start;
  if (s < 0 || s > n || length < 0 || s + length > n) {
    throw new RangeError(`narrow: start (${start}) + length (${length}) exceeds dimension size (${n}) of dim ${d}`);
  }
  return slice(x, d, s, s + length);
}

/** The `index`-th slice along `dim`, with that dim removed. */
export function select(x: Tensor, dim: number, index: number): Tensor {
  const d = normDim('select', dim, x.ndim);
  const n = x.shape[d]!;
  if (!Number.isInteger(index) || index < -n || index >= n) {
    throw new RangeError(`select: index ${index} is out of bounds for dimension ${d} with size ${n}`);
  }
  const i = index < 0 ? index + n : index;
  const s = slice(x, d, i, i + 1);
  try {
    return squeeze(s, d);
  } finally {
    s.dispose();
  }
}

/** One entry of a basic-indexing expression. */
export type IndexSpec = number | null | '...' | ':' | string | { start?: number | null; end?: number | null; step?: number };

function parseSlice(spec: string): { start: number | null; end: number | null; step: number } {
  const parts = spec.split(':').map((p) => p.trim());
  if (parts.length < 2 || parts.length > 3) throw new TypeError(`index: cannot parse slice '${spec}' (expected 'start:end' or 'start:end:step')`);
  const num = (p: string | undefined): number | null => {
    if (p === undefined || p === '') return null;
    const v = Number(p);
    if (!Number.isInteger(v)) throw new TypeError(`index: cannot parse slice '${spec}' ('${p}' is not an integer)`);
    return v;
  };
  return { start: num(parts[0]), end: num(parts[1]), step: num(parts[2]) ?? 1 };
}

/** Basic indexing (see `Tensor.index`). */
export function index(x: Tensor, specs: readonly IndexSpec[]): Tensor {
  x.assertAlive();
  const ellipses = specs.filter((s) => s === '...').length;
  if (ellipses > 1) throw new TypeError('index: an index can only have a single ellipsis (...)');
  const consuming = specs.filter((s) => s !== null && s !== '...').length;
  if (consuming > x.ndim) throw new RangeError(`index: too many indices for tensor of dimension ${x.ndim} (got ${consuming})`);
  const expanded: IndexSpec[] = [];
  for (const s of specs) {
    if (s === '...') for (let i = 0; i < x.ndim - consuming; i++) expanded.push(':');
    else expanded.push(s);
  }
  let cur = reshape(x, x.shape); // a recorded view (not `_share`), so autograd follows indexing
  let dim = 0;
  const step = (next: Tensor): void => {
    cur.dispose();
    cur = next;
  };
  try {
    for (const s of expanded) {
      if (s === null) {
        step(unsqueeze(cur, dim));
        dim++;
      } else if (typeof s === 'number') {
        step(select(cur, dim, s));
      } else if (s === ':') {
        dim++;
      } else if (typeof s === 'string') {
        const sl = parseSlice(s);
        step(slice(cur, dim, sl.start, sl.end, sl.step));
        dim++;
      } else if (typeof s === 'object') {
        step(slice(cur, dim, s.start, s.end, s.step ?? 1));
        dim++;
      } else {
        throw new TypeError(`index: unsupported index ${JSON.stringify(s)}`);
      }
    }
    const out = cur;
    cur = undefined as unknown as Tensor;
    return out;
  } finally {
    cur?.dispose();
  }
}

/** A contiguous tensor with the same values (a new handle on the same memory when already contiguous). */
export function contiguous(x: Tensor): Tensor {
  x.assertAlive();
  return runOp('contiguous', [x], {}, () => (x.isContiguous() ? x._share() : contiguousCopy(x)));
}

/** A copy with its own memory. */
export function clone(x: Tensor): Tensor {
  x.assertAlive();
  return runOp('clone', [x], {}, () => contiguousCopy(x));
}

/**
 * A view with explicit shape, strides and storage offset (PyTorch's `as_strided`). Windows may
 * overlap (this is how convolution unfolds its input); every reachable element must be in bounds.
 */
export function asStrided(x: Tensor, shape: readonly number[], strides: readonly number[], offset = x.offset): Tensor {
  x.assertAlive();
  if (shape.length !== strides.length) throw new RangeError(`asStrided: shape ${fmtShape(shape)} and strides ${fmtShape(strides)} differ in length`);
  let maxIndex = offset;
  for (let i = 0; i < shape.length; i++) {
    if (shape[i]! === 0) {
      maxIndex = -1;
      break;
    }
    if (strides[i]! < 0) throw new RangeError(`asStrided: negative stride ${strides[i]} is not supported`);
    maxIndex += (shape[i]! - 1) * strides[i]!;
  }
  if (offset < 0 || maxIndex >= x.storage.size) {
    throw new RangeError(`asStrided: size ${fmtShape(shape)}, stride ${fmtShape(strides)}, offset ${offset} reaches element ${maxIndex} of a storage of ${x.storage.size}`);
  }
  return runOp('asStrided', [x], { shape: [...shape], strides: [...strides], offset }, () => x._share([...shape], [...strides], offset));
}


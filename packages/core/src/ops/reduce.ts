/** Reductions over one, many or all dims, with `keepdim`. */
import type { ReduceOp } from '../backend.js';
import { isFloat, type DType } from '../dtype.js';
import { tidy } from '../memory.js';
import { normDim, normDims } from '../shape.js';
import type { Tensor } from '../tensor.js';
import { cast } from './cast.js';
import { fromData, runOp, viewOf } from './dispatch.js';
import * as E from './elementwise.js';
import { arangeOn } from './internal.js';
import { pad } from './join.js';
import { reshape } from './views.js';

type Dims = number | readonly number[] | null | undefined;

function keptShape(shape: readonly number[], axes: readonly number[]): number[] {
  return shape.map((d, i) => (axes.includes(i) ? 1 : d));
}

function reducePrimitive(name: string, op: ReduceOp, x: Tensor, dim: Dims, keepdim: boolean, outDtype: DType): Tensor {
  x.assertAlive();
  const axes = normDims(name, dim, x.ndim);
  return runOp(name, [x], { dims: axes, keepdim }, () => {
    const input = x.dtype === outDtype ? x : cast(x, outDtype);
    try {
      const shape = keepdim ? keptShape(x.shape, axes) : x.shape.filter((_, i) => !axes.includes(i));
      return fromData(x.backend, x.backend.reduce(op, viewOf(input), axes, outDtype), outDtype, shape);
    } finally {
      if (input !== x) input.dispose();
    }
  });
}

const sumDtype = (d: DType): DType => (isFloat(d) ? d : 'int32');

/** Sum over `dim` (all dims when omitted); integer and bool inputs sum as int32. */
export function sum(x: Tensor, dim?: Dims, keepdim = false): Tensor {
  return reducePrimitive('sum', 'sum', x, dim, keepdim, sumDtype(x.dtype));
}

/** Product over `dim` (all dims when omitted). */
export function prod(x: Tensor, dim?: Dims, keepdim = false): Tensor {
  return reducePrimitive('prod', 'prod', x, dim, keepdim, sumDtype(x.dtype));
}

function checkNonEmpty(name: string, x: Tensor, dim: Dims): void {
  const axes = normDims(name, dim, x.ndim);
  if (axes.some((a) => x.shape[a] === 0) || (x.size === 0 && axes.length === 0 && x.ndim > 0)) {
    throw new RangeError(`${name}: cannot reduce over a zero-size dimension of a tensor of shape [${x.shape.join(',')}] (no identity)`);
  }
}

/** Maximum over `dim` (all dims when omitted); NaN propagates. Use `argmax` for indices. */
export function max(x: Tensor, dim?: Dims, keepdim = false): Tensor {
  checkNonEmpty('max', x, dim);
  return reducePrimitive('max', 'max', x, dim, keepdim, x.dtype);
}

/** Minimum over `dim` (all dims when omitted); NaN propagates. */
export function min(x: Tensor, dim?: Dims, keepdim = false): Tensor {
  checkNonEmpty('min', x, dim);
  return reducePrimitive('min', 'min', x, dim, keepdim, x.dtype);
}

/** Arithmetic mean over `dim` (integer inputs are averaged as float32). */
export function mean(x: Tensor, dim?: Dims, keepdim = false): Tensor {
  const axes = normDims('mean', dim, x.ndim);
  return runOp('mean', [x], { dims: axes, keepdim }, () =>
    tidy(() => {
      const f = isFloat(x.dtype) ? x : cast(x, 'float32');
      let count = 1;
      for (const a of axes) count *= x.shape[a]!;
      return E.div(sum(f, axes, keepdim), count);
    }),
  );
}

/** Options of `var` and `std`. */
export interface VarOptions {
  /** Degrees of freedom subtracted from the count (default 1, Bessel's correction). */
  correction?: number;
  /** Shorthand for correction 1 (true) or 0 (false). */
  unbiased?: boolean;
  keepdim?: boolean;
}

/** Variance over `dim` (with Bessel's correction by default, like PyTorch). */
export function variance(x: Tensor, dim?: Dims, options: VarOptions = {}): Tensor {
  const axes = normDims('var', dim, x.ndim);
  const correction = options.correction ?? (options.unbiased === false ? 0 : 1);
  const keepdim = options.keepdim ?? false;
  return runOp('var', [x], { dims: axes, correction, keepdim }, () =>
    tidy(() => {
      const f = isFloat(x.dtype) ? x : cast(x, 'float32');
      let count = 1;
      for (const a of axes) count *= x.shape[a]!;
      const centered = E.sub(f, mean(f, axes, true));
      return E.div(sum(E.mul(centered, centered), axes, keepdim), Math.max(0, count - correction));
    }),
  );
}

/** Standard deviation over `dim` (Bessel's correction by default). */
export function std(x: Tensor, dim?: Dims, options: VarOptions = {}): Tensor {
  return runOp('std', [x], { dim, ...options }, () => tidy(() => E.sqrt(variance(x, dim, options))));
}

/** `log(sum(exp(x), dim))`, computed stably. */
export function logsumexp(x: Tensor, dim: number | readonly number[], keepdim = false): Tensor {
  const axes = normDims('logsumexp', dim, x.ndim);
  return runOp('logsumexp', [x], { dims: axes, keepdim }, () =>
    tidy(() => {
      const f = isFloat(x.dtype) ? x : cast(x, 'float32');
      // An empty reduction has no max to shift by: log(0) = -inf, as in PyTorch.
      if (axes.some((a) => x.shape[a] === 0)) return E.log(sum(f, axes, keepdim));
      const m = max(f, axes, true).detach();
      const safe = E.where(E.isfinite(m), m, 0);
      const s = E.log(sum(E.exp(E.sub(f, safe)), axes, true));
      const out = E.add(s, safe);
      return keepdim ? out : reshape(out, x.shape.filter((_, i) => !axes.includes(i)));
    }),
  );
}

/** Whether every element (along `dim`) is truthy; bool. */
export function all(x: Tensor, dim?: Dims, keepdim = false): Tensor {
  return runOp('all', [x], { dim, keepdim }, () => tidy(() => E.eq(sum(E.logicalNot(x), dim, keepdim), 0)));
}

/** Whether any element (along `dim`) is truthy; bool. */
export function any(x: Tensor, dim?: Dims, keepdim = false): Tensor {
  return runOp('any', [x], { dim, keepdim }, () => tidy(() => E.gt(sum(E.ne(x, 0), dim, keepdim), 0)));
}

function argReduce(name: string, x: Tensor, dim: number | null | undefined, keepdim: boolean, largest: boolean): Tensor {
  x.assertAlive();
  if (dim === undefined || dim === null) {
    if (x.size === 0) throw new RangeError(`${name}: expected reduction dim to be specified for an empty tensor`);
    return tidy(() => {
      const flat = argReduce(name, reshape(x, [x.size]), 0, false, largest);
      return keepdim ? reshape(flat, x.shape.map(() => 1)) : flat;
    });
  }
  const d = normDim(name, dim, x.ndim);
  if (x.ndim > 0 && x.shape[d] === 0) throw new RangeError(`${name}: cannot reduce over a zero-size dimension ${d}`);
  return runOp(name, [x], { dim: d, keepdim }, () =>
    tidy(() => {
      if (x.ndim === 0) return E.mul(E.ne(x, x), 0).int();
      const n = x.shape[d]!;
      const m = largest ? max(x, d, true) : min(x, d, true);
      const hit = isFloat(x.dtype) ? E.logicalOr(E.eq(x, m), E.isnan(x)) : E.eq(x, m);
      const idxShape = x.shape.map((s, i) => (i === d ? s : 1));
      const idx = reshape(arangeOn(x.backend, n), idxShape);
      return min(E.where(hit, idx, n), d, keepdim);
    }),
  );
}

/** Index of the maximum along `dim` (of the flattened tensor when omitted); int32. First occurrence wins. */
export function argmax(x: Tensor, dim?: number | null, keepdim = false): Tensor {
  return argReduce('argmax', x, dim, keepdim, true);
}

/** Index of the minimum along `dim`; int32. */
export function argmin(x: Tensor, dim?: number | null, keepdim = false): Tensor {
  return argReduce('argmin', x, dim, keepdim, false);
}

/** Cumulative sum along `dim`. */
export function cumsum(x: Tensor, dim: number): Tensor {
  x.assertAlive();
  const d = normDim('cumsum', dim, x.ndim);
  return runOp('cumsum', [x], { dim: d }, () =>
    tidy(() => {
      if (x.ndim === 0) return E.add(x, 0);
      const dt = sumDtype(x.dtype);
      let y = x.dtype === dt ? E.add(x, 0) : cast(x, dt);
      // Default composition: a log-step (Hillis-Steele) scan, y += y shifted by k along `dim`,
      // so NaN and infinities only reach later positions (backends may fuse a sequential scan).
      const n = x.shape[d]!;
      for (let k = 1; k < n; k *= 2) {
        const padding = new Array<number>(2 * (x.ndim - d)).fill(0);
        padding[2 * (x.ndim - 1 - d)] = k;
        padding[2 * (x.ndim - 1 - d) + 1] = -k;
        y = E.add(y, pad(y, padding));
      }
      return y;
    }),
  );
}

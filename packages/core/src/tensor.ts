import type { Backend } from './backend.js';
import type { DType, TypedArray } from './dtype.js';
import { engine } from './engine.js';
import { isContiguous, numelOf } from './shape.js';
import type { Storage } from './storage.js';
import * as E from './ops/elementwise.js';
import * as A from './ops/activation.js';
import * as R from './ops/reduce.js';
import * as V from './ops/views.js';
import * as L from './ops/linalg.js';
import * as J from './ops/join.js';
import * as I from './ops/indexing.js';
import * as S from './ops/sort.js';
import * as X from './ops/softmax.js';
import * as C from './ops/cast.js';
import * as P from './ops/inplace.js';
import { formatTensor } from './format.js';
import { toNested, type NestedArray } from './nested.js';

/** A tensor operand that may also be a plain number or boolean (broadcast as a 0-d tensor). */
export type TensorLike = Tensor | number | boolean;

/** Node of the autograd graph that produced a tensor (owned by `@tessera/autograd`). */
export interface GradFn {
  readonly name: string;
}

/*
 * Safety net only: a tensor garbage collected undisposed releases its storage reference.
 * Registering with a FinalizationRegistry costs about as much as a small op, so tensors are
 * registered lazily: new small tensors wait in `young` (held strongly) until a sweep, at the next
 * microtask or every YOUNG_MAX creations, registers those still alive. Tensors disposed before
 * then (most intermediates) never pay for it. Large storages are registered at once, so that
 * `young` holds little memory.
 */
const finalizer: FinalizationRegistry<Storage> | null =
  typeof FinalizationRegistry === 'undefined'
    ? null
    : new FinalizationRegistry((s: Storage) => {
        s.counter.tensors--;
        s.release();
      });
const YOUNG_MAX = 512;
// Bounds what `young` can hold: YOUNG_MAX tensors under 64 KiB each, 32 MiB at most.
const EAGER_REGISTER_BYTES = 1 << 16;
const young: Tensor[] = [];
let sweepQueued = false;

function sweepYoung(): void {
  for (let i = 0; i < young.length; i++) young[i]!._watch();
  young.length = 0;
}

function sweepFromMicrotask(): void {
  sweepQueued = false;
  sweepYoung();
}

function watchLater(t: Tensor): void {
  if (finalizer === null) return;
  if (t.storage.bytes >= EAGER_REGISTER_BYTES) {
    t._watch();
    return;
  }
  young.push(t);
  if (young.length >= YOUNG_MAX) sweepYoung();
  else if (!sweepQueued) {
    sweepQueued = true;
    queueMicrotask(sweepFromMicrotask);
  }
}

/**
 * An n-dimensional array on a device. Tensors are immutable views over reference-counted storage:
 * `reshape`, `transpose`, `slice`, `expand`... share memory and copy nothing.
 *
 * @example
 * const x = tensor([[1, 2], [3, 4]]);
 * x.matmul(x).add(1).toString();
 */
const TENSOR_BRAND = Symbol.for('tessera.tensor');

export class Tensor {
  /**
   * `x instanceof Tensor` also holds for tensors made by another loaded copy of `@tessera/core`
   * (ESM and CommonJS side by side), which share one engine.
   */
  static [Symbol.hasInstance](x: unknown): boolean {
    if (this !== Tensor) return Function.prototype[Symbol.hasInstance].call(this, x);
    return typeof x === 'object' && x !== null && (x as { [TENSOR_BRAND]?: boolean })[TENSOR_BRAND] === true;
  }

  /** @internal brand checked by `instanceof`. */
  get [TENSOR_BRAND](): boolean {
    return true;
  }

  /** Unique id, increasing in creation order. */
  readonly id: number;
  /** Whether autograd records ops on this tensor. */
  requiresGrad = false;
  /** Accumulated gradient after `backward()` (leaf tensors, or those that called `retainGrad`). */
  grad: Tensor | null = null;
  /** The autograd node that produced this tensor (null for leaves). */
  gradFn: GradFn | null = null;
  /** @internal set by `retainGrad()` on non-leaf tensors. */
  _retainsGrad = false;
  /** @internal hooks run on this tensor's gradient during backward. */
  _hooks: ((grad: Tensor) => Tensor | void)[] | null = null;
  /** @internal whether `tidy` should leave this tensor alive. */
  _kept = false;
  private _disposed = false;
  private _registered = false;

  protected constructor(
    /** @internal */ readonly storage: Storage,
    readonly shape: readonly number[],
    readonly strides: readonly number[],
    readonly offset: number,
    readonly dtype: DType,
  ) {
    this.id = engine.nextTensorId++;
    storage.counter.tensors++;
    watchLater(this);
    const scopes = engine.scopes;
    if (scopes.length > 0) scopes[scopes.length - 1]!.add(this);
  }

  /** @internal Registers this tensor with the garbage-collection safety net, unless disposed. */
  _watch(): void {
    if (this._disposed || this._registered) return;
    this._registered = true;
    finalizer!.register(this, this.storage, this);
  }

  /**
   * @internal Creates a tensor handle over `storage`, taking ownership of one reference and of
   * `shape` and `strides` (typed readonly on the tensor; not frozen, which costs per op).
   */
  static _make(storage: Storage, shape: number[], strides: number[], offset: number, dtype: DType): Tensor {
    return new Tensor(storage, shape, strides, offset, dtype);
  }

  /** @internal A new handle on the same storage and layout (one more reference). */
  _share(shape: number[] = [...this.shape], strides: number[] = [...this.strides], offset = this.offset): Tensor {
    this.assertAlive();
    return Tensor._make(this.storage.retain(), shape, strides, offset, this.dtype);
  }

  /** The device this tensor lives on, e.g. `'cpu'`. */
  get device(): string {
    return this.storage.backend.name;
  }

  /** @internal */
  get backend(): Backend {
    return this.storage.backend;
  }

  /** Number of dimensions. */
  get ndim(): number {
    return this.shape.length;
  }

  /** Number of elements. */
  get size(): number {
    return numelOf(this.shape);
  }

  /** Number of elements (PyTorch's `numel()`). */
  numel(): number {
    return numelOf(this.shape);
  }

  /** Number of dimensions (PyTorch's `dim()`). */
  dim(): number {
    return this.shape.length;
  }

  /** Whether memory is laid out densely in row-major order. */
  isContiguous(): boolean {
    return isContiguous(this.shape, this.strides);
  }

  /** Whether `dispose()` has been called. */
  get isDisposed(): boolean {
    return this._disposed;
  }

  /** @internal Throws when the tensor was disposed. */
  assertAlive(): void {
    if (this._disposed) throw new Error(`Tensor #${this.id} (shape [${this.shape.join(',')}]) has been disposed`);
  }

  /** Whether this tensor is a leaf of the autograd graph. */
  get isLeaf(): boolean {
    return this.gradFn === null;
  }

  /** Frees this handle; the memory goes when no other view references it. Idempotent. */
  dispose(): void {
    if (this._disposed) return;
    this._disposed = true;
    if (this._registered) finalizer!.unregister(this);
    this.storage.counter.tensors--;
    this.storage.release();
    const scopes = engine.scopes;
    for (let i = 0; i < scopes.length; i++) scopes[i]!.delete(this);
  }

  // ---------------- reading ----------------

  /** Reads the elements in row-major order as a new typed array. */
  async data(): Promise<TypedArray> {
    this.assertAlive();
    const c = this.isContiguous() && this.offset === 0 ? this : V.contiguousCopy(this);
    try {
      return await c.backend.read(c.storage.data, c.dtype, c.size);
    } finally {
      if (c !== this) c.dispose();
    }
  }

  /** Synchronous read; throws on devices that can only read asynchronously (use `await data()`). */
  dataSync(): TypedArray {
    this.assertAlive();
    const b = this.backend;
    if (!b.readSync) throw new Error(`dataSync: device '${this.device}' cannot read synchronously; use 'await t.data()'`);
    const c = this.isContiguous() && this.offset === 0 ? this : V.contiguousCopy(this);
    try {
      return b.readSync(c.storage.data, c.dtype, c.size);
    } finally {
      if (c !== this) c.dispose();
    }
  }

  /** The elements as nested arrays (booleans for `bool`). */
  async array(): Promise<NestedArray> {
    return toNested(await this.data(), this.shape, this.dtype);
  }

  /** Synchronous `array()`. */
  arraySync(): NestedArray {
    return toNested(this.dataSync(), this.shape, this.dtype);
  }

  /** The value of a one-element tensor. */
  async item(): Promise<number | boolean> {
    if (this.size !== 1) throw new RangeError(`item: a Tensor with ${this.size} elements cannot be converted to a scalar`);
    const d = await this.data();
    return this.dtype === 'bool' ? d[0] !== 0 : d[0]!;
  }

  /** Synchronous `item()`. */
  itemSync(): number | boolean {
    if (this.size !== 1) throw new RangeError(`item: a Tensor with ${this.size} elements cannot be converted to a scalar`);
    const d = this.dataSync();
    return this.dtype === 'bool' ? d[0] !== 0 : d[0]!;
  }

  /** PyTorch-style printout (summarised when large); needs a synchronously readable device. */
  toString(): string {
    if (this._disposed) return `tensor(<disposed>, shape=[${this.shape.join(', ')}])`;
    if (!this.backend.readSync) return `tensor(<on ${this.device}>, shape=[${this.shape.join(', ')}], dtype=${this.dtype})`;
    return formatTensor(this.dataSync(), this.shape, this.dtype, this.device, this.requiresGrad, this.gradFn?.name);
  }

  /** Printing in Node's console and the notebook kernel. */
  [Symbol.for('nodejs.util.inspect.custom')](): string {
    return this.toString();
  }

  // ---------------- devices and dtypes ----------------

  /** Moves to a device (`'cpu'`, `'native'`, `'webgpu'`) or converts to a dtype. Returns `this` when nothing changes. */
  to(target: string): Tensor {
    return C.to(this, target);
  }
  /** Converts to float32. */
  float(): Tensor {
    return C.cast(this, 'float32');
  }
  /** Converts to float64. */
  double(): Tensor {
    return C.cast(this, 'float64');
  }
  /** Converts to int32. */
  int(): Tensor {
    return C.cast(this, 'int32');
  }
  /** Converts to bool. */
  bool(): Tensor {
    return C.cast(this, 'bool');
  }
  /** Converts to `dtype`. */
  cast(dtype: DType): Tensor {
    return C.cast(this, dtype);
  }
  /** A copy with its own storage. */
  clone(): Tensor {
    return V.clone(this);
  }

  // ---------------- autograd surface (implemented by @tessera/autograd) ----------------

  /** Sets `requiresGrad` in place and returns `this`. */
  requiresGrad_(requiresGrad = true): this {
    if (requiresGrad && !(this.dtype === 'float32' || this.dtype === 'float64')) {
      throw new TypeError(`requiresGrad_: only floating point tensors can require gradients (got ${this.dtype})`);
    }
    if (!requiresGrad && !this.isLeaf) throw new Error('requiresGrad_: you can only change requiresGrad flags of leaf variables');
    this.requiresGrad = requiresGrad;
    return this;
  }

  /** A tensor sharing storage that is cut from the autograd graph. */
  detach(): Tensor {
    return this._share();
  }

  /** Keeps `.grad` for a non-leaf tensor during backward. */
  retainGrad(): void {
    if (!this.requiresGrad) throw new Error("retainGrad: can't retain_grad on Tensor that has requires_grad=False");
    if (!this.isLeaf) this._retainsGrad = true;
  }

  /** Registers a hook called with this tensor's gradient during backward; returning a tensor replaces it. */
  registerHook(hook: (grad: Tensor) => Tensor | void): { remove(): void } {
    if (!this.requiresGrad) throw new Error("registerHook: cannot register a hook on a tensor that doesn't require gradient");
    (this._hooks ??= []).push(hook);
    return {
      remove: () => {
        const i = this._hooks?.indexOf(hook) ?? -1;
        if (i >= 0) this._hooks!.splice(i, 1);
      },
    };
  }

  /** Computes gradients of this tensor with respect to graph leaves (needs `@tessera/autograd`). */
  backward(gradient?: Tensor, options: { retainGraph?: boolean; createGraph?: boolean } = {}): void {
    const rec = engine.recorder;
    if (rec === null) throw new Error("backward: autograd is not loaded; add `import '@tessera/autograd'`");
    rec.backward(this, gradient, options);
  }

  // ---------------- in place (return this) ----------------
  /** Copies `src` (broadcast, cast) into this tensor's memory. */
  copy_(src: TensorLike): this { P.copy_(this, src); return this; }
  /** Fills with `value`. */
  fill_(value: number | boolean): this { P.fill_(this, value); return this; }
  /** Sets every element to 0. */
  zero_(): this { P.zero_(this); return this; }
  /** `this += alpha * other`. */
  add_(other: TensorLike, alpha?: number): this { P.add_(this, other, alpha); return this; }
  /** `this -= alpha * other`. */
  sub_(other: TensorLike, alpha?: number): this { P.sub_(this, other, alpha); return this; }
  /** `this *= other`. */
  mul_(other: TensorLike): this { P.mul_(this, other); return this; }
  /** `this /= other`. */
  div_(other: TensorLike): this { P.div_(this, other); return this; }
  /** Clamps in place. */
  clamp_(min?: number | Tensor | null, max?: number | Tensor | null): this { P.clamp_(this, min, max); return this; }

  // ---------------- elementwise ----------------
  add(other: TensorLike, alpha?: number): Tensor { return E.add(this, other, alpha); }
  sub(other: TensorLike, alpha?: number): Tensor { return E.sub(this, other, alpha); }
  mul(other: TensorLike): Tensor { return E.mul(this, other); }
  div(other: TensorLike): Tensor { return E.div(this, other); }
  pow(exponent: TensorLike): Tensor { return E.pow(this, exponent); }
  remainder(other: TensorLike): Tensor { return E.remainder(this, other); }
  neg(): Tensor { return E.neg(this); }
  abs(): Tensor { return E.abs(this); }
  exp(): Tensor { return E.exp(this); }
  expm1(): Tensor { return E.expm1(this); }
  log(): Tensor { return E.log(this); }
  log1p(): Tensor { return E.log1p(this); }
  sqrt(): Tensor { return E.sqrt(this); }
  rsqrt(): Tensor { return E.rsqrt(this); }
  reciprocal(): Tensor { return E.reciprocal(this); }
  square(): Tensor { return E.square(this); }
  sin(): Tensor { return E.sin(this); }
  cos(): Tensor { return E.cos(this); }
  tanh(): Tensor { return E.tanh(this); }
  sigmoid(): Tensor { return E.sigmoid(this); }
  erf(): Tensor { return E.erf(this); }
  floor(): Tensor { return E.floor(this); }
  ceil(): Tensor { return E.ceil(this); }
  round(): Tensor { return E.round(this); }
  sign(): Tensor { return E.sign(this); }
  clamp(min?: number | Tensor | null, max?: number | Tensor | null): Tensor { return E.clamp(this, min, max); }
  minimum(other: TensorLike): Tensor { return E.minimum(this, other); }
  maximum(other: TensorLike): Tensor { return E.maximum(this, other); }
  eq(other: TensorLike): Tensor { return E.eq(this, other); }
  ne(other: TensorLike): Tensor { return E.ne(this, other); }
  lt(other: TensorLike): Tensor { return E.lt(this, other); }
  le(other: TensorLike): Tensor { return E.le(this, other); }
  gt(other: TensorLike): Tensor { return E.gt(this, other); }
  ge(other: TensorLike): Tensor { return E.ge(this, other); }
  logicalAnd(other: TensorLike): Tensor { return E.logicalAnd(this, other); }
  logicalOr(other: TensorLike): Tensor { return E.logicalOr(this, other); }
  logicalNot(): Tensor { return E.logicalNot(this); }
  isnan(): Tensor { return E.isnan(this); }
  isfinite(): Tensor { return E.isfinite(this); }
  /** `condition ? this : other`, elementwise (PyTorch's `x.where(cond, y)`). */
  where(condition: Tensor, other: TensorLike): Tensor { return E.where(condition, this, other); }
  relu(): Tensor { return A.relu(this); }
  gelu(approximate: 'none' | 'tanh' = 'none'): Tensor { return A.gelu(this, approximate); }
  silu(): Tensor { return A.silu(this); }
  softplus(beta?: number, threshold?: number): Tensor { return A.softplus(this, beta, threshold); }

  // ---------------- reductions ----------------
  sum(dim?: number | number[] | null, keepdim?: boolean): Tensor { return R.sum(this, dim, keepdim); }
  mean(dim?: number | number[] | null, keepdim?: boolean): Tensor { return R.mean(this, dim, keepdim); }
  max(dim?: number | number[] | null, keepdim?: boolean): Tensor { return R.max(this, dim, keepdim); }
  min(dim?: number | number[] | null, keepdim?: boolean): Tensor { return R.min(this, dim, keepdim); }
  prod(dim?: number | number[] | null, keepdim?: boolean): Tensor { return R.prod(this, dim, keepdim); }
  argmax(dim?: number | null, keepdim?: boolean): Tensor { return R.argmax(this, dim, keepdim); }
  argmin(dim?: number | null, keepdim?: boolean): Tensor { return R.argmin(this, dim, keepdim); }
  var(dim?: number | number[] | null, options?: R.VarOptions): Tensor { return R.variance(this, dim, options); }
  std(dim?: number | number[] | null, options?: R.VarOptions): Tensor { return R.std(this, dim, options); }
  logsumexp(dim: number | number[], keepdim?: boolean): Tensor { return R.logsumexp(this, dim, keepdim); }
  all(dim?: number | number[] | null, keepdim?: boolean): Tensor { return R.all(this, dim, keepdim); }
  any(dim?: number | number[] | null, keepdim?: boolean): Tensor { return R.any(this, dim, keepdim); }
  cumsum(dim: number): Tensor { return R.cumsum(this, dim); }
  softmax(dim: number): Tensor { return X.softmax(this, dim); }
  logSoftmax(dim: number): Tensor { return X.logSoftmax(this, dim); }

  // ---------------- views ----------------
  reshape(...shape: number[] | [readonly number[]]): Tensor { return V.reshape(this, flatArgs(shape)); }
  view(...shape: number[] | [readonly number[]]): Tensor { return V.view(this, flatArgs(shape)); }
  transpose(dim0: number, dim1: number): Tensor { return V.transpose(this, dim0, dim1); }
  /** Transpose of a 2-D tensor (0-D and 1-D are returned as is). */
  t(): Tensor { return V.t(this); }
  permute(...dims: number[] | [readonly number[]]): Tensor { return V.permute(this, flatArgs(dims)); }
  unsqueeze(dim: number): Tensor { return V.unsqueeze(this, dim); }
  squeeze(dim?: number | number[]): Tensor { return V.squeeze(this, dim); }
  expand(...shape: number[] | [readonly number[]]): Tensor { return V.expand(this, flatArgs(shape)); }
  expandAs(other: Tensor): Tensor { return V.expand(this, other.shape); }
  flatten(startDim?: number, endDim?: number): Tensor { return V.flatten(this, startDim, endDim); }
  unflatten(dim: number, sizes: readonly number[]): Tensor { return V.unflatten(this, dim, sizes); }
  /** Elements `start..end` (exclusive) with `step` along `dim`, as a view. */
  slice(dim: number, start?: number | null, end?: number | null, step?: number): Tensor { return V.slice(this, dim, start, end, step); }
  /** `length` elements from `start` along `dim` (PyTorch's `narrow`). */
  narrow(dim: number, start: number, length: number): Tensor { return V.narrow(this, dim, start, length); }
  /** The `index`-th entry along `dim`, removing that dim. */
  select(dim: number, index: number): Tensor { return V.select(this, dim, index); }
  /**
   * NumPy/PyTorch basic indexing: numbers select, `'a:b:c'` strings or `{start, end, step}` slice,
   * `null` inserts a dim, `'...'` skips dims. `x.index(0, '1:3', null, '...')` is `x[0, 1:3, None, ...]`.
   */
  index(...specs: V.IndexSpec[]): Tensor { return V.index(this, specs); }
  /** A contiguous tensor with the same values (`this` when already contiguous). */
  contiguous(): Tensor { return V.contiguous(this); }

  // ---------------- linear algebra and joins ----------------
  matmul(other: Tensor): Tensor { return L.matmul(this, other); }
  mm(other: Tensor): Tensor { return L.mm(this, other); }
  bmm(other: Tensor): Tensor { return L.bmm(this, other); }
  split(sizeOrSections: number | number[], dim = 0): Tensor[] { return J.split(this, sizeOrSections, dim); }
  chunk(chunks: number, dim = 0): Tensor[] { return J.chunk(this, chunks, dim); }
  gather(dim: number, index: Tensor): Tensor { return I.gather(this, dim, index); }
  scatterAdd(dim: number, index: Tensor, src: Tensor): Tensor { return I.scatterAdd(this, dim, index, src); }
  indexSelect(dim: number, index: Tensor): Tensor { return I.indexSelect(this, dim, index); }
  topk(k: number, dim?: number, largest?: boolean, sorted?: boolean): { values: Tensor; indices: Tensor } { return S.topk(this, k, dim, largest, sorted); }
  sort(dim?: number, descending?: boolean): { values: Tensor; indices: Tensor } { return S.sort(this, dim, descending); }
  argsort(dim?: number, descending?: boolean): Tensor { return S.argsort(this, dim, descending); }
}

function flatArgs(args: number[] | [readonly number[]]): number[] {
  return args.length === 1 && Array.isArray(args[0]) ? [...(args[0] as readonly number[])] : (args as number[]);
}

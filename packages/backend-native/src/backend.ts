/**
 * The native backend: storage and primitive kernels of the backend interface, each a call into the
 * addon. Operands are described in a shared Float64Array (the meta buffer) rather than passed as
 * arrays, which keeps a kernel call to a few numbers; the addon validates every field of it.
 */
import type { Backend, BinaryOp, DataId, DType, MemoryInfo, ReduceOp, TypedArray, UnaryOp, View } from '@tessera/core';
import type { Addon, AddonInfo } from './addon.js';

/** Dtype codes shared with native/common.h (-1 for anything else, which the addon rejects). */
export function dtypeCode(dtype: string): number {
  switch (dtype) {
    case 'float32':
      return 0;
    case 'float64':
      return 1;
    case 'int32':
      return 2;
    case 'uint8':
      return 3;
    case 'bool':
      return 4;
    default:
      return -1;
  }
}

/** Op codes, in the order of the enums of native/kernels.h. */
export const UNARY_OPS: readonly UnaryOp[] = [
  'neg', 'abs', 'exp', 'log', 'log1p', 'expm1', 'sqrt', 'rsqrt', 'reciprocal', 'sin', 'cos', 'tanh',
  'sigmoid', 'relu', 'erf', 'floor', 'ceil', 'round', 'sign', 'logicalNot', 'isnan', 'isfinite',
];
export const BINARY_OPS: readonly BinaryOp[] = [
  'add', 'sub', 'mul', 'div', 'pow', 'maximum', 'minimum', 'remainder', 'atan2',
  'eq', 'ne', 'lt', 'le', 'gt', 'ge', 'logicalAnd', 'logicalOr',
];
export const REDUCE_OPS: readonly ReduceOp[] = ['sum', 'max', 'min', 'prod'];

function codes(names: readonly string[]): Map<string, number> {
  return new Map(names.map((n, i) => [n, i]));
}
const UNARY_CODE = codes(UNARY_OPS);
const BINARY_CODE = codes(BINARY_OPS);
const REDUCE_CODE = codes(REDUCE_OPS);

const DTYPES: readonly DType[] = ['float32', 'float64', 'int32', 'uint8', 'bool'];
const BYTES: Readonly<Record<string, number>> = { float32: 4, float64: 8, int32: 4, uint8: 1, bool: 1 };

/** Length of the meta buffer (native/addon.cc: META_TOTAL). */
const META_TOTAL = 4096;

/** Buffers at least this large are also freed by a finalizer if their handle is dropped undisposed. */
const FINALIZE_MIN_BYTES = 1 << 16;

/**
 * A handle to native memory. `id` names a live buffer in the addon's table; once freed, the id is
 * stale and every use of it throws instead of reading other memory.
 */
export class NativeData {
  /** Whether the finalizer safety net watches this handle (large buffers only: registering costs ~0.1 us). */
  finalized = false;
  constructor(readonly id: number) {}
}

/** Writes a view into the meta buffer at `p` as [id, dtype, ndim, offset, shape..., strides...]; returns the next position. */
export function putView(m: Float64Array, p: number, v: View, maxDims: number): number {
  const shape = v.shape;
  const strides = v.strides;
  const nd = shape.length;
  if (!(nd <= maxDims)) throw new RangeError(`native: tensors of more than ${maxDims} dimensions are not supported (got ${nd})`);
  m[p] = (v.data as Partial<NativeData>).id as number;
  m[p + 1] = dtypeCode(v.dtype);
  m[p + 2] = nd;
  m[p + 3] = v.offset;
  const q = p + 4;
  for (let i = 0; i < nd; i++) {
    m[q + i] = shape[i]!;
    m[q + nd + i] = strides[i]!;
  }
  return q + 2 * nd;
}

function numel(shape: readonly number[]): number {
  let n = 1;
  for (let i = 0; i < shape.length; i++) n *= shape[i]!;
  return n;
}

function idOf(data: DataId): number {
  return (data as Partial<NativeData> | null)?.id as number;
}

export class NativeBackend implements Backend {
  readonly name: string = 'native';
  readonly supportsSyncRead = true;
  readonly dtypes = DTYPES;
  /** Shared with the addon: operands of the next call. */
  readonly meta: Float64Array;
  readonly maxDims: number;
  /** What the addon reports about the build and the machine. */
  readonly info: AddonInfo;
  private readonly finalizer = new FinalizationRegistry<number>((id) => this.addon.free(id));

  private readonly freeQueue: number;
  private readonly freeQueueLength: number;

  constructor(readonly addon: Addon) {
    this.meta = new Float64Array(META_TOTAL);
    this.info = addon.initMeta(this.meta);
    this.maxDims = this.info.maxDims;
    this.freeQueue = this.info.freeQueue;
    this.freeQueueLength = this.info.freeQueueLength;
  }

  /** Wraps a new buffer id; large buffers also get a finalizer (a safety net for dropped handles). */
  wrap(id: number, elements: number, dtype: DType): NativeData {
    const d = new NativeData(id);
    if (elements * (BYTES[dtype] ?? 1) >= FINALIZE_MIN_BYTES) {
      this.finalizer.register(d, id, d);
      d.finalized = true;
    }
    return d;
  }

  /** Writes `v` into the meta buffer at `p`; returns the next position. */
  put(p: number, v: View): number {
    return putView(this.meta, p, v, this.maxDims);
  }

  // ---- storage ----

  allocate(dtype: DType, size: number): DataId {
    return this.wrap(this.addon.alloc(dtypeCode(dtype), size, true), size, dtype);
  }

  /** Like `allocate`, but the contents are arbitrary (for outputs that are written in full). */
  allocateUninit(dtype: DType, size: number): DataId {
    return this.wrap(this.addon.alloc(dtypeCode(dtype), size, false), size, dtype);
  }

  upload(values: TypedArray, dtype: DType): DataId {
    return this.wrap(this.addon.upload(values, dtypeCode(dtype)), values?.length ?? 0, dtype);
  }

  read(data: DataId, dtype: DType, size: number): Promise<TypedArray> {
    try {
      return Promise.resolve(this.readSync(data, dtype, size));
    } catch (e) {
      return Promise.reject(e);
    }
  }

  readSync(data: DataId, dtype: DType, size: number): TypedArray {
    return this.addon.read(idOf(data), dtypeCode(dtype), size);
  }

  free(data: DataId): void {
    const id = idOf(data);
    if (typeof id !== 'number') return;
    if ((data as NativeData).finalized) this.finalizer.unregister(data as NativeData);
    // Queue the id; the addon releases queued buffers at the start of its next call.
    const m = this.meta;
    const q = this.freeQueue;
    const n = m[q]!;
    if (n < this.freeQueueLength) {
      m[q + 1 + n] = id;
      m[q] = n + 1;
    } else {
      this.addon.free(id);
    }
  }

  memory(): MemoryInfo {
    const [bytes, buffers] = this.addon.memory();
    return { bytes, buffers };
  }

  // ---- primitive kernels ----

  unary(op: UnaryOp, x: View, outDtype: DType): DataId {
    this.put(0, x);
    return this.wrap(this.addon.unary(UNARY_CODE.get(op) ?? -1, dtypeCode(outDtype)), numel(x.shape), outDtype);
  }

  binary(op: BinaryOp, a: View, b: View, outDtype: DType): DataId {
    this.put(this.put(0, a), b);
    return this.wrap(this.addon.binary(BINARY_CODE.get(op) ?? -1, dtypeCode(outDtype)), numel(a.shape), outDtype);
  }

  where(cond: View, a: View, b: View, outDtype: DType): DataId {
    this.put(this.put(this.put(0, cond), a), b);
    return this.wrap(this.addon.where(dtypeCode(outDtype)), numel(cond.shape), outDtype);
  }

  cast(x: View, dtype: DType): DataId {
    this.put(0, x);
    return this.wrap(this.addon.cast(dtypeCode(dtype)), numel(x.shape), dtype);
  }

  reduce(op: ReduceOp, x: View, axes: readonly number[], outDtype: DType): DataId {
    const m = this.meta;
    let p = this.put(0, x);
    const n = axes.length;
    if (!(n <= this.maxDims)) throw new RangeError(`reduce: too many axes (${n})`);
    m[p++] = n;
    let size = 1;
    for (let i = 0; i < n; i++) m[p + i] = axes[i]!;
    for (let d = 0; d < x.shape.length; d++) if (!axes.includes(d)) size *= x.shape[d]!;
    return this.wrap(this.addon.reduce(REDUCE_CODE.get(op) ?? -1, dtypeCode(outDtype)), size, outDtype);
  }

  copy(src: View, dst: View): void {
    this.put(this.put(0, src), dst);
    this.addon.copy();
  }

  matmul(a: View, b: View, outDtype: DType): DataId {
    this.put(this.put(0, a), b);
    const size = Math.max(a.shape[0] ?? 1, b.shape[0] ?? 1) * (a.shape[1] ?? 0) * (b.shape[2] ?? 0);
    return this.wrap(this.addon.matmul(dtypeCode(outDtype)), size, outDtype);
  }

  gather(x: View, dim: number, index: View): DataId {
    this.put(this.put(0, x), index);
    return this.wrap(this.addon.gather(dim), numel(index.shape), x.dtype);
  }

  scatterAdd(target: DataId, targetShape: readonly number[], dim: number, index: View, src: View): void {
    const m = this.meta;
    const nd = targetShape.length;
    if (!(nd <= this.maxDims)) throw new RangeError(`scatterAdd: too many dimensions (${nd})`);
    m[0] = nd;
    for (let i = 0; i < nd; i++) m[1 + i] = targetShape[i]!;
    this.put(this.put(1 + nd, index), src);
    this.addon.scatterAdd(idOf(target), dim);
  }
}

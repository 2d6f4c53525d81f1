/**
 * The CPU backend: typed-array storage plus the primitive kernels of `kernels/`. This class only
 * resolves data handles and allocates outputs; the work is in the pure `*Impl` functions.
 */
import type { Backend, BinaryOp, DataId, DType, MemoryInfo, ReduceOp, TypedArray, UnaryOp, View } from '@tessera/core';
import { binaryImpl } from './kernels/binary.js';
import { castImpl } from './kernels/cast.js';
import { copyImpl } from './kernels/copy.js';
import { gatherImpl } from './kernels/gather.js';
import { matmulImpl } from './kernels/matmul.js';
import { reduceImpl } from './kernels/reduce.js';
import { scatterAddImpl } from './kernels/scatter_add.js';
import { numelOf, type ArrayView } from './kernels/strided.js';
import { unaryImpl } from './kernels/unary.js';
import { whereImpl } from './kernels/where.js';
import { CpuStorage, valuesOf } from './storage.js';

const DTYPES: readonly DType[] = ['float32', 'float64', 'int32', 'uint8', 'bool'];

/** Resolves a view's handle to its typed array. */
export function arrayView(v: View): ArrayView {
  return { values: valuesOf(v.data), shape: v.shape, strides: v.strides, offset: v.offset };
}

/** Options of {@link CpuBackend}. */
export interface CpuBackendOptions {
  /**
   * Device name (default `'cpu'`). Fused kernels are registered for `'cpu'` only, so a second
   * instance under another name runs core's compositions: tests compare the two.
   */
  name?: string;
}

export class CpuBackend implements Backend {
  readonly name: string;
  readonly supportsSyncRead = true;
  readonly dtypes = DTYPES;
  private readonly storage = new CpuStorage();

  constructor(options: CpuBackendOptions = {}) {
    this.name = options.name ?? 'cpu';
  }

  // ---- storage ----

  allocate(dtype: DType, size: number): DataId {
    return this.storage.allocate(dtype, size);
  }

  upload(values: TypedArray, dtype: DType): DataId {
    return this.storage.upload(values, dtype);
  }

  read(data: DataId, _dtype: DType, size: number): Promise<TypedArray> {
    try {
      return Promise.resolve(this.storage.readSync(data, size));
    } catch (e) {
      return Promise.reject(e);
    }
  }

  readSync(data: DataId, _dtype: DType, size: number): TypedArray {
    return this.storage.readSync(data, size);
  }

  free(data: DataId): void {
    this.storage.free(data);
  }

  memory(): MemoryInfo {
    return this.storage.memory();
  }

  /** Frees the memory of this backend's pool of reusable arrays. */
  clearPool(): void {
    this.storage.clearPool();
  }

  // ---- primitive kernels ----

  /**
   * Allocates an output every element of which `kernel` writes (so it is not zeroed first); frees
   * it again if `kernel` throws. Fused kernels allocate their results through this too.
   */
  produce(dtype: DType, size: number, kernel: (out: TypedArray) => void): DataId {
    const out = this.storage.allocateUninit(dtype, size);
    try {
      kernel(out.values);
    } catch (e) {
      this.storage.free(out);
      throw e;
    }
    return out;
  }

  unary(op: UnaryOp, x: View, outDtype: DType): DataId {
    return this.produce(outDtype, numelOf(x.shape), (out) => unaryImpl(op, arrayView(x), out));
  }

  binary(op: BinaryOp, a: View, b: View, outDtype: DType): DataId {
    return this.produce(outDtype, numelOf(a.shape), (out) => binaryImpl(op, arrayView(a), arrayView(b), out));
  }

  where(cond: View, a: View, b: View, outDtype: DType): DataId {
    return this.produce(outDtype, numelOf(cond.shape), (out) => whereImpl(arrayView(cond), arrayView(a), arrayView(b), out));
  }

  cast(x: View, dtype: DType): DataId {
    return this.produce(dtype, numelOf(x.shape), (out) => castImpl(arrayView(x), dtype, out));
  }

  reduce(op: ReduceOp, x: View, axes: readonly number[], outDtype: DType): DataId {
    let size = 1;
    for (let d = 0; d < x.shape.length; d++) if (!axes.includes(d)) size *= x.shape[d]!;
    return this.produce(outDtype, size, (out) => reduceImpl(op, arrayView(x), axes, out, outDtype === 'bool'));
  }

  copy(src: View, dst: View): void {
    copyImpl(arrayView(src), arrayView(dst));
  }

  matmul(a: View, b: View, outDtype: DType): DataId {
    const batch = Math.max(a.shape[0] ?? 1, b.shape[0] ?? 1);
    return this.produce(outDtype, batch * (a.shape[1] ?? 0) * (b.shape[2] ?? 0), (out) => matmulImpl(arrayView(a), arrayView(b), out));
  }

  gather(x: View, dim: number, index: View): DataId {
    return this.produce(x.dtype, numelOf(index.shape), (out) => gatherImpl(arrayView(x), dim, arrayView(index), out));
  }

  scatterAdd(target: DataId, targetShape: readonly number[], dim: number, index: View, src: View): void {
    scatterAddImpl(valuesOf(target), targetShape, dim, arrayView(index), arrayView(src));
  }
}

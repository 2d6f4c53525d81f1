/**
 * The backend interface: everything a device must provide to run every Tessera op.
 *
 * A backend has two halves:
 * - storage: allocate/upload/read/free opaque data handles (GPU buffers, native memory, typed arrays);
 * - primitive kernels: a small fixed set, listed below, from which core composes every other op.
 *
 * Any other op may be replaced by a fused kernel through {@link registerKernel}; core's composition
 * is the fallback, so a backend that implements only this interface runs every op.
 *
 * Kernels receive strided views (shape, strides, offset into the data) so that transposed, sliced
 * and broadcast (stride 0) inputs never need a copy first. Kernels always return freshly allocated,
 * contiguous data (except `copy` and `scatterAdd`, which write into a destination the caller owns).
 * Gradients are not part of this interface: autograd composes them from these same ops.
 */
import type { DType, TypedArray } from './dtype.js';

/** An opaque handle to a backend's memory. */
export type DataId = object;

/** A strided window onto a backend data handle. */
export interface View {
  readonly data: DataId;
  readonly dtype: DType;
  readonly shape: readonly number[];
  readonly strides: readonly number[];
  readonly offset: number;
}

export type UnaryOp =
  | 'neg' | 'abs' | 'exp' | 'log' | 'log1p' | 'expm1' | 'sqrt' | 'rsqrt' | 'reciprocal'
  | 'sin' | 'cos' | 'tanh' | 'sigmoid' | 'relu' | 'erf'
  | 'floor' | 'ceil' | 'round' | 'sign'
  | 'logicalNot' | 'isnan' | 'isfinite';

export type BinaryOp =
  | 'add' | 'sub' | 'mul' | 'div' | 'pow' | 'maximum' | 'minimum' | 'remainder' | 'atan2'
  | 'eq' | 'ne' | 'lt' | 'le' | 'gt' | 'ge' | 'logicalAnd' | 'logicalOr';

export type ReduceOp = 'sum' | 'max' | 'min' | 'prod';

export interface MemoryInfo {
  /** Bytes held by live data handles. */
  bytes: number;
  /** Number of live data handles. */
  buffers: number;
}

export interface Backend {
  /** Device name; tensors on this backend report it as `t.device`. */
  readonly name: string;
  /** Whether `readSync` is available (false on GPUs that can only read asynchronously). */
  readonly supportsSyncRead: boolean;
  /** Dtypes this backend can store. */
  readonly dtypes: readonly DType[];

  // ---- storage ----
  /** Allocates `size` zero-filled elements. */
  allocate(dtype: DType, size: number): DataId;
  /** Copies host values into new device memory. */
  upload(values: TypedArray, dtype: DType): DataId;
  /** Reads `size` elements (contiguous, from the start of the handle). */
  read(data: DataId, dtype: DType, size: number): Promise<TypedArray>;
  /** Synchronous read where the device allows it. */
  readSync?(data: DataId, dtype: DType, size: number): TypedArray;
  /** Releases memory; called by core when the last reference goes. */
  free(data: DataId): void;
  /** Backend-level memory statistics. */
  memory(): MemoryInfo;

  // ---- primitive kernels ----
  /** Elementwise `op(x)`; the result has `x.shape` and dtype `outDtype`. */
  unary(op: UnaryOp, x: View, outDtype: DType): DataId;
  /**
   * Elementwise `a op b`. Both views already have the output shape (broadcast dims have stride 0)
   * and the same dtype (core casts first); the result is stored as `outDtype` (bool for comparisons).
   */
  binary(op: BinaryOp, a: View, b: View, outDtype: DType): DataId;
  /** `cond ? a : b`, all three views of the output shape. */
  where(cond: View, a: View, b: View, outDtype: DType): DataId;
  /** Converts to another dtype (floats to ints truncate toward zero; bool is x != 0). */
  cast(x: View, dtype: DType): DataId;
  /**
   * Reduces over `axes` (sorted, unique). The result is contiguous with the reduced axes removed.
   * `max`/`min` propagate NaN. Reductions over empty axes yield the identity (0, 1, -inf, +inf).
   */
  reduce(op: ReduceOp, x: View, axes: readonly number[], outDtype: DType): DataId;
  /** Strided copy: writes every element of `src` into `dst` (same shape, same dtype). */
  copy(src: View, dst: View): void;
  /**
   * Batched matrix product. `a` is [B, M, K], `b` is [B, K, N] (batch broadcast via stride 0,
   * transposes via strides); returns contiguous [B, M, N].
   */
  matmul(a: View, b: View, outDtype: DType): DataId;
  /** `out[i][j][k] = x[index[i][j][k]][j][k]` along `dim` (torch.gather); result has index's shape. */
  gather(x: View, dim: number, index: View): DataId;
  /**
   * In place: `target[index[i][j]][j] += src[i][j]` along `dim` (torch.scatter_add_).
   * `target` is a contiguous handle of `targetShape` that core allocated for this call.
   */
  scatterAdd(target: DataId, targetShape: readonly number[], dim: number, index: View, src: View): void;
}

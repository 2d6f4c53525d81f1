/**
 * CPU memory: every data handle is a plain object holding one typed array. Keeping storage apart
 * from the kernels means kernels only ever see typed arrays, so other backends can reuse them on
 * host copies of their data.
 *
 * Freed arrays of up to {@link POOL_MAX_ARRAY_BYTES} are kept in a small pool and handed out again
 * for the same dtype and length: allocating a typed array costs about as much as adding a thousand
 * floats, so small ops would otherwise spend much of their time in the allocator and the GC.
 */
import type { DType, MemoryInfo, TypedArray } from '@tessera/core';

/** A CPU data handle. */
export interface CpuData {
  readonly values: TypedArray;
}

/** Arrays larger than this are left to the GC. */
export const POOL_MAX_ARRAY_BYTES = 1 << 20;
/** Upper bound on the bytes the pool holds. */
export const POOL_MAX_BYTES = 16 << 20;
/** Upper bound on pooled arrays of one dtype and length. */
const POOL_MAX_PER_SIZE = 8;

type Kind = 0 | 1 | 2 | 3; // float32, float64, int32, 8-bit

function kindOf(dtype: DType): Kind {
  switch (dtype) {
    case 'float32':
      return 0;
    case 'float64':
      return 1;
    case 'int32':
      return 2;
    case 'uint8':
    case 'bool':
      return 3;
    default:
      throw new TypeError(`cpu: unsupported dtype ${JSON.stringify(dtype)}`);
  }
}

function kindOfArray(values: TypedArray): Kind {
  if (values instanceof Float32Array) return 0;
  if (values instanceof Float64Array) return 1;
  if (values instanceof Int32Array) return 2;
  return 3;
}

/** Allocates a zero-filled typed array of the type that backs `dtype` (bool is stored as 0/1 bytes). */
export function allocValues(dtype: DType, size: number): TypedArray {
  switch (kindOf(dtype)) {
    case 0:
      return new Float32Array(size);
    case 1:
      return new Float64Array(size);
    case 2:
      return new Int32Array(size);
    case 3:
      return new Uint8Array(size);
  }
}

/** The typed array behind a CPU data handle. */
export function valuesOf(data: object): TypedArray {
  const values = (data as Partial<CpuData>).values;
  if (values === undefined) throw new TypeError('cpu: data handle does not belong to the cpu backend');
  return values;
}

const FREED: readonly TypedArray[] = [new Float32Array(0), new Float64Array(0), new Int32Array(0), new Uint8Array(0)];

/** Tracks live handles (for `memory()` and a harmless double `free`) and pools freed arrays. */
export class CpuStorage {
  private readonly live = new WeakSet<CpuData>();
  private bytes = 0;
  private buffers = 0;
  private readonly pool: Map<number, TypedArray[]>[] = [new Map(), new Map(), new Map(), new Map()];
  private pooledBytes = 0;

  /** Wraps `values` in a new tracked handle (takes ownership: the caller must not keep writing to it). */
  adopt(values: TypedArray): CpuData {
    const data: CpuData = { values };
    this.live.add(data);
    this.bytes += values.byteLength;
    this.buffers++;
    return data;
  }

  /** A zero-filled handle. */
  allocate(dtype: DType, size: number): CpuData {
    const reused = this.take(kindOf(dtype), size);
    if (reused) {
      reused.fill(0);
      return this.adopt(reused);
    }
    return this.adopt(allocValues(dtype, size));
  }

  /** A handle whose contents are arbitrary: for kernel outputs that write every element. */
  allocateUninit(dtype: DType, size: number): CpuData {
    return this.adopt(this.take(kindOf(dtype), size) ?? allocValues(dtype, size));
  }

  /** Copies `values` (converting when its array type does not back `dtype`). */
  upload(values: TypedArray, dtype: DType): CpuData {
    const data = this.allocateUninit(dtype, values.length);
    const out = data.values;
    if (dtype === 'bool') {
      for (let i = 0; i < values.length; i++) out[i] = values[i] !== 0 ? 1 : 0;
    } else {
      out.set(values);
    }
    return data;
  }

  /** Returns a copy of the first `size` elements. */
  readSync(data: object, size: number): TypedArray {
    const values = valuesOf(data);
    if (size > values.length) {
      const hint = values.length === 0 && size > 0 ? ' (was the handle freed?)' : '';
      throw new RangeError(`cpu: read of ${size} elements from a buffer of ${values.length}${hint}`);
    }
    return values.slice(0, size);
  }

  /**
   * Releases a handle. Its array may be reused, so the handle is emptied: a use after free then
   * fails loudly instead of reading another tensor's data.
   */
  free(data: object): void {
    const d = data as { values: TypedArray };
    if (!this.live.has(d)) return;
    this.live.delete(d);
    const values = d.values;
    this.bytes -= values.byteLength;
    this.buffers--;
    const kind = kindOfArray(values);
    d.values = FREED[kind]!;
    this.give(kind, values);
  }

  memory(): MemoryInfo {
    return { bytes: this.bytes, buffers: this.buffers };
  }

  /** Drops every pooled array. */
  clearPool(): void {
    for (const m of this.pool) m.clear();
    this.pooledBytes = 0;
  }

  private take(kind: Kind, size: number): TypedArray | undefined {
    const list = this.pool[kind]!.get(size);
    const values = list?.pop();
    if (values) this.pooledBytes -= values.byteLength;
    return values;
  }

  private give(kind: Kind, values: TypedArray): void {
    const n = values.byteLength;
    if (n === 0 || n > POOL_MAX_ARRAY_BYTES || this.pooledBytes + n > POOL_MAX_BYTES) return;
    // Only whole buffers: a view into a larger buffer would keep that buffer alive.
    if (values.byteOffset !== 0 || values.buffer.byteLength !== n) return;
    const m = this.pool[kind]!;
    let list = m.get(values.length);
    if (!list) m.set(values.length, (list = []));
    if (list.length >= POOL_MAX_PER_SIZE) return;
    list.push(values);
    this.pooledBytes += n;
  }
}

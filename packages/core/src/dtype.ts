/** Element types a tensor can hold. `float64` is available on CPU backends (used for gradient checks). */
export type DType = 'float32' | 'float64' | 'int32' | 'uint8' | 'bool';

/** The typed array that backs each dtype on the host. `bool` is stored as 0/1 bytes. */
export type TypedArrayFor<D extends DType> = D extends 'float32'
  ? Float32Array
  : D extends 'float64'
    ? Float64Array
    : D extends 'int32'
      ? Int32Array
      : Uint8Array;

/** Any typed array Tessera reads or writes. */
export type TypedArray = Float32Array | Float64Array | Int32Array | Uint8Array;

export const DTYPES: readonly DType[] = ['float32', 'float64', 'int32', 'uint8', 'bool'];

const BYTES: Record<DType, number> = { float32: 4, float64: 8, int32: 4, uint8: 1, bool: 1 };

/** Bytes per element of `dtype`. */
export function bytesPerElement(dtype: DType): number {
  return BYTES[dtype];
}

/** Allocates a zero-filled host typed array for `dtype`. */
export function allocArray(dtype: DType, size: number): TypedArray {
  switch (dtype) {
    case 'float32':
      return new Float32Array(size);
    case 'float64':
      return new Float64Array(size);
    case 'int32':
      return new Int32Array(size);
    case 'uint8':
    case 'bool':
      return new Uint8Array(size);
  }
}

/** The dtype a typed array naturally maps to. */
export function dtypeOfArray(a: TypedArray): DType {
  if (a instanceof Float32Array) return 'float32';
  if (a instanceof Float64Array) return 'float64';
  if (a instanceof Int32Array) return 'int32';
  return 'uint8';
}

export function isFloat(dtype: DType): boolean {
  return dtype === 'float32' || dtype === 'float64';
}

export function isIntegral(dtype: DType): boolean {
  return dtype === 'int32' || dtype === 'uint8';
}

export function assertDType(op: string, dtype: unknown): DType {
  if (typeof dtype !== 'string' || !(DTYPES as readonly string[]).includes(dtype)) {
    throw new TypeError(`${op}: unknown dtype ${JSON.stringify(dtype)} (expected one of ${DTYPES.join(', ')})`);
  }
  return dtype as DType;
}

const RANK: Record<DType, number> = { bool: 0, uint8: 1, int32: 2, float32: 3, float64: 4 };

/** PyTorch-style promotion of two tensor dtypes: bool < uint8 < int32 < float32 < float64. */
export function promoteTypes(a: DType, b: DType): DType {
  return RANK[a] >= RANK[b] ? a : b;
}

/**
 * Result dtype of `tensor op scalar`: a scalar only lifts the category (bool -> int -> float),
 * never the width, as in PyTorch (`int32 + 1.5` is float32, `float32 + 1` stays float32).
 */
export function promoteWithScalar(t: DType, scalar: number | boolean): DType {
  if (typeof scalar === 'boolean') return t;
  if (!Number.isInteger(scalar)) return isFloat(t) ? t : 'float32';
  if (t === 'bool') return 'int32';
  return t;
}

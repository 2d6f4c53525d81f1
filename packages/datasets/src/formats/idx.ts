/**
 * The IDX format of MNIST and Fashion-MNIST: a 4-byte magic number (two zero bytes, a type code,
 * the number of dimensions), one big-endian uint32 per dimension, then the values, big-endian.
 */
import { DatasetFormatError } from '../errors.js';
import { gunzip, isGzip } from './gzip.js';

/** Element types of IDX files. */
export type IdxDType = 'uint8' | 'int8' | 'int16' | 'int32' | 'float32' | 'float64';

/** A parsed IDX file. `data` holds the values in row-major order, in native byte order. */
export interface IdxArray {
  dtype: IdxDType;
  shape: number[];
  data: Uint8Array | Int8Array | Int16Array | Int32Array | Float32Array | Float64Array;
}

/** What the caller expects of the file; a mismatch is an error naming the file. */
export interface IdxExpectation {
  dtype?: IdxDType;
  /** Expected dimensions (`-1` accepts any size in that position). */
  shape?: readonly number[];
}

const TYPES: Record<number, { dtype: IdxDType; bytes: number }> = {
  0x08: { dtype: 'uint8', bytes: 1 },
  0x09: { dtype: 'int8', bytes: 1 },
  0x0b: { dtype: 'int16', bytes: 2 },
  0x0c: { dtype: 'int32', bytes: 4 },
  0x0d: { dtype: 'float32', bytes: 4 },
  0x0e: { dtype: 'float64', bytes: 8 },
};

const CODES: Record<IdxDType, number> = { uint8: 0x08, int8: 0x09, int16: 0x0b, int32: 0x0c, float32: 0x0d, float64: 0x0e };

/**
 * Parses an uncompressed IDX file. uint8 data is returned as a view of `bytes` (no copy).
 * Use `readIdx` for files that may be gzip-compressed.
 *
 * @example
 * const { shape, data } = parseIdx(bytes, 'train-labels-idx1-ubyte', { dtype: 'uint8', shape: [60000] });
 */
export function parseIdx(bytes: Uint8Array, file = '<idx data>', expect: IdxExpectation = {}): IdxArray {
  if (isGzip(bytes)) throw new DatasetFormatError(file, 'is gzip-compressed; decompress it first (readIdx does)');
  if (bytes.length < 4) throw new DatasetFormatError(file, `truncated: ${bytes.length} bytes is shorter than the 4-byte IDX magic number`);
  const magic = ((bytes[0]! << 24) | (bytes[1]! << 16) | (bytes[2]! << 8) | bytes[3]!) >>> 0;
  const type = TYPES[bytes[2]!];
  if (bytes[0] !== 0 || bytes[1] !== 0 || type === undefined) {
    throw new DatasetFormatError(file, `bad magic number 0x${magic.toString(16).padStart(8, '0')} (not an IDX file: expected 0x0000TTNN with a type code TT of 08, 09, 0b, 0c, 0d or 0e)`);
  }
  const ndim = bytes[3]!;
  if (ndim === 0) throw new DatasetFormatError(file, 'bad magic number: the file declares 0 dimensions');
  const headerBytes = 4 + 4 * ndim;
  if (bytes.length < headerBytes) {
    throw new DatasetFormatError(file, `truncated: the header of ${ndim} dimensions needs ${headerBytes} bytes, the file has ${bytes.length}`);
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const shape: number[] = [];
  let count = 1;
  for (let i = 0; i < ndim; i++) {
    const d = view.getUint32(4 + 4 * i, false);
    shape.push(d);
    count *= d;
  }
  const expectedBytes = count * type.bytes;
  const actualBytes = bytes.length - headerBytes;
  if (actualBytes < expectedBytes) {
    throw new DatasetFormatError(file, `truncated: dimensions [${shape.join(', ')}] of ${type.dtype} need ${expectedBytes} bytes of data, the file has ${actualBytes}`);
  }
  if (actualBytes > expectedBytes) {
    throw new DatasetFormatError(file, `dimensions [${shape.join(', ')}] of ${type.dtype} need ${expectedBytes} bytes of data but the file has ${actualBytes} (dimensions do not match the length)`);
  }
  if (expect.dtype !== undefined && expect.dtype !== type.dtype) {
    throw new DatasetFormatError(file, `holds ${type.dtype} values, expected ${expect.dtype}`);
  }
  if (expect.shape !== undefined) {
    const ok = expect.shape.length === ndim && expect.shape.every((d, i) => d === -1 || d === shape[i]);
    if (!ok) throw new DatasetFormatError(file, `has dimensions [${shape.join(', ')}], expected [${expect.shape.map((d) => (d === -1 ? '*' : d)).join(', ')}]`);
  }
  return { dtype: type.dtype, shape, data: decode(bytes, view, headerBytes, count, type.dtype) };
}

/** Parses an IDX file that may be gzip-compressed (`.gz`) or raw. */
export async function readIdx(bytes: Uint8Array, file = '<idx data>', expect: IdxExpectation = {}): Promise<IdxArray> {
  return parseIdx(isGzip(bytes) ? await gunzip(bytes, file) : bytes, file, expect);
}

function decode(bytes: Uint8Array, view: DataView, at: number, n: number, dtype: IdxDType): IdxArray['data'] {
  switch (dtype) {
    case 'uint8':
      return bytes.subarray(at, at + n);
    case 'int8':
      return new Int8Array(bytes.buffer, bytes.byteOffset + at, n);
    case 'int16': {
      const out = new Int16Array(n);
      for (let i = 0; i < n; i++) out[i] = view.getInt16(at + 2 * i, false);
      return out;
    }
    case 'int32': {
      const out = new Int32Array(n);
      for (let i = 0; i < n; i++) out[i] = view.getInt32(at + 4 * i, false);
      return out;
    }
    case 'float32': {
      const out = new Float32Array(n);
      for (let i = 0; i < n; i++) out[i] = view.getFloat32(at + 4 * i, false);
      return out;
    }
    case 'float64': {
      const out = new Float64Array(n);
      for (let i = 0; i < n; i++) out[i] = view.getFloat64(at + 8 * i, false);
      return out;
    }
  }
}

/** Encodes an array as IDX bytes (uncompressed): handy for tests and for writing small sets. */
export function encodeIdx(array: { dtype: IdxDType; shape: readonly number[]; data: ArrayLike<number> }): Uint8Array {
  const { dtype, shape, data } = array;
  const size = TYPES[CODES[dtype]]!.bytes;
  const count = shape.reduce((a, b) => a * b, 1);
  if (count !== data.length) throw new RangeError(`encodeIdx: shape [${shape.join(', ')}] needs ${count} values, got ${data.length}`);
  const header = 4 + 4 * shape.length;
  const out = new Uint8Array(header + count * size);
  const view = new DataView(out.buffer);
  out[2] = CODES[dtype];
  out[3] = shape.length;
  shape.forEach((d, i) => view.setUint32(4 + 4 * i, d, false));
  for (let i = 0; i < count; i++) {
    const v = data[i]!;
    const at = header + i * size;
    if (dtype === 'uint8') view.setUint8(at, v);
    else if (dtype === 'int8') view.setInt8(at, v);
    else if (dtype === 'int16') view.setInt16(at, v, false);
    else if (dtype === 'int32') view.setInt32(at, v, false);
    else if (dtype === 'float32') view.setFloat32(at, v, false);
    else view.setFloat64(at, v, false);
  }
  return out;
}

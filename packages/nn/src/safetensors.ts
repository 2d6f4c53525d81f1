/**
 * The safetensors format (https://github.com/huggingface/safetensors), read and written on bytes
 * so it works in browsers too: an unsigned 64-bit little-endian header length, a JSON header
 * `{name: {dtype, shape, data_offsets: [begin, end]}, __metadata__?: {string: string}}`, then
 * the raw little-endian data.
 *
 * Written dtypes: F32, F64, I32, U8, BOOL. Read in addition (converted): F16 and BF16 to float32,
 * I64 / I16 / I8 to int32 (throwing when an int64 value does not fit), U16 / U32 to int32.
 */
import { tensor, type DType, type Tensor, type TypedArray } from '@tessera/core';
import { fmt, prod } from './util.js';

const WRITE_DTYPE: Record<DType, string> = { float32: 'F32', float64: 'F64', int32: 'I32', uint8: 'U8', bool: 'BOOL' };
const BYTES: Record<string, number> = { F64: 8, F32: 4, F16: 2, BF16: 2, I64: 8, I32: 4, I16: 2, I8: 1, U8: 1, U16: 2, U32: 4, BOOL: 1 };

/** A parsed file: tensors by name, and the free-form string metadata. */
export interface SafetensorsFile {
  tensors: Record<string, Tensor>;
  metadata: Record<string, string>;
}

/** Options of `parseSafetensors` / `load`. */
export interface ParseOptions {
  /** Device of the created tensors (default: the default device). */
  device?: string;
}

const littleEndian = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

function bytesOf(data: TypedArray): Uint8Array {
  const b = new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
  if (littleEndian || data.BYTES_PER_ELEMENT === 1) return b;
  const out = new Uint8Array(b.length);
  const w = data.BYTES_PER_ELEMENT;
  for (let i = 0; i < b.length; i += w) for (let j = 0; j < w; j++) out[i + j] = b[i + w - 1 - j]!;
  return out;
}

function encodeHeader(entries: [string, { dtype: string; shape: number[]; data_offsets: [number, number] }][], metadata?: Record<string, string>): Uint8Array {
  const header: Record<string, unknown> = {};
  if (metadata && Object.keys(metadata).length) {
    for (const [k, v] of Object.entries(metadata)) if (typeof v !== 'string') throw new TypeError(`safetensors: metadata value of '${k}' must be a string`);
    header.__metadata__ = metadata;
  }
  for (const [k, v] of entries) header[k] = v;
  const json = new TextEncoder().encode(JSON.stringify(header));
  // Pad with spaces so the data starts 8-byte aligned (as the reference implementation does).
  const padded = new Uint8Array(Math.ceil(json.length / 8) * 8).fill(0x20);
  padded.set(json);
  return padded;
}

function assemble(named: [string, Tensor, TypedArray][], metadata?: Record<string, string>): Uint8Array {
  const entries: [string, { dtype: string; shape: number[]; data_offsets: [number, number] }][] = [];
  let offset = 0;
  const blobs: Uint8Array[] = [];
  for (const [name, t, data] of named) {
    const b = bytesOf(data);
    entries.push([name, { dtype: WRITE_DTYPE[t.dtype], shape: [...t.shape], data_offsets: [offset, offset + b.length] }]);
    blobs.push(b);
    offset += b.length;
  }
  const header = encodeHeader(entries, metadata);
  const out = new Uint8Array(8 + header.length + offset);
  new DataView(out.buffer).setBigUint64(0, BigInt(header.length), true);
  out.set(header, 8);
  let at = 8 + header.length;
  for (const b of blobs) {
    out.set(b, at);
    at += b.length;
  }
  return out;
}

function checkTensors(tensors: Record<string, Tensor> | Map<string, Tensor>): [string, Tensor][] {
  const list = tensors instanceof Map ? [...tensors.entries()] : Object.entries(tensors);
  for (const [name, t] of list) {
    if (name === '__metadata__') throw new RangeError("safetensors: '__metadata__' is reserved and cannot name a tensor");
    if (!t || typeof (t as Tensor).dataSync !== 'function') throw new TypeError(`safetensors: '${name}' is not a Tensor`);
    t.assertAlive();
  }
  return list;
}

/** Encodes tensors (e.g. a state dict) as safetensors bytes; works on every device. */
export async function serializeSafetensors(tensors: Record<string, Tensor> | Map<string, Tensor>, metadata?: Record<string, string>): Promise<Uint8Array> {
  const list = checkTensors(tensors);
  const named: [string, Tensor, TypedArray][] = [];
  for (const [name, t] of list) named.push([name, t, await t.data()]);
  return assemble(named, metadata);
}

/** Synchronous `serializeSafetensors` for devices that read synchronously (CPU). */
export function serializeSafetensorsSync(tensors: Record<string, Tensor> | Map<string, Tensor>, metadata?: Record<string, string>): Uint8Array {
  return assemble(checkTensors(tensors).map(([name, t]) => [name, t, t.dataSync()]), metadata);
}

function halfToFloat(h: number): number {
  const s = h & 0x8000 ? -1 : 1;
  const e = (h >> 10) & 0x1f;
  const f = h & 0x3ff;
  if (e === 0) return s * 2 ** -14 * (f / 1024);
  if (e === 31) return f ? NaN : s * Infinity;
  return s * 2 ** (e - 15) * (1 + f / 1024);
}

function decode(name: string, dtype: string, bytes: Uint8Array, n: number): [TypedArray, DType] {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (littleEndian) {
    // Fast path: copy the bytes (aligned) and view them.
    if (dtype === 'F32') return [new Float32Array(bytes.slice().buffer, 0, n), 'float32'];
    if (dtype === 'F64') return [new Float64Array(bytes.slice().buffer, 0, n), 'float64'];
    if (dtype === 'I32') return [new Int32Array(bytes.slice().buffer, 0, n), 'int32'];
  }
  switch (dtype) {
    case 'F32': {
      const a = new Float32Array(n);
      for (let i = 0; i < n; i++) a[i] = view.getFloat32(4 * i, true);
      return [a, 'float32'];
    }
    case 'F64': {
      const a = new Float64Array(n);
      for (let i = 0; i < n; i++) a[i] = view.getFloat64(8 * i, true);
      return [a, 'float64'];
    }
    case 'F16': {
      const a = new Float32Array(n);
      for (let i = 0; i < n; i++) a[i] = halfToFloat(view.getUint16(2 * i, true));
      return [a, 'float32'];
    }
    case 'BF16': {
      const a = new Float32Array(n);
      const tmp = new DataView(new ArrayBuffer(4));
      for (let i = 0; i < n; i++) {
        tmp.setUint32(0, view.getUint16(2 * i, true) << 16);
        a[i] = tmp.getFloat32(0);
      }
      return [a, 'float32'];
    }
    case 'I64': {
      const a = new Int32Array(n);
      for (let i = 0; i < n; i++) {
        const v = view.getBigInt64(8 * i, true);
        if (v > 2147483647n || v < -2147483648n) throw new RangeError(`safetensors: '${name}' holds the int64 value ${v}, which does not fit in int32`);
        a[i] = Number(v);
      }
      return [a, 'int32'];
    }
    case 'I32': {
      const a = new Int32Array(n);
      for (let i = 0; i < n; i++) a[i] = view.getInt32(4 * i, true);
      return [a, 'int32'];
    }
    case 'I16': {
      const a = new Int32Array(n);
      for (let i = 0; i < n; i++) a[i] = view.getInt16(2 * i, true);
      return [a, 'int32'];
    }
    case 'I8': {
      const a = new Int32Array(n);
      for (let i = 0; i < n; i++) a[i] = view.getInt8(i);
      return [a, 'int32'];
    }
    case 'U16': {
      const a = new Int32Array(n);
      for (let i = 0; i < n; i++) a[i] = view.getUint16(2 * i, true);
      return [a, 'int32'];
    }
    case 'U32': {
      const a = new Int32Array(n);
      for (let i = 0; i < n; i++) {
        const v = view.getUint32(4 * i, true);
        if (v > 2147483647) throw new RangeError(`safetensors: '${name}' holds the uint32 value ${v}, which does not fit in int32`);
        a[i] = v;
      }
      return [a, 'int32'];
    }
    case 'U8':
      return [bytes.slice(), 'uint8'];
    case 'BOOL':
      return [bytes.slice(), 'bool'];
    default:
      throw new TypeError(`safetensors: '${name}' has unsupported dtype ${dtype}`);
  }
}

/** Reads the header only: names, dtypes, shapes and offsets (and the metadata). */
export function readSafetensorsHeader(bytes: Uint8Array): { header: Record<string, { dtype: string; shape: number[]; data_offsets: [number, number] }>; metadata: Record<string, string>; dataStart: number } {
  if (bytes.length < 8) throw new RangeError(`safetensors: ${bytes.length} bytes is too short for a header`);
  const n = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength).getBigUint64(0, true);
  if (n > BigInt(bytes.length - 8)) throw new RangeError(`safetensors: header length ${n} exceeds the ${bytes.length}-byte file`);
  const headerLen = Number(n);
  let parsed: unknown;
  try {
    parsed = JSON.parse(new TextDecoder().decode(bytes.subarray(8, 8 + headerLen)));
  } catch (e) {
    throw new SyntaxError(`safetensors: invalid JSON header (${(e as Error).message})`);
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw new SyntaxError('safetensors: the header must be a JSON object');
  const { __metadata__: meta, ...header } = parsed as Record<string, unknown>;
  return {
    header: header as Record<string, { dtype: string; shape: number[]; data_offsets: [number, number] }>,
    metadata: (meta ?? {}) as Record<string, string>,
    dataStart: 8 + headerLen,
  };
}

/** Decodes safetensors bytes into tensors (in file order) and metadata. */
export function parseSafetensors(bytes: Uint8Array, options: ParseOptions = {}): SafetensorsFile {
  const { header, metadata, dataStart } = readSafetensorsHeader(bytes);
  const dataLen = bytes.length - dataStart;
  const tensors: Record<string, Tensor> = {};
  const created: Tensor[] = [];
  try {
    for (const [name, info] of Object.entries(header)) {
      const { dtype, shape, data_offsets: offs } = info ?? ({} as typeof info);
      if (!(dtype in BYTES)) throw new TypeError(`safetensors: '${name}' has unsupported dtype ${String(dtype)}`);
      if (!Array.isArray(shape) || shape.some((d) => !Number.isInteger(d) || d < 0)) throw new SyntaxError(`safetensors: '${name}' has an invalid shape ${JSON.stringify(shape)}`);
      if (!Array.isArray(offs) || offs.length !== 2 || !(offs[0] <= offs[1]) || offs[1] > dataLen || offs[0] < 0) {
        throw new RangeError(`safetensors: '${name}' has data_offsets ${JSON.stringify(offs)} outside the ${dataLen}-byte data section`);
      }
      const n = prod(shape);
      if (offs[1] - offs[0] !== n * BYTES[dtype]!) {
        throw new RangeError(`safetensors: '${name}' (${dtype} ${fmt(shape)}) needs ${n * BYTES[dtype]!} bytes but its offsets span ${offs[1] - offs[0]}`);
      }
      const [data, dt] = decode(name, dtype, bytes.subarray(dataStart + offs[0], dataStart + offs[1]), n);
      const t = tensor(data, { shape, dtype: dt, device: options.device });
      created.push(t);
      tensors[name] = t;
    }
  } catch (e) {
    for (const t of created) t.dispose();
    throw e;
  }
  return { tensors, metadata };
}

/** SHA-256 through WebCrypto, present in browsers and in Node 20. */
import { ChecksumError } from '../errors.js';
import { gunzip } from '../formats/gzip.js';
import type { RemoteFile } from './spec.js';

/** Lower-case hex SHA-256 of `bytes`. */
export async function sha256Hex(bytes: Uint8Array): Promise<string> {
  const subtle = globalThis.crypto?.subtle;
  if (!subtle) throw new Error('SHA-256 needs WebCrypto (crypto.subtle), which this runtime lacks');
  const digest = await subtle.digest('SHA-256', bytes as Uint8Array<ArrayBuffer>);
  return toHex(new Uint8Array(digest));
}

export function toHex(bytes: Uint8Array): string {
  let s = '';
  for (let i = 0; i < bytes.length; i++) s += bytes[i]!.toString(16).padStart(2, '0');
  return s;
}

/** Throws a `ChecksumError` naming `source` unless `bytes` match `file.sha256`. */
export async function verifyBytes(bytes: Uint8Array, file: RemoteFile, source: string): Promise<void> {
  if (file.bytes !== undefined && file.digestOf !== 'gunzipped' && bytes.length !== file.bytes) {
    throw new ChecksumError(source, `${file.bytes} bytes`, `${bytes.length} bytes`, 'size');
  }
  const content = file.digestOf === 'gunzipped' ? await gunzip(bytes, source) : bytes;
  const actual = await sha256Hex(content);
  if (actual !== file.sha256) throw new ChecksumError(source, file.sha256, actual, file.digestOf === 'gunzipped' ? 'SHA-256 checksum (of the decompressed content)' : 'SHA-256 checksum');
}

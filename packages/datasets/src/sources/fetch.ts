/** Downloading into memory with `fetch`: the browser's only source, verified like the Node one. */
import { DatasetFormatError, messageOf } from '../errors.js';
import { verifyBytes } from './checksum.js';
import type { DownloadProgress, RemoteFile } from './spec.js';

/** Fetches `url` into memory and verifies it against `file`. */
export async function fetchVerified(url: string, file: RemoteFile, onProgress?: ((e: DownloadProgress) => void) | null): Promise<Uint8Array> {
  const res = await fetch(url);
  if (!res.ok || !res.body) throw new Error(`HTTP ${res.status}${res.statusText ? ` ${res.statusText}` : ''}`);
  const encoded = res.headers.get('content-encoding');
  const declared = Number(res.headers.get('content-length') ?? NaN);
  const expectedLength = encoded && encoded !== 'identity' ? null : Number.isFinite(declared) ? declared : null;
  const total = expectedLength ?? file.bytes ?? null;
  const chunks: Uint8Array[] = [];
  let received = 0;
  const reader = res.body.getReader();
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      chunks.push(value);
      received += value.length;
      onProgress?.({ file: file.name, url, received, total, done: false });
    }
  } catch (e) {
    if (expectedLength === null) throw e;
    const cause = (e as { cause?: unknown }).cause;
    throw new DatasetFormatError(url, `truncated download: the connection ended after ${received} of ${expectedLength} bytes (${messageOf(e)}${cause ? `: ${messageOf(cause)}` : ''})`);
  }
  if (expectedLength !== null && received !== expectedLength) {
    throw new DatasetFormatError(url, `truncated download: received ${received} of ${expectedLength} bytes`);
  }
  const bytes = new Uint8Array(received);
  let at = 0;
  for (const c of chunks) {
    bytes.set(c, at);
    at += c.length;
  }
  onProgress?.({ file: file.name, url, received, total, done: true });
  await verifyBytes(bytes, file, url);
  return bytes;
}

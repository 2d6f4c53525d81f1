/** Gzip detection and decompression: node:zlib in Node, `DecompressionStream` in browsers. */
import { DatasetFormatError, messageOf } from '../errors.js';
import { isNode, loadNodeIO } from '../platform.js';

/** Whether `bytes` start with the gzip magic number (1f 8b). */
export function isGzip(bytes: Uint8Array): boolean {
  return bytes.length >= 2 && bytes[0] === 0x1f && bytes[1] === 0x8b;
}

/**
 * Decompresses gzip data. A truncated or corrupt stream throws a `DatasetFormatError` naming `file`.
 *
 * @example
 * const raw = await gunzip(await (await fetch(url)).bytes(), 'train-images-idx3-ubyte.gz');
 */
export async function gunzip(bytes: Uint8Array, file = '<gzip data>'): Promise<Uint8Array> {
  if (!isGzip(bytes)) throw new DatasetFormatError(file, 'not gzip data (bad magic number)');
  try {
    if (isNode) return (await loadNodeIO()).gunzipSync(bytes);
    return await gunzipWithStreams(bytes);
  } catch (e) {
    throw new DatasetFormatError(file, `corrupt or truncated gzip data (${messageOf(e)})`);
  }
}

async function gunzipWithStreams(bytes: Uint8Array): Promise<Uint8Array> {
  if (typeof DecompressionStream === 'undefined') throw new Error('this runtime has no DecompressionStream');
  const stream = new Blob([bytes as Uint8Array<ArrayBuffer>]).stream().pipeThrough(new DecompressionStream('gzip'));
  return new Uint8Array(await new Response(stream).arrayBuffer());
}

/**
 * Downloading into the cache: the body is streamed into a temporary file next to the target,
 * checked (length, SHA-256) and renamed into place only when complete, so an interrupted or corrupt
 * download never leaves a file under the real name.
 */
import { createHash, randomBytes } from 'node:crypto';
import { mkdir, open, rename, unlink } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { ChecksumError, DatasetFormatError, messageOf } from '../errors.js';
import type { DownloadProgress, RemoteFile } from '../sources/spec.js';
import { gunzipSync, readBytes } from './cache.js';

/** Options of `downloadFile`. */
export interface DownloadOptions {
  onProgress?: ((e: DownloadProgress) => void) | null;
  /** Abandon after this many seconds without data (default 60). */
  timeoutSeconds?: number;
}

/**
 * Downloads `url` to `dest`, verified against `file`. On any failure the temporary file is
 * removed and nothing is written under `dest`.
 */
export async function downloadFile(url: string, dest: string, file: RemoteFile, options: DownloadOptions = {}): Promise<void> {
  await mkdir(dirname(dest), { recursive: true });
  const tmp = join(dirname(dest), `.${basename(dest)}.${process.pid}.${randomBytes(4).toString('hex')}.part`);
  const timeoutMs = (options.timeoutSeconds ?? 60) * 1000;
  const controller = new AbortController();
  let timer: ReturnType<typeof setTimeout> | undefined;
  const arm = (): void => {
    clearTimeout(timer);
    timer = setTimeout(() => controller.abort(new Error(`no data for ${timeoutMs / 1000} s`)), timeoutMs);
    timer.unref?.();
  };
  const handle = await open(tmp, 'wx');
  let closed = false;
  let received = 0;
  let expectedLength: number | null = null;
  let reported = false;
  try {
    arm();
    // Ask for the bytes as stored: a transparently decoded body would not match the checksum.
    const res = await fetch(url, { headers: { 'accept-encoding': 'identity' }, signal: controller.signal, redirect: 'follow' });
    if (!res.ok || !res.body) throw new Error(`HTTP ${res.status}${res.statusText ? ` ${res.statusText}` : ''}`);
    const encoded = res.headers.get('content-encoding');
    const declared = Number(res.headers.get('content-length') ?? NaN);
    expectedLength = encoded && encoded !== 'identity' ? null : Number.isFinite(declared) ? declared : null;
    const total = expectedLength ?? file.bytes ?? null;
    const hash = createHash('sha256');
    const report = (done: boolean): void => {
      reported = true;
      options.onProgress?.({ file: file.name, url, received, total, done });
    };
    for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
      arm();
      received += chunk.length;
      hash.update(chunk);
      await handle.write(chunk);
      report(false);
    }
    clearTimeout(timer);
    if (expectedLength !== null && received !== expectedLength) {
      throw new DatasetFormatError(url, `truncated download: received ${received} of ${expectedLength} bytes; the file was not cached`);
    }
    report(true);
    reported = false;
    await handle.close();
    closed = true;
    if (file.digestOf === 'gunzipped') {
      let content: Uint8Array;
      try {
        content = gunzipSync(await readBytes(tmp));
      } catch (e) {
        throw new DatasetFormatError(url, `corrupt or truncated gzip data (${messageOf(e)}); the file was not cached`);
      }
      const actual = createHash('sha256').update(content).digest('hex');
      if (actual !== file.sha256) throw new ChecksumError(url, file.sha256, actual, 'SHA-256 checksum (of the decompressed content)');
    } else {
      if (file.bytes !== undefined && received !== file.bytes) throw new ChecksumError(url, `${file.bytes} bytes`, `${received} bytes`, 'size');
      const actual = hash.digest('hex');
      if (actual !== file.sha256) throw new ChecksumError(url, file.sha256, actual);
    }
    await rename(tmp, dest);
  } catch (e) {
    clearTimeout(timer);
    if (!closed) await handle.close().catch(() => undefined);
    await unlink(tmp).catch(() => undefined);
    // End a progress bar left mid-line.
    if (reported) options.onProgress?.({ file: file.name, url, received, total: expectedLength, done: true });
    if (e instanceof DatasetFormatError) throw e;
    const cause = (e as { cause?: unknown }).cause;
    const why = `${messageOf(e)}${cause ? ` (${messageOf(cause)})` : ''}`;
    if (expectedLength !== null && received < expectedLength) {
      throw new DatasetFormatError(url, `truncated download: the connection ended after ${received} of ${expectedLength} bytes (${why}); the file was not cached`);
    }
    throw new Error(`${url}: ${why}`);
  }
}

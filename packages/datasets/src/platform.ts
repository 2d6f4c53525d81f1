/**
 * Where the package runs. Node-only code (file system, zlib, the cache directory) lives in
 * `node/` and is imported lazily, so the package loads in browsers, where loaders fetch from URLs
 * and keep everything in memory.
 */
import type * as NodeIO from './node/io.js';

/** Whether this is Node.js (or a runtime with its `process.versions.node`). */
export const isNode: boolean =
  typeof process !== 'undefined' && typeof (process as { versions?: { node?: string } }).versions?.node === 'string';

let nodeIO: Promise<typeof NodeIO> | null = null;

/** The Node file-system helpers; throws outside Node. */
export function loadNodeIO(): Promise<typeof NodeIO> {
  if (!isNode) return Promise.reject(new Error('this source needs Node.js (file system access)'));
  return (nodeIO ??= import('./node/io.js'));
}

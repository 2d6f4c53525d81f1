import { isNode, loadNodeIO } from '../platform.js';

/**
 * The directory where datasets are cached in Node (`TESSERA_DATA_DIR`, else a per-user cache
 * folder); `null` in browsers, which keep downloads in memory.
 */
export async function cacheDir(): Promise<string | null> {
  return isNode ? (await loadNodeIO()).cacheDir() : null;
}

/** Local files: the cache directory, reading a dataset's files from a folder, optional packages. */
import { access, readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync as zlibGunzip } from 'node:zlib';

/**
 * Where downloaded datasets are kept: `TESSERA_DATA_DIR` when set, else the per-user cache folder
 * (`$XDG_CACHE_HOME/tessera/datasets` or `~/.cache/tessera/datasets`; `~/Library/Caches/tessera/datasets`
 * on macOS; `%LOCALAPPDATA%\tessera\datasets` on Windows).
 */
export function cacheDir(): string {
  const env = process.env;
  if (env.TESSERA_DATA_DIR) return env.TESSERA_DATA_DIR;
  if (process.platform === 'win32') return join(env.LOCALAPPDATA ?? join(homedir(), 'AppData', 'Local'), 'tessera', 'datasets');
  if (process.platform === 'darwin') return join(homedir(), 'Library', 'Caches', 'tessera', 'datasets');
  return join(env.XDG_CACHE_HOME || join(homedir(), '.cache'), 'tessera', 'datasets');
}

export function gunzipSync(bytes: Uint8Array): Uint8Array {
  return zlibGunzip(bytes);
}

/** The first of `names` that exists in `dir`, or null. */
export async function findFile(dir: string, names: readonly string[]): Promise<string | null> {
  for (const n of names) {
    const p = join(dir, n);
    try {
      await access(p);
      return p;
    } catch {
      // not there: try the next name
    }
  }
  return null;
}

export async function readBytes(path: string): Promise<Uint8Array> {
  const b = await readFile(path);
  return new Uint8Array(b.buffer, b.byteOffset, b.byteLength);
}

/**
 * The path of `subpath` inside an installed package, looked up from this package (as its optional
 * peer) and then from the working directory (a project that installed it); throws when absent.
 */
export function resolvePackageFile(pkg: string, subpath: string): string {
  const spec = `${pkg}/${subpath}`;
  const froms = [import.meta.url, join(process.cwd(), 'package.json')];
  for (const from of froms) {
    try {
      return createRequire(from).resolve(spec);
    } catch {
      // not resolvable from there
    }
  }
  throw new Error(`the optional package '${pkg}' is not installed (add it with your package manager to load offline)`);
}

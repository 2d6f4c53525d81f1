/** Node file access, imported lazily so the package loads in browsers. Writes are atomic. */

type FS = typeof import('node:fs/promises');
type Path = typeof import('node:path');

let fsMod: FS | null = null;
let pathMod: Path | null = null;

export async function nodeFs(): Promise<{ fs: FS; path: Path }> {
  if (!fsMod || !pathMod) {
    const isNode = typeof (globalThis as { process?: { versions?: { node?: string } } }).process?.versions?.node === 'string';
    if (!isNode) throw new Error('Saving to and loading from files needs Node.js; in a browser use io.withSaveHandler / io.fromMemory or an http(s) URL');
    fsMod = await import('node:fs/promises');
    pathMod = await import('node:path');
  }
  return { fs: fsMod, path: pathMod };
}

let tmpCounter = 0;

/**
 * Writes a file atomically: to a temporary file in the same folder, then renamed over the
 * target, so a crash never leaves a half-written file where a good one was.
 */
export async function writeFileAtomic(file: string, data: Uint8Array | string): Promise<void> {
  const { fs, path } = await nodeFs();
  const dir = path.dirname(file);
  await fs.mkdir(dir, { recursive: true });
  const tmp = path.join(dir, `.${path.basename(file)}.${(globalThis as { process?: { pid?: number } }).process?.pid ?? 0}.${Date.now()}.${tmpCounter++}.tmp`);
  try {
    await fs.writeFile(tmp, data);
    await fs.rename(tmp, file);
  } catch (e) {
    await fs.rm(tmp, { force: true });
    throw e;
  }
}

export async function readFileBytes(file: string): Promise<Uint8Array> {
  const { fs } = await nodeFs();
  return new Uint8Array(await fs.readFile(file));
}

export async function exists(file: string): Promise<boolean> {
  const { fs } = await nodeFs();
  try {
    await fs.stat(file);
    return true;
  } catch {
    return false;
  }
}

/** Strips `file://`. */
export function filePath(url: string): string {
  return url.startsWith('file://') ? url.slice('file://'.length) : url;
}

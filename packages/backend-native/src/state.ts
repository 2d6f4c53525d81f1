/**
 * The process-wide state of this package: the loaded addon and the backend built on it, or the
 * reason it could not load. It lives on `globalThis` under a `Symbol.for` key, so the ESM and
 * CommonJS builds (or two installed copies) share one backend and register it once.
 */
import { loadAddon } from './addon.js';
import { NativeBackend } from './backend.js';

export interface NativeState {
  backend: NativeBackend | null;
  error: Error | null;
  /** Whether the backend and its kernels were registered with core. */
  registered: boolean;
}

const KEY = Symbol.for('tessera.backend-native.v1');
type GlobalWithState = typeof globalThis & { [KEY]?: NativeState };

/** Loads the addon on first use. Never throws: a failure is kept in `error`. */
export function nativeState(): NativeState {
  const g = globalThis as GlobalWithState;
  let s = g[KEY];
  if (s) return s;
  s = { backend: null, error: null, registered: false };
  const r = loadAddon();
  if (r.error) {
    s.error = r.error;
  } else {
    try {
      s.backend = new NativeBackend(r.addon);
    } catch (e) {
      s.error = new Error(`@tessera/backend-native: the native addon loaded but failed to initialise: ${(e as Error)?.message ?? e}`);
    }
  }
  g[KEY] = s;
  return s;
}

/** The native backend; throws the load error when the addon is unavailable. */
export function requireNative(): NativeBackend {
  const s = nativeState();
  if (!s.backend) throw s.error ?? new Error('@tessera/backend-native: the native backend is not available');
  return s.backend;
}

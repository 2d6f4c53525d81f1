/**
 * `@tessera/backend-native/load`: use the native backend when it is available, without failing
 * when it is not (importing `@tessera/backend-native` itself throws in that case).
 *
 * @example
 * import '@tessera/backend-cpu';
 * import { bestDevice } from '@tessera/backend-native/load';
 * import { setDefaultDevice } from '@tessera/core';
 * setDefaultDevice(bestDevice()); // 'native', or 'cpu' with a one-line warning
 */
import type { NativeBackend } from './backend.js';
import { registerNative } from './register.js';
import { nativeState } from './state.js';

let warned = false;

/** Loads and registers the native backend; returns it, or null (never throws) when the addon is unavailable. */
export function loadNativeBackend(): NativeBackend | null {
  return registerNative();
}

/** Why the native backend is unavailable (null when it is available). */
export function nativeLoadError(): Error | null {
  return registerNative() ? null : nativeState().error;
}

/**
 * The best device available: `'native'` when the addon loads, else `'cpu'`, after a one-line
 * warning (once per process) saying why. Import `@tessera/backend-cpu` for the fallback to run.
 */
export function bestDevice(options: { warn?: boolean } = {}): 'native' | 'cpu' {
  if (registerNative()) return 'native';
  if (options.warn !== false && !warned) {
    warned = true;
    const why = (nativeState().error?.message ?? 'unknown error').split('\n')[0]!.replace(/^@tessera\/backend-native: /, '');
    console.warn(`tessera: ${why}; falling back to 'cpu' (run \`npm rebuild @tessera/backend-native\` after installing g++, make and python3)`);
  }
  return 'cpu';
}

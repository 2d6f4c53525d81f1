// Picks the best available backend: the native addon when it loads, else the pure-TypeScript CPU backend.
import '@tessera/backend-cpu';
import { getDefaultDevice, setDefaultDevice } from '@tessera/core';

export async function useBestBackend() {
  try {
    const { bestDevice } = await import('@tessera/backend-native/load');
    setDefaultDevice(bestDevice());
  } catch {
    setDefaultDevice('cpu');
  }
  console.log(`backend: ${getDefaultDevice()}`);
  return getDefaultDevice();
}

/** Seconds since `t0` (a Date.now() value), one decimal. */
export function since(t0) {
  return ((Date.now() - t0) / 1000).toFixed(1);
}

/**
 * The shared op test suite. A backend's test file runs every op of core on its device:
 *
 * ```ts
 * import '@tessera/backend-cpu';
 * import { runConformance } from '@tessera/conformance';
 * runConformance({ device: 'cpu' });
 * ```
 */
export { runConformance, type ConformanceOptions } from './run.js';

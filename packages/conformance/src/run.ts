import { afterAll, beforeAll, describe } from 'vitest';
import { getBackend, getDefaultDevice, setDefaultDevice } from '@tessera/core';
import { SUITES } from './suites/index.js';

/** How to run the suite on one device. */
export interface ConformanceOptions {
  /** Device (backend name) under test. */
  device: string;
  /**
   * Suite or case names this backend is known not to support yet (each listed gap is reported as
   * skipped): a suite name (`'sort'`), a case title, or `'suite/case title'`.
   */
  skip?: readonly string[];
}

/** Context handed to every suite. */
export interface SuiteContext {
  device: string;
  /** Whether the device stores float64 (CPU backends do; GPUs may not). */
  float64: boolean;
  /** Whether `dataSync`/`toString` work on this device. */
  syncRead: boolean;
  /** Whether a case (by title, or `'suite/title'`) was listed in `skip`. */
  skipped(name: string): boolean;
}

/** Registers every suite of the shared op tests for `options.device` with vitest. */
export function runConformance(options: ConformanceOptions): void {
  const backend = getBackend(options.device);
  const skip = new Set(options.skip ?? []);
  const ctx: SuiteContext = {
    device: options.device,
    float64: backend.dtypes.includes('float64'),
    syncRead: backend.supportsSyncRead,
    skipped: (name) => skip.has(name),
  };
  describe(`conformance on '${options.device}'`, () => {
    // Suites create tensors without naming a device, so the device under test must be the default.
    let previous: string | null = null;
    beforeAll(() => {
      previous = getDefaultDevice();
      setDefaultDevice(options.device);
    });
    afterAll(() => {
      if (previous !== null) setDefaultDevice(previous);
    });
    for (const [name, suite] of Object.entries(SUITES)) {
      (skip.has(name) ? describe.skip : describe)(name, () => suite(ctx));
    }
  });
}

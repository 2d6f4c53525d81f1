/** Anomaly mode names the op whose backward produced NaN or infinity. */
import '@tessera/backend-cpu';
import { tensor } from '@tessera/core';
import { describe, expect, it } from 'vitest';
import { detectAnomaly, isAnomalyEnabled, setDetectAnomaly } from '../src/index.js';

describe('anomaly mode', () => {
  it('names the op whose backward returned NaN, with the forward call', () => {
    const run = () => {
      const x = tensor([0, 1], { requiresGrad: true });
      // sqrt'(0) = inf, and 0 * inf = NaN in mul's backward below it... the first bad gradient is sqrt's.
      const y = x.sqrt().mul(0).sum();
      y.backward();
      return x;
    };
    expect(() => detectAnomaly(run)).toThrow(/backward of 'sqrt' returned (NaN|infinite) values in the gradient of input 0/);
    try {
      detectAnomaly(run);
    } catch (e) {
      expect(String((e as Error).message)).toMatch(/The forward call of 'sqrt' was:\n.*anomaly\.test\.ts/s);
    }
    // Without anomaly mode the NaN silently reaches .grad.
    const x = run();
    expect(Number.isNaN((x.grad!.arraySync() as number[])[0])).toBe(true);
  });

  it('names the op for NaN too, and can be switched globally', () => {
    setDetectAnomaly(true);
    expect(isAnomalyEnabled()).toBe(true);
    try {
      const x = tensor([-1, 4], { requiresGrad: true });
      expect(() => x.log().sum().mul(0).add(x.sum()).backward()).not.toThrow();
      const z = tensor([-1], { requiresGrad: true });
      expect(() => z.sqrt().sum().backward()).toThrow(/backward of 'sqrt' returned NaN values/);
    } finally {
      setDetectAnomaly(false);
    }
    expect(isAnomalyEnabled()).toBe(false);
  });
});

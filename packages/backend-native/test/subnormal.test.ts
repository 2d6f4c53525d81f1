/**
 * Optimizer state decaying into float32's subnormal range (a dead unit's Adam moments, an SGD
 * momentum buffer) is flushed to zero by the fused steps, which would otherwise run tens of times
 * slower; other kernels keep IEEE subnormals (the caller's floating-point mode is restored).
 */
import '@tessera/backend-native';
import * as core from '@tessera/core';
import { adamStep, sgdStep } from '@tessera/core';
import { describe, expect, it } from 'vitest';

const dev = { device: 'native' };
// The flush uses SSE's FTZ/DAZ; elsewhere the steps keep IEEE subnormals (and stay correct).
const flushes = process.arch === 'x64' || process.arch === 'ia32';
const SUB = 1e-39; // subnormal in float32 (smallest normal: 1.18e-38)

describe('subnormal optimizer state', () => {
  it.runIf(flushes)('adamStep flushes subnormal moments to zero and leaves the parameter', () => {
    const p = core.tensor([0.5, -0.25], dev);
    const g = core.zeros([2], dev);
    const m = core.tensor([SUB, -SUB], dev);
    const v = core.tensor([SUB, SUB], dev);
    expect(m.dataSync()[0]).toBeGreaterThan(0); // stored as a subnormal
    adamStep(p, g, m, v, null, { lr: 1e-3, step: 10 });
    expect([...m.dataSync()]).toEqual([0, 0]);
    expect([...v.dataSync()]).toEqual([0, 0]);
    expect([...p.dataSync()]).toEqual([0.5, -0.25]);
    core.dispose([p, g, m, v]);
  });

  it.runIf(flushes)('sgdStep flushes a subnormal momentum buffer to zero', () => {
    const p = core.tensor([1, 2], dev);
    const g = core.zeros([2], dev);
    const buf = core.tensor([SUB, 1], dev);
    sgdStep(p, g, buf, { lr: 0.1, momentum: 0.9 });
    const b = buf.dataSync();
    expect(b[0]).toBe(0);
    expect(b[1]).toBeCloseTo(0.9, 6);
    core.dispose([p, g, buf]);
  });

  it('other kernels still compute with subnormals after a step', () => {
    const p = core.tensor([1], dev);
    const g = core.zeros([1], dev);
    const m = core.tensor([SUB], dev);
    const v = core.tensor([SUB], dev);
    adamStep(p, g, m, v, null, { lr: 1e-3, step: 1 });
    const x = core.tensor([SUB, 2 * SUB], dev);
    const y = x.mul(1).add(x);
    const out = y.dataSync();
    expect(out[0]).toBeGreaterThan(0);
    expect(out[0]! / SUB).toBeCloseTo(2, 5);
    expect(out[1]! / SUB).toBeCloseTo(4, 5);
    core.dispose([p, g, m, v, x, y]);
  });
});

import { describe, expect, it } from 'vitest';
import { Generator, manualSeed, getDefaultGenerator } from '../src/random.js';

describe('seeded generator', () => {
  it('is reproducible and seed-dependent', () => {
    const a = new Generator(42);
    const b = new Generator(42);
    const c = new Generator(43);
    const xs = Array.from({ length: 5 }, () => a.random());
    expect(Array.from({ length: 5 }, () => b.random())).toEqual(xs);
    expect(Array.from({ length: 5 }, () => c.random())).not.toEqual(xs);
    manualSeed(7);
    const first = getDefaultGenerator().random();
    manualSeed(7);
    expect(getDefaultGenerator().random()).toBe(first);
  });

  it('has the right moments', () => {
    const g = new Generator(1);
    const n = 20000;
    let s = 0;
    let s2 = 0;
    for (let i = 0; i < n; i++) {
      const x = g.normal();
      s += x;
      s2 += x * x;
    }
    expect(Math.abs(s / n)).toBeLessThan(0.03);
    expect(Math.abs(s2 / n - 1)).toBeLessThan(0.05);
    let u = 0;
    for (let i = 0; i < n; i++) u += g.random();
    expect(Math.abs(u / n - 0.5)).toBeLessThan(0.01);
    for (let i = 0; i < 1000; i++) {
      const k = g.integer(3, 7);
      expect(k >= 3 && k < 7 && Number.isInteger(k)).toBe(true);
    }
  });

  it('rejects non-finite seeds', () => {
    expect(() => manualSeed(NaN)).toThrow('manualSeed: seed must be a finite number, got NaN');
  });
});

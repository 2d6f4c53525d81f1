import './helpers.js';
import * as T from '@tessera/core';
import { manualSeed, type Tensor } from '@tessera/core';
import { describe, expect, it } from 'vitest';
import * as nn from '../src/index.js';
import { init } from '../src/index.js';

function stats(t: Tensor): { mean: number; std: number; min: number; max: number } {
  const d = Array.from(t.dataSync());
  const mean = d.reduce((a, b) => a + b, 0) / d.length;
  const std = Math.sqrt(d.reduce((a, b) => a + (b - mean) ** 2, 0) / d.length);
  return { mean, std, min: Math.min(...d), max: Math.max(...d) };
}

describe('init', () => {
  it('calculateGain and fans follow PyTorch', () => {
    expect(init.calculateGain('linear')).toBe(1);
    expect(init.calculateGain('conv2d')).toBe(1);
    expect(init.calculateGain('tanh')).toBeCloseTo(5 / 3);
    expect(init.calculateGain('relu')).toBeCloseTo(Math.SQRT2);
    expect(init.calculateGain('leaky_relu')).toBeCloseTo(Math.sqrt(2 / (1 + 0.01 ** 2)));
    expect(init.calculateGain('leaky_relu', Math.sqrt(5))).toBeCloseTo(Math.sqrt(1 / 3));
    expect(init.calculateGain('selu')).toBe(0.75);
    expect(init.calculateFanInAndFanOut([16, 3, 5, 5])).toEqual([75, 400]);
    expect(() => init.calculateFanInAndFanOut([3])).toThrow('fewer than 2 dimensions');
  });

  it('uniform_, normal_, constant_, zeros_, ones_, eye_ fill in place', () => {
    const t = T.zeros([200, 50]);
    expect(init.uniform_(t, -2, 3)).toBe(t);
    const u = stats(t);
    expect(u.min).toBeGreaterThanOrEqual(-2);
    expect(u.max).toBeLessThan(3);
    expect(u.mean).toBeCloseTo(0.5, 1);
    init.normal_(t, 1, 2);
    const n = stats(t);
    expect(n.mean).toBeCloseTo(1, 1);
    expect(n.std).toBeCloseTo(2, 1);
    expect(Array.from(init.constant_(T.zeros([3]), 0.5).dataSync())).toEqual([0.5, 0.5, 0.5]);
    expect(Array.from(init.ones_(T.zeros([2])).dataSync())).toEqual([1, 1]);
    expect(Array.from(init.zeros_(T.ones([2])).dataSync())).toEqual([0, 0]);
    expect(init.eye_(T.zeros([2, 3])).arraySync()).toEqual([[1, 0, 0], [0, 1, 0]]);
  });

  it('works on parameters that require grad (no autograd recording)', () => {
    const p = new nn.Parameter(T.zeros([3, 3]));
    init.kaimingNormal_(p);
    expect(p.isLeaf).toBe(true);
    expect(p.gradFn).toBeNull();
  });

  it('is reproducible with manualSeed', () => {
    manualSeed(42);
    const a = new nn.Linear(8, 4).weight.dataSync();
    manualSeed(42);
    const b = new nn.Linear(8, 4).weight.dataSync();
    expect(Array.from(a)).toEqual(Array.from(b));
  });

  it('kaiming and xavier have the documented spread', () => {
    const w = T.zeros([256, 400]);
    init.kaimingUniform_(w, { mode: 'fan_in', nonlinearity: 'relu' });
    const bound = Math.SQRT2 * Math.sqrt(3 / 400);
    expect(stats(w).max).toBeLessThanOrEqual(bound);
    expect(stats(w).max).toBeGreaterThan(bound * 0.98);
    init.kaimingNormal_(w, { mode: 'fan_out', nonlinearity: 'relu' });
    expect(stats(w).std).toBeCloseTo(Math.SQRT2 / Math.sqrt(256), 2);
    init.xavierUniform_(w, { gain: 2 });
    expect(stats(w).max).toBeLessThanOrEqual(2 * Math.sqrt(6 / 656));
    init.xavierNormal_(w);
    expect(stats(w).std).toBeCloseTo(Math.sqrt(2 / 656), 2);
    init.truncNormal_(w, 0, 1, -0.5, 0.5);
    expect(stats(w).max).toBeLessThanOrEqual(0.5);
    expect(stats(w).min).toBeGreaterThanOrEqual(-0.5);
  });

  it('orthogonal_ gives orthonormal rows or columns, scaled by gain', () => {
    for (const shape of [[6, 4], [4, 6], [5, 2, 3]]) {
      const w = T.zeros(shape);
      init.orthogonal_(w, { gain: 2 });
      const m = w.reshape([shape[0]!, -1]);
      const tall = m.shape[0]! >= m.shape[1]!;
      const gram = (tall ? m.t().matmul(m) : m.matmul(m.t())).div(4).arraySync() as number[][];
      gram.forEach((row, i) => row.forEach((v, j) => expect(v).toBeCloseTo(i === j ? 1 : 0, 5)));
    }
  });
});

describe("layers use PyTorch's default initialisation", () => {
  it('Linear and Conv: kaiming_uniform(a = sqrt(5)) weights, U(+-1/sqrt(fan_in)) biases', () => {
    for (const [m, fanIn] of [[new nn.Linear(100, 200), 100], [new nn.Conv2d(4, 50, 3), 36], [new nn.Conv1d(8, 64, 5, { groups: 2 }), 20], [new nn.ConvTranspose2d(6, 40, 3), 360]] as const) {
      const b = 1 / Math.sqrt(fanIn);
      const w = stats(m.weight);
      expect(w.max).toBeLessThanOrEqual(b);
      expect(w.min).toBeGreaterThanOrEqual(-b);
      expect(w.max).toBeGreaterThan(0.9 * b);
      expect(w.std).toBeCloseTo(b / Math.sqrt(3), 2);
      const bias = stats(m.bias!);
      expect(bias.max).toBeLessThanOrEqual(b);
      expect(bias.min).toBeGreaterThanOrEqual(-b);
    }
  });
  it('Embedding N(0, 1) with a zero padding row; norms ones and zeros', () => {
    const e = new nn.Embedding(400, 50, { paddingIdx: 3 });
    const s = stats(e.weight);
    expect(s.std).toBeCloseTo(1, 1);
    expect(Array.from(e.weight.select(0, 3).dataSync()).every((v) => v === 0)).toBe(true);
    for (const m of [new nn.LayerNorm(4), new nn.GroupNorm(2, 4), new nn.BatchNorm2d(4)]) {
      expect(Array.from(m.weight!.dataSync())).toEqual([1, 1, 1, 1]);
      expect(Array.from(m.bias!.dataSync())).toEqual([0, 0, 0, 0]);
    }
  });
  it('MultiheadAttention: xavier-uniform in_proj_weight and zero biases', () => {
    const m = new nn.MultiheadAttention(64, 4);
    const bound = Math.sqrt(6 / (64 + 192));
    expect(stats(m.inProjWeight!).max).toBeLessThanOrEqual(bound);
    expect(stats(m.inProjWeight!).max).toBeGreaterThan(0.95 * bound);
    expect(stats(m.inProjBias!).max).toBe(0);
    expect(stats(m.outProj.bias!).max).toBe(0);
    expect(stats(m.outProj.weight).max).toBeLessThanOrEqual(1 / 8);
  });
});

/** clipGradNorm / clipGradValue against PyTorch (fixtures/clip_grad.json) and their edge cases. */
import { memory, tensor, tidy, zeros, type Tensor } from '@tessera/core';
import { describe, expect, it } from 'vitest';
import { clipGradNorm, clipGradValue } from '../src/index.js';
import { expectClose, loadFixture, values } from './helpers.js';

interface Case {
  name: string;
  kind: 'norm' | 'value';
  options: { maxNorm?: number; normType?: number | 'Infinity'; clipValue?: number };
  grads: number[][];
  total_norm?: number;
}
const fixture = loadFixture<{ shapes: number[][]; grads: number[][]; configs: Case[] }>('clip_grad');

function paramsWithGrads(): Tensor[] {
  return fixture.grads.map((g, i) => {
    const p = zeros(fixture.shapes[i]!).requiresGrad_();
    p.grad = tensor(Float32Array.from(g), { shape: fixture.shapes[i]! });
    return p;
  });
}

describe('gradient clipping matches PyTorch', () => {
  for (const c of fixture.configs) {
    it(c.name, () => {
      const params = paramsWithGrads();
      if (c.kind === 'norm') {
        const normType = c.options.normType === 'Infinity' ? Infinity : c.options.normType;
        const total = clipGradNorm(params, c.options.maxNorm!, normType);
        expect(total.shape).toEqual([]);
        expectClose(`${c.name} total norm`, values(total), [c.total_norm!]);
      } else {
        expect(clipGradValue(params, c.options.clipValue!)).toBeUndefined();
      }
      params.forEach((p, i) => expectClose(`${c.name} grad ${i}`, values(p.grad!), c.grads[i]!));
    });
  }
});

describe('gradient clipping', () => {
  it('accepts a single tensor and skips parameters without gradients', () => {
    const a = zeros([2]).requiresGrad_();
    a.grad = tensor([3, 4]);
    const b = zeros([2]).requiresGrad_();
    expect(values(clipGradNorm(a, 1))).toEqual([5]);
    expectClose('clipped', values(a.grad), [0.6, 0.8]);
    expect(values(clipGradNorm([a, b], 1))[0]).toBeCloseTo(1, 5);
    expect(b.grad).toBeNull();
  });

  it('returns a zero norm when no parameter has a gradient', () => {
    expect(values(clipGradNorm([zeros([2]).requiresGrad_()], 1))).toEqual([0]);
  });

  it('keeps the gradient tensors (clips in place) and leaks nothing', () => {
    const params = paramsWithGrads();
    const grads = params.map((p) => p.grad);
    const before = memory();
    tidy(() => {
      clipGradNorm(params, 1);
      clipGradValue(params, 0.1);
    });
    expect(params.map((p) => p.grad)).toEqual(grads);
    expect(memory().numTensors).toBe(before.numTensors);
    expect(memory().numBytes).toBe(before.numBytes);
  });

  it('reports non-finite norms when asked to', () => {
    const p = zeros([2]).requiresGrad_();
    p.grad = tensor([Infinity, 1]);
    expect(() => clipGradNorm([p], 1, 2, { errorIfNonfinite: true })).toThrow(/non-finite/);
    expect(values(clipGradNorm([p], 1))[0]).toBe(Infinity);
  });

  it('rejects bad arguments', () => {
    const p = zeros([2]).requiresGrad_();
    expect(() => clipGradNorm([p], 1, 0)).toThrow(/normType must be a positive number or Infinity, got number 0/);
    expect(() => clipGradNorm([p], Number.NaN)).toThrow(/maxNorm must be a number/);
    expect(() => clipGradValue([p], -1)).toThrow(/clipValue must be a non-negative number/);
    expect(() => clipGradNorm(3 as unknown as Tensor[], 1)).toThrow(/should be a Tensor or an iterable/);
  });
});

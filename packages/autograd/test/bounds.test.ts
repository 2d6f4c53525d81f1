/**
 * Gradients at exactly a clamping bound, as PyTorch 1.13 gives them: `clamp` passes the gradient
 * at a bound (min <= x <= max), `hardtanh`/`relu6` do not (min < x < max), and a tensor bound
 * gets the gradient where `x` is beyond it.
 */
import '@tessera/backend-cpu';
import { clamp, hardtanh, relu6, tensor } from '@tessera/core';
import { describe, expect, it } from 'vitest';
import '../src/index.js';

describe('gradients at clamping bounds', () => {
  it('clamp with number bounds: 1 inside and at the bounds, 0 beyond', () => {
    const x = tensor([-2, -1, 0, 1, 2], { requiresGrad: true });
    const y = clamp(x, -1, 1);
    expect(y.arraySync()).toEqual([-1, -1, 0, 1, 1]);
    y.sum().backward();
    expect(x.grad!.arraySync()).toEqual([0, 1, 1, 1, 0]);
  });

  it('clamp with only one bound', () => {
    const x = tensor([-1, 0, 1], { requiresGrad: true });
    clamp(x, 0).sum().backward();
    expect(x.grad!.arraySync()).toEqual([0, 1, 1]);
    const z = tensor([-1, 0, 1], { requiresGrad: true });
    clamp(z, null, 0).sum().backward();
    expect(z.grad!.arraySync()).toEqual([1, 1, 0]);
  });

  it('clamp with tensor bounds: a bound gets the gradient where x is beyond it', () => {
    const x = tensor([-3, -1, 0, 1, 3], { requiresGrad: true });
    const lo = tensor([-1, -1, -1, -1, -1], { requiresGrad: true });
    const hi = tensor([1, 1, 1, 1, 1], { requiresGrad: true });
    clamp(x, lo, hi).mul(tensor([1, 2, 3, 4, 5])).sum().backward();
    expect(x.grad!.arraySync()).toEqual([0, 2, 3, 4, 0]);
    expect(lo.grad!.arraySync()).toEqual([1, 0, 0, 0, 0]);
    expect(hi.grad!.arraySync()).toEqual([0, 0, 0, 0, 5]);
  });

  it('clamp where min > max gives max, and NaN stays NaN', () => {
    expect(clamp(tensor([-5, 0, 5]), 2, 1).arraySync()).toEqual([1, 1, 1]);
    expect(Number.isNaN(clamp(tensor([NaN]), 0, 1).dataSync()[0]!)).toBe(true);
  });

  it('hardtanh and relu6: 1 strictly inside, 0 at and beyond the bounds', () => {
    const x = tensor([-2, -1, 0, 1, 2], { requiresGrad: true });
    const y = hardtanh(x);
    expect(y.arraySync()).toEqual([-1, -1, 0, 1, 1]);
    y.sum().backward();
    expect(x.grad!.arraySync()).toEqual([0, 0, 1, 0, 0]);
    const r = tensor([-1, 0, 3, 6, 7], { requiresGrad: true });
    const z = relu6(r);
    expect(z.arraySync()).toEqual([0, 0, 3, 6, 6]);
    z.sum().backward();
    expect(r.grad!.arraySync()).toEqual([0, 0, 1, 0, 0]);
  });
});

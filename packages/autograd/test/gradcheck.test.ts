/** gradcheck itself: it passes correct rules, and reports the worst element of a wrong one. */
import '@tessera/backend-cpu';
import { tensor, type Tensor } from '@tessera/core';
import { describe, expect, it } from 'vitest';
import { defineFunction, gradcheck } from '../src/index.js';
import { leaf } from './helpers.js';

// sin with a backward that is wrong at one element: d/dx sin x is cos x, but element 2 gets -cos x.
const wrongSin = defineFunction({
  name: 'WrongSin',
  forward: (ctx, x: Tensor) => {
    ctx.saveForBackward(x);
    return x.sin();
  },
  backward: (ctx, g) => {
    const [x] = ctx.savedTensors;
    const flip = tensor([1, 1, -1, 1], { dtype: 'float64' });
    return g.mul(x!.cos()).mul(flip);
  },
});

describe('gradcheck', () => {
  it('passes correct gradients and reports a summary', () => {
    const r = gradcheck((x) => x.sin(), [leaf([4])]);
    expect(r.ok).toBe(true);
    expect(r.maxError).toBeLessThan(1e-8);
    expect(r.report).toMatch(/gradcheck passed/);
  });

  it('reports the worst element: input, element, analytic vs numeric', () => {
    const x = tensor([0.1, 0.2, 0.3, 0.4], { dtype: 'float64', requiresGrad: true });
    const r = gradcheck((t) => wrongSin(t) as Tensor, [x], { raiseException: false });
    expect(r.ok).toBe(false);
    expect(r.worst).toMatchObject({ input: 0, inputElement: [2], output: 0, outputElement: [2] });
    expect(r.worst!.analytic).toBeCloseTo(-Math.cos(0.3), 8);
    expect(r.worst!.numeric).toBeCloseTo(Math.cos(0.3), 6);
    expect(r.report).toMatch(/gradcheck failed.*d output 0\[2\] \/ d input 0\[2\].*analytic -0\.95.*numeric 0\.95/s);
    expect(() => gradcheck((t) => wrongSin(t) as Tensor, [x])).toThrow(/gradcheck failed/);
  });

  it('checks only inputs that require grad, and needs float64', () => {
    const a = leaf([2]);
    const b = tensor([1, 2], { dtype: 'float64' });
    expect(gradcheck((p, q) => p.mul(q), [a, b]).ok).toBe(true);
    expect(() => gradcheck((p) => p.mul(2), [tensor([1], { requiresGrad: true })])).toThrow(/needs float64/);
    expect(() => gradcheck((p) => p.mul(2), [b])).toThrow(/no input requires grad/);
  });

  it('restores perturbed inputs', () => {
    const x = leaf([3]);
    const before = x.arraySync();
    gradcheck((t) => t.exp(), [x]);
    expect(x.arraySync()).toEqual(before);
  });
});

/** grad / valueAndGrad / gradients, and higher-order derivatives against closed forms. */
import '@tessera/backend-cpu';
import { memory, tensor, tidy, type Tensor } from '@tessera/core';
import { describe, expect, it } from 'vitest';
import { grad, gradients, valueAndGrad } from '../src/index.js';

const xs = [-1.5, -0.3, 0.2, 0.9, 2.1];
const x64 = () => tensor(xs, { dtype: 'float64' });
const expectValues = (t: Tensor, f: (x: number) => number) => {
  const got = t.arraySync() as number[];
  got.forEach((g, i) => expect(g).toBeCloseTo(f(xs[i]!), 10));
};
// Elementwise functions summed: d/dx_i sum f(x) = f'(x_i), so grad(grad(sum f)) is not elementwise;
// use grad of sum(grad(...)) which for elementwise f gives f'' per element.
const sumOf = (f: (x: Tensor) => Tensor) => (x: Tensor) => f(x).sum();

describe('grad and valueAndGrad', () => {
  it('first derivatives', () => {
    expectValues(grad(sumOf((x) => x.pow(3)))(x64()), (x) => 3 * x * x);
    expectValues(grad(sumOf((x) => x.tanh()))(x64()), (x) => 1 - Math.tanh(x) ** 2);
  });

  it('second derivatives of polynomials, tanh and sigmoid match closed forms', () => {
    const second = (f: (x: Tensor) => Tensor) => grad(sumOf(grad(sumOf(f))));
    expectValues(second((x) => x.pow(4).mul(0.5).sub(x.pow(2).mul(3)).add(x.mul(7)))(x64()), (x) => 6 * x * x - 6);
    expectValues(second((x) => x.tanh())(x64()), (x) => -2 * Math.tanh(x) * (1 - Math.tanh(x) ** 2));
    const s = (x: number) => 1 / (1 + Math.exp(-x));
    expectValues(second((x) => x.sigmoid())(x64()), (x) => s(x) * (1 - s(x)) * (1 - 2 * s(x)));
  });

  it('third derivatives', () => {
    const third = grad(sumOf(grad(sumOf(grad(sumOf((x) => x.pow(5)))))));
    expectValues(third(x64()), (x) => 60 * x * x);
    const thirdTanh = grad(sumOf(grad(sumOf(grad(sumOf((x) => x.tanh()))))));
    expectValues(thirdTanh(x64()), (x) => {
      const t = Math.tanh(x);
      return -2 * (1 - t * t) * (1 - 3 * t * t);
    });
  });

  it('scalar grad(grad(f)) of a 0-d input', () => {
    const d2 = grad(grad((x: Tensor) => x.pow(3)));
    const x = tensor(2, { dtype: 'float64' });
    expect(x.ndim).toBe(0);
    expect(d2(x).itemSync()).toBeCloseTo(12);
    expect(grad(grad((x: Tensor) => x.mul(x).mul(x)))(x).itemSync()).toBeCloseTo(12);
  });

  it('several arguments with argnums, and non-tensor arguments', () => {
    const f = (w: Tensor, b: Tensor, x: Tensor, scale: number) => w.mul(x).add(b).pow(2).sum().mul(scale);
    const w = tensor([1, 2]);
    const b = tensor([0.5, -1]);
    const x = tensor([3, 4]);
    const [value, [dw, db]] = valueAndGrad(f, { argnums: [0, 1] })(w, b, x, 2);
    // r = w*x + b = [3.5, 7]; value = 2 * (12.25 + 49) = 122.5
    expect(value.itemSync()).toBeCloseTo(122.5);
    expect(value.requiresGrad).toBe(false);
    expect(dw!.arraySync()).toEqual([2 * 2 * 3.5 * 3, 2 * 2 * 7 * 4]);
    expect(db!.arraySync()).toEqual([14, 28]);
    const dx = grad(f, { argnums: 2 })(w, b, x, 2);
    expect(dx.arraySync()).toEqual([14, 56]);
    expect(w.grad).toBeNull(); // functional: no .grad side effects
    expect(w.requiresGrad).toBe(false);
  });

  it('returns zeros for an argument the output does not depend on', () => {
    const g = grad((a: Tensor, _b: Tensor) => a.sum().add(1), { argnums: [0, 1] })(tensor([1, 2]), tensor([3]));
    expect(g[1]!.arraySync()).toEqual([0]);
  });

  it('mixes with closures over an outer argument', () => {
    // d/dy of x*y at y = 3 is x; then d/dx of that is 1.
    const outer = grad((x: Tensor) => grad((y: Tensor) => x.mul(y).sum())(tensor([3])).sum());
    expect(outer(tensor([5])).arraySync()).toEqual([1]);
  });

  it('throws for non-scalar f and non-tensor argnums', () => {
    expect(() => grad((x: Tensor) => x.mul(2))(tensor([1, 2]))).toThrow(/one-element tensor/);
    expect(() => grad((_x: unknown) => tensor([1]), { argnums: 0 })(3)).toThrow(/must be a Tensor/);
  });

  it('leaves no tensors behind', () => {
    const x = x64();
    const f = grad(sumOf(grad(sumOf((t) => t.tanh().mul(t)))));
    f(x).dispose(); // warm up
    const before = memory();
    for (let i = 0; i < 20; i++) f(x).dispose();
    tidy(() => {
      valueAndGrad(sumOf((t) => t.exp()))(x);
    });
    const after = memory();
    expect(after.numTensors).toBe(before.numTensors);
    expect(after.numBytes).toBe(before.numBytes);
  });
});

describe('gradients (torch.autograd.grad)', () => {
  it('returns gradients without touching .grad', () => {
    const x = tensor([1, 2, 3], { requiresGrad: true });
    const y = x.pow(2).sum();
    const [dx] = gradients(y, x);
    expect(dx!.arraySync()).toEqual([2, 4, 6]);
    expect(x.grad).toBeNull();
  });

  it('with respect to an intermediate, and with gradOutputs', () => {
    const x = tensor([1, 2], { requiresGrad: true });
    const h = x.mul(3);
    const y = h.exp();
    const [dh] = gradients([y], [h], { gradOutputs: [tensor([1, 0])] });
    expect((dh!.arraySync() as number[])[0]).toBeCloseTo(Math.exp(3), 4);
    expect((dh!.arraySync() as number[])[1]).toBe(0);
  });

  it('allowUnused', () => {
    const x = tensor([1], { requiresGrad: true });
    const z = tensor([1], { requiresGrad: true });
    expect(() => gradients(x.mul(2).sum(), [x, z], { retainGraph: true })).toThrow(/not used/);
    const [, dz] = gradients(x.mul(2).sum(), [x, z], { allowUnused: true });
    expect(dz).toBeNull();
  });
});

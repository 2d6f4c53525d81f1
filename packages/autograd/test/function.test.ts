/** Custom differentiable functions (torch.autograd.Function). */
import '@tessera/backend-cpu';
import { memory, tensor, tidy, type Tensor } from '@tessera/core';
import { describe, expect, it } from 'vitest';
import { AutogradFunction, defineFunction, FunctionContext, grad, gradcheck } from '../src/index.js';
import { leaf } from './helpers.js';

class Exp extends AutogradFunction {
  static override forward(ctx: FunctionContext, x: Tensor): Tensor {
    const y = x.exp();
    ctx.saveForBackward(y);
    return y;
  }
  static override backward(ctx: FunctionContext, g: Tensor): Tensor {
    const [y] = ctx.savedTensors;
    return g.mul(y!);
  }
}

/** `a * x + b` with a plain-number argument in the middle and two outputs. */
class Affine extends AutogradFunction {
  static override forward(ctx: FunctionContext, x: Tensor, a: number, b: Tensor): Tensor[] {
    ctx.values.a = a;
    ctx.saveForBackward(x);
    return [x.mul(a).add(b), x.mul(a)];
  }
  static override backward(ctx: FunctionContext, g0: Tensor, g1: Tensor): (Tensor | null)[] {
    const a = ctx.values.a as number;
    expect(ctx.needsInputGrad).toEqual([true, false, true]);
    return [g0.add(g1).mul(a), null, g0.sum(0)];
  }
}

describe('custom functions', () => {
  it('records one node with the user backward', () => {
    const x = tensor([0, 1, 2], { requiresGrad: true });
    const y = Exp.apply(x);
    expect(y.gradFn?.name).toBe('Exp');
    expect(y.requiresGrad).toBe(true);
    y.sum().backward();
    (x.grad!.arraySync() as number[]).forEach((g, i) => expect(g).toBeCloseTo(Math.exp(i), 5));
  });

  it('passes gradcheck, with several outputs and non-tensor arguments', () => {
    gradcheck((x) => Exp.apply(x) as Tensor, [leaf([2, 3])]);
    gradcheck((x, b) => Affine.apply(x, 1.5, b) as Tensor[], [leaf([2, 3]), leaf([3])]);
  });

  it('is differentiable twice when its backward is written in ops', () => {
    const d2 = grad((x: Tensor) => (grad((t: Tensor) => (Exp.apply(t) as Tensor).sum())(x) as Tensor).sum());
    const out = d2(tensor([0.5, 1], { dtype: 'float64' }));
    (out.arraySync() as number[]).forEach((g, i) => expect(g).toBeCloseTo(Math.exp([0.5, 1][i]!), 10));
  });

  it('runs forward without recording and records nothing without grad', () => {
    const x = tensor([1, 2]);
    const y = Exp.apply(x);
    expect(y.requiresGrad).toBe(false);
    const z = Exp.apply(tensor([1], { requiresGrad: true })) as Tensor;
    expect(z.gradFn?.name).toBe('Exp');
  });

  it('defineFunction, markNonDifferentiable, and an output that is an input', () => {
    const clipGrad = defineFunction({
      name: 'ClipGrad',
      forward: (_ctx, x: Tensor) => x,
      backward: (_ctx, g) => g.clamp(-1, 1),
    });
    const x = tensor([1, 2], { requiresGrad: true });
    const y = clipGrad(x) as Tensor;
    expect(y).not.toBe(x);
    y.mul(5).sum().backward();
    expect(x.grad!.arraySync()).toEqual([1, 1]);

    const withIndex = defineFunction({
      forward: (ctx, x: Tensor) => {
        const i = x.argmax().double();
        const f = x.mul(1);
        ctx.markNonDifferentiable(i);
        return [f, i];
      },
      backward: (_ctx, g) => g,
    });
    const [f, i] = withIndex(tensor([3, 1], { requiresGrad: true }));
    expect(f!.requiresGrad).toBe(true);
    expect(i!.requiresGrad).toBe(false);
  });

  it('checks the number of returned gradients', () => {
    const bad = defineFunction({ name: 'Bad', forward: (_ctx, x: Tensor, y: Tensor) => x.add(y), backward: (_ctx, g) => [g] });
    const z = bad(tensor([1], { requiresGrad: true }), tensor([2])) as Tensor;
    expect(() => z.sum().backward()).toThrow(/Bad.backward returned 1 gradients, but forward took 2 arguments/);
  });

  it('frees saved tensors after backward', () => {
    const x = tensor([1, 2], { requiresGrad: true });
    Exp.apply(x).sum().backward();
    x.grad!.dispose();
    x.grad = null;
    const before = memory().numTensors;
    tidy(() => Exp.apply(x).sum().backward());
    x.grad!.dispose();
    x.grad = null;
    expect(memory().numTensors).toBe(before);
  });
});

/** Tensor.backward: accumulation, retainGrad, detach, hooks, modes, error messages, memory of the graph. */
import '@tessera/backend-cpu';
import { engine, keep, memory, ones, tensor, tidy, zeros, type Tensor } from '@tessera/core';
import { describe, expect, it } from 'vitest';
import { backward, enableGrad, isGradEnabled, noGrad, releaseGraph, setGradEnabled } from '../src/index.js';

const arr = (t: Tensor | null) => t!.arraySync();
const close = (t: Tensor | null, expected: number[] | number[][], digits = 5) => {
  const got = (t!.arraySync() as number[] | number[][]).flat();
  const want = (expected as number[] | number[][]).flat();
  expect(got.length).toBe(want.length);
  got.forEach((g, i) => expect(g).toBeCloseTo(want[i]!, digits));
};

describe('backward', () => {
  it('computes leaf gradients and marks graph tensors', () => {
    const x = tensor([1, 2, 3], { requiresGrad: true });
    const y = x.mul(x).sum();
    expect(y.requiresGrad).toBe(true);
    expect(y.isLeaf).toBe(false);
    expect(y.gradFn?.name).toBe('sum');
    expect(x.isLeaf).toBe(true);
    y.backward();
    expect(arr(x.grad)).toEqual([2, 4, 6]);
    expect(y.grad).toBeNull(); // non-leaf without retainGrad
  });

  it('accumulates across backward calls, and zeroing works by replacing the gradient', () => {
    const x = tensor([1, 2], { requiresGrad: true });
    x.mul(3).sum().backward();
    x.mul(x).sum().backward();
    expect(arr(x.grad)).toEqual([5, 7]);
    x.grad!.dispose();
    x.grad = null;
    x.sum().backward();
    expect(arr(x.grad)).toEqual([1, 1]);
  });

  it('stores dense gradients of their own (optimizers may update them in place)', () => {
    const x = tensor([[1, 2], [3, 4]], { requiresGrad: true });
    x.sum().backward(); // the sum rule yields a stride-0 expanded gradient
    expect(x.grad!.isContiguous()).toBe(true);
    noGrad(() => x.grad!.mul_(2));
    expect(arr(x.grad)).toEqual([[2, 2], [2, 2]]);
    const g = tensor([1, 1]);
    const y = tensor([0, 0], { requiresGrad: true });
    y.backward(g); // a leaf root: its gradient must not share memory with g
    noGrad(() => y.grad!.add_(1));
    expect(arr(g)).toEqual([1, 1]);
  });

  it('sends gradients through both uses of one tensor, and through broadcasting', () => {
    const x = tensor([[1], [2]], { requiresGrad: true });
    const b = tensor([10, 20, 30], { requiresGrad: true });
    x.mul(b).add(x).sum().backward();
    expect(arr(x.grad)).toEqual([[63], [63]]); // 10 + 20 + 30 from the product, 3 from the broadcast add
    expect(arr(b.grad)).toEqual([3, 3, 3]);
  });

  it('backward(gradient) for non-scalar outputs', () => {
    const x = tensor([1, 2, 3], { requiresGrad: true });
    const y = x.mul(2);
    y.backward(tensor([1, 0.5, -1]));
    expect(arr(x.grad)).toEqual([2, 1, -2]);
  });

  it('throws for an implicit gradient of a non-scalar output', () => {
    const y = tensor([1, 2], { requiresGrad: true }).mul(2);
    expect(() => y.backward()).toThrow(/grad can be implicitly created only for scalar outputs/);
  });

  it('throws when the gradient shape does not match', () => {
    const y = tensor([1, 2], { requiresGrad: true }).mul(2);
    expect(() => y.backward(tensor([1, 2, 3]))).toThrow(/Mismatch in shape/);
  });

  it('throws when the tensor does not require grad', () => {
    expect(() => tensor([1]).sum().backward()).toThrow(/does not require grad and does not have a grad_fn/);
  });

  it('throws on a second backward unless retainGraph', () => {
    const x = tensor([1, 2], { requiresGrad: true });
    const y = x.exp().sum();
    y.backward(undefined, { retainGraph: true });
    y.backward();
    close(x.grad, [2 * Math.E, 2 * Math.exp(2)]);
    expect(() => y.backward()).toThrow(/backward through the graph a second time .*retainGraph: true/s);
  });

  it('retainGrad keeps (and accumulates) gradients of non-leaf tensors', () => {
    const x = tensor([1, 2], { requiresGrad: true });
    const h = x.mul(3);
    h.retainGrad();
    const y = h.mul(h).sum();
    y.backward(undefined, { retainGraph: true });
    expect(arr(h.grad)).toEqual([6, 12]);
    y.backward();
    expect(arr(h.grad)).toEqual([12, 24]);
    expect(arr(x.grad)).toEqual([36, 72]);
  });

  it('detach cuts the graph', () => {
    const x = tensor([1, 2], { requiresGrad: true });
    const d = x.mul(2).detach();
    expect(d.requiresGrad).toBe(false);
    expect(d.gradFn).toBeNull();
    x.mul(d).sum().backward();
    expect(arr(x.grad)).toEqual([2, 4]);
  });

  it('integer inputs and outputs get no gradient', () => {
    const x = tensor([1.5, 2.5], { requiresGrad: true });
    const i = tensor([2, 3], { dtype: 'int32' });
    const y = x.mul(i);
    y.sum().backward();
    expect(arr(x.grad)).toEqual([2, 3]);
    expect(i.grad).toBeNull();
    expect(x.argmax().requiresGrad).toBe(false);
    expect(x.gt(1).requiresGrad).toBe(false);
    expect(x.int().requiresGrad).toBe(false);
  });

  it('piecewise-constant ops give zero gradients (as in PyTorch)', () => {
    const x = tensor([0.4, 1.6], { requiresGrad: true });
    const y = x.round();
    expect(y.requiresGrad).toBe(true);
    y.sum().backward();
    expect(arr(x.grad)).toEqual([0, 0]);
  });

  it('max splits the gradient evenly among ties', () => {
    const x = tensor([1, 3, 3, 2], { requiresGrad: true });
    x.max().backward();
    expect(arr(x.grad)).toEqual([0, 0.5, 0.5, 0]);
    const y = tensor([2, 2], { requiresGrad: true });
    y.maximum(tensor([2, 1])).sum().backward();
    expect(arr(y.grad)).toEqual([0.5, 1]);
  });

  it('float32 and float64 mix: each input gets a gradient of its own dtype', () => {
    const a = tensor([1, 2], { requiresGrad: true });
    const b = tensor([3, 4], { dtype: 'float64', requiresGrad: true });
    a.mul(b).sum().backward();
    expect(a.grad!.dtype).toBe('float32');
    expect(b.grad!.dtype).toBe('float64');
    expect(arr(a.grad)).toEqual([3, 4]);
  });

  it('a user disposing intermediates (tidy) before backward does not break it', () => {
    const x = tensor([1, 2, 3], { requiresGrad: true });
    const loss = tidy(() => x.exp().mul(2).log().sum()); // exp and mul handles are disposed here
    loss.backward();
    close(x.grad, [1, 1, 1]);
  });

  it('noGrad records nothing; enableGrad re-enables; modes nest and restore', () => {
    const x = tensor([1, 2], { requiresGrad: true });
    const y = noGrad(() => {
      expect(isGradEnabled()).toBe(false);
      const inner = enableGrad(() => x.mul(2));
      expect(inner.requiresGrad).toBe(true);
      inner.dispose();
      return x.mul(2);
    });
    expect(isGradEnabled()).toBe(true);
    expect(y.requiresGrad).toBe(false);
    expect(y.gradFn).toBeNull();
    setGradEnabled(false);
    expect(x.add(1).requiresGrad).toBe(false);
    setGradEnabled(true);
    expect(() => noGrad(async () => 1)).toThrow(/synchronous/);
  });

  it('noGrad inference keeps nothing alive', () => {
    const w = tensor([[1, 2], [3, 4]], { requiresGrad: true });
    const x = ones([8, 2]);
    const before = memory();
    noGrad(() => tidy(() => x.matmul(w).relu().sum().itemSync()));
    const after = memory();
    expect(after.numTensors).toBe(before.numTensors);
    expect(after.numBytes).toBe(before.numBytes);
  });

  it('frees saved tensors after backward, and with releaseGraph without backward', () => {
    const w = tensor([[1, 2], [3, 4]], { requiresGrad: true });
    const x = ones([3, 2]);
    const before = memory().numTensors;
    tidy(() => {
      x.matmul(w).tanh().sum().backward();
    });
    w.grad!.dispose();
    w.grad = null;
    expect(memory().numTensors).toBe(before);
    tidy(() => {
      const loss = x.matmul(w).exp().sum();
      releaseGraph([loss]);
    });
    expect(memory().numTensors).toBe(before);
  });

  it('leaf gradients survive an enclosing tidy', () => {
    const x = tensor([1, 2], { requiresGrad: true });
    tidy(() => x.mul(x).sum().backward());
    expect(x.grad!.isDisposed).toBe(false);
    expect(arr(x.grad)).toEqual([2, 4]);
  });

  it('throws a clear error when a saved tensor was modified in place', () => {
    const x = tensor([1, 2], { requiresGrad: true });
    const h = x.mul(2);
    const e = h.exp(); // exp saves its output e, not its input h
    const y = e.sum();
    noGrad(() => h.mul_(3)); // not needed by any backward: fine
    noGrad(() => e.add_(1));
    expect(() => y.backward()).toThrow(/modified by an inplace operation.*output 0 of 'exp'.*version 1; expected version 0/s);
    const z = x.mul(1);
    const w = z.mul(z).sum();
    noGrad(() => z.add_(1));
    expect(() => w.backward()).toThrow(/input 0 of 'mul'/);
  });

  it('in-place ops on tensors requiring grad are refused outside noGrad', () => {
    const x = tensor([1, 2], { requiresGrad: true });
    expect(() => x.add_(1)).toThrow(/in-place/);
  });

  it('hooks see and may replace gradients, on leaves and intermediates', () => {
    const x = tensor([1, 2], { requiresGrad: true });
    const seen: number[][] = [];
    x.registerHook((g) => {
      seen.push(g.arraySync() as number[]);
    });
    const h = x.mul(3);
    const handle = h.registerHook((g) => g.mul(10));
    h.sum().backward();
    expect(seen).toEqual([[30, 30]]);
    expect(arr(x.grad)).toEqual([30, 30]);
    handle.remove();
    x.grad = null;
    x.mul(3).sum().backward();
    expect(arr(x.grad)).toEqual([3, 3]);
    const y = tensor([1], { requiresGrad: true });
    y.registerHook(() => zeros([3]));
    expect(() => y.mul(2).sum().backward()).toThrow(/changed the shape of the gradient/);
  });

  it('createGraph makes gradients differentiable', () => {
    const x = tensor([2], { requiresGrad: true });
    const y = x.pow(3).sum();
    y.backward(undefined, { createGraph: true });
    const g = x.grad!; // 3x^2 = 12, with a graph
    expect(g.requiresGrad).toBe(true);
    close(g, [12]);
    x.grad = null;
    g.sum().backward(); // d(3x^2)/dx = 6x = 12
    close(x.grad, [12]);
  });

  it('backward() of several roots walks shared parts once', () => {
    const x = tensor([1, 2], { requiresGrad: true });
    const h = x.mul(x);
    backward([h.sum(), h.mul(3).sum()]);
    expect(arr(x.grad)).toEqual([8, 16]);
    const y = tensor([1, 2], { requiresGrad: true });
    backward([y.mul(2)], [tensor([1, -1])]);
    expect(arr(y.grad)).toEqual([2, -2]);
  });

  it('tensors that never require grad never reach the recorder', () => {
    const rec = engine.recorder!;
    let calls = 0;
    const original = rec.hasRule;
    rec.hasRule = (op) => {
      calls++;
      return original.call(rec, op);
    };
    try {
      const a = tensor([[1, 2], [3, 4]]);
      a.matmul(a).softmax(1).sum().dispose();
      expect(calls).toBe(0);
      tensor([1], { requiresGrad: true }).exp().dispose();
      expect(calls).toBe(1);
    } finally {
      rec.hasRule = original;
    }
  });

  it('deep chains do not overflow the stack', () => {
    const x = tensor([1], { requiresGrad: true });
    const y = tidy(() => {
      let h = x;
      for (let i = 0; i < 20_000; i++) h = h.mul(1);
      return keep(h.sum());
    });
    y.backward();
    expect(arr(x.grad)).toEqual([1]);
  });
});

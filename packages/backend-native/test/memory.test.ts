/**
 * Native memory comes back: after many ops, and after 1,000 training steps of a small MLP
 * (autograd backward + fused Adam), live tensors, bytes and addon buffers return to baseline.
 */
import { describe, expect, it } from 'vitest';
import '@tessera/autograd';
import * as core from '@tessera/core';
import type { Tensor } from '@tessera/core';
import { adamStep, crossEntropy, nativeBackend } from '@tessera/backend-native';

function snapshot(): { tensors: number; bytes: number; buffers: number; addonBytes: number } {
  const m = core.memory().devices.native!;
  const b = nativeBackend.memory();
  return { tensors: m.tensors, bytes: m.bytes, buffers: b.buffers, addonBytes: b.bytes };
}

describe('memory', () => {
  it('returns to baseline after many ops of every kind', () => {
    const base = snapshot();
    for (let i = 0; i < 200; i++) {
      core.tidy(() => {
        const a = core.randn([17, 33]);
        const b = core.randn([33, 9]);
        const c = a.matmul(b).relu().add(1).softmax(1).sum(0).reshape([3, 3]).t();
        c.max(1).gather(0, core.tensor([0, 2], { dtype: 'int32' })).exp();
        core.where(a.gt(0), a, a.neg()).cast('int32').float().mean();
        crossEntropy(a, core.randint(0, 33, [17]).cast('int32'));
        return undefined;
      });
    }
    expect(snapshot()).toEqual(base);
  });

  it('returns to baseline after 1,000 training steps (autograd + fused Adam)', () => {
    const base = snapshot();
    const params = core.tidy(() => [core.randn([64, 32]).mul(0.1), core.zeros([32]), core.randn([32, 10]).mul(0.1), core.zeros([10])]);
    params.forEach((p) => p.requiresGrad_());
    const m = params.map((p) => core.zerosLike(p));
    const v = params.map((p) => core.zerosLike(p));
    const [w1, b1, w2, b2] = params as [Tensor, Tensor, Tensor, Tensor];
    let first = 0;
    let last = 0;
    const x = core.randn([16, 64]);
    const y = core.tidy(() => core.randint(0, 10, [16, 1]).cast('int32'));
    for (let step = 1; step <= 1000; step++) {
      const lossValue = core.tidy(() => {
        const logits = x.matmul(w1).add(b1).relu().matmul(w2).add(b2);
        const loss = logits.logSoftmax(1).gather(1, y).mean().neg();
        loss.backward();
        return loss.itemSync() as number;
      });
      if (step === 1) first = lossValue;
      last = lossValue;
      params.forEach((p, i) => {
        adamStep(p, p.grad!, m[i]!, v[i]!, { lr: 0.01, step });
        p.grad!.dispose();
        p.grad = null;
      });
    }
    expect(last).toBeLessThan(first * 0.2); // it learned (memorising 16 samples)
    core.dispose([...params, ...m, ...v, x, y]);
    expect(snapshot()).toEqual(base);
  });
});

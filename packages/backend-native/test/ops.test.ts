/**
 * The addon's kernels for core's optimizer-step and neural-network ops: registered under the op
 * names, equal to core's compositions (which they fall back to for the cases they do not take),
 * and a training step (linear, relu, cross-entropy, backward) giving the CPU backend's gradients.
 */
import '@tessera/backend-cpu';
import '@tessera/backend-native';
import '@tessera/autograd';
import * as core from '@tessera/core';
import { adamStep, adamStepComposite, getKernel, sgdStep, sgdStepComposite, type Tensor } from '@tessera/core';
import { describe, expect, it } from 'vitest';
import { rng } from './helpers.js';

const dev = { device: 'native' };

function randomTensor(shape: number[], seed: number, dtype: 'float32' | 'float64' = 'float32', device = 'native'): Tensor {
  const r = rng(seed);
  const n = shape.reduce((a, b) => a * b, 1);
  return core.tensor(Array.from({ length: n }, () => r() * 2 - 1), { shape, dtype, device });
}

async function expectClose(a: Tensor, b: Tensor, rtol = 1e-5, atol = 1e-6): Promise<void> {
  expect([...a.shape]).toEqual([...b.shape]);
  const x = await a.data();
  const y = await b.data();
  for (let i = 0; i < x.length; i++) {
    const ok = Math.abs(Number(x[i]) - Number(y[i])) <= atol + rtol * Math.abs(Number(y[i]));
    if (!ok) expect.fail(`element ${i}: ${x[i]} vs ${y[i]}`);
  }
}

describe('native kernels of core ops', () => {
  it('registers a kernel for each optimizer-step and neural-network op', () => {
    for (const op of ['adamStep', 'sgdStep', 'linear', 'crossEntropy', 'crossEntropyBackward', 'reluBackward']) {
      expect(getKernel('native', op), op).toBeTypeOf('function');
    }
  });

  for (const [name, o, amsgrad] of [
    ['Adam', {}, false],
    ['Adam, L2 decay, maximize', { weightDecay: 0.01, maximize: true }, false],
    ['AdamW, AMSGrad', { weightDecay: 0.1, decoupled: true }, true],
  ] as const) {
    it(`adamStep's kernel matches core's composition: ${name}`, async () => {
      const shape = [300, 7];
      const [p1, p2] = [randomTensor(shape, 1), randomTensor(shape, 1)];
      const m = [core.zeros(shape, dev), core.zeros(shape, dev)];
      const v = [core.zeros(shape, dev), core.zeros(shape, dev)];
      const vmax = amsgrad ? [core.zeros(shape, dev), core.zeros(shape, dev)] : [null, null];
      for (let step = 1; step <= 4; step++) {
        const g = randomTensor(shape, 10 + step);
        const options = { lr: 0.01, beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay: 0, decoupled: false, maximize: false, step, ...o };
        adamStep(p1, g, m[0]!, v[0]!, vmax[0]!, options);
        adamStepComposite(p2, g, m[1]!, v[1]!, vmax[1]!, options);
        g.dispose();
      }
      await expectClose(p1, p2);
      await expectClose(m[0]!, m[1]!);
      await expectClose(v[0]!, v[1]!);
      if (amsgrad) await expectClose(vmax[0]!, vmax[1]!);
      core.dispose([p1, p2, ...m, ...v, ...vmax.filter((t): t is Tensor => t !== null)]);
    });
  }

  it("sgdStep's kernel matches core's composition (momentum, dampening, Nesterov, decay)", async () => {
    const variants: Partial<core.SgdStepOptions>[] = [{ momentum: 0.9, dampening: 0.1, weightDecay: 0.01 }, { momentum: 0.8, nesterov: true, maximize: true }];
    for (const o of variants) {
      const shape = [50, 3];
      const [p1, p2] = [randomTensor(shape, 2), randomTensor(shape, 2)];
      const [b1, b2] = [core.zeros(shape, dev), core.zeros(shape, dev)];
      for (let step = 1; step <= 3; step++) {
        const g = randomTensor(shape, 20 + step);
        const options = { lr: 0.1, momentum: 0, dampening: 0, weightDecay: 0, nesterov: false, maximize: false, first: step === 1, ...o } as core.SgdStepAttrs;
        sgdStep(p1, g, b1, options);
        sgdStepComposite(p2, g, b2, options);
        g.dispose();
      }
      await expectClose(p1, p2);
      await expectClose(b1, b2);
      core.dispose([p1, p2, b1, b2]);
    }
  });

  it('falls back to the compositions for non-contiguous parameters and mixed dtypes', async () => {
    const base = [randomTensor([4, 6], 3), randomTensor([4, 6], 3)];
    const p = base.map((t) => t.t()); // [6, 4], transposed
    const g = randomTensor([6, 4], 4);
    const state = [0, 1].map(() => [core.zeros([6, 4], dev), core.zeros([6, 4], dev)]);
    const before = p[0]!.storage.version;
    adamStep(p[0]!, g, state[0]![0]!, state[0]![1]!, null, { lr: 0.1, step: 1 });
    expect(p[0]!.storage.version).toBeGreaterThan(before);
    adamStepComposite(p[1]!, g, state[1]![0]!, state[1]![1]!, null, {
      lr: 0.1, beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay: 0, step: 1, decoupled: false, maximize: false,
    });
    await expectClose(base[0]!, base[1]!, 0, 0);
    // A float64 gradient for a float32 parameter: the composition promotes, then writes float32.
    const q = randomTensor([5], 5);
    const qRef = randomTensor([5], 5);
    const g64 = randomTensor([5], 6, 'float64');
    sgdStep(q, g64, null, { lr: 0.5 });
    sgdStepComposite(qRef, g64, null, { lr: 0.5, momentum: 0, dampening: 0, weightDecay: 0, nesterov: false, maximize: false, first: false });
    await expectClose(q, qRef, 0, 0);
    core.dispose([...base, ...p, g, ...state.flat(), q, qRef, g64]);
  });

  it('an MLP step (linear, relu, linear, cross-entropy, backward) gives the CPU backend loss and gradients', async () => {
    const make = (device: string) => {
      const x = randomTensor([8, 5], 7, 'float32', device);
      const w1 = randomTensor([6, 5], 8, 'float32', device).requiresGrad_();
      const b1 = randomTensor([6], 9, 'float32', device).requiresGrad_();
      const w2 = randomTensor([3, 6], 10, 'float32', device).requiresGrad_();
      const b2 = randomTensor([3], 11, 'float32', device).requiresGrad_();
      const y = core.tensor([0, 2, 1, 1, -100, 2, 0, 1], { dtype: 'int32', device });
      const loss = core.crossEntropy(core.linear(core.relu(core.linear(x, w1, b1)), w2, b2), y, { labelSmoothing: 0.1 });
      loss.backward();
      return { loss, grads: [w1, b1, w2, b2].map((p) => p.grad!), all: [x, w1, b1, w2, b2, y, loss] };
    };
    const n = make('native');
    const c = make('cpu');
    expect(n.loss.device).toBe('native');
    await expectClose(n.loss, c.loss);
    for (let i = 0; i < 4; i++) await expectClose(n.grads[i]!, c.grads[i]!);
    core.dispose([...n.all, ...c.all]);
  });
});

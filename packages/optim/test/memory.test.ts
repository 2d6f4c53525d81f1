/**
 * Updates happen in place: parameters keep their identity and memory, state tensors are created
 * once, and 1000 steps leave the number of live tensors and bytes unchanged.
 */
import { noGrad } from '@tessera/autograd';
import { memory, randn, tensor, tidy, type Tensor } from '@tessera/core';
import { describe, expect, it } from 'vitest';
import { Adagrad, Adam, AdamW, RMSprop, SGD, type Optimizer } from '../src/index.js';
import { values } from './helpers.js';

const make: [string, (params: Tensor[]) => Optimizer][] = [
  ['SGD', (p) => new SGD(p, { lr: 1e-3 })],
  ['SGD momentum nesterov weightDecay', (p) => new SGD(p, { lr: 1e-3, momentum: 0.9, nesterov: true, weightDecay: 1e-2 })],
  ['Adam amsgrad', (p) => new Adam(p, { lr: 1e-3, amsgrad: true, weightDecay: 1e-2 })],
  ['AdamW', (p) => new AdamW(p, { lr: 1e-3 })],
  ['RMSprop centered momentum', (p) => new RMSprop(p, { lr: 1e-3, centered: true, momentum: 0.9, weightDecay: 1e-2 })],
  ['Adagrad', (p) => new Adagrad(p, { lr: 1e-3, lrDecay: 1e-3, weightDecay: 1e-2 })],
];

function params(): Tensor[] {
  return [randn([3, 4]).requiresGrad_(), randn([5]).requiresGrad_()];
}

describe('optimizer steps allocate nothing that lives on', () => {
  for (const [name, create] of make) {
    it(`${name}: 1000 steps keep live tensors and bytes constant`, () => {
      const ps = params();
      ps.forEach((p) => (p.grad = randn(p.shape)));
      const opt = create(ps);
      opt.step(); // creates the state
      const before = memory();
      for (let i = 0; i < 1000; i++) opt.step();
      const after = memory();
      expect(after.numTensors).toBe(before.numTensors);
      expect(after.numBytes).toBe(before.numBytes);
    });

    it(`${name}: parameters are updated in place`, () => {
      const ps = params();
      ps.forEach((p) => (p.grad = randn(p.shape)));
      const aliases = noGrad(() => ps.map((p) => p.reshape([-1])));
      const opt = create(ps);
      const start = ps.map(values);
      opt.step();
      const stateTensors = [...opt.state.values()].flatMap((s) => Object.values(s).filter((v) => typeof v === 'object' && v !== null));
      opt.step();
      ps.forEach((p, i) => {
        expect(values(p)).not.toEqual(start[i]);
        // A view taken before the steps sees the new values: the parameter's own memory was written.
        expect(values(aliases[i]!)).toEqual(values(p));
        expect(p.requiresGrad).toBe(true);
        expect(p.isLeaf).toBe(true);
      });
      // State tensors are updated in place too, not replaced.
      expect([...opt.state.values()].flatMap((s) => Object.values(s).filter((v) => typeof v === 'object' && v !== null))).toEqual(stateTensors);
    });
  }

  it('a training loop with backward, zeroGrad and a tidy per step does not grow', () => {
    const w = randn([4, 3]).requiresGrad_();
    const b = randn([3]).requiresGrad_();
    const x = randn([8, 4]);
    const y = randn([8, 3]);
    const opt = new Adam([w, b], { lr: 1e-2 });
    const train = (): number =>
      tidy(() => {
        opt.zeroGrad();
        const loss = x.matmul(w).add(b).sub(y).square().mean();
        loss.backward();
        opt.step();
        return loss.itemSync() as number;
      });
    const first = train();
    const before = memory();
    let last = first;
    for (let i = 0; i < 1000; i++) last = train();
    const after = memory();
    expect(last).toBeLessThan(first);
    expect(after.numTensors).toBe(before.numTensors);
    expect(after.numBytes).toBe(before.numBytes);
  });

  it('zeroGrad frees the gradients (setToNone) or zeroes them in place', () => {
    const p = tensor([1, 2]).requiresGrad_();
    const opt = new SGD([p], { lr: 0.1 });
    const before = memory();
    p.grad = tensor([1, 1]);
    const grad = p.grad;
    opt.zeroGrad({ setToNone: false });
    expect(p.grad).toBe(grad);
    expect(values(p.grad)).toEqual([0, 0]);
    opt.zeroGrad();
    expect(p.grad).toBeNull();
    expect(grad.isDisposed).toBe(true);
    expect(memory().numTensors).toBe(before.numTensors);
  });
});

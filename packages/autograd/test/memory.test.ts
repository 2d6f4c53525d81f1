/** Training leaks nothing: 1,000 steps of a small MLP leave the live tensor count and bytes unchanged. */
import '@tessera/backend-cpu';
import { Generator, memory, randn, tidy, type Tensor } from '@tessera/core';
import { describe, expect, it } from 'vitest';
import { noGrad } from '../src/index.js';

describe('memory', () => {
  it('1,000 SGD steps of an MLP keep memory flat', () => {
    const g = new Generator(7);
    const param = (shape: number[], scale: number): Tensor =>
      tidy(() => randn(shape, { generator: g }).mul(scale)).requiresGrad_();
    const w1 = param([4, 16], 0.5);
    const b1 = param([16], 0);
    const w2 = param([16, 3], 0.3);
    const b2 = param([3], 0);
    const params = [w1, b1, w2, b2];
    const x = randn([32, 4], { generator: g });
    const target = randn([32, 3], { generator: g });

    const step = (lr: number): number =>
      tidy(() => {
        for (const p of params) {
          p.grad?.dispose();
          p.grad = null;
        }
        const hidden = x.matmul(w1).add(b1).relu();
        const out = hidden.matmul(w2).add(b2).logSoftmax(1).mul(target.softmax(1)).neg().sum(1).mean();
        const loss = out.add(hidden.pow(2).mean().mul(1e-3));
        loss.backward();
        noGrad(() => {
          for (const p of params) p.sub_(p.grad!.mul(lr));
        });
        return loss.itemSync() as number;
      });

    const first = step(0.1);
    const before = memory();
    let last = first;
    for (let i = 0; i < 1000; i++) last = step(0.1);
    const after = memory();
    expect(after.numTensors).toBe(before.numTensors);
    expect(after.numBytes).toBe(before.numBytes);
    expect(after.devices.cpu!.buffers).toBe(before.devices.cpu!.buffers);
    expect(last).toBeLessThan(first); // it trained
  });
});

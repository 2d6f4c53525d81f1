/**
 * Optimizer trajectories against PyTorch 1.13 (fixtures/optimizers.json, written by
 * fixtures/generate.py). Each configuration runs 20 steps twice: once fed PyTorch's recorded
 * gradients (the optimizer alone), once computing the gradients with autograd (end to end).
 */
import '@tessera/autograd';
import { tensor, type Tensor } from '@tessera/core';
import { describe, expect, it } from 'vitest';
import { Adagrad, Adam, AdamW, RMSprop, SGD, type Optimizer } from '../src/index.js';
import { expectClose, loadFixture, values } from './helpers.js';

interface Config {
  name: string;
  optimizer: 'SGD' | 'Adam' | 'AdamW' | 'RMSprop' | 'Adagrad';
  options: Record<string, unknown>;
  groups: ({ params: number[] } & Record<string, unknown>)[] | null;
  grads: number[][][];
  params: number[][][];
}
interface Fixture {
  shapes: number[][];
  initial: number[][];
  targets: number[][];
  weights: number[][];
  configs: Config[];
}

const fixture = loadFixture<Fixture>('optimizers');
const CLASSES = { SGD, Adam, AdamW, RMSprop, Adagrad } as const;

function build(config: Config): { params: Tensor[]; optimizer: Optimizer } {
  const leaves = fixture.initial.map((v, i) => fromFixture(v, i).requiresGrad_());
  const Cls = CLASSES[config.optimizer] as unknown as new (params: unknown, options: Record<string, unknown>) => Optimizer;
  const input = config.groups === null ? leaves : config.groups.map((g) => ({ ...g, params: g.params.map((i) => leaves[i]!) }));
  return { params: leaves, optimizer: new Cls(input, config.options) };
}

/** Fixture values as a tensor of parameter `i`'s shape. */
function fromFixture(v: number[], i: number): Tensor {
  return tensor(Float32Array.from(v), { shape: fixture.shapes[i]! });
}

function loss(params: Tensor[]): Tensor {
  let total: Tensor | null = null;
  params.forEach((p, i) => {
    const t = fromFixture(fixture.targets[i]!, i);
    const w = fromFixture(fixture.weights[i]!, i);
    const term = w.mul(p.sub(t).square()).sum().add(p.square().square().sum().mul(0.05));
    total = total === null ? term : total.add(term);
  });
  return total!;
}

describe('optimizers match PyTorch step by step (recorded gradients)', () => {
  for (const config of fixture.configs) {
    it(config.name, () => {
      const { params, optimizer } = build(config);
      for (let step = 0; step < config.grads.length; step++) {
        params.forEach((p, i) => {
          p.grad?.dispose();
          p.grad = fromFixture(config.grads[step]![i]!, i);
        });
        optimizer.step();
        params.forEach((p, i) => expectClose(`${config.name} step ${step + 1} param ${i}`, values(p), config.params[step]![i]!));
      }
    });
  }
});

describe('optimizers match PyTorch end to end (gradients from autograd)', () => {
  for (const config of fixture.configs) {
    it(config.name, () => {
      const { params, optimizer } = build(config);
      for (let step = 0; step < config.grads.length; step++) {
        optimizer.zeroGrad();
        loss(params).backward();
        params.forEach((p, i) => expectClose(`${config.name} grad before step ${step + 1} param ${i}`, values(p.grad!), config.grads[step]![i]!, 1e-4, 1e-4));
        optimizer.step();
        params.forEach((p, i) => expectClose(`${config.name} step ${step + 1} param ${i}`, values(p), config.params[step]![i]!, 1e-4, 1e-4));
      }
    });
  }

  it('covers every optimizer class', () => {
    expect(new Set(fixture.configs.map((c) => c.optimizer))).toEqual(new Set(Object.keys(CLASSES)));
  });
});

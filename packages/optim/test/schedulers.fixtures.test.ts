/**
 * Learning-rate sequences against PyTorch 1.13's schedulers (fixtures/schedulers.json): an
 * optimizer with two groups (lr 0.1 and 0.01), the rates after construction and after each step.
 */
import { zeros } from '@tessera/core';
import { describe, expect, it } from 'vitest';
import { Adam, lrScheduler, SGD, type Optimizer } from '../src/index.js';
import { loadFixture } from './helpers.js';

interface Config {
  name: string;
  scheduler: 'StepLR' | 'MultiStepLR' | 'ExponentialLR' | 'CosineAnnealingLR' | 'LinearLR' | 'OneCycleLR' | 'ReduceLROnPlateau';
  options: Record<string, unknown>;
  optimizer: 'SGD' | 'Adam';
  lrs: number[][];
  momenta?: number[][];
  metrics?: number[];
}

const fixture = loadFixture<{ configs: Config[] }>('schedulers');

function optimizerFor(kind: 'SGD' | 'Adam'): Optimizer {
  const groups = [
    { params: [zeros([2]).requiresGrad_()], lr: 0.1 },
    { params: [zeros([3]).requiresGrad_()], lr: 0.01 },
  ];
  return kind === 'SGD' ? new SGD(groups, { lr: 0.1, momentum: 0.9 }) : new Adam(groups);
}

function momentaOf(opt: Optimizer): number[] {
  return opt.paramGroups.map((g) => (Array.isArray(g.betas) ? (g.betas[0] as number) : (g.momentum as number)));
}

/** Python floats against JavaScript numbers: the same formulas, so only last-bit differences. */
function expectLrs(label: string, got: number[], want: number[]): void {
  expect(got.length, label).toBe(want.length);
  got.forEach((g, i) => expect(Math.abs(g - want[i]!), `${label} group ${i}: got ${g}, PyTorch ${want[i]}`).toBeLessThanOrEqual(1e-12 * Math.max(1, Math.abs(want[i]!))));
}

describe('schedulers match PyTorch', () => {
  for (const config of fixture.configs) {
    it(config.name, () => {
      const opt = optimizerFor(config.optimizer);
      const Cls = lrScheduler[config.scheduler] as unknown as new (o: Optimizer, options: unknown) => {
        step(metric?: number): void;
        getLastLr(): number[];
      };
      const scheduler = new Cls(opt, config.options);
      const current = (): number[] => opt.paramGroups.map((g) => g.lr);
      expectLrs(`${config.name} after construction`, current(), config.lrs[0]!);
      if (config.momenta) expectLrs(`${config.name} momentum after construction`, momentaOf(opt), config.momenta[0]!);
      for (let k = 1; k < config.lrs.length; k++) {
        opt.step();
        if (config.metrics) scheduler.step(config.metrics[k - 1]);
        else scheduler.step();
        expectLrs(`${config.name} step ${k}`, current(), config.lrs[k]!);
        expectLrs(`${config.name} getLastLr() at step ${k}`, scheduler.getLastLr(), config.lrs[k]!);
        if (config.momenta) expectLrs(`${config.name} momentum at step ${k}`, momentaOf(opt), config.momenta[k]!);
      }
    });
  }

  it('covers every scheduler', () => {
    expect(new Set(fixture.configs.map((c) => c.scheduler))).toEqual(
      new Set(['StepLR', 'MultiStepLR', 'ExponentialLR', 'CosineAnnealingLR', 'LinearLR', 'OneCycleLR', 'ReduceLROnPlateau']),
    );
  });
});

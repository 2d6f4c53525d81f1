/** Scheduler behaviour beyond the fixtures: closed forms, state dicts, errors, and driving optimizer steps. */
import { tensor, zeros } from '@tessera/core';
import { describe, expect, it } from 'vitest';
import {
  Adagrad,
  Adam,
  CosineAnnealingLR,
  ExponentialLR,
  LinearLR,
  lrScheduler,
  MultiStepLR,
  OneCycleLR,
  ReduceLROnPlateau,
  SGD,
  StepLR,
  type LRScheduler,
  type Optimizer,
} from '../src/index.js';
import { values } from './helpers.js';

const sgd = (lr = 0.1): SGD => new SGD([{ params: [zeros([2]).requiresGrad_()] }, { params: [zeros([1]).requiresGrad_()], lr: lr / 10 }], { lr, momentum: 0.9 });
const lrs = (opt: Optimizer): number[] => opt.paramGroups.map((g) => g.lr);

describe('closed forms', () => {
  it('CosineAnnealingLR: the recursive form agrees with the closed form over the first period', () => {
    const recursive = sgd();
    const closed = sgd();
    const a = new CosineAnnealingLR(recursive, { tMax: 25, etaMin: 0.001 });
    const b = new CosineAnnealingLR(closed, { tMax: 25, etaMin: 0.001 });
    for (let epoch = 1; epoch <= 25; epoch++) {
      a.step();
      b.step(epoch);
      lrs(recursive).forEach((lr, i) => expect(lr).toBeCloseTo(lrs(closed)[i]!, 12));
    }
    expect(lrs(recursive)[0]).toBeCloseTo(0.001, 12); // reaches etaMin at tMax
  });

  it.each([
    ['StepLR', (o: Optimizer) => new StepLR(o, { stepSize: 3, gamma: 0.5 })],
    ['MultiStepLR', (o: Optimizer) => new MultiStepLR(o, { milestones: [2, 5, 5], gamma: 0.5 })],
    ['ExponentialLR', (o: Optimizer) => new ExponentialLR(o, { gamma: 0.9 })],
    ['LinearLR', (o: Optimizer) => new LinearLR(o, { startFactor: 0.2, totalIters: 4 })],
  ] as [string, (o: Optimizer) => LRScheduler][])('%s: step(epoch) uses the closed form, which matches stepping', (_, make) => {
    const chained = sgd();
    const jumped = sgd();
    const a = make(chained);
    const b = make(jumped);
    for (let epoch = 1; epoch <= 12; epoch++) {
      a.step();
      b.step(epoch);
      lrs(chained).forEach((lr, i) => expect(lr).toBeCloseTo(lrs(jumped)[i]!, 12));
    }
  });
});

describe('scheduler state dicts', () => {
  it("use PyTorch's key names", () => {
    const s = new StepLR(sgd(), { stepSize: 3 });
    s.step();
    expect(s.stateDict()).toEqual({ base_lrs: [0.1, 0.01], last_epoch: 1, _step_count: 2, _last_lr: [0.1, 0.01], step_size: 3, gamma: 0.1 });
    expect(Object.keys(new ReduceLROnPlateau(sgd()).stateDict())).toEqual(
      expect.arrayContaining(['factor', 'min_lrs', 'patience', 'cooldown', 'cooldown_counter', 'mode', 'threshold', 'threshold_mode', 'best', 'num_bad_epochs', 'mode_worse', 'eps', 'last_epoch']),
    );
  });

  it.each([
    ['CosineAnnealingLR', (o: Optimizer) => new CosineAnnealingLR(o, { tMax: 7 })],
    ['OneCycleLR', (o: Optimizer) => new OneCycleLR(o, { maxLr: 1, totalSteps: 20, threePhase: true })],
    ['MultiStepLR', (o: Optimizer) => new MultiStepLR(o, { milestones: [3, 8] })],
    ['LinearLR', (o: Optimizer) => new LinearLR(o)],
  ] as [string, (o: Optimizer) => LRScheduler][])('%s: resuming from a state dict continues the same schedule', (_, make) => {
    const optA = sgd();
    const a = make(optA);
    for (let i = 0; i < 6; i++) a.step();
    const optSd = optA.stateDict();
    const schedSd = a.stateDict();
    // PyTorch's order: build both, then load the optimizer's state and the scheduler's.
    const optB = sgd();
    const b = make(optB);
    optB.loadStateDict(optSd);
    b.loadStateDict(schedSd);
    for (let i = 0; i < 10; i++) {
      a.step();
      b.step();
      expect(lrs(optB)).toEqual(lrs(optA));
      expect(b.getLastLr()).toEqual(a.getLastLr());
    }
  });

  it("loads PyTorch's T_max spelling and ignores keys it doesn't have", () => {
    const s = new CosineAnnealingLR(sgd(), { tMax: 5 });
    s.loadStateDict({ T_max: 9, verbose: false, _get_lr_called_within_step: false });
    expect(s.tMax).toBe(9);
    expect(s.stateDict()).not.toHaveProperty('verbose');
  });

  it('ReduceLROnPlateau: resuming keeps best, counters and cooldown', () => {
    const opt = sgd();
    const s = new ReduceLROnPlateau(opt, { patience: 1, cooldown: 2 });
    [1, 0.5, 0.6, 0.7].forEach((m) => s.step(m));
    const resumed = new ReduceLROnPlateau(sgd(), { patience: 1, cooldown: 2 });
    resumed.loadStateDict(s.stateDict());
    expect(resumed.best).toBe(0.5);
    expect(resumed.cooldownCounter).toBe(s.cooldownCounter);
    expect(resumed.inCooldown).toBe(true);
  });
});

describe('schedulers drive the optimizer', () => {
  it('the optimizer steps with the scheduled learning rate', () => {
    const w = tensor([0]).requiresGrad_();
    const opt = new SGD([w], { lr: 1 });
    const s = new StepLR(opt, { stepSize: 1, gamma: 0.5 });
    for (let i = 0; i < 3; i++) {
      w.grad = tensor([-1]);
      opt.step();
      s.step();
    }
    expect(values(w)).toEqual([1 + 0.5 + 0.25]);
  });

  it('OneCycleLR cycles Adam beta1 and keeps beta2', () => {
    const opt = new Adam([zeros([1]).requiresGrad_()], { betas: [0.9, 0.95] });
    const s = new OneCycleLR(opt, { maxLr: 0.1, totalSteps: 10 });
    expect(opt.paramGroups[0]!.betas).toEqual([0.95, 0.95]);
    s.step();
    s.step(); // the peak of the learning rate (step 0.3 * 10 - 1) is the trough of beta1
    expect(opt.paramGroups[0]!.betas[0]).toBeCloseTo(0.85, 12);
    expect(opt.paramGroups[0]!.lr).toBeCloseTo(0.1, 12);
    expect(opt.paramGroups[0]!.betas[1]).toBe(0.95);
  });

  it('ReduceLROnPlateau accepts a tensor metric', () => {
    const opt = sgd();
    const s = new ReduceLROnPlateau(opt, { patience: 0, factor: 0.5 });
    s.step(tensor(1));
    s.step(tensor([2]));
    expect(s.getLastLr()).toEqual([0.05, 0.005]);
  });

  it('the lrScheduler namespace holds every scheduler', () => {
    expect(Object.keys(lrScheduler).sort()).toEqual(
      ['CosineAnnealingLR', 'ExponentialLR', 'LRScheduler', 'LinearLR', 'MultiStepLR', 'OneCycleLR', 'ReduceLROnPlateau', 'StepLR'].sort(),
    );
  });
});

describe('scheduler errors', () => {
  it.each([
    [() => new StepLR({} as Optimizer, { stepSize: 1 }), 'StepLR: expected an Optimizer, got an object'],
    [() => new StepLR(sgd(), { stepSize: 0 }), 'StepLR: stepSize must be a positive integer, got 0'],
    [() => new StepLR(sgd(), { stepSize: 2, lastEpoch: 4 }), 'StepLR: initialLr is not set in paramGroups[0] when resuming an optimizer (lastEpoch 4)'],
    [() => new CosineAnnealingLR(sgd(), { tMax: 1.5 }), 'CosineAnnealingLR: tMax must be a positive integer, got 1.5'],
    [() => new LinearLR(sgd(), { startFactor: 0 }), 'LinearLR: startFactor must be greater than 0 and at most 1, got 0'],
    [() => new LinearLR(sgd(), { endFactor: 2 }), 'LinearLR: endFactor must be between 0 and 1, got 2'],
    [() => new MultiStepLR(sgd(), { milestones: 3 as unknown as number[] }), 'MultiStepLR: milestones must be an array of epochs, got 3'],
    [() => new OneCycleLR(sgd(), { maxLr: 1 }), 'OneCycleLR: you must define either totalSteps or (epochs and stepsPerEpoch)'],
    [() => new OneCycleLR(sgd(), { maxLr: [1, 2, 3], totalSteps: 5 }), 'OneCycleLR: expected 2 values for maxLr (one per parameter group), got 3'],
    [() => new OneCycleLR(sgd(), { maxLr: 1, totalSteps: 5, pctStart: 1.5 }), 'OneCycleLR: expected pctStart between 0 and 1, got 1.5'],
    [() => new OneCycleLR(sgd(), { maxLr: 1, totalSteps: 5, annealStrategy: 'exp' as 'cos' }), "OneCycleLR: annealStrategy must be 'cos' or 'linear', got exp"],
    [() => new OneCycleLR(new Adagrad([zeros([1]).requiresGrad_()]), { maxLr: 1, totalSteps: 5 }), /OneCycleLR: the optimizer must support momentum/],
    [() => new ReduceLROnPlateau(sgd(), { factor: 1 }), 'ReduceLROnPlateau: factor should be < 1.0, got 1'],
    [() => new ReduceLROnPlateau(sgd(), { mode: 'up' as 'min' }), "ReduceLROnPlateau: mode up is unknown (use 'min' or 'max')"],
    [() => new ReduceLROnPlateau(sgd(), { minLr: [0] }), 'ReduceLROnPlateau: expected 2 values for minLr (one per parameter group), got 1'],
  ] as [() => unknown, string | RegExp][])('%#', (make, message) => {
    expect(make).toThrow(message);
  });

  it('OneCycleLR refuses to step past totalSteps', () => {
    const s = new OneCycleLR(sgd(), { maxLr: 1, totalSteps: 3 });
    s.step();
    s.step();
    s.step();
    expect(() => s.step()).toThrow('OneCycleLR: tried to step 5 times; the specified number of total steps is 3');
  });
});

describe('two loaded copies of the package', () => {
  it('a scheduler from the CommonJS build accepts an optimizer from the ESM source', async () => {
    const { createRequire } = await import('node:module');
    const require = createRequire(import.meta.url);
    const cjs = require('../dist/index.cjs') as typeof import('../src/index.js');
    const opt = sgd();
    expect(opt instanceof cjs.Optimizer).toBe(true);
    const s = new cjs.StepLR(opt, { stepSize: 1, gamma: 0.5 });
    s.step();
    expect(lrs(opt)).toEqual([0.05, 0.005]);
    expect(opt instanceof cjs.SGD).toBe(false); // concrete classes keep ordinary instanceof
  });
});

/** `OneCycleLR`: the 1cycle policy (Smith & Topin), stepped once per batch. */
import { toCamel } from '../keys.js';
import type { Optimizer, ParamGroup } from '../optimizer.js';
import { checkOptimizer, LRScheduler, type SchedulerOptions } from './scheduler.js';
import { checkNumber, checkPositiveInteger, perGroup } from './validate.js';

export interface OneCycleLROptions extends SchedulerOptions {
  /** Peak learning rate, one for all groups or one per group. */
  maxLr: number | readonly number[];
  /** Number of steps in the cycle; or give `epochs` and `stepsPerEpoch`. */
  totalSteps?: number;
  epochs?: number;
  stepsPerEpoch?: number;
  /** Fraction of the cycle spent increasing the learning rate (default 0.3). */
  pctStart?: number;
  /** `'cos'` (default) or `'linear'` annealing. */
  annealStrategy?: 'cos' | 'linear';
  /** Cycle momentum (or Adam's beta1) inversely to the learning rate (default true). */
  cycleMomentum?: boolean;
  /** Momentum at the learning-rate peak (default 0.85). */
  baseMomentum?: number | readonly number[];
  /** Momentum at the start and end of the cycle (default 0.95). */
  maxMomentum?: number | readonly number[];
  /** Initial learning rate = maxLr / divFactor (default 25). */
  divFactor?: number;
  /** Final learning rate = initial learning rate / finalDivFactor (default 1e4). */
  finalDivFactor?: number;
  /** Use a third phase that anneals from the initial learning rate to the final one (default false). */
  threePhase?: boolean;
}

/** A phase of the cycle in PyTorch's layout: it ends at `end_step` and moves between the named group values. */
interface Phase {
  end_step: number;
  start_lr: string;
  end_lr: string;
  start_momentum: string;
  end_momentum: string;
}

/**
 * The 1cycle learning-rate policy: the learning rate rises from `maxLr / divFactor` to `maxLr`,
 * then anneals to `maxLr / (divFactor·finalDivFactor)`, while momentum moves the opposite way.
 * Call `step()` after every batch.
 *
 * @example
 * const scheduler = new OneCycleLR(optimizer, { maxLr: 0.01, epochs: 10, stepsPerEpoch: loader.length });
 */
export class OneCycleLR extends LRScheduler {
  totalSteps: number;
  annealStrategy: 'cos' | 'linear';
  cycleMomentum: boolean;
  /** Whether momentum is cycled through Adam-style `betas[0]` rather than `momentum`. */
  useBeta1: boolean;
  protected _schedulePhases: Phase[];

  constructor(optimizer: Optimizer, options: OneCycleLROptions) {
    const name = 'OneCycleLR';
    checkOptimizer(name, optimizer);
    const { lastEpoch = -1, pctStart = 0.3, annealStrategy = 'cos', cycleMomentum = true, divFactor = 25, finalDivFactor = 1e4 } = options;
    let totalSteps: number;
    if (options.totalSteps !== undefined) {
      checkPositiveInteger(name, 'totalSteps', options.totalSteps);
      totalSteps = options.totalSteps;
    } else if (options.epochs !== undefined || options.stepsPerEpoch !== undefined) {
      checkPositiveInteger(name, 'epochs', options.epochs);
      checkPositiveInteger(name, 'stepsPerEpoch', options.stepsPerEpoch);
      totalSteps = options.epochs! * options.stepsPerEpoch!;
    } else {
      throw new Error(`${name}: you must define either totalSteps or (epochs and stepsPerEpoch)`);
    }
    if (typeof pctStart !== 'number' || !(pctStart >= 0 && pctStart <= 1)) {
      throw new RangeError(`${name}: expected pctStart between 0 and 1, got ${String(pctStart)}`);
    }
    if (annealStrategy !== 'cos' && annealStrategy !== 'linear') {
      throw new RangeError(`${name}: annealStrategy must be 'cos' or 'linear', got ${String(annealStrategy)}`);
    }
    checkNumber(name, 'divFactor', divFactor);
    checkNumber(name, 'finalDivFactor', finalDivFactor);

    // Written into the groups before the base class reads `initialLr`, as in PyTorch.
    const groups = optimizer.paramGroups;
    const maxLrs = perGroup(name, 'maxLr', options.maxLr, groups.length);
    if (lastEpoch === -1) {
      groups.forEach((g, i) => {
        g.initialLr = maxLrs[i]! / divFactor;
        g.maxLr = maxLrs[i]!;
        g.minLr = g.initialLr / finalDivFactor;
      });
    }
    let useBeta1 = false;
    if (cycleMomentum) {
      if (!('momentum' in optimizer.defaults) && !('betas' in optimizer.defaults)) {
        throw new Error(`${name}: the optimizer must support momentum (a 'momentum' or 'betas' hyperparameter) with cycleMomentum enabled`);
      }
      useBeta1 = 'betas' in optimizer.defaults;
      const maxMomentums = perGroup(name, 'maxMomentum', options.maxMomentum ?? 0.95, groups.length);
      const baseMomentums = perGroup(name, 'baseMomentum', options.baseMomentum ?? 0.85, groups.length);
      if (lastEpoch === -1) {
        groups.forEach((g, i) => {
          setMomentum(g, useBeta1, maxMomentums[i]!);
          g.maxMomentum = maxMomentums[i]!;
          g.baseMomentum = baseMomentums[i]!;
        });
      }
    }

    super(optimizer, lastEpoch);
    this.totalSteps = totalSteps;
    this.annealStrategy = annealStrategy;
    this.cycleMomentum = cycleMomentum;
    this.useBeta1 = useBeta1;
    this._schedulePhases = options.threePhase
      ? [
          { end_step: pctStart * totalSteps - 1, start_lr: 'initial_lr', end_lr: 'max_lr', start_momentum: 'max_momentum', end_momentum: 'base_momentum' },
          { end_step: 2 * pctStart * totalSteps - 2, start_lr: 'max_lr', end_lr: 'initial_lr', start_momentum: 'base_momentum', end_momentum: 'max_momentum' },
          { end_step: totalSteps - 1, start_lr: 'initial_lr', end_lr: 'min_lr', start_momentum: 'max_momentum', end_momentum: 'max_momentum' },
        ]
      : [
          { end_step: pctStart * totalSteps - 1, start_lr: 'initial_lr', end_lr: 'max_lr', start_momentum: 'max_momentum', end_momentum: 'base_momentum' },
          { end_step: totalSteps - 1, start_lr: 'max_lr', end_lr: 'min_lr', start_momentum: 'base_momentum', end_momentum: 'max_momentum' },
        ];
    this.initialStep();
  }

  protected override get schedulerName(): string {
    return 'OneCycleLR';
  }

  private anneal(start: number, end: number, pct: number): number {
    if (this.annealStrategy === 'linear') return (end - start) * pct + start;
    return end + ((start - end) / 2) * (Math.cos(Math.PI * pct) + 1);
  }

  protected getLr(): number[] {
    const stepNum = this.lastEpoch;
    if (stepNum > this.totalSteps) {
      throw new RangeError(`OneCycleLR: tried to step ${stepNum + 1} times; the specified number of total steps is ${this.totalSteps}`);
    }
    const phases = this._schedulePhases;
    return this.optimizer.paramGroups.map((group) => {
      const value = (key: string): number => group[toCamel(key)] as number;
      let startStep = 0;
      for (let i = 0; i < phases.length; i++) {
        const phase = phases[i]!;
        if (stepNum <= phase.end_step || i === phases.length - 1) {
          const pct = (stepNum - startStep) / (phase.end_step - startStep);
          if (this.cycleMomentum) setMomentum(group, this.useBeta1, this.anneal(value(phase.start_momentum), value(phase.end_momentum), pct));
          return this.anneal(value(phase.start_lr), value(phase.end_lr), pct);
        }
        startStep = phase.end_step;
      }
      throw new Error('unreachable');
    });
  }
}

function setMomentum(group: ParamGroup, useBeta1: boolean, momentum: number): void {
  if (useBeta1) group.betas = [momentum, ...(group.betas as number[]).slice(1)];
  else group.momentum = momentum;
}

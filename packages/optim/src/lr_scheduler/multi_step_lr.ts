/** `MultiStepLR`: multiply the learning rate by `gamma` at given epochs. */
import type { Optimizer } from '../optimizer.js';
import { LRScheduler, type SchedulerOptions } from './scheduler.js';
import { checkNumber } from './validate.js';

export interface MultiStepLROptions extends SchedulerOptions {
  /** Epochs at which to decay (a milestone listed twice decays twice). */
  milestones: readonly number[];
  /** Factor of each decay (default 0.1). */
  gamma?: number;
}

/**
 * Decays each group's learning rate by `gamma` when the epoch reaches a milestone.
 *
 * @example
 * // lr = 0.05 until epoch 30, 0.005 until epoch 80, then 0.0005
 * const scheduler = new MultiStepLR(optimizer, { milestones: [30, 80], gamma: 0.1 });
 */
export class MultiStepLR extends LRScheduler {
  /** The milestones, sorted (repeats kept). */
  milestones: number[];
  gamma: number;

  constructor(optimizer: Optimizer, options: MultiStepLROptions) {
    super(optimizer, options?.lastEpoch);
    if (!Array.isArray(options.milestones)) throw new TypeError(`MultiStepLR: milestones must be an array of epochs, got ${String(options.milestones)}`);
    options.milestones.forEach((m, i) => checkNumber('MultiStepLR', `milestones[${i}]`, m));
    this.milestones = [...options.milestones].sort((a, b) => a - b);
    this.gamma = options.gamma ?? 0.1;
    this.initialStep();
  }

  protected override get schedulerName(): string {
    return 'MultiStepLR';
  }

  protected getLr(): number[] {
    const hits = this.milestones.filter((m) => m === this.lastEpoch).length;
    return this.optimizer.paramGroups.map((g) => (hits === 0 ? g.lr : g.lr * this.gamma ** hits));
  }

  protected override closedFormLr(): number[] {
    const passed = this.milestones.filter((m) => m <= this.lastEpoch).length;
    return this.baseLrs.map((lr) => lr * this.gamma ** passed);
  }
}

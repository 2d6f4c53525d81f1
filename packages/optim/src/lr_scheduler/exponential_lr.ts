/** `ExponentialLR`: multiply the learning rate by `gamma` every epoch. */
import type { Optimizer } from '../optimizer.js';
import { LRScheduler, type SchedulerOptions } from './scheduler.js';
import { checkNumber } from './validate.js';

export interface ExponentialLROptions extends SchedulerOptions {
  /** Factor of the decay per epoch. */
  gamma: number;
}

/**
 * Decays each group's learning rate by `gamma` every epoch.
 *
 * @example
 * const scheduler = new ExponentialLR(optimizer, { gamma: 0.95 });
 */
export class ExponentialLR extends LRScheduler {
  gamma: number;

  constructor(optimizer: Optimizer, options: ExponentialLROptions) {
    super(optimizer, options?.lastEpoch);
    checkNumber('ExponentialLR', 'gamma', options.gamma);
    this.gamma = options.gamma;
    this.initialStep();
  }

  protected override get schedulerName(): string {
    return 'ExponentialLR';
  }

  protected getLr(): number[] {
    const groups = this.optimizer.paramGroups;
    if (this.lastEpoch === 0) return groups.map((g) => g.lr);
    return groups.map((g) => g.lr * this.gamma);
  }

  protected override closedFormLr(): number[] {
    return this.baseLrs.map((lr) => lr * this.gamma ** this.lastEpoch);
  }
}

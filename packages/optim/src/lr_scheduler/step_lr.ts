/** `StepLR`: multiply the learning rate by `gamma` every `stepSize` epochs. */
import type { Optimizer } from '../optimizer.js';
import { LRScheduler, type SchedulerOptions } from './scheduler.js';
import { checkPositiveInteger } from './validate.js';

export interface StepLROptions extends SchedulerOptions {
  /** Period of the decay, in epochs. */
  stepSize: number;
  /** Factor of each decay (default 0.1). */
  gamma?: number;
}

/**
 * Decays each group's learning rate by `gamma` every `stepSize` epochs.
 *
 * @example
 * // lr = 0.05 for epochs 0-29, 0.005 for 30-59, ...
 * const scheduler = new StepLR(optimizer, { stepSize: 30, gamma: 0.1 });
 */
export class StepLR extends LRScheduler {
  stepSize: number;
  gamma: number;

  constructor(optimizer: Optimizer, options: StepLROptions) {
    super(optimizer, options?.lastEpoch);
    checkPositiveInteger('StepLR', 'stepSize', options.stepSize);
    this.stepSize = options.stepSize;
    this.gamma = options.gamma ?? 0.1;
    this.initialStep();
  }

  protected override get schedulerName(): string {
    return 'StepLR';
  }

  protected getLr(): number[] {
    const groups = this.optimizer.paramGroups;
    if (this.lastEpoch === 0 || this.lastEpoch % this.stepSize !== 0) return groups.map((g) => g.lr);
    return groups.map((g) => g.lr * this.gamma);
  }

  protected override closedFormLr(): number[] {
    return this.baseLrs.map((lr) => lr * this.gamma ** Math.floor(this.lastEpoch / this.stepSize));
  }
}

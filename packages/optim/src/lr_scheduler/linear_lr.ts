/** `LinearLR`: scale the learning rate by a factor that changes linearly over `totalIters` epochs (warm-up). */
import type { Optimizer } from '../optimizer.js';
import { LRScheduler, type SchedulerOptions } from './scheduler.js';
import { checkPositiveInteger } from './validate.js';

export interface LinearLROptions extends SchedulerOptions {
  /** Factor at epoch 0, in (0, 1] (default 1/3). */
  startFactor?: number;
  /** Factor from epoch `totalIters` on, in [0, 1] (default 1). */
  endFactor?: number;
  /** Epochs over which the factor moves from start to end (default 5). */
  totalIters?: number;
}

/**
 * Multiplies each group's base learning rate by a factor that goes linearly from `startFactor` to
 * `endFactor` over `totalIters` epochs, then stays there: a learning-rate warm-up.
 *
 * @example
 * // 0.025, 0.03125, 0.0375, 0.04375, then 0.05 from epoch 4
 * const scheduler = new LinearLR(optimizer, { startFactor: 0.5, totalIters: 4 });
 */
export class LinearLR extends LRScheduler {
  startFactor: number;
  endFactor: number;
  totalIters: number;

  constructor(optimizer: Optimizer, options: LinearLROptions = {}) {
    super(optimizer, options.lastEpoch);
    const startFactor = options.startFactor ?? 1 / 3;
    const endFactor = options.endFactor ?? 1;
    // PyTorch 1.13 accepts 0 but then divides by zero on the first step.
    if (typeof startFactor !== 'number' || !(startFactor > 0 && startFactor <= 1)) {
      throw new RangeError(`LinearLR: startFactor must be greater than 0 and at most 1, got ${String(startFactor)}`);
    }
    if (typeof endFactor !== 'number' || !(endFactor >= 0 && endFactor <= 1)) {
      throw new RangeError(`LinearLR: endFactor must be between 0 and 1, got ${String(endFactor)}`);
    }
    this.startFactor = startFactor;
    this.endFactor = endFactor;
    this.totalIters = options.totalIters ?? 5;
    checkPositiveInteger('LinearLR', 'totalIters', this.totalIters);
    this.initialStep();
  }

  protected override get schedulerName(): string {
    return 'LinearLR';
  }

  protected getLr(): number[] {
    const { lastEpoch: t, startFactor: s, endFactor: e, totalIters: n } = this;
    const groups = this.optimizer.paramGroups;
    if (t === 0) return groups.map((g) => g.lr * s);
    if (t > n) return groups.map((g) => g.lr);
    return groups.map((g) => g.lr * (1 + (e - s) / (n * s + (t - 1) * (e - s))));
  }

  protected override closedFormLr(): number[] {
    const { lastEpoch: t, startFactor: s, endFactor: e, totalIters: n } = this;
    return this.baseLrs.map((base) => base * (s + ((e - s) * Math.min(n, t)) / n));
  }
}

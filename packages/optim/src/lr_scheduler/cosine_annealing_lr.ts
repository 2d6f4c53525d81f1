/** `CosineAnnealingLR`: cosine annealing from the base learning rate down to `etaMin` over `tMax` epochs. */
import type { Optimizer } from '../optimizer.js';
import { LRScheduler, type SchedulerOptions } from './scheduler.js';
import { checkNumber, checkPositiveInteger } from './validate.js';

export interface CosineAnnealingLROptions extends SchedulerOptions {
  /** Number of epochs of a half period (PyTorch's `T_max`). */
  tMax: number;
  /** Lowest learning rate (default 0). */
  etaMin?: number;
}

/**
 * Anneals each group's learning rate along a cosine, `etaMin + (base − etaMin)(1 + cos(π·t/tMax))/2`
 * for the first `tMax` epochs. It uses PyTorch's recursive form, which follows changes other code
 * makes to `lr` and, past `tMax`, rises back up rather than restarting.
 *
 * @example
 * const scheduler = new CosineAnnealingLR(optimizer, { tMax: 100, etaMin: 1e-5 });
 */
export class CosineAnnealingLR extends LRScheduler {
  tMax: number;
  etaMin: number;

  constructor(optimizer: Optimizer, options: CosineAnnealingLROptions) {
    super(optimizer, options?.lastEpoch);
    checkPositiveInteger('CosineAnnealingLR', 'tMax', options.tMax);
    this.tMax = options.tMax;
    this.etaMin = options.etaMin ?? 0;
    checkNumber('CosineAnnealingLR', 'etaMin', this.etaMin);
    this.initialStep();
  }

  protected override get schedulerName(): string {
    return 'CosineAnnealingLR';
  }

  protected getLr(): number[] {
    const { lastEpoch: t, tMax, etaMin, baseLrs } = this;
    const groups = this.optimizer.paramGroups;
    if (t === 0) return groups.map((g) => g.lr);
    if (this._stepCount === 1 && t > 0) {
      return baseLrs.map((base) => etaMin + ((base - etaMin) * (1 + Math.cos((t * Math.PI) / tMax))) / 2);
    }
    if ((t - 1 - tMax) % (2 * tMax) === 0) {
      return groups.map((g, i) => g.lr + ((baseLrs[i]! - etaMin) * (1 - Math.cos(Math.PI / tMax))) / 2);
    }
    return groups.map(
      (g) => ((1 + Math.cos((Math.PI * t) / tMax)) / (1 + Math.cos((Math.PI * (t - 1)) / tMax))) * (g.lr - etaMin) + etaMin,
    );
  }

  protected override closedFormLr(): number[] {
    const { lastEpoch: t, tMax, etaMin } = this;
    return this.baseLrs.map((base) => etaMin + ((base - etaMin) * (1 + Math.cos((Math.PI * t) / tMax))) / 2);
  }
}

/** `ReduceLROnPlateau`: lower the learning rate when a metric stops improving. */
import { Tensor } from '@tessera/core';
import { describe, type Optimizer } from '../optimizer.js';
import { checkOptimizer, loadSchedulerState, schedulerState, type SchedulerStateDict } from './scheduler.js';
import { checkNumber, perGroup } from './validate.js';

export interface ReduceLROnPlateauOptions {
  /** `'min'` (default): the metric should decrease (a loss); `'max'`: increase (an accuracy). */
  mode?: 'min' | 'max';
  /** Factor the learning rate is multiplied by, below 1 (default 0.1). */
  factor?: number;
  /** Epochs without improvement tolerated before reducing (default 10). */
  patience?: number;
  /** Minimum change that counts as an improvement (default 1e-4). */
  threshold?: number;
  /** `'rel'` (default): relative to the best value; `'abs'`: absolute. */
  thresholdMode?: 'rel' | 'abs';
  /** Epochs to wait after a reduction before counting bad epochs again (default 0). */
  cooldown?: number;
  /** Lower bound of the learning rate, one for all groups or one per group (default 0). */
  minLr?: number | readonly number[];
  /** Reductions smaller than this are skipped (default 1e-8). */
  eps?: number;
}

/**
 * Multiplies the learning rates by `factor` once the metric passed to `step(metric)` has not
 * improved for more than `patience` epochs.
 *
 * @example
 * const scheduler = new ReduceLROnPlateau(optimizer, { mode: 'min', patience: 5 });
 * for (let epoch = 0; epoch < 100; epoch++) {
 *   train();
 *   scheduler.step(validationLoss());
 * }
 */
export class ReduceLROnPlateau {
  readonly optimizer: Optimizer;
  factor: number;
  minLrs: number[];
  patience: number;
  cooldown: number;
  cooldownCounter = 0;
  mode: 'min' | 'max';
  threshold: number;
  thresholdMode: 'rel' | 'abs';
  /** The best metric seen so far. */
  best: number;
  numBadEpochs = 0;
  /** The worst possible metric for `mode` (±Infinity). */
  modeWorse: number;
  eps: number;
  lastEpoch = 0;
  protected _lastLr: number[];

  constructor(optimizer: Optimizer, options: ReduceLROnPlateauOptions = {}) {
    const name = 'ReduceLROnPlateau';
    checkOptimizer(name, optimizer);
    const { mode = 'min', factor = 0.1, patience = 10, threshold = 1e-4, thresholdMode = 'rel', cooldown = 0, minLr = 0, eps = 1e-8 } = options;
    checkNumber(name, 'factor', factor);
    if (factor >= 1) throw new RangeError(`${name}: factor should be < 1.0, got ${factor}`);
    if (mode !== 'min' && mode !== 'max') throw new RangeError(`${name}: mode ${String(mode)} is unknown (use 'min' or 'max')`);
    if (thresholdMode !== 'rel' && thresholdMode !== 'abs') {
      throw new RangeError(`${name}: threshold mode ${String(thresholdMode)} is unknown (use 'rel' or 'abs')`);
    }
    for (const [k, v] of Object.entries({ patience, threshold, cooldown, eps })) checkNumber(name, k, v);
    this.optimizer = optimizer;
    this.factor = factor;
    this.minLrs = perGroup(name, 'minLr', minLr, optimizer.paramGroups.length);
    this.patience = patience;
    this.cooldown = cooldown;
    this.mode = mode;
    this.threshold = threshold;
    this.thresholdMode = thresholdMode;
    this.modeWorse = mode === 'min' ? Infinity : -Infinity;
    this.best = this.modeWorse;
    this.eps = eps;
    this._lastLr = optimizer.paramGroups.map((g) => g.lr);
  }

  /** Whether reductions are paused after the last one. */
  get inCooldown(): boolean {
    return this.cooldownCounter > 0;
  }

  /**
   * Records this epoch's metric and reduces the learning rates if it has plateaued. A tensor
   * metric is read back synchronously (like PyTorch's `float(metric)`).
   */
  step(metric: number | Tensor): void {
    const current = metric instanceof Tensor ? Number(metric.itemSync()) : metric;
    if (typeof current !== 'number') throw new TypeError(`ReduceLROnPlateau.step: expected a number or a one-element Tensor, got ${describe(metric)}`);
    this.lastEpoch += 1;
    if (this.isBetter(current, this.best)) {
      this.best = current;
      this.numBadEpochs = 0;
    } else {
      this.numBadEpochs += 1;
    }
    if (this.inCooldown) {
      this.cooldownCounter -= 1;
      this.numBadEpochs = 0; // bad epochs during cooldown don't count
    }
    if (this.numBadEpochs > this.patience) {
      this.reduceLr();
      this.cooldownCounter = this.cooldown;
      this.numBadEpochs = 0;
    }
    this._lastLr = this.optimizer.paramGroups.map((g) => g.lr);
  }

  /** The learning rates after the last `step()`, one per group. */
  getLastLr(): number[] {
    return [...this._lastLr];
  }

  /** Whether `a` improves on `best` by more than the threshold. */
  isBetter(a: number, best: number): boolean {
    if (this.mode === 'min') return this.thresholdMode === 'rel' ? a < best * (1 - this.threshold) : a < best - this.threshold;
    return this.thresholdMode === 'rel' ? a > best * (this.threshold + 1) : a > best + this.threshold;
  }

  private reduceLr(): void {
    this.optimizer.paramGroups.forEach((group, i) => {
      const old = group.lr;
      const lr = Math.max(old * this.factor, this.minLrs[i]!);
      if (old - lr > this.eps) group.lr = lr;
    });
  }

  /** The scheduler's state (everything but the optimizer), with PyTorch's key names. */
  stateDict(): SchedulerStateDict {
    return schedulerState(this);
  }

  /** Restores state from `stateDict()`. */
  loadStateDict(stateDict: SchedulerStateDict): void {
    loadSchedulerState(this, stateDict);
  }
}

/**
 * The `LRScheduler` base class (PyTorch's `_LRScheduler`): it records each group's starting
 * learning rate as `initialLr`, and every `step()` writes the next learning rate into the groups.
 * Subclasses give the chainable form (`getLr`, computed from the groups' current `lr`) and, where
 * PyTorch has one, the closed form used by `step(epoch)`.
 */
import { copyPlain, toCamel, toSnake } from '../keys.js';
import { describe, Optimizer } from '../optimizer.js';

/** A scheduler's state in PyTorch's layout (`last_epoch`, `base_lrs`, `_last_lr`, ...). */
export type SchedulerStateDict = Record<string, unknown>;

/** Options every epoch-based scheduler takes. */
export interface SchedulerOptions {
  /** The index of the last epoch when resuming (default -1: start from scratch). */
  lastEpoch?: number;
}

/** Checks the optimizer argument of a scheduler. */
export function checkOptimizer(name: string, optimizer: unknown): asserts optimizer is Optimizer {
  if (!(optimizer instanceof Optimizer)) throw new TypeError(`${name}: expected an Optimizer, got ${describe(optimizer)}`);
}

/**
 * Base class of the epoch-based schedulers. Call `step()` after `optimizer.step()`, once per epoch
 * (or per batch for `OneCycleLR`).
 *
 * @example
 * const scheduler = new StepLR(optimizer, { stepSize: 30, gamma: 0.1 });
 * for (let epoch = 0; epoch < 100; epoch++) {
 *   train(); // optimizer.step() inside
 *   scheduler.step();
 * }
 */
export abstract class LRScheduler {
  /** The optimizer whose learning rates this scheduler sets. */
  readonly optimizer: Optimizer;
  /** Each group's learning rate before scheduling (its `initialLr`). */
  baseLrs: number[];
  /** Index of the last epoch (0 right after construction). */
  lastEpoch: number;
  /** Number of `step()` calls, including the one in the constructor. */
  protected _stepCount = 0;
  /** The learning rates the last `step()` set. */
  protected _lastLr: number[] = [];

  constructor(optimizer: Optimizer, lastEpoch = -1) {
    checkOptimizer(this.schedulerName, optimizer);
    this.optimizer = optimizer;
    if (lastEpoch === -1) {
      for (const group of optimizer.paramGroups) group.initialLr ??= group.lr;
    } else {
      optimizer.paramGroups.forEach((group, i) => {
        if (group.initialLr === undefined) {
          throw new Error(`${this.schedulerName}: initialLr is not set in paramGroups[${i}] when resuming an optimizer (lastEpoch ${lastEpoch})`);
        }
      });
    }
    this.baseLrs = optimizer.paramGroups.map((g) => g.initialLr!);
    this.lastEpoch = lastEpoch;
  }

  /** The name used in error messages. */
  protected get schedulerName(): string {
    return this.constructor.name;
  }

  /**
   * Takes the first step (epoch 0), as PyTorch's constructor does. Subclasses call it at the end
   * of their constructor, once their own fields are set.
   */
  protected initialStep(): void {
    this._stepCount = 0;
    this.step();
  }

  /** The learning rates for `lastEpoch`, from the groups' current rates (PyTorch's chainable `get_lr`). */
  protected abstract getLr(): number[];

  /** The learning rates for `lastEpoch` from the base rates alone, where a closed form exists. */
  protected closedFormLr(): number[] | null {
    return null;
  }

  /**
   * Advances one epoch and writes the new learning rates into the optimizer's groups. Passing
   * `epoch` jumps there using the closed form (deprecated in PyTorch, kept for porting).
   */
  step(epoch?: number): void {
    this._stepCount += 1;
    let values: number[];
    if (epoch === undefined) {
      this.lastEpoch += 1;
      values = this.getLr();
    } else {
      this.lastEpoch = epoch;
      values = this.closedFormLr() ?? this.getLr();
    }
    this.optimizer.paramGroups.forEach((group, i) => {
      group.lr = values[i]!;
    });
    this._lastLr = this.optimizer.paramGroups.map((g) => g.lr);
  }

  /** The learning rates set by the last `step()`, one per group. */
  getLastLr(): number[] {
    return [...this._lastLr];
  }

  /** The scheduler's state (everything but the optimizer), with PyTorch's key names. */
  stateDict(): SchedulerStateDict {
    return schedulerState(this);
  }

  /** Restores state from `stateDict()` (also accepts a PyTorch scheduler's state, whose keys it shares). */
  loadStateDict(stateDict: SchedulerStateDict): void {
    loadSchedulerState(this, stateDict);
  }
}

/** Every own field except the optimizer, copied, with snake_case keys. */
export function schedulerState(scheduler: object): SchedulerStateDict {
  const out: SchedulerStateDict = {};
  for (const [k, v] of Object.entries(scheduler)) if (k !== 'optimizer' && typeof v !== 'function') out[toSnake(k)] = copyPlain(v);
  return out;
}

/** Sets the fields named in `stateDict`; keys this scheduler doesn't have (PyTorch's `verbose`...) are ignored. */
export function loadSchedulerState(scheduler: object, stateDict: SchedulerStateDict): void {
  if (stateDict === null || typeof stateDict !== 'object') throw new TypeError(`loadStateDict: expected an object, got ${describe(stateDict)}`);
  const target = scheduler as Record<string, unknown>;
  for (const [k, v] of Object.entries(stateDict)) {
    // `T_max` (PyTorch) and `t_max` (here) both name `tMax`.
    const key = [toCamel(k), toCamel(k.toLowerCase())].find((c) => c !== 'optimizer' && Object.prototype.hasOwnProperty.call(target, c));
    if (key !== undefined && typeof target[key] !== 'function') target[key] = copyPlain(v);
  }
}

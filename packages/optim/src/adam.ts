/** Adam and AdamW (PyTorch's `torch.optim.Adam` / `AdamW`): the same moment estimates, with L2 or decoupled weight decay. */
import { adamStep, keep, zerosLike, type Tensor } from '@tessera/core';
import { checkBoolean, checkNonNegative, checkNumber } from './check.js';
import { Optimizer, type ParamGroup, type ParamGroupInput } from './optimizer.js';

/** Adam's and AdamW's hyperparameters. */
export interface AdamHyperparameters {
  /** Learning rate (default 1e-3). */
  lr: number;
  /** Decay rates of the first and second moment estimates (default [0.9, 0.999]). */
  betas: [number, number];
  /** Added to the denominator for numerical stability (default 1e-8). */
  eps: number;
  /** Weight decay: an L2 penalty for Adam (default 0), decoupled for AdamW (default 1e-2). */
  weightDecay: number;
  /** Use the maximum of past second moments (AMSGrad; default false). */
  amsgrad: boolean;
  /** Maximize the objective instead of minimizing it (default false). */
  maximize: boolean;
}

/** Adam's per-parameter state. */
export interface AdamState {
  [key: string]: Tensor | number | undefined;
  /** Steps taken. */
  step: number;
  /** First moment estimate. */
  expAvg: Tensor;
  /** Second moment estimate. */
  expAvgSq: Tensor;
  /** Maximum of the second moment estimates (AMSGrad only). */
  maxExpAvgSq?: Tensor;
}

type AdamParams = Iterable<Tensor> | Iterable<ParamGroupInput<AdamHyperparameters>>;

function adamDefaults(options: Partial<AdamHyperparameters>, weightDecay: number): AdamHyperparameters {
  return {
    lr: options.lr ?? 1e-3,
    betas: options.betas ?? [0.9, 0.999],
    eps: options.eps ?? 1e-8,
    weightDecay: options.weightDecay ?? weightDecay,
    amsgrad: options.amsgrad ?? false,
    maximize: options.maximize ?? false,
  };
}

/** Shared by Adam and AdamW (they differ only in how weight decay is applied). */
abstract class AdamBase extends Optimizer<AdamHyperparameters, AdamState> {
  /** Whether weight decay shrinks the parameter directly (AdamW) instead of adding to the gradient. */
  protected abstract readonly decoupled: boolean;

  protected override validate(h: Partial<AdamHyperparameters>, where: string): void {
    const name = this.optimizerName;
    checkNonNegative(name, where, 'learning rate', h.lr);
    checkNonNegative(name, where, 'epsilon value', h.eps);
    if (h.betas !== undefined) {
      if (!Array.isArray(h.betas) || h.betas.length !== 2) {
        throw new TypeError(`${name}: betas must be a pair of numbers [beta1, beta2], got ${JSON.stringify(h.betas)}`);
      }
      h.betas.forEach((b, i) => checkNumber(name, where, `beta parameter at index ${i}`, b, (v) => v >= 0 && v < 1));
    }
    checkNonNegative(name, where, 'weightDecay value', h.weightDecay);
    checkBoolean(name, where, 'amsgrad', h.amsgrad);
    checkBoolean(name, where, 'maximize', h.maximize);
  }

  protected override initState(p: Tensor, group: ParamGroup<AdamHyperparameters>): AdamState {
    const state = { step: 0, expAvg: zerosLike(p), expAvgSq: zerosLike(p) } as AdamState;
    if (group.amsgrad) state.maxExpAvgSq = zerosLike(p);
    return state;
  }

  /**
   * One step through core's `adamStep` op: a backend's fused kernel when it has one (the native
   * backend does), else core's composition (the same elementwise math, PyTorch's formulas).
   */
  protected updateParam(p: Tensor, grad: Tensor, group: ParamGroup<AdamHyperparameters>, state: AdamState): void {
    const { lr, betas, eps, weightDecay, amsgrad, maximize } = group;
    state.step += 1;
    // Created lazily too: amsgrad may be switched on after the first step.
    if (amsgrad) state.maxExpAvgSq ??= keep(zerosLike(p));
    adamStep(p, grad, state.expAvg, state.expAvgSq, amsgrad ? state.maxExpAvgSq! : null, {
      lr,
      beta1: betas[0],
      beta2: betas[1],
      eps,
      weightDecay,
      step: state.step,
      decoupled: this.decoupled,
      maximize,
    });
  }
}

/**
 * Adam (Kingma & Ba), with PyTorch's update: bias-corrected moments and `eps` added to
 * `sqrt(v̂)`, not inside the square root. `weightDecay` is an L2 penalty added to the gradient.
 *
 * @example
 * const opt = new Adam(model.parameters(), { lr: 1e-3, betas: [0.9, 0.999] });
 */
export class Adam extends AdamBase {
  protected readonly decoupled = false;

  constructor(params: AdamParams, options: Partial<AdamHyperparameters> = {}) {
    super(params, adamDefaults(options, 0));
  }

  protected override get optimizerName(): string {
    return 'Adam';
  }
}

/**
 * AdamW (Loshchilov & Hutter): Adam with decoupled weight decay, `p *= 1 − lr·weightDecay` before
 * the Adam step. `weightDecay` defaults to 1e-2, as in PyTorch.
 *
 * @example
 * const opt = new AdamW(model.parameters(), { lr: 3e-4, weightDecay: 0.1 });
 */
export class AdamW extends AdamBase {
  protected readonly decoupled = true;

  constructor(params: AdamParams, options: Partial<AdamHyperparameters> = {}) {
    super(params, adamDefaults(options, 1e-2));
  }

  protected override get optimizerName(): string {
    return 'AdamW';
  }
}

/** RMSprop (PyTorch's `torch.optim.RMSprop`), optionally centered and with momentum. */
import { keep, zerosLike, type Tensor } from '@tessera/core';
import { checkBoolean, checkNonNegative } from './check.js';
import { Optimizer, type ParamGroup, type ParamGroupInput } from './optimizer.js';

/** RMSprop's hyperparameters. */
export interface RMSpropHyperparameters {
  /** Learning rate (default 1e-2). */
  lr: number;
  /** Smoothing constant of the squared-gradient average (default 0.99). */
  alpha: number;
  /** Added to the denominator for numerical stability (default 1e-8). */
  eps: number;
  /** L2 penalty added to the gradient (default 0). */
  weightDecay: number;
  /** Momentum factor (default 0). */
  momentum: number;
  /** Normalize by an estimate of the gradient's variance instead of its second moment (default false). */
  centered: boolean;
  /** Maximize the objective instead of minimizing it (default false). */
  maximize: boolean;
}

/** RMSprop's per-parameter state. */
export interface RMSpropState {
  [key: string]: Tensor | number | undefined;
  /** Steps taken. */
  step: number;
  /** Running average of squared gradients. */
  squareAvg: Tensor;
  /** Momentum buffer (momentum > 0 only). */
  momentumBuffer?: Tensor;
  /** Running average of gradients (centered only). */
  gradAvg?: Tensor;
}

/**
 * RMSprop (Hinton), with PyTorch's update: `v = α·v + (1 − α)·g²`, denominator `sqrt(v) + eps`
 * (`sqrt(v − ḡ²) + eps` when centered), then a momentum buffer `b = μ·b + g / denom` or a plain step.
 *
 * @example
 * const opt = new RMSprop(model.parameters(), { lr: 1e-3, momentum: 0.9, centered: true });
 */
export class RMSprop extends Optimizer<RMSpropHyperparameters, RMSpropState> {
  constructor(params: Iterable<Tensor> | Iterable<ParamGroupInput<RMSpropHyperparameters>>, options: Partial<RMSpropHyperparameters> = {}) {
    super(params, {
      lr: options.lr ?? 1e-2,
      alpha: options.alpha ?? 0.99,
      eps: options.eps ?? 1e-8,
      weightDecay: options.weightDecay ?? 0,
      momentum: options.momentum ?? 0,
      centered: options.centered ?? false,
      maximize: options.maximize ?? false,
    });
  }

  protected override get optimizerName(): string {
    return 'RMSprop';
  }

  protected override validate(h: Partial<RMSpropHyperparameters>, where: string): void {
    const name = this.optimizerName;
    checkNonNegative(name, where, 'learning rate', h.lr);
    checkNonNegative(name, where, 'epsilon value', h.eps);
    checkNonNegative(name, where, 'momentum value', h.momentum);
    checkNonNegative(name, where, 'weightDecay value', h.weightDecay);
    checkNonNegative(name, where, 'alpha value', h.alpha);
    checkBoolean(name, where, 'centered', h.centered);
    checkBoolean(name, where, 'maximize', h.maximize);
  }

  protected override initState(p: Tensor, group: ParamGroup<RMSpropHyperparameters>): RMSpropState {
    const state: RMSpropState = { step: 0, squareAvg: zerosLike(p) };
    if (group.momentum > 0) state.momentumBuffer = zerosLike(p);
    if (group.centered) state.gradAvg = zerosLike(p);
    return state;
  }

  protected updateParam(p: Tensor, grad: Tensor, group: ParamGroup<RMSpropHyperparameters>, state: RMSpropState): void {
    const { lr, alpha, eps, weightDecay, momentum, centered, maximize } = group;
    let g = maximize ? grad.neg() : grad;
    state.step += 1;
    if (weightDecay !== 0) g = g.add(p, weightDecay);
    state.squareAvg.mul_(alpha).add_(g.mul(g), 1 - alpha);
    let avg: Tensor;
    if (centered) {
      // Created lazily too: a scheduler or the user may switch these on after the first step.
      const gradAvg = (state.gradAvg ??= keep(zerosLike(p)));
      gradAvg.mul_(alpha).add_(g, 1 - alpha);
      avg = state.squareAvg.sub(gradAvg.mul(gradAvg)).sqrt().add(eps);
    } else {
      avg = state.squareAvg.sqrt().add(eps);
    }
    if (momentum > 0) {
      const buf = (state.momentumBuffer ??= keep(zerosLike(p)));
      buf.mul_(momentum).add_(g.div(avg));
      p.add_(buf, -lr);
    } else {
      p.add_(g.div(avg), -lr);
    }
  }
}

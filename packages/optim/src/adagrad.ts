/** Adagrad (PyTorch's `torch.optim.Adagrad`) with learning-rate decay. */
import { fullLike, keep, type Tensor } from '@tessera/core';
import { checkBoolean, checkNonNegative } from './check.js';
import { Optimizer, type ParamGroup, type ParamGroupInput } from './optimizer.js';

/** Adagrad's hyperparameters. */
export interface AdagradHyperparameters {
  /** Learning rate (default 1e-2). */
  lr: number;
  /** Learning-rate decay: step t uses `lr / (1 + (t − 1)·lrDecay)` (default 0). */
  lrDecay: number;
  /** L2 penalty added to the gradient (default 0). */
  weightDecay: number;
  /** Starting value of the squared-gradient sums (default 0). */
  initialAccumulatorValue: number;
  /** Added to the denominator for numerical stability (default 1e-10). */
  eps: number;
  /** Maximize the objective instead of minimizing it (default false). */
  maximize: boolean;
}

/** Adagrad's per-parameter state. */
export interface AdagradState {
  [key: string]: Tensor | number;
  /** Steps taken. */
  step: number;
  /** Sum of squared gradients. */
  sum: Tensor;
}

/**
 * Adagrad (Duchi et al.), with PyTorch's update: `s += g²`, `p -= clr · g / (sqrt(s) + eps)`.
 * As in PyTorch, the state of the constructor's parameters is created up front.
 *
 * @example
 * const opt = new Adagrad(model.parameters(), { lr: 0.1, lrDecay: 1e-4 });
 */
export class Adagrad extends Optimizer<AdagradHyperparameters, AdagradState> {
  constructor(params: Iterable<Tensor> | Iterable<ParamGroupInput<AdagradHyperparameters>>, options: Partial<AdagradHyperparameters> = {}) {
    super(params, {
      lr: options.lr ?? 1e-2,
      lrDecay: options.lrDecay ?? 0,
      weightDecay: options.weightDecay ?? 0,
      initialAccumulatorValue: options.initialAccumulatorValue ?? 0,
      eps: options.eps ?? 1e-10,
      maximize: options.maximize ?? false,
    });
    for (const group of this.paramGroups) for (const p of group.params) this.state.set(p, this.initState(p, group));
  }

  protected override get optimizerName(): string {
    return 'Adagrad';
  }

  protected override validate(h: Partial<AdagradHyperparameters>, where: string): void {
    const name = this.optimizerName;
    checkNonNegative(name, where, 'learning rate', h.lr);
    checkNonNegative(name, where, 'lrDecay value', h.lrDecay);
    checkNonNegative(name, where, 'weightDecay value', h.weightDecay);
    checkNonNegative(name, where, 'initialAccumulatorValue value', h.initialAccumulatorValue);
    checkNonNegative(name, where, 'epsilon value', h.eps);
    checkBoolean(name, where, 'maximize', h.maximize);
  }

  protected override initState(p: Tensor, group: ParamGroup<AdagradHyperparameters>): AdagradState {
    return { step: 0, sum: keep(fullLike(p, group.initialAccumulatorValue)) };
  }

  protected updateParam(p: Tensor, grad: Tensor, group: ParamGroup<AdagradHyperparameters>, state: AdagradState): void {
    const { lr, lrDecay, weightDecay, eps, maximize } = group;
    let g = maximize ? grad.neg() : grad;
    state.step += 1;
    if (weightDecay !== 0) g = g.add(p, weightDecay);
    const clr = lr / (1 + (state.step - 1) * lrDecay);
    state.sum.add_(g.mul(g));
    p.add_(g.div(state.sum.sqrt().add(eps)), -clr);
  }
}

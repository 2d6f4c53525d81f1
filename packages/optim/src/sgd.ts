/** Stochastic gradient descent with momentum, dampening, Nesterov momentum and L2 weight decay (PyTorch's `torch.optim.SGD`). */
import { keep, sgdStep, zerosLike, type Tensor } from '@tessera/core';
import { checkBoolean, checkNonNegative, checkNumber, fail } from './check.js';
import { Optimizer, type ParamGroup, type ParamGroupInput } from './optimizer.js';

/** SGD's hyperparameters. */
export interface SGDHyperparameters {
  /** Learning rate (required: here or in every parameter group). */
  lr: number;
  /** Momentum factor (default 0). */
  momentum: number;
  /** Dampening of the momentum's gradient term (default 0). */
  dampening: number;
  /** L2 penalty added to the gradient (default 0). */
  weightDecay: number;
  /** Nesterov momentum (default false; needs momentum > 0 and no dampening). */
  nesterov: boolean;
  /** Maximize the objective instead of minimizing it (default false). */
  maximize: boolean;
}

/** SGD's per-parameter state: the momentum buffer (null until momentum is used, as in PyTorch). */
export interface SGDState {
  [key: string]: Tensor | null;
  momentumBuffer: Tensor | null;
}

/**
 * Stochastic gradient descent, with PyTorch's update: `b = μ·b + (1 − τ)·g` (b = g on the first
 * step), then `p -= lr·b` (or `lr·(g + μ·b)` with Nesterov).
 *
 * @example
 * const opt = new SGD(model.parameters(), { lr: 0.1, momentum: 0.9, weightDecay: 5e-4 });
 */
export class SGD extends Optimizer<SGDHyperparameters, SGDState> {
  constructor(params: Iterable<Tensor> | Iterable<ParamGroupInput<SGDHyperparameters>>, options: Partial<SGDHyperparameters> = {}) {
    super(params, {
      lr: options.lr as number,
      momentum: options.momentum ?? 0,
      dampening: options.dampening ?? 0,
      weightDecay: options.weightDecay ?? 0,
      nesterov: options.nesterov ?? false,
      maximize: options.maximize ?? false,
    });
  }

  protected override get optimizerName(): string {
    return 'SGD';
  }

  protected override validate(h: Partial<SGDHyperparameters>, where: string): void {
    const name = this.optimizerName;
    checkNonNegative(name, where, 'learning rate', h.lr);
    checkNonNegative(name, where, 'momentum value', h.momentum);
    checkNumber(name, where, 'dampening value', h.dampening, () => true);
    checkNonNegative(name, where, 'weightDecay value', h.weightDecay);
    checkBoolean(name, where, 'nesterov', h.nesterov);
    checkBoolean(name, where, 'maximize', h.maximize);
    if (h.nesterov && (!((h.momentum ?? 0) > 0) || (h.dampening ?? 0) !== 0)) {
      fail(name, where, 'Nesterov momentum requires a momentum and zero dampening');
    }
  }

  protected override initState(): SGDState {
    return { momentumBuffer: null };
  }

  /**
   * One step through core's `sgdStep` op: a backend's fused kernel when it has one (the native
   * backend does), else core's composition. The momentum buffer is created on its first use and
   * set to the gradient then, as in PyTorch.
   */
  protected updateParam(p: Tensor, grad: Tensor, group: ParamGroup<SGDHyperparameters>, state: SGDState): void {
    const { lr, momentum, dampening, weightDecay, nesterov, maximize } = group;
    let first = false;
    if (momentum !== 0 && state.momentumBuffer === null) {
      state.momentumBuffer = keep(zerosLike(p, { dtype: grad.dtype }));
      first = true;
    }
    sgdStep(p, grad, momentum !== 0 ? state.momentumBuffer : null, { lr, momentum, dampening, weightDecay, nesterov, maximize, first });
  }
}

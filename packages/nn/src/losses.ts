/** Loss functions as modules: `new MSELoss().forward(output, target)`. */
import type { Tensor } from '@tessera/core';
import * as F from './functional/loss.js';
import type { Reduction } from './functional/loss.js';
import { Module } from './module.js';

abstract class Loss extends Module {
  readonly reduction: Reduction;

  constructor(options: { reduction?: Reduction } = {}) {
    super();
    this.reduction = options.reduction ?? 'mean';
  }

  abstract override forward(input: Tensor, target: Tensor): Tensor;

  override extraRepr(): string {
    return this.reduction === 'mean' ? '' : `reduction=${this.reduction}`;
  }
}

/** Mean squared error. */
export class MSELoss extends Loss {
  forward(input: Tensor, target: Tensor): Tensor {
    return F.mseLoss(input, target, { reduction: this.reduction });
  }
}

/** Mean absolute error. */
export class L1Loss extends Loss {
  forward(input: Tensor, target: Tensor): Tensor {
    return F.l1Loss(input, target, { reduction: this.reduction });
  }
}

/** Smooth L1: quadratic below `beta` (default 1), linear above. */
export class SmoothL1Loss extends Loss {
  readonly beta: number;

  constructor(options: { reduction?: Reduction; beta?: number } = {}) {
    super(options);
    this.beta = options.beta ?? 1;
  }

  forward(input: Tensor, target: Tensor): Tensor {
    return F.smoothL1Loss(input, target, { reduction: this.reduction, beta: this.beta });
  }
}

/** Huber: quadratic up to `delta` (default 1), linear above. */
export class HuberLoss extends Loss {
  readonly delta: number;

  constructor(options: { reduction?: Reduction; delta?: number } = {}) {
    super(options);
    this.delta = options.delta ?? 1;
  }

  forward(input: Tensor, target: Tensor): Tensor {
    return F.huberLoss(input, target, { reduction: this.reduction, delta: this.delta });
  }
}

/**
 * Cross-entropy of logits against class indices (int32) or class probabilities (float), with
 * `weight`, `ignoreIndex` and `labelSmoothing` (PyTorch's `nn.CrossEntropyLoss`).
 *
 * @example
 * const criterion = new CrossEntropyLoss({ labelSmoothing: 0.1 });
 * criterion.forward(logits, labels).backward();
 */
export class CrossEntropyLoss extends Loss {
  /** Class weights (a buffer, `weight` in the state dict as in PyTorch). */
  declare readonly weight: Tensor | null;
  readonly ignoreIndex: number;
  readonly labelSmoothing: number;

  constructor(options: F.CrossEntropyOptions = {}) {
    super(options);
    this.registerBuffer('weight', options.weight ?? null);
    this.ignoreIndex = options.ignoreIndex ?? -100;
    this.labelSmoothing = options.labelSmoothing ?? 0;
  }

  forward(input: Tensor, target: Tensor): Tensor {
    return F.crossEntropy(input, target, { reduction: this.reduction, weight: this.weight, ignoreIndex: this.ignoreIndex, labelSmoothing: this.labelSmoothing });
  }
}

/** Negative log-likelihood of class indices under log-probabilities. */
export class NLLLoss extends Loss {
  declare readonly weight: Tensor | null;
  readonly ignoreIndex: number;

  constructor(options: F.ClassLossOptions = {}) {
    super(options);
    this.registerBuffer('weight', options.weight ?? null);
    this.ignoreIndex = options.ignoreIndex ?? -100;
  }

  forward(input: Tensor, target: Tensor): Tensor {
    return F.nllLoss(input, target, { reduction: this.reduction, weight: this.weight, ignoreIndex: this.ignoreIndex });
  }
}

/** Binary cross-entropy of probabilities (logs clamped to >= -100). */
export class BCELoss extends Loss {
  declare readonly weight: Tensor | null;

  constructor(options: F.BCEOptions = {}) {
    super(options);
    this.registerBuffer('weight', options.weight ?? null);
  }

  forward(input: Tensor, target: Tensor): Tensor {
    return F.binaryCrossEntropy(input, target, { reduction: this.reduction, weight: this.weight });
  }
}

/** Binary cross-entropy of logits, computed stably; `posWeight` weighs the positive term per class. */
export class BCEWithLogitsLoss extends Loss {
  declare readonly weight: Tensor | null;

  constructor(options: F.BCEWithLogitsOptions = {}) {
    super(options);
    this.registerBuffer('weight', options.weight ?? null);
    this.registerBuffer('pos_weight', options.posWeight ?? null);
  }

  /** Weight of the positive term per class (the `pos_weight` buffer). */
  get posWeight(): Tensor | null {
    return this.getBuffer('pos_weight');
  }

  forward(input: Tensor, target: Tensor): Tensor {
    return F.binaryCrossEntropyWithLogits(input, target, { reduction: this.reduction, weight: this.weight, posWeight: this.posWeight });
  }
}

/** Kullback-Leibler divergence; use `reduction: 'batchmean'` for the true KL divergence. */
export class KLDivLoss extends Module {
  readonly reduction: Reduction | 'batchmean';
  readonly logTarget: boolean;

  constructor(options: F.KLDivOptions = {}) {
    super();
    this.reduction = options.reduction ?? 'mean';
    this.logTarget = options.logTarget ?? false;
  }

  forward(input: Tensor, target: Tensor): Tensor {
    return F.klDiv(input, target, { reduction: this.reduction, logTarget: this.logTarget });
  }
}

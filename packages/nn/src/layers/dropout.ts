/** Dropout layers: active in training mode only. */
import type { Tensor } from '@tessera/core';
import { dropout, dropout1d, dropout2d } from '../functional/linear.js';
import { Module } from '../module.js';

abstract class DropoutBase extends Module {
  constructor(readonly p = 0.5) {
    super();
    if (!(p >= 0 && p <= 1)) throw new RangeError(`${new.target.name}: dropout probability has to be between 0 and 1, but got ${p}`);
  }

  override extraRepr(): string {
    return `p=${this.p}`;
  }
}

/**
 * Zeroes elements with probability `p` (scaling the rest by `1 / (1 - p)`) in training mode;
 * the identity in eval mode.
 */
export class Dropout extends DropoutBase {
  forward(x: Tensor): Tensor {
    return dropout(x, this.p, this.training);
  }
}

/** Zeroes whole channels of [N, C, L] input in training mode. */
export class Dropout1d extends DropoutBase {
  forward(x: Tensor): Tensor {
    return dropout1d(x, this.p, this.training);
  }
}

/** Zeroes whole channels of [N, C, H, W] input in training mode. */
export class Dropout2d extends DropoutBase {
  forward(x: Tensor): Tensor {
    return dropout2d(x, this.p, this.training);
  }
}

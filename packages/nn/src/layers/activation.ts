/** Activation functions as modules. */
import * as T from '@tessera/core';
import type { Tensor } from '@tessera/core';
import * as F from '../functional/activation.js';
import * as init from '../init.js';
import { Module } from '../module.js';
import type { Parameter } from '../parameter.js';
import { emptyParameter, type FactoryOptions } from './linear.js';

/** `max(x, 0)`. */
export class ReLU extends Module {
  forward(x: Tensor): Tensor {
    return T.relu(x);
  }
}

/** `min(max(x, 0), 6)`. */
export class ReLU6 extends Module {
  forward(x: Tensor): Tensor {
    return F.relu6(x);
  }
}

/** `x` where positive, `negativeSlope * x` elsewhere. */
export class LeakyReLU extends Module {
  constructor(readonly negativeSlope = 0.01) {
    super();
  }

  forward(x: Tensor): Tensor {
    return T.leakyRelu(x, this.negativeSlope);
  }

  override extraRepr(): string {
    return `negative_slope=${this.negativeSlope}`;
  }
}

/** `x` where positive, `alpha * (e^x - 1)` elsewhere. */
export class ELU extends Module {
  constructor(readonly alpha = 1) {
    super();
  }

  forward(x: Tensor): Tensor {
    return T.elu(x, this.alpha);
  }

  override extraRepr(): string {
    return `alpha=${this.alpha}`;
  }
}

/** GELU, exact (erf) or with `approximate: 'tanh'`. */
export class GELU extends Module {
  readonly approximate: 'none' | 'tanh';

  /** `new GELU()`, `new GELU('tanh')` or `new GELU({ approximate: 'tanh' })`. */
  constructor(options: 'none' | 'tanh' | { approximate?: 'none' | 'tanh' } = {}) {
    super();
    this.approximate = typeof options === 'string' ? options : (options.approximate ?? 'none');
  }

  forward(x: Tensor): Tensor {
    return T.gelu(x, this.approximate);
  }

  override extraRepr(): string {
    return `approximate='${this.approximate}'`;
  }
}

/** `x * sigmoid(x)`. */
export class SiLU extends Module {
  forward(x: Tensor): Tensor {
    return T.silu(x);
  }
}

/** `x * tanh(softplus(x))`. */
export class Mish extends Module {
  forward(x: Tensor): Tensor {
    return F.mish(x);
  }
}

/** `1 / (1 + e^-x)`. */
export class Sigmoid extends Module {
  forward(x: Tensor): Tensor {
    return T.sigmoid(x);
  }
}

/** Hyperbolic tangent. */
export class Tanh extends Module {
  forward(x: Tensor): Tensor {
    return T.tanh(x);
  }
}

/** Clamps to `[minVal, maxVal]`. */
export class Hardtanh extends Module {
  constructor(
    readonly minVal = -1,
    readonly maxVal = 1,
  ) {
    super();
  }

  forward(x: Tensor): Tensor {
    return F.hardtanh(x, this.minVal, this.maxVal);
  }

  override extraRepr(): string {
    return `min_val=${this.minVal}, max_val=${this.maxVal}`;
  }
}

/** `relu6(x + 3) / 6`. */
export class Hardsigmoid extends Module {
  forward(x: Tensor): Tensor {
    return F.hardsigmoid(x);
  }
}

/** `x * relu6(x + 3) / 6`. */
export class Hardswish extends Module {
  forward(x: Tensor): Tensor {
    return F.hardswish(x);
  }
}

/** `x / (1 + |x|)`. */
export class Softsign extends Module {
  forward(x: Tensor): Tensor {
    return F.softsign(x);
  }
}

/** Softmax along `dim`. */
export class Softmax extends Module {
  constructor(readonly dim: number) {
    super();
  }

  forward(x: Tensor): Tensor {
    return T.softmax(x, this.dim);
  }

  override extraRepr(): string {
    return `dim=${this.dim}`;
  }
}

/** `softmax(-x)` along `dim`. */
export class Softmin extends Module {
  constructor(readonly dim: number) {
    super();
  }

  forward(x: Tensor): Tensor {
    return F.softmin(x, this.dim);
  }

  override extraRepr(): string {
    return `dim=${this.dim}`;
  }
}

/** Log-softmax along `dim`. */
export class LogSoftmax extends Module {
  constructor(readonly dim: number) {
    super();
  }

  forward(x: Tensor): Tensor {
    return T.logSoftmax(x, this.dim);
  }

  override extraRepr(): string {
    return `dim=${this.dim}`;
  }
}

/** `log(1 + e^(beta x)) / beta`, linear above `threshold`. */
export class Softplus extends Module {
  constructor(
    readonly beta = 1,
    readonly threshold = 20,
  ) {
    super();
  }

  forward(x: Tensor): Tensor {
    return T.softplus(x, this.beta, this.threshold);
  }

  override extraRepr(): string {
    return `beta=${this.beta}, threshold=${this.threshold}`;
  }
}

/** Leaky ReLU whose negative slope is learned (one shared, or one per channel). */
export class PReLU extends Module {
  weight: Parameter;

  constructor(
    readonly numParameters = 1,
    readonly initValue = 0.25,
    options: FactoryOptions = {},
  ) {
    super();
    this.weight = emptyParameter([numParameters], options);
    this.resetParameters();
  }

  resetParameters(): void {
    init.constant_(this.weight, this.initValue);
  }

  forward(x: Tensor): Tensor {
    return F.prelu(x, this.weight);
  }

  override extraRepr(): string {
    return `num_parameters=${this.numParameters}`;
  }
}

/** Gated linear unit over `dim`. */
export class GLU extends Module {
  constructor(readonly dim = -1) {
    super();
  }

  forward(x: Tensor): Tensor {
    return F.glu(x, this.dim);
  }
}

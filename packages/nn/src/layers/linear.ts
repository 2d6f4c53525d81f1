/** `Linear`, `Bilinear`, `Identity`, `Flatten`, `Unflatten`. */
import * as T from '@tessera/core';
import { tidy, type DType, type Tensor } from '@tessera/core';
import { linear } from '../functional/linear.js';
import * as init from '../init.js';
import { Module } from '../module.js';
import { Parameter } from '../parameter.js';
import { fmt, py } from '../util.js';

/** Where and how a layer allocates its parameters. */
export interface FactoryOptions {
  device?: string;
  dtype?: DType;
}

/** An uninitialised parameter of `shape` (filled by the layer's `resetParameters`). */
export function emptyParameter(shape: readonly number[], o: FactoryOptions = {}): Parameter {
  const t = T.zeros([...shape], { dtype: o.dtype ?? 'float32', device: o.device });
  const p = new Parameter(t);
  t.dispose();
  return p;
}

/** A tensor for a buffer (float32 unless told otherwise). */
export function bufferOf(make: (o: T.CreateOptions) => Tensor, o: FactoryOptions = {}): Tensor {
  return make({ dtype: o.dtype ?? 'float32', device: o.device });
}

/** PyTorch's default for Linear and Conv: kaiming_uniform(a = sqrt(5)) weight, U(+-1/sqrt(fan_in)) bias. */
export function resetLinearLike(weight: Parameter, bias: Parameter | null): void {
  init.kaimingUniform_(weight, { a: Math.sqrt(5) });
  if (bias) {
    const [fanIn] = init.calculateFanInAndFanOut(weight);
    const bound = fanIn > 0 ? 1 / Math.sqrt(fanIn) : 0;
    init.uniform_(bias, -bound, bound);
  }
}

/** Options of `Linear`. */
export interface LinearOptions extends FactoryOptions {
  /** Learn an additive bias. Default true. */
  bias?: boolean;
}

/**
 * `y = x W^T + b` over the last dim: [*, inFeatures] -> [*, outFeatures].
 *
 * @example
 * const fc = new Linear(784, 10);
 * fc.forward(randn([32, 784])).shape; // [32, 10]
 */
export class Linear extends Module {
  weight: Parameter;
  bias: Parameter | null;

  constructor(
    readonly inFeatures: number,
    readonly outFeatures: number,
    options: LinearOptions = {},
  ) {
    super();
    if (!Number.isInteger(inFeatures) || inFeatures < 0 || !Number.isInteger(outFeatures) || outFeatures < 0) {
      throw new RangeError(`Linear: inFeatures and outFeatures must be non-negative integers, got ${inFeatures}, ${outFeatures}`);
    }
    this.weight = emptyParameter([outFeatures, inFeatures], options);
    this.bias = options.bias ?? true ? emptyParameter([outFeatures], options) : null;
    this.resetParameters();
  }

  /** Re-draws the weights with PyTorch's default initialisation. */
  resetParameters(): void {
    resetLinearLike(this.weight, this.bias);
  }

  forward(x: Tensor): Tensor {
    if (x.ndim === 0 || x.shape[x.ndim - 1] !== this.inFeatures) {
      throw new RangeError(`Linear(in=${this.inFeatures}): input ${fmt(x.shape)} has last dim ${x.shape[x.ndim - 1] ?? 'none'}, expected ${this.inFeatures}`);
    }
    return linear(x, this.weight, this.bias);
  }

  override extraRepr(): string {
    return `in_features=${this.inFeatures}, out_features=${this.outFeatures}, bias=${py(this.bias !== null)}`;
  }
}

/** `y = x1^T A x2 + b` for [*, in1] and [*, in2] inputs: [*, out]. */
export class Bilinear extends Module {
  weight: Parameter;
  bias: Parameter | null;

  constructor(
    readonly in1Features: number,
    readonly in2Features: number,
    readonly outFeatures: number,
    options: LinearOptions = {},
  ) {
    super();
    this.weight = emptyParameter([outFeatures, in1Features, in2Features], options);
    this.bias = options.bias ?? true ? emptyParameter([outFeatures], options) : null;
    this.resetParameters();
  }

  resetParameters(): void {
    const bound = 1 / Math.sqrt(this.in1Features);
    init.uniform_(this.weight, -bound, bound);
    if (this.bias) init.uniform_(this.bias, -bound, bound);
  }

  forward(x1: Tensor, x2: Tensor): Tensor {
    if (x1.shape[x1.ndim - 1] !== this.in1Features || x2.shape[x2.ndim - 1] !== this.in2Features) {
      throw new RangeError(`Bilinear(in1=${this.in1Features}, in2=${this.in2Features}): inputs ${fmt(x1.shape)} and ${fmt(x2.shape)} have last dims ${x1.shape[x1.ndim - 1]} and ${x2.shape[x2.ndim - 1]}`);
    }
    return tidy(() => {
      // [*, 1, 1, in1] @ [out, in1, in2] -> [*, out, 1, in2]; then . x2
      const left = T.matmul(T.unsqueeze(T.unsqueeze(x1, -2), -3), this.weight);
      let y = T.squeeze(T.matmul(left, T.unsqueeze(T.unsqueeze(x2, -2), -1)), [-1, -2]);
      if (this.bias) y = T.add(y, this.bias);
      return y;
    });
  }

  override extraRepr(): string {
    return `in1_features=${this.in1Features}, in2_features=${this.in2Features}, out_features=${this.outFeatures}, bias=${py(this.bias !== null)}`;
  }
}

/** Returns its input unchanged (the same tensor object). */
export class Identity extends Module {
  constructor(..._args: unknown[]) {
    super();
  }

  forward(x: Tensor): Tensor {
    return x;
  }
}

/** Flattens dims `startDim..endDim` (default 1..-1: everything but the batch). */
export class Flatten extends Module {
  constructor(
    readonly startDim = 1,
    readonly endDim = -1,
  ) {
    super();
  }

  forward(x: Tensor): Tensor {
    return T.flatten(x, this.startDim, this.endDim);
  }

  override extraRepr(): string {
    return `start_dim=${this.startDim}, end_dim=${this.endDim}`;
  }
}

/** Splits dim `dim` into `sizes`. */
export class Unflatten extends Module {
  constructor(
    readonly dim: number,
    readonly unflattenedSize: readonly number[],
  ) {
    super();
  }

  forward(x: Tensor): Tensor {
    return T.unflatten(x, this.dim, this.unflattenedSize);
  }

  override extraRepr(): string {
    return `dim=${this.dim}, unflattened_size=(${this.unflattenedSize.join(', ')})`;
  }
}

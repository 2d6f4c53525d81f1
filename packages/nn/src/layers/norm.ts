/** `BatchNorm1d`, `BatchNorm2d`, `LayerNorm`, `GroupNorm`. */
import { noGrad } from '@tessera/autograd';
import * as T from '@tessera/core';
import type { Tensor } from '@tessera/core';
import { batchNorm, groupNorm, layerNorm } from '../functional/norm.js';
import * as init from '../init.js';
import { Module } from '../module.js';
import type { Parameter } from '../parameter.js';
import { fmt, py } from '../util.js';
import { bufferOf, emptyParameter, type FactoryOptions } from './linear.js';

/** Options of the BatchNorm layers. */
export interface BatchNormOptions extends FactoryOptions {
  eps?: number;
  /**
   * Weight of each new batch in the running statistics (default 0.1); null for a cumulative
   * average over all batches seen (reads the batch counter, so it needs a device that reads
   * synchronously, such as the CPU).
   */
  momentum?: number | null;
  /** Learn a per-channel scale and shift. Default true. */
  affine?: boolean;
  /** Keep running statistics for eval mode. Default true. */
  trackRunningStats?: boolean;
}

abstract class BatchNormBase extends Module {
  weight: Parameter | null;
  bias: Parameter | null;
  readonly eps: number;
  readonly momentum: number | null;
  readonly affine: boolean;
  readonly trackRunningStats: boolean;

  constructor(
    readonly numFeatures: number,
    options: BatchNormOptions,
  ) {
    super();
    this.eps = options.eps ?? 1e-5;
    this.momentum = options.momentum === undefined ? 0.1 : options.momentum;
    this.affine = options.affine ?? true;
    this.trackRunningStats = options.trackRunningStats ?? true;
    this.weight = this.affine ? emptyParameter([numFeatures], options) : null;
    this.bias = this.affine ? emptyParameter([numFeatures], options) : null;
    if (this.trackRunningStats) {
      this.registerBuffer('running_mean', bufferOf((o) => T.zeros([numFeatures], o), options));
      this.registerBuffer('running_var', bufferOf((o) => T.ones([numFeatures], o), options));
      this.registerBuffer('num_batches_tracked', T.zeros([], { dtype: 'int32', device: options.device }));
    } else {
      this.registerBuffer('running_mean', null);
      this.registerBuffer('running_var', null);
      this.registerBuffer('num_batches_tracked', null);
    }
    this.resetParameters();
  }

  /** The running mean (null without `trackRunningStats`). */
  get runningMean(): Tensor | null {
    return this.getBuffer('running_mean');
  }

  /** The running (unbiased) variance. */
  get runningVar(): Tensor | null {
    return this.getBuffer('running_var');
  }

  /** How many training batches updated the running statistics (int32; PyTorch's is int64). */
  get numBatchesTracked(): Tensor | null {
    return this.getBuffer('num_batches_tracked');
  }

  /** Zeroes the running mean, sets the running variance to one and the batch count to zero. */
  resetRunningStats(): void {
    if (!this.trackRunningStats) return;
    noGrad(() => {
      this.runningMean!.zero_();
      this.runningVar!.fill_(1);
      this.numBatchesTracked!.zero_();
    });
  }

  /** Resets the running statistics and sets weight to 1 and bias to 0. */
  resetParameters(): void {
    this.resetRunningStats();
    if (this.weight) init.ones_(this.weight);
    if (this.bias) init.zeros_(this.bias);
  }

  protected abstract checkInput(x: Tensor): void;

  forward(x: Tensor): Tensor {
    this.checkInput(x);
    const c = x.shape[1];
    if (c !== this.numFeatures) {
      throw new RangeError(`${this.constructor.name}(${this.numFeatures}): input ${fmt(x.shape)} has ${c} channels, expected ${this.numFeatures}`);
    }
    let momentum = this.momentum ?? 0;
    const useBatchStats = this.training || !this.trackRunningStats;
    if (this.training && this.trackRunningStats) {
      const n = this.numBatchesTracked!;
      noGrad(() => n.add_(1));
      // Cumulative moving average: the k-th batch has weight 1/k.
      if (this.momentum === null) momentum = 1 / Number(n.itemSync());
    }
    const track = this.trackRunningStats;
    return batchNorm(x, track ? this.runningMean : null, track ? this.runningVar : null, {
      weight: this.weight,
      bias: this.bias,
      training: useBatchStats,
      momentum,
      eps: this.eps,
    });
  }

  override extraRepr(): string {
    return `${this.numFeatures}, eps=${this.eps}, momentum=${this.momentum ?? 'None'}, affine=${py(this.affine)}, track_running_stats=${py(this.trackRunningStats)}`;
  }
}

/**
 * Batch normalisation over [N, C] or [N, C, L]: per-channel batch statistics while training
 * (updating the running ones), running statistics in eval mode.
 */
export class BatchNorm1d extends BatchNormBase {
  constructor(numFeatures: number, options: BatchNormOptions = {}) {
    super(numFeatures, options);
  }

  protected checkInput(x: Tensor): void {
    if (x.ndim !== 2 && x.ndim !== 3) throw new RangeError(`BatchNorm1d(${this.numFeatures}): expected 2D or 3D input [N, C] or [N, C, L], got ${fmt(x.shape)}`);
  }
}

/** Batch normalisation over [N, C, H, W]. */
export class BatchNorm2d extends BatchNormBase {
  constructor(numFeatures: number, options: BatchNormOptions = {}) {
    super(numFeatures, options);
  }

  protected checkInput(x: Tensor): void {
    if (x.ndim !== 4) throw new RangeError(`BatchNorm2d(${this.numFeatures}): expected 4D input [N, C, H, W], got ${fmt(x.shape)}`);
  }
}

/** Options of `LayerNorm`. */
export interface LayerNormOptions extends FactoryOptions {
  eps?: number;
  /** Learn a scale (and bias) over the normalized shape. Default true. */
  elementwiseAffine?: boolean;
  /** Learn the bias too (with `elementwiseAffine`). Default true. */
  bias?: boolean;
}

/**
 * Normalises over the trailing `normalizedShape` dims of each sample.
 *
 * @example
 * new LayerNorm(512).forward(randn([2, 10, 512]));
 */
export class LayerNorm extends Module {
  readonly normalizedShape: number[];
  weight: Parameter | null;
  bias: Parameter | null;
  readonly eps: number;

  constructor(normalizedShape: number | readonly number[], options: LayerNormOptions = {}) {
    super();
    this.normalizedShape = typeof normalizedShape === 'number' ? [normalizedShape] : [...normalizedShape];
    this.eps = options.eps ?? 1e-5;
    const affine = options.elementwiseAffine ?? true;
    this.weight = affine ? emptyParameter(this.normalizedShape, options) : null;
    this.bias = affine && (options.bias ?? true) ? emptyParameter(this.normalizedShape, options) : null;
    this.resetParameters();
  }

  resetParameters(): void {
    if (this.weight) init.ones_(this.weight);
    if (this.bias) init.zeros_(this.bias);
  }

  forward(x: Tensor): Tensor {
    const ns = this.normalizedShape;
    const tail = x.shape.slice(x.ndim - ns.length);
    if (ns.length > x.ndim || tail.some((d, i) => d !== ns[i])) {
      throw new RangeError(`LayerNorm(${fmt(ns)}): input ${fmt(x.shape)} does not end with ${fmt(ns)}`);
    }
    return layerNorm(x, ns, this.weight, this.bias, this.eps);
  }

  override extraRepr(): string {
    return `(${this.normalizedShape.join(', ')}${this.normalizedShape.length === 1 ? ',' : ''}), eps=${this.eps}, elementwise_affine=${py(this.weight !== null)}`;
  }
}

/** Options of `GroupNorm`. */
export interface GroupNormOptions extends FactoryOptions {
  eps?: number;
  affine?: boolean;
}

/** Normalises each group of `numChannels / numGroups` channels of [N, C, ...] input. */
export class GroupNorm extends Module {
  weight: Parameter | null;
  bias: Parameter | null;
  readonly eps: number;

  constructor(
    readonly numGroups: number,
    readonly numChannels: number,
    options: GroupNormOptions = {},
  ) {
    super();
    if (numChannels % numGroups !== 0) throw new RangeError(`GroupNorm: num_channels (${numChannels}) must be divisible by num_groups (${numGroups})`);
    this.eps = options.eps ?? 1e-5;
    const affine = options.affine ?? true;
    this.weight = affine ? emptyParameter([numChannels], options) : null;
    this.bias = affine ? emptyParameter([numChannels], options) : null;
    this.resetParameters();
  }

  resetParameters(): void {
    if (this.weight) init.ones_(this.weight);
    if (this.bias) init.zeros_(this.bias);
  }

  forward(x: Tensor): Tensor {
    if (x.ndim < 2 || x.shape[1] !== this.numChannels) {
      throw new RangeError(`GroupNorm(${this.numGroups}, ${this.numChannels}): input ${fmt(x.shape)} has ${x.shape[1] ?? 'no'} channels, expected ${this.numChannels}`);
    }
    return groupNorm(x, this.numGroups, this.weight, this.bias, this.eps);
  }

  override extraRepr(): string {
    return `${this.numGroups}, ${this.numChannels}, eps=${this.eps}, affine=${py(this.weight !== null)}`;
  }
}

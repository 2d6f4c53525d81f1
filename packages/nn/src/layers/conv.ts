/** `Conv1d`, `Conv2d`, `ConvTranspose2d`. */
import * as T from '@tessera/core';
import { tidy, type Tensor } from '@tessera/core';
import { pad as padF, type PadMode } from '../functional/pad.js';
import { Module } from '../module.js';
import type { Parameter } from '../parameter.js';
import { fmt, tuple } from '../util.js';
import { emptyParameter, resetLinearLike, type FactoryOptions } from './linear.js';

/** Options of `Conv1d` and `Conv2d` (numbers or per-dim tuples). */
export interface ConvOptions<P> extends FactoryOptions {
  stride?: P;
  /** Zero padding per side, or 'valid' (none) or 'same' (output size = input size, stride 1). */
  padding?: P | 'valid' | 'same';
  dilation?: P;
  groups?: number;
  bias?: boolean;
  /** How the border is padded. Default 'zeros'. */
  paddingMode?: 'zeros' | 'reflect' | 'replicate' | 'circular';
}

abstract class ConvNd extends Module {
  weight: Parameter;
  bias: Parameter | null;
  readonly stride: number[];
  readonly padding: number[] | 'valid' | 'same';
  readonly dilation: number[];
  readonly groups: number;
  readonly paddingMode: 'zeros' | 'reflect' | 'replicate' | 'circular';
  readonly kernelSize: number[];

  constructor(
    protected readonly layerName: string,
    readonly inChannels: number,
    readonly outChannels: number,
    kernelSize: number | readonly number[],
    dims: number,
    options: ConvOptions<number | readonly number[]>,
    transposed: boolean,
  ) {
    super();
    const name = `${layerName}(${inChannels}, ${outChannels})`;
    this.kernelSize = tuple(`${name}: kernelSize`, kernelSize, dims);
    this.stride = tuple(`${name}: stride`, options.stride ?? 1, dims);
    const p = options.padding ?? 0;
    this.padding = p === 'same' || p === 'valid' ? p : tuple(`${name}: padding`, p, dims);
    this.dilation = tuple(`${name}: dilation`, options.dilation ?? 1, dims);
    this.groups = options.groups ?? 1;
    this.paddingMode = options.paddingMode ?? 'zeros';
    if (!Number.isInteger(this.groups) || this.groups < 1) throw new RangeError(`${name}: groups must be a positive integer, got ${this.groups}`);
    if (inChannels % this.groups !== 0) throw new RangeError(`${name}: in_channels must be divisible by groups (${this.groups})`);
    if (outChannels % this.groups !== 0) throw new RangeError(`${name}: out_channels must be divisible by groups (${this.groups})`);
    if (this.padding === 'same' && this.stride.some((s) => s !== 1)) throw new RangeError(`${name}: padding='same' is not supported for strided convolutions`);
    const shape = transposed
      ? [inChannels, outChannels / this.groups, ...this.kernelSize]
      : [outChannels, inChannels / this.groups, ...this.kernelSize];
    this.weight = emptyParameter(shape, options);
    this.bias = options.bias ?? true ? emptyParameter([outChannels], options) : null;
    this.resetParameters();
  }

  /** Re-draws the weights with PyTorch's default initialisation. */
  resetParameters(): void {
    resetLinearLike(this.weight, this.bias);
  }

  protected describe(): string {
    return `${this.layerName}(${this.inChannels}, ${this.outChannels}, kernel=${this.kernelSize.length === 1 ? this.kernelSize[0] : `(${this.kernelSize.join(', ')})`})`;
  }

  protected checkInput(x: Tensor, spatial: number): void {
    const layout = spatial === 1 ? '[N, C, L] or [C, L]' : '[N, C, H, W] or [C, H, W]';
    if (x.ndim !== spatial + 1 && x.ndim !== spatial + 2) {
      throw new RangeError(`${this.describe()}: expected input ${layout}, got ${fmt(x.shape)}`);
    }
    const c = x.shape[x.ndim - spatial - 1]!;
    if (c !== this.inChannels) {
      throw new RangeError(`${this.describe()}: input ${fmt(x.shape)} has ${c} channels, expected ${this.inChannels}`);
    }
  }

  /** Pads by the layer's non-zero padding mode; returns the input and the padding left for the op. */
  protected prepad(x: Tensor): [Tensor, number[] | 'valid' | 'same'] {
    if (this.paddingMode === 'zeros' || this.padding === 'valid') return [x, this.padding];
    let per: [number, number][];
    if (this.padding === 'same') {
      per = this.kernelSize.map((k, i) => {
        const total = this.dilation[i]! * (k - 1);
        return [Math.floor(total / 2), total - Math.floor(total / 2)];
      });
    } else per = this.padding.map((p) => [p, p]);
    const flat: number[] = [];
    for (let i = per.length - 1; i >= 0; i--) flat.push(per[i]![0], per[i]![1]);
    return [padF(x, flat, this.paddingMode as PadMode), this.kernelSize.map(() => 0)];
  }

  override extraRepr(): string {
    const parts = [`${this.inChannels}, ${this.outChannels}, kernel_size=(${this.kernelSize.join(', ')})`, `stride=(${this.stride.join(', ')})`];
    if (this.padding === 'same' || this.padding === 'valid') parts.push(`padding=${this.padding}`);
    else if (this.padding.some((p) => p !== 0)) parts.push(`padding=(${this.padding.join(', ')})`);
    if (this.dilation.some((d) => d !== 1)) parts.push(`dilation=(${this.dilation.join(', ')})`);
    if (this.groups !== 1) parts.push(`groups=${this.groups}`);
    if (!this.bias) parts.push('bias=False');
    if (this.paddingMode !== 'zeros') parts.push(`padding_mode=${this.paddingMode}`);
    return parts.join(', ');
  }
}

/**
 * 1-D convolution over [N, C, L] input.
 *
 * @example
 * new Conv1d(16, 33, 3, { stride: 2 }).forward(randn([20, 16, 50])).shape; // [20, 33, 24]
 */
export class Conv1d extends ConvNd {
  constructor(inChannels: number, outChannels: number, kernelSize: number | readonly [number], options: ConvOptions<number | readonly [number]> = {}) {
    super('Conv1d', inChannels, outChannels, kernelSize, 1, options, false);
  }

  forward(x: Tensor): Tensor {
    this.checkInput(x, 1);
    return tidy(() => {
      const [xp, padding] = this.prepad(x);
      return T.conv1d(xp, this.weight, this.bias, {
        stride: this.stride[0],
        padding: typeof padding === 'string' ? padding : padding[0],
        dilation: this.dilation[0],
        groups: this.groups,
      });
    });
  }
}

/**
 * 2-D convolution over [N, C, H, W] input.
 *
 * @example
 * new Conv2d(3, 16, 3, { padding: 1 }).forward(randn([8, 3, 32, 32])).shape; // [8, 16, 32, 32]
 */
export class Conv2d extends ConvNd {
  constructor(
    inChannels: number,
    outChannels: number,
    kernelSize: number | readonly [number, number],
    options: ConvOptions<number | readonly [number, number]> = {},
  ) {
    super('Conv2d', inChannels, outChannels, kernelSize, 2, options, false);
  }

  forward(x: Tensor): Tensor {
    this.checkInput(x, 2);
    return tidy(() => {
      const [xp, padding] = this.prepad(x);
      return T.conv2d(xp, this.weight, this.bias, {
        stride: this.stride as [number, number],
        padding: typeof padding === 'string' ? padding : (padding as [number, number]),
        dilation: this.dilation as [number, number],
        groups: this.groups,
      });
    });
  }
}

/** Options of `ConvTranspose2d`. */
export interface ConvTranspose2dOptions extends FactoryOptions {
  stride?: number | readonly [number, number];
  padding?: number | readonly [number, number];
  outputPadding?: number | readonly [number, number];
  dilation?: number | readonly [number, number];
  groups?: number;
  bias?: boolean;
}

/**
 * Transposed 2-D convolution ("deconvolution") over [N, C, H, W] input. The weight is
 * [inChannels, outChannels / groups, KH, KW], as in PyTorch.
 */
export class ConvTranspose2d extends ConvNd {
  readonly outputPadding: number[];

  constructor(inChannels: number, outChannels: number, kernelSize: number | readonly [number, number], options: ConvTranspose2dOptions = {}) {
    super('ConvTranspose2d', inChannels, outChannels, kernelSize, 2, options, true);
    this.outputPadding = tuple('ConvTranspose2d: outputPadding', options.outputPadding ?? 0, 2);
  }

  /**
   * @param outputSize the [H, W] (or [N, C, H, W]) to produce when the stride makes it ambiguous;
   * it picks the output padding, as PyTorch's `output_size` argument.
   */
  forward(x: Tensor, outputSize?: readonly number[]): Tensor {
    this.checkInput(x, 2);
    let outputPadding = this.outputPadding as [number, number];
    const padding = this.padding as number[];
    if (outputSize) {
      const want = outputSize.slice(-2);
      outputPadding = [0, 1].map((i) => {
        const size = x.shape[x.ndim - 2 + i]!;
        const min = (size - 1) * this.stride[i]! - 2 * padding[i]! + this.dilation[i]! * (this.kernelSize[i]! - 1) + 1;
        const extra = want[i]! - min;
        if (extra < 0 || extra >= Math.max(this.stride[i]!, this.dilation[i]!)) {
          throw new RangeError(`${this.describe()}: requested output size ${fmt(want)} is not reachable from input ${fmt(x.shape)}`);
        }
        return extra;
      }) as [number, number];
    }
    return T.convTranspose2d(x, this.weight, this.bias, {
      stride: this.stride as [number, number],
      padding: padding as [number, number],
      outputPadding,
      dilation: this.dilation as [number, number],
      groups: this.groups,
    });
  }

  override extraRepr(): string {
    const base = super.extraRepr();
    return this.outputPadding.some((p) => p !== 0) ? `${base}, output_padding=(${this.outputPadding.join(', ')})` : base;
  }
}

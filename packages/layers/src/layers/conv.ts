/** Convolution layers (channels-last by default, as in Keras): Conv1D, Conv2D, Conv2DTranspose, DepthwiseConv2D, SeparableConv2D. */
import { pad, type Tensor } from '@tessera/core';
import { getActivation, type Activation, type ActivationIdentifier } from '../activations.js';
import { convOutputLength, fmtShape, normalizeDataFormat, normalizePadding, normalizeTuple, ValueError, type Shape } from '../common.js';
import { getConstraint, type Constraint, type ConstraintIdentifier } from '../constraints.js';
import { getInitializer, serializeInitializer, type Initializer, type InitializerIdentifier } from '../initializers.js';
import { getRegularizer, serializeRegularizer, type Regularizer, type RegularizerIdentifier } from '../regularizers.js';
import { assertRank, Layer, type LayerArgs, type LayerConfig } from '../engine/topology.js';
import type { LayerVariable } from '../engine/variable.js';
import { conv2dNHWC, conv2dTransposeNHWC, deconvLength, depthwiseConv2dNHWC } from '../ops/conv.js';
import { activate, kernelBiasConfig, serializeOpt } from './core.js';

export interface BaseConvArgs extends LayerArgs {
  kernelSize: number | number[];
  strides?: number | number[];
  padding?: 'valid' | 'same' | 'causal';
  dataFormat?: 'channelsLast' | 'channelsFirst' | 'channels_last' | 'channels_first';
  dilationRate?: number | number[];
  activation?: ActivationIdentifier | null;
  useBias?: boolean;
  kernelInitializer?: InitializerIdentifier;
  biasInitializer?: InitializerIdentifier;
  kernelRegularizer?: RegularizerIdentifier | null;
  biasRegularizer?: RegularizerIdentifier | null;
  kernelConstraint?: ConstraintIdentifier | null;
  biasConstraint?: ConstraintIdentifier | null;
}

export interface ConvArgs extends BaseConvArgs {
  filters: number;
}

/** Shared options of the convolution layers (rank 1 or 2). */
abstract class BaseConv extends Layer {
  readonly rank: number;
  readonly kernelSize: number[];
  readonly strides: number[];
  readonly padding: string;
  readonly dataFormat: 'channelsLast' | 'channelsFirst';
  readonly dilationRate: number[];
  readonly activation: Activation;
  readonly useBias: boolean;
  readonly kernelInitializer: Initializer;
  readonly biasInitializer: Initializer;
  readonly kernelRegularizer: Regularizer | null;
  readonly biasRegularizer: Regularizer | null;
  readonly kernelConstraint: Constraint | null;
  readonly biasConstraint: Constraint | null;
  kernel: LayerVariable | null = null;
  bias: LayerVariable | null = null;

  constructor(rank: number, args: BaseConvArgs) {
    super(args);
    this.rank = rank;
    if (args.kernelSize === undefined) throw new ValueError(`${this.getClassName()}: kernelSize is required`);
    this.kernelSize = normalizeTuple(args.kernelSize, rank, 'kernelSize');
    this.strides = normalizeTuple(args.strides ?? 1, rank, 'strides');
    this.padding = normalizePadding(args.padding, rank === 1 ? ['valid', 'same', 'causal'] : ['valid', 'same']);
    this.dataFormat = normalizeDataFormat(args.dataFormat);
    this.dilationRate = normalizeTuple(args.dilationRate ?? 1, rank, 'dilationRate');
    if (this.strides.some((s) => s > 1) && this.dilationRate.some((d) => d > 1)) {
      throw new ValueError(`${this.getClassName()}: strides > 1 are not compatible with dilationRate > 1`);
    }
    this.activation = getActivation(args.activation);
    this.useBias = args.useBias ?? true;
    this.kernelInitializer = getInitializer(args.kernelInitializer, 'glorot_uniform');
    this.biasInitializer = getInitializer(args.biasInitializer, 'zeros');
    this.kernelRegularizer = getRegularizer(args.kernelRegularizer);
    this.biasRegularizer = getRegularizer(args.biasRegularizer);
    this.kernelConstraint = getConstraint(args.kernelConstraint);
    this.biasConstraint = getConstraint(args.biasConstraint);
  }

  protected channelsOf(s: Shape): number {
    const c = this.dataFormat === 'channelsLast' ? s[s.length - 1] : s[1];
    if (c === null || c === undefined) throw new ValueError(`${this.getClassName()} '${this.name}': the channel dimension of the inputs should be defined, got ${fmtShape(s)}`);
    return c;
  }

  /** To channels-last 4-D [N, H, W, C] (1-D convolutions get H = 1). */
  protected toNHWC(x: Tensor): Tensor {
    let y = this.dataFormat === 'channelsFirst' ? x.permute([0, ...Array.from({ length: this.rank }, (_, i) => i + 2), 1]) : x;
    if (this.rank === 1) y = y.unsqueeze(1);
    return y;
  }

  protected fromNHWC(y: Tensor): Tensor {
    let out = this.rank === 1 ? y.squeeze(1) : y;
    if (this.dataFormat === 'channelsFirst') out = out.permute([0, out.ndim - 1, ...Array.from({ length: this.rank }, (_, i) => i + 1)]);
    return out;
  }

  protected spatial(s: Shape): (number | null)[] {
    return this.dataFormat === 'channelsLast' ? s.slice(1, 1 + this.rank) : s.slice(2, 2 + this.rank);
  }

  protected assemble(s: Shape, spatial: (number | null)[], channels: number): Shape {
    return this.dataFormat === 'channelsLast' ? [s[0]!, ...spatial, channels] : [s[0]!, channels, ...spatial];
  }

  protected finish(y: Tensor): Tensor {
    let out = y;
    if (this.bias) out = out.add(this.bias.read());
    return activate(this.activation, this.fromNHWC(out));
  }

  protected opts(): { strides: [number, number]; padding: string; dilation: [number, number] } {
    const two = (v: number[]): [number, number] => (this.rank === 1 ? [1, v[0]!] : [v[0]!, v[1]!]);
    return { strides: two(this.strides), padding: this.padding === 'causal' ? 'valid' : this.padding, dilation: two(this.dilationRate) };
  }

  override getConfig(): LayerConfig {
    return {
      ...super.getConfig(),
      kernelSize: this.kernelSize,
      strides: this.strides,
      padding: this.padding,
      dataFormat: this.dataFormat,
      dilationRate: this.dilationRate,
      ...kernelBiasConfig(this),
    };
  }
}

/** Conv1D and Conv2D. */
abstract class Conv extends BaseConv {
  readonly filters: number;
  constructor(rank: number, args: ConvArgs) {
    super(rank, args);
    if (!Number.isInteger(args.filters) || args.filters <= 0) throw new ValueError(`${this.getClassName()}: filters must be a positive integer, got ${args.filters}`);
    this.filters = args.filters;
  }

  override build(inputShape: Shape | Shape[]): void {
    const s = inputShape as Shape;
    assertRank(this, s, this.rank + 2);
    const c = this.channelsOf(s);
    this.kernel = this.addWeight('kernel', [...this.kernelSize, c, this.filters], { initializer: this.kernelInitializer, regularizer: this.kernelRegularizer, constraint: this.kernelConstraint });
    if (this.useBias) this.bias = this.addWeight('bias', [this.filters], { initializer: this.biasInitializer, regularizer: this.biasRegularizer, constraint: this.biasConstraint });
  }

  call(inputs: Tensor | Tensor[]): Tensor {
    let x = this.toNHWC(inputs as Tensor);
    if (this.padding === 'causal') {
      const left = (this.kernelSize[0]! - 1) * this.dilationRate[0]!;
      // [N, 1, W, C]: (before, after) pairs from the last dim, so C gets none and W gets `left` before.
      if (left > 0) x = pad(x, [0, 0, left, 0]);
    }
    const k = this.rank === 1 ? this.kernel!.read().unsqueeze(0) : this.kernel!.read();
    return this.finish(conv2dNHWC(x, k, this.opts()));
  }

  override computeOutputShape(inputShape: Shape | Shape[]): Shape {
    const s = inputShape as Shape;
    const sp = this.spatial(s).map((d, i) => convOutputLength(d, this.kernelSize[i]!, this.padding, this.strides[i]!, this.dilationRate[i]!));
    return this.assemble(s, sp, this.filters);
  }

  override getConfig(): LayerConfig {
    return { ...super.getConfig(), filters: this.filters };
  }
}

export class Conv1D extends Conv {
  static override readonly className: string = 'Conv1D';
  constructor(args: ConvArgs) {
    super(1, args);
  }
}

export class Conv2D extends Conv {
  static override readonly className: string = 'Conv2D';
  constructor(args: ConvArgs) {
    super(2, args);
  }
}

export interface Conv2DTransposeArgs extends ConvArgs {
  outputPadding?: number | number[] | null;
}

/** The transpose (gradient) of a Conv2D: upsamples by `strides`. Kernel [KH, KW, filters, inChannels]. */
export class Conv2DTranspose extends Conv {
  static override readonly className: string = 'Conv2DTranspose';
  readonly outputPadding: number[] | null;
  constructor(args: Conv2DTransposeArgs) {
    super(2, args);
    if (this.padding === 'causal') throw new ValueError('Conv2DTranspose does not support causal padding');
    this.outputPadding = args.outputPadding === undefined || args.outputPadding === null ? null : normalizeTuple(args.outputPadding, 2, 'outputPadding');
    if (this.outputPadding) throw new ValueError('Conv2DTranspose: outputPadding is not supported yet');
  }

  override build(inputShape: Shape | Shape[]): void {
    const s = inputShape as Shape;
    assertRank(this, s, 4);
    const c = this.channelsOf(s);
    this.kernel = this.addWeight('kernel', [...this.kernelSize, this.filters, c], { initializer: this.kernelInitializer, regularizer: this.kernelRegularizer, constraint: this.kernelConstraint });
    if (this.useBias) this.bias = this.addWeight('bias', [this.filters], { initializer: this.biasInitializer, regularizer: this.biasRegularizer, constraint: this.biasConstraint });
  }

  override call(inputs: Tensor | Tensor[]): Tensor {
    const x = this.toNHWC(inputs as Tensor);
    return this.finish(conv2dTransposeNHWC(x, this.kernel!.read(), this.opts()));
  }

  override computeOutputShape(inputShape: Shape | Shape[]): Shape {
    const s = inputShape as Shape;
    const sp = this.spatial(s).map((d, i) => (d === null ? null : deconvLength(d, this.kernelSize[i]!, this.padding, this.strides[i]!, this.dilationRate[i]!)));
    return this.assemble(s, sp, this.filters);
  }

  override getConfig(): LayerConfig {
    return { ...super.getConfig(), outputPadding: this.outputPadding };
  }
}

export interface DepthwiseConv2DArgs extends BaseConvArgs {
  depthMultiplier?: number;
  depthwiseInitializer?: InitializerIdentifier;
  depthwiseRegularizer?: RegularizerIdentifier | null;
  depthwiseConstraint?: ConstraintIdentifier | null;
}

/** One filter per input channel (times `depthMultiplier`). Kernel [KH, KW, C, depthMultiplier]. */
export class DepthwiseConv2D extends BaseConv {
  static override readonly className: string = 'DepthwiseConv2D';
  readonly depthMultiplier: number;
  readonly depthwiseInitializer: Initializer;
  readonly depthwiseRegularizer: Regularizer | null;
  readonly depthwiseConstraint: Constraint | null;
  constructor(args: DepthwiseConv2DArgs) {
    super(2, args);
    this.depthMultiplier = args.depthMultiplier ?? 1;
    this.depthwiseInitializer = getInitializer(args.depthwiseInitializer, 'glorot_uniform');
    this.depthwiseRegularizer = getRegularizer(args.depthwiseRegularizer);
    this.depthwiseConstraint = getConstraint(args.depthwiseConstraint);
  }

  override build(inputShape: Shape | Shape[]): void {
    const s = inputShape as Shape;
    assertRank(this, s, 4);
    const c = this.channelsOf(s);
    this.kernel = this.addWeight('depthwise_kernel', [...this.kernelSize, c, this.depthMultiplier], { initializer: this.depthwiseInitializer, regularizer: this.depthwiseRegularizer, constraint: this.depthwiseConstraint });
    if (this.useBias) this.bias = this.addWeight('bias', [c * this.depthMultiplier], { initializer: this.biasInitializer, regularizer: this.biasRegularizer, constraint: this.biasConstraint });
  }

  call(inputs: Tensor | Tensor[]): Tensor {
    const x = this.toNHWC(inputs as Tensor);
    return this.finish(depthwiseConv2dNHWC(x, this.kernel!.read(), this.opts()));
  }

  override computeOutputShape(inputShape: Shape | Shape[]): Shape {
    const s = inputShape as Shape;
    const sp = this.spatial(s).map((d, i) => convOutputLength(d, this.kernelSize[i]!, this.padding, this.strides[i]!, this.dilationRate[i]!));
    const c = this.channelsOf(s);
    return this.assemble(s, sp, c * this.depthMultiplier);
  }

  override getConfig(): LayerConfig {
    const c = super.getConfig();
    delete c['kernelInitializer'];
    delete c['kernelRegularizer'];
    delete c['kernelConstraint'];
    return {
      ...c,
      depthMultiplier: this.depthMultiplier,
      depthwiseInitializer: serializeInitializer(this.depthwiseInitializer),
      depthwiseRegularizer: this.depthwiseRegularizer ? serializeRegularizer(this.depthwiseRegularizer) : null,
      depthwiseConstraint: serializeOpt(this.depthwiseConstraint),
    };
  }
}

export interface SeparableConv2DArgs extends ConvArgs {
  depthMultiplier?: number;
  depthwiseInitializer?: InitializerIdentifier;
  pointwiseInitializer?: InitializerIdentifier;
}

/** A depthwise convolution followed by a 1x1 convolution. */
export class SeparableConv2D extends Conv {
  static override readonly className: string = 'SeparableConv2D';
  readonly depthMultiplier: number;
  readonly depthwiseInitializer: Initializer;
  readonly pointwiseInitializer: Initializer;
  depthwiseKernel: LayerVariable | null = null;
  pointwiseKernel: LayerVariable | null = null;
  constructor(args: SeparableConv2DArgs) {
    super(2, args);
    this.depthMultiplier = args.depthMultiplier ?? 1;
    this.depthwiseInitializer = getInitializer(args.depthwiseInitializer, 'glorot_uniform');
    this.pointwiseInitializer = getInitializer(args.pointwiseInitializer, 'glorot_uniform');
  }

  override build(inputShape: Shape | Shape[]): void {
    const s = inputShape as Shape;
    assertRank(this, s, 4);
    const c = this.channelsOf(s);
    this.depthwiseKernel = this.addWeight('depthwise_kernel', [...this.kernelSize, c, this.depthMultiplier], { initializer: this.depthwiseInitializer });
    this.pointwiseKernel = this.addWeight('pointwise_kernel', [1, 1, c * this.depthMultiplier, this.filters], { initializer: this.pointwiseInitializer });
    if (this.useBias) this.bias = this.addWeight('bias', [this.filters], { initializer: this.biasInitializer, regularizer: this.biasRegularizer, constraint: this.biasConstraint });
  }

  override call(inputs: Tensor | Tensor[]): Tensor {
    const x = this.toNHWC(inputs as Tensor);
    const d = depthwiseConv2dNHWC(x, this.depthwiseKernel!.read(), this.opts());
    return this.finish(conv2dNHWC(d, this.pointwiseKernel!.read(), { strides: [1, 1], padding: 'valid', dilation: [1, 1] }));
  }

  override getConfig(): LayerConfig {
    const c = super.getConfig();
    delete c['kernelInitializer'];
    return { ...c, depthMultiplier: this.depthMultiplier, depthwiseInitializer: serializeInitializer(this.depthwiseInitializer), pointwiseInitializer: serializeInitializer(this.pointwiseInitializer) };
  }
}

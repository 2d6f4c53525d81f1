/** Core layers: Dense, Activation, Flatten, Reshape, Permute, Dropout, Rescaling, RepeatVector and activation layers. */
import { Generator, rand, randn, type Tensor } from '@tessera/core';
import { F } from '@tessera/nn';
import { getActivation, type Activation, type ActivationIdentifier } from '../activations.js';
import { fmtShape, normalizeDataFormat, prod, ValueError, type Shape } from '../common.js';
import { getConstraint, type Constraint, type ConstraintIdentifier } from '../constraints.js';
import { getInitializer, serializeInitializer, type Initializer, type InitializerIdentifier } from '../initializers.js';
import { getRegularizer, serializeRegularizer, type Regularizer, type RegularizerIdentifier } from '../regularizers.js';
import { trainingGenerator } from '../engine/rng.js';
import { assertRank, attachLogits, Layer, type CallKwargs, type LayerArgs, type LayerConfig } from '../engine/topology.js';
import type { LayerVariable } from '../engine/variable.js';

/** Applies an activation, keeping the logits of softmax/sigmoid so losses can use them. */
export function activate(a: Activation, x: Tensor): Tensor {
  const y = a.apply(x);
  if (a.name === 'softmax' || a.name === 'sigmoid') attachLogits(y, x, a.name);
  return y;
}

export function serializeOpt<T extends { className: string; getConfig(): Record<string, unknown> }>(x: T | null): { className: string; config: Record<string, unknown> } | null {
  return x ? { className: x.className, config: x.getConfig() } : null;
}

/** The kernel and bias settings that Dense and the convolution layers share. */
export interface KernelBiasLayer {
  readonly activation: Activation;
  readonly useBias: boolean;
  readonly kernelInitializer: Initializer;
  readonly biasInitializer: Initializer;
  readonly kernelRegularizer: Regularizer | null;
  readonly biasRegularizer: Regularizer | null;
  readonly activityRegularizer: Regularizer | null;
  readonly kernelConstraint: Constraint | null;
  readonly biasConstraint: Constraint | null;
}

/** Those settings as Keras config entries, in Keras's key order. */
export function kernelBiasConfig(l: KernelBiasLayer): LayerConfig {
  return {
    activation: l.activation.name,
    useBias: l.useBias,
    kernelInitializer: serializeInitializer(l.kernelInitializer),
    biasInitializer: serializeInitializer(l.biasInitializer),
    kernelRegularizer: l.kernelRegularizer ? serializeRegularizer(l.kernelRegularizer) : null,
    biasRegularizer: l.biasRegularizer ? serializeRegularizer(l.biasRegularizer) : null,
    activityRegularizer: l.activityRegularizer ? serializeRegularizer(l.activityRegularizer) : null,
    kernelConstraint: serializeOpt(l.kernelConstraint),
    biasConstraint: serializeOpt(l.biasConstraint),
  };
}

// ---------------- Dense ----------------

export interface DenseArgs extends LayerArgs {
  units: number;
  activation?: ActivationIdentifier | null;
  useBias?: boolean;
  kernelInitializer?: InitializerIdentifier;
  biasInitializer?: InitializerIdentifier;
  kernelRegularizer?: RegularizerIdentifier | null;
  biasRegularizer?: RegularizerIdentifier | null;
  kernelConstraint?: ConstraintIdentifier | null;
  biasConstraint?: ConstraintIdentifier | null;
}

/** `activation(x @ kernel + bias)` over the last axis (nn's `F.linear` with the kernel transposed). */
export class Dense extends Layer {
  static override readonly className: string = 'Dense';
  readonly units: number;
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

  constructor(args: DenseArgs) {
    super(args);
    if (!args || !Number.isInteger(args.units) || args.units <= 0) throw new ValueError(`Dense: units must be a positive integer, got ${args?.units}`);
    this.units = args.units;
    this.activation = getActivation(args.activation);
    this.useBias = args.useBias ?? true;
    this.kernelInitializer = getInitializer(args.kernelInitializer, 'glorot_uniform');
    this.biasInitializer = getInitializer(args.biasInitializer, 'zeros');
    this.kernelRegularizer = getRegularizer(args.kernelRegularizer);
    this.biasRegularizer = getRegularizer(args.biasRegularizer);
    this.kernelConstraint = getConstraint(args.kernelConstraint);
    this.biasConstraint = getConstraint(args.biasConstraint);
  }

  override build(inputShape: Shape | Shape[]): void {
    const s = inputShape as Shape;
    assertRank(this, s, 2, Infinity);
    const inDim = s[s.length - 1];
    if (inDim === null || inDim === undefined) throw new ValueError(`Dense '${this.name}': the last dimension of the inputs must be defined, got ${fmtShape(s)}`);
    this.kernel = this.addWeight('kernel', [inDim, this.units], { initializer: this.kernelInitializer, regularizer: this.kernelRegularizer, constraint: this.kernelConstraint });
    if (this.useBias) this.bias = this.addWeight('bias', [this.units], { initializer: this.biasInitializer, regularizer: this.biasRegularizer, constraint: this.biasConstraint });
    this.built = true;
  }

  call(inputs: Tensor | Tensor[]): Tensor {
    const x = inputs as Tensor;
    const k = this.kernel!.read();
    if (x.shape[x.ndim - 1] !== k.shape[0]) {
      throw new ValueError(`Input 0 of layer "${this.name}" is incompatible with the layer: expected axis -1 of input shape to have value ${k.shape[0]}, but received input with shape ${fmtShape(x.shape)}`);
    }
    // nn's linear takes PyTorch's [out, in] weight; Keras's kernel is [in, out].
    return activate(this.activation, F.linear(x, k.t(), this.bias?.read() ?? null));
  }

  override computeOutputShape(inputShape: Shape | Shape[]): Shape {
    const s = inputShape as Shape;
    return [...s.slice(0, -1), this.units];
  }

  override getConfig(): LayerConfig {
    return {
      ...super.getConfig(),
      units: this.units,
      ...kernelBiasConfig(this),
    };
  }
}

// ---------------- Activation and activation layers ----------------

export class ActivationLayer extends Layer {
  static override readonly className: string = 'Activation';
  readonly activation: Activation;
  constructor(args: LayerArgs & { activation: ActivationIdentifier }) {
    super(args);
    this.activation = getActivation(args.activation);
  }
  call(inputs: Tensor | Tensor[]): Tensor {
    return activate(this.activation, inputs as Tensor);
  }
  override getConfig(): LayerConfig {
    return { ...super.getConfig(), activation: this.activation.name };
  }
}

export class ReLU extends Layer {
  static override readonly className: string = 'ReLU';
  readonly maxValue: number | null;
  readonly negativeSlope: number;
  readonly threshold: number;
  constructor(args: LayerArgs & { maxValue?: number | null; negativeSlope?: number; threshold?: number } = {}) {
    super(args);
    this.maxValue = args.maxValue ?? null;
    this.negativeSlope = args.negativeSlope ?? 0;
    this.threshold = args.threshold ?? 0;
  }
  call(inputs: Tensor | Tensor[]): Tensor {
    const x = inputs as Tensor;
    let y: Tensor;
    if (this.threshold === 0 && this.negativeSlope === 0) y = F.relu(x);
    else {
      const above = x.ge(this.threshold);
      y = x.where(above, x.sub(this.threshold).mul(this.negativeSlope));
    }
    return this.maxValue !== null ? y.clamp(null, this.maxValue) : y;
  }
  override getConfig(): LayerConfig {
    return { ...super.getConfig(), maxValue: this.maxValue, negativeSlope: this.negativeSlope, threshold: this.threshold };
  }
}

export class LeakyReLU extends Layer {
  static override readonly className: string = 'LeakyReLU';
  readonly alpha: number;
  constructor(args: LayerArgs & { alpha?: number; negativeSlope?: number } = {}) {
    super(args);
    // Keras 3 calls it negative_slope (default 0.3); TF.js alpha (default 0.3).
    this.alpha = args.negativeSlope ?? args.alpha ?? 0.3;
  }
  call(inputs: Tensor | Tensor[]): Tensor {
    return F.leakyRelu(inputs as Tensor, this.alpha);
  }
  override getConfig(): LayerConfig {
    return { ...super.getConfig(), alpha: this.alpha };
  }
}

export class ELU extends Layer {
  static override readonly className: string = 'ELU';
  readonly alpha: number;
  constructor(args: LayerArgs & { alpha?: number } = {}) {
    super(args);
    this.alpha = args.alpha ?? 1;
  }
  call(inputs: Tensor | Tensor[]): Tensor {
    return F.elu(inputs as Tensor, this.alpha);
  }
  override getConfig(): LayerConfig {
    return { ...super.getConfig(), alpha: this.alpha };
  }
}

export class Softmax extends Layer {
  static override readonly className: string = 'Softmax';
  readonly axis: number;
  constructor(args: LayerArgs & { axis?: number } = {}) {
    super(args);
    this.axis = args.axis ?? -1;
  }
  call(inputs: Tensor | Tensor[]): Tensor {
    const x = inputs as Tensor;
    const y = F.softmax(x, this.axis);
    if (this.axis === -1 || this.axis === x.ndim - 1) attachLogits(y, x, 'softmax');
    return y;
  }
  override getConfig(): LayerConfig {
    return { ...super.getConfig(), axis: this.axis };
  }
}

export class PReLU extends Layer {
  static override readonly className: string = 'PReLU';
  readonly alphaInitializer: Initializer;
  readonly sharedAxes: number[] | null;
  alpha: LayerVariable | null = null;
  constructor(args: LayerArgs & { alphaInitializer?: InitializerIdentifier; sharedAxes?: number[] | number | null } = {}) {
    super(args);
    this.alphaInitializer = getInitializer(args.alphaInitializer, 'zeros');
    this.sharedAxes = args.sharedAxes === undefined || args.sharedAxes === null ? null : Array.isArray(args.sharedAxes) ? args.sharedAxes : [args.sharedAxes];
  }
  override build(inputShape: Shape | Shape[]): void {
    const s = (inputShape as Shape).slice(1).map((d) => d ?? 1);
    for (const a of this.sharedAxes ?? []) s[a - 1] = 1;
    this.alpha = this.addWeight('alpha', s as number[], { initializer: this.alphaInitializer });
  }
  call(inputs: Tensor | Tensor[]): Tensor {
    const x = inputs as Tensor;
    return F.relu(x).sub(F.relu(x.neg()).mul(this.alpha!.read()));
  }
  override getConfig(): LayerConfig {
    return { ...super.getConfig(), alphaInitializer: serializeInitializer(this.alphaInitializer), sharedAxes: this.sharedAxes };
  }
}

// ---------------- shape layers ----------------

export class Flatten extends Layer {
  static override readonly className: string = 'Flatten';
  readonly dataFormat: 'channelsLast' | 'channelsFirst';
  constructor(args: LayerArgs & { dataFormat?: string } = {}) {
    super(args);
    this.dataFormat = normalizeDataFormat(args.dataFormat);
  }
  call(inputs: Tensor | Tensor[]): Tensor {
    let x = inputs as Tensor;
    if (this.dataFormat === 'channelsFirst' && x.ndim > 2) x = x.permute([0, ...Array.from({ length: x.ndim - 2 }, (_, i) => i + 2), 1]);
    return x.reshape([x.shape[0]!, -1]);
  }
  override computeOutputShape(inputShape: Shape | Shape[]): Shape {
    const s = inputShape as Shape;
    if (s.length < 2) throw new ValueError(`Flatten '${this.name}' expects inputs of rank >= 2, got ${fmtShape(s)}`);
    const rest = s.slice(1);
    return [s[0]!, rest.some((d) => d === null) ? null : prod(rest as number[])];
  }
  override getConfig(): LayerConfig {
    return { ...super.getConfig(), dataFormat: this.dataFormat };
  }
}

export class Reshape extends Layer {
  static override readonly className: string = 'Reshape';
  readonly targetShape: number[];
  constructor(args: LayerArgs & { targetShape: (number | null)[] }) {
    super(args);
    this.targetShape = args.targetShape.map((d) => (d === null ? -1 : d));
  }
  private resolve(inShape: Shape): Shape {
    const known = inShape.slice(1);
    const unknownAt = this.targetShape.indexOf(-1);
    if (known.some((d) => d === null)) return [inShape[0]!, ...this.targetShape.map((d) => (d === -1 ? null : d))];
    const total = prod(known as number[]);
    const fixed = prod(this.targetShape.filter((d) => d !== -1));
    const out = [...this.targetShape];
    if (unknownAt >= 0) {
      if (total % fixed !== 0) throw new ValueError(`Reshape '${this.name}': total size of the new array must be unchanged, input_shape = [${known.join(', ')}], output_shape = [${this.targetShape.join(', ')}]`);
      out[unknownAt] = total / fixed;
    } else if (fixed !== total) {
      throw new ValueError(`Reshape '${this.name}': total size of the new array must be unchanged, input_shape = [${known.join(', ')}], output_shape = [${this.targetShape.join(', ')}]`);
    }
    return [inShape[0]!, ...out];
  }
  call(inputs: Tensor | Tensor[]): Tensor {
    const x = inputs as Tensor;
    const s = this.resolve([...x.shape]);
    return x.reshape([x.shape[0]!, ...(s.slice(1) as number[])]);
  }
  override computeOutputShape(inputShape: Shape | Shape[]): Shape {
    return this.resolve(inputShape as Shape);
  }
  override getConfig(): LayerConfig {
    return { ...super.getConfig(), targetShape: this.targetShape };
  }
}

export class Permute extends Layer {
  static override readonly className: string = 'Permute';
  readonly dims: number[];
  constructor(args: LayerArgs & { dims: number[] }) {
    super(args);
    const sorted = [...args.dims].sort((a, b) => a - b);
    if (sorted.some((d, i) => d !== i + 1)) throw new ValueError(`Invalid permutation argument dims=[${args.dims.join(', ')}] for Permute layer. The set of indices in dims must be consecutive and start from 1.`);
    this.dims = [...args.dims];
  }
  call(inputs: Tensor | Tensor[]): Tensor {
    return (inputs as Tensor).permute([0, ...this.dims]);
  }
  override computeOutputShape(inputShape: Shape | Shape[]): Shape {
    const s = inputShape as Shape;
    return [s[0]!, ...this.dims.map((d) => s[d]!)];
  }
  override getConfig(): LayerConfig {
    return { ...super.getConfig(), dims: this.dims };
  }
}

export class RepeatVector extends Layer {
  static override readonly className: string = 'RepeatVector';
  readonly n: number;
  constructor(args: LayerArgs & { n: number }) {
    super(args);
    this.n = args.n;
  }
  call(inputs: Tensor | Tensor[]): Tensor {
    const x = inputs as Tensor;
    return x.unsqueeze(1).expand([x.shape[0]!, this.n, x.shape[1]!]);
  }
  override computeOutputShape(inputShape: Shape | Shape[]): Shape {
    const s = inputShape as Shape;
    return [s[0]!, this.n, s[1]!];
  }
  override getConfig(): LayerConfig {
    return { ...super.getConfig(), n: this.n };
  }
}

export class Rescaling extends Layer {
  static override readonly className: string = 'Rescaling';
  readonly scale: number;
  readonly offset: number;
  constructor(args: LayerArgs & { scale: number; offset?: number }) {
    super(args);
    this.scale = args.scale;
    this.offset = args.offset ?? 0;
  }
  call(inputs: Tensor | Tensor[]): Tensor {
    const x = inputs as Tensor;
    return this.offset === 0 ? x.mul(this.scale) : x.mul(this.scale).add(this.offset);
  }
  override getConfig(): LayerConfig {
    return { ...super.getConfig(), scale: this.scale, offset: this.offset };
  }
}

// ---------------- regularization layers ----------------

export class Dropout extends Layer {
  static override readonly className: string = 'Dropout';
  readonly rate: number;
  readonly noiseShape: (number | null)[] | null;
  readonly seed: number | null;
  private seeded: Generator | null = null;
  constructor(args: LayerArgs & { rate: number; noiseShape?: (number | null)[] | null; seed?: number | null }) {
    super(args);
    if (!(args.rate >= 0 && args.rate <= 1)) throw new ValueError(`Invalid value received for argument 'rate'. Expected a float value between 0 and 1. Received: rate=${args.rate}`);
    this.rate = args.rate;
    this.noiseShape = args.noiseShape ?? null;
    this.seed = args.seed ?? null;
  }
  protected generator(): Generator {
    if (this.seed !== null) return (this.seeded ??= new Generator(this.seed));
    return trainingGenerator();
  }
  call(inputs: Tensor | Tensor[], kwargs: CallKwargs): Tensor {
    const x = inputs as Tensor;
    if (!kwargs.training || this.rate === 0) return x;
    if (this.rate === 1) return x.mul(0);
    const shape = this.noiseShape ? this.noiseShape.map((d, i) => d ?? x.shape[i]!) : [...x.shape];
    const keepMask = rand(shape, { generator: this.generator(), device: x.device }).ge(this.rate);
    return x.mul(keepMask).div(1 - this.rate);
  }
  override getConfig(): LayerConfig {
    return { ...super.getConfig(), rate: this.rate, noiseShape: this.noiseShape, seed: this.seed };
  }
}

export class SpatialDropout1D extends Dropout {
  static override readonly className: string = 'SpatialDropout1D';
  override call(inputs: Tensor | Tensor[], kwargs: CallKwargs): Tensor {
    const x = inputs as Tensor;
    if (!kwargs.training || this.rate === 0) return x;
    const keepMask = rand([x.shape[0]!, 1, x.shape[2]!], { generator: this.generator(), device: x.device }).ge(this.rate);
    return x.mul(keepMask).div(1 - this.rate);
  }
}

export class SpatialDropout2D extends Dropout {
  static override readonly className: string = 'SpatialDropout2D';
  override call(inputs: Tensor | Tensor[], kwargs: CallKwargs): Tensor {
    const x = inputs as Tensor;
    if (!kwargs.training || this.rate === 0) return x;
    const keepMask = rand([x.shape[0]!, 1, 1, x.shape[3]!], { generator: this.generator(), device: x.device }).ge(this.rate);
    return x.mul(keepMask).div(1 - this.rate);
  }
}

export class GaussianNoise extends Layer {
  static override readonly className: string = 'GaussianNoise';
  readonly stddev: number;
  readonly seed: number | null;
  constructor(args: LayerArgs & { stddev: number; seed?: number | null }) {
    super(args);
    this.stddev = args.stddev;
    this.seed = args.seed ?? null;
  }
  call(inputs: Tensor | Tensor[], kwargs: CallKwargs): Tensor {
    const x = inputs as Tensor;
    if (!kwargs.training) return x;
    return x.add(randn([...x.shape], { generator: trainingGenerator(), device: x.device }).mul(this.stddev));
  }
  override getConfig(): LayerConfig {
    return { ...super.getConfig(), stddev: this.stddev, seed: this.seed };
  }
}

export class GaussianDropout extends Layer {
  static override readonly className: string = 'GaussianDropout';
  readonly rate: number;
  readonly seed: number | null;
  constructor(args: LayerArgs & { rate: number; seed?: number | null }) {
    super(args);
    this.rate = args.rate;
    this.seed = args.seed ?? null;
  }
  call(inputs: Tensor | Tensor[], kwargs: CallKwargs): Tensor {
    const x = inputs as Tensor;
    if (!kwargs.training || this.rate <= 0 || this.rate >= 1) return x;
    const std = Math.sqrt(this.rate / (1 - this.rate));
    return x.mul(randn([...x.shape], { generator: trainingGenerator(), device: x.device }).mul(std).add(1));
  }
  override getConfig(): LayerConfig {
    return { ...super.getConfig(), rate: this.rate, seed: this.seed };
  }
}

/** BatchNormalization and LayerNormalization (Keras's defaults: momentum 0.99, epsilon 1e-3). */
import { noGrad } from '@tessera/autograd';
import { permute, type Tensor } from '@tessera/core';
import { F } from '@tessera/nn';
import { fmtShape, ValueError, type Shape } from '../common.js';
import { getConstraint, type Constraint, type ConstraintIdentifier } from '../constraints.js';
import { getInitializer, serializeInitializer, type Initializer, type InitializerIdentifier } from '../initializers.js';
import { getRegularizer, serializeRegularizer, type Regularizer, type RegularizerIdentifier } from '../regularizers.js';
import { Layer, type CallKwargs, type LayerArgs, type LayerConfig } from '../engine/topology.js';
import type { LayerVariable } from '../engine/variable.js';
import { serializeOpt } from './core.js';

export interface BatchNormalizationArgs extends LayerArgs {
  axis?: number;
  momentum?: number;
  epsilon?: number;
  center?: boolean;
  scale?: boolean;
  betaInitializer?: InitializerIdentifier;
  gammaInitializer?: InitializerIdentifier;
  movingMeanInitializer?: InitializerIdentifier;
  movingVarianceInitializer?: InitializerIdentifier;
  betaRegularizer?: RegularizerIdentifier | null;
  gammaRegularizer?: RegularizerIdentifier | null;
  betaConstraint?: ConstraintIdentifier | null;
  gammaConstraint?: ConstraintIdentifier | null;
}

/**
 * Normalizes with batch statistics while training (and updates moving averages), with the moving
 * averages at inference. A frozen layer (`trainable = false`) always runs in inference mode, as in Keras.
 */
export class BatchNormalization extends Layer {
  static override readonly className: string = 'BatchNormalization';
  readonly axis: number;
  readonly momentum: number;
  readonly epsilon: number;
  readonly center: boolean;
  readonly scale: boolean;
  readonly betaInitializer: Initializer;
  readonly gammaInitializer: Initializer;
  readonly movingMeanInitializer: Initializer;
  readonly movingVarianceInitializer: Initializer;
  readonly betaRegularizer: Regularizer | null;
  readonly gammaRegularizer: Regularizer | null;
  readonly betaConstraint: Constraint | null;
  readonly gammaConstraint: Constraint | null;
  gamma: LayerVariable | null = null;
  beta: LayerVariable | null = null;
  movingMean: LayerVariable | null = null;
  movingVariance: LayerVariable | null = null;

  constructor(args: BatchNormalizationArgs = {}) {
    super(args);
    this.axis = args.axis ?? -1;
    this.momentum = args.momentum ?? 0.99;
    this.epsilon = args.epsilon ?? 1e-3;
    this.center = args.center ?? true;
    this.scale = args.scale ?? true;
    this.betaInitializer = getInitializer(args.betaInitializer, 'zeros');
    this.gammaInitializer = getInitializer(args.gammaInitializer, 'ones');
    this.movingMeanInitializer = getInitializer(args.movingMeanInitializer, 'zeros');
    this.movingVarianceInitializer = getInitializer(args.movingVarianceInitializer, 'ones');
    this.betaRegularizer = getRegularizer(args.betaRegularizer);
    this.gammaRegularizer = getRegularizer(args.gammaRegularizer);
    this.betaConstraint = getConstraint(args.betaConstraint);
    this.gammaConstraint = getConstraint(args.gammaConstraint);
  }

  private axisOf(rank: number): number {
    const a = this.axis < 0 ? rank + this.axis : this.axis;
    if (a < 1 || a >= rank) throw new ValueError(`BatchNormalization '${this.name}': axis ${this.axis} is out of range for inputs of rank ${rank}`);
    return a;
  }

  override build(inputShape: Shape | Shape[]): void {
    const s = inputShape as Shape;
    const dim = s[this.axisOf(s.length)];
    if (dim === null || dim === undefined) throw new ValueError(`Axis ${this.axis} of input tensor should have a defined dimension but the layer received an input with shape ${fmtShape(s)}.`);
    if (this.scale) this.gamma = this.addWeight('gamma', [dim], { initializer: this.gammaInitializer, regularizer: this.gammaRegularizer, constraint: this.gammaConstraint });
    if (this.center) this.beta = this.addWeight('beta', [dim], { initializer: this.betaInitializer, regularizer: this.betaRegularizer, constraint: this.betaConstraint });
    this.movingMean = this.addWeight('moving_mean', [dim], { initializer: this.movingMeanInitializer, trainable: false });
    this.movingVariance = this.addWeight('moving_variance', [dim], { initializer: this.movingVarianceInitializer, trainable: false });
  }

  /**
   * Normalizes with nn's `F.batchNorm` (channels moved to axis 1). While training, the batch's
   * mean and biased variance are given to it as the statistics to use, and the moving averages
   * are updated here with Keras's rule (`moving = m · moving + (1 − m) · batch`, biased
   * variance), which differs from PyTorch's (unbiased running variance).
   */
  call(inputs: Tensor | Tensor[], kwargs: CallKwargs): Tensor {
    const x = inputs as Tensor;
    const a = this.axisOf(x.ndim);
    // [N, ..., C, ...] -> [N, C, ...]: nn normalizes over every axis but 1.
    const perm = a === 1 ? null : [0, a, ...x.shape.map((_, i) => i).filter((i) => i !== 0 && i !== a)];
    const xc = perm ? permute(x, perm) : x;
    let mean: Tensor;
    let variance: Tensor;
    if (kwargs.training && this.trainable) {
      const axes = xc.shape.map((_, i) => i).filter((i) => i !== 1);
      mean = xc.mean(axes);
      variance = xc.sub(mean.reshape([1, -1, ...axes.slice(1).map(() => 1)])).square().mean(axes);
      const m = this.momentum;
      noGrad(() => {
        this.movingMean!.read().mul_(m).add_(mean, 1 - m);
        this.movingVariance!.read().mul_(m).add_(variance, 1 - m);
      });
    } else {
      mean = this.movingMean!.read();
      variance = this.movingVariance!.read();
    }
    const y = F.batchNorm(xc, mean, variance, { training: false, weight: this.gamma?.read() ?? null, bias: this.beta?.read() ?? null, eps: this.epsilon });
    return perm ? permute(y, inversePermutation(perm)) : y;
  }

  override getConfig(): LayerConfig {
    return {
      ...super.getConfig(),
      axis: this.axis,
      momentum: this.momentum,
      epsilon: this.epsilon,
      center: this.center,
      scale: this.scale,
      betaInitializer: serializeInitializer(this.betaInitializer),
      gammaInitializer: serializeInitializer(this.gammaInitializer),
      movingMeanInitializer: serializeInitializer(this.movingMeanInitializer),
      movingVarianceInitializer: serializeInitializer(this.movingVarianceInitializer),
      betaRegularizer: this.betaRegularizer ? serializeRegularizer(this.betaRegularizer) : null,
      gammaRegularizer: this.gammaRegularizer ? serializeRegularizer(this.gammaRegularizer) : null,
      betaConstraint: serializeOpt(this.betaConstraint),
      gammaConstraint: serializeOpt(this.gammaConstraint),
    };
  }
}

export interface LayerNormalizationArgs extends LayerArgs {
  axis?: number | number[];
  epsilon?: number;
  center?: boolean;
  scale?: boolean;
  betaInitializer?: InitializerIdentifier;
  gammaInitializer?: InitializerIdentifier;
  betaRegularizer?: RegularizerIdentifier | null;
  gammaRegularizer?: RegularizerIdentifier | null;
}

/** Normalizes each sample over `axis` (the last by default). */
export class LayerNormalization extends Layer {
  static override readonly className: string = 'LayerNormalization';
  readonly axis: number[];
  readonly epsilon: number;
  readonly center: boolean;
  readonly scale: boolean;
  readonly betaInitializer: Initializer;
  readonly gammaInitializer: Initializer;
  readonly betaRegularizer: Regularizer | null;
  readonly gammaRegularizer: Regularizer | null;
  gamma: LayerVariable | null = null;
  beta: LayerVariable | null = null;

  constructor(args: LayerNormalizationArgs = {}) {
    super(args);
    this.axis = Array.isArray(args.axis) ? [...args.axis] : [args.axis ?? -1];
    this.epsilon = args.epsilon ?? 1e-3;
    this.center = args.center ?? true;
    this.scale = args.scale ?? true;
    this.betaInitializer = getInitializer(args.betaInitializer, 'zeros');
    this.gammaInitializer = getInitializer(args.gammaInitializer, 'ones');
    this.betaRegularizer = getRegularizer(args.betaRegularizer);
    this.gammaRegularizer = getRegularizer(args.gammaRegularizer);
  }

  private axes(rank: number): number[] {
    return this.axis.map((a) => (a < 0 ? rank + a : a)).sort((a, b) => a - b);
  }

  override build(inputShape: Shape | Shape[]): void {
    const s = inputShape as Shape;
    const axes = this.axes(s.length);
    const shape = axes.map((a) => {
      const d = s[a];
      if (d === null || d === undefined) throw new ValueError(`LayerNormalization '${this.name}': axis ${a} of the input ${fmtShape(s)} must be defined`);
      return d;
    });
    if (this.scale) this.gamma = this.addWeight('gamma', shape, { initializer: this.gammaInitializer, regularizer: this.gammaRegularizer });
    if (this.center) this.beta = this.addWeight('beta', shape, { initializer: this.betaInitializer, regularizer: this.betaRegularizer });
  }

  /** nn's `F.layerNorm` when the axes are the trailing ones (the usual case); else the same math over `axes`. */
  call(inputs: Tensor | Tensor[]): Tensor {
    const x = inputs as Tensor;
    const axes = this.axes(x.ndim);
    const trailing = axes.every((a, i) => a === x.ndim - axes.length + i);
    if (trailing) return F.layerNorm(x, axes.map((a) => x.shape[a]!), this.gamma?.read() ?? null, this.beta?.read() ?? null, this.epsilon);
    const mean = x.mean(axes, true);
    const centered = x.sub(mean);
    const variance = centered.square().mean(axes, true);
    let y = centered.mul(variance.add(this.epsilon).rsqrt());
    const bshape = x.shape.map((d, i) => (axes.includes(i) ? d : 1));
    if (this.gamma) y = y.mul(this.gamma.read().reshape(bshape));
    if (this.beta) y = y.add(this.beta.read().reshape(bshape));
    return y;
  }

  override getConfig(): LayerConfig {
    return {
      ...super.getConfig(),
      axis: this.axis.length === 1 ? this.axis[0] : this.axis,
      epsilon: this.epsilon,
      center: this.center,
      scale: this.scale,
      betaInitializer: serializeInitializer(this.betaInitializer),
      gammaInitializer: serializeInitializer(this.gammaInitializer),
      betaRegularizer: this.betaRegularizer ? serializeRegularizer(this.betaRegularizer) : null,
      gammaRegularizer: this.gammaRegularizer ? serializeRegularizer(this.gammaRegularizer) : null,
    };
  }
}

/** The permutation that undoes `perm`. */
function inversePermutation(perm: readonly number[]): number[] {
  const inv = new Array<number>(perm.length);
  perm.forEach((p, i) => (inv[p] = i));
  return inv;
}

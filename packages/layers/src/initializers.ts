/**
 * Weight initializers with Keras's defaults and names (`'glorot_uniform'`, `'glorotUniform'`,
 * `{className: 'GlorotUniform', config: {seed: 1}}`, or `initializers.glorotUniform({seed: 1})`).
 * The sampling is nn's (`init.uniform_`, `init.normal_`, `init.truncNormal_`, `init.orthogonal_`,
 * `init.eye_`, `init.constant_`), drawn on the host from core's seeded generator, so a seed gives
 * the same weights on every backend. What is Keras's own is the fans: Keras computes them from
 * its kernel layouts ([in, out], [KH, KW, in, out]) where PyTorch's `xavier*_` / `kaiming*_` read
 * [out, in, KH, KW], so the variance-scaling family computes its bound or standard deviation here
 * and hands the drawing to nn.
 */
import { Generator, getDefaultGenerator, zeros as zerosTensor, type DType, type Tensor } from '@tessera/core';
import { init } from '@tessera/nn';
import { normalizeId, prod, ValueError } from './common.js';

export type InitializerConfig = Record<string, unknown>;

/** Fan-in and fan-out of a weight shape, as Keras computes them (kernels of convolutions too). */
export function computeFans(shape: readonly number[]): [number, number] {
  if (shape.length === 0) return [1, 1];
  if (shape.length === 1) return [shape[0]!, shape[0]!];
  if (shape.length === 2) return [shape[0]!, shape[1]!];
  const receptive = prod(shape.slice(0, -2));
  return [shape[shape.length - 2]! * receptive, shape[shape.length - 1]! * receptive];
}

/** Base class: `apply(shape)` returns a new tensor. */
export abstract class Initializer {
  /** The class name written to model files. */
  abstract readonly className: string;
  abstract apply(shape: readonly number[], dtype?: DType): Tensor;
  getConfig(): InitializerConfig {
    return {};
  }
  /** @internal */
  rng(seed: number | null | undefined): Generator {
    return seed === null || seed === undefined ? getDefaultGenerator() : new Generator(seed);
  }
}

/** A new tensor of `shape`, filled in place by one of nn's initialisers. */
function filled(shape: readonly number[], dtype: DType, fill: (t: Tensor) => Tensor): Tensor {
  return fill(zerosTensor([...shape], { dtype }));
}

export class Zeros extends Initializer {
  readonly className = 'Zeros';
  apply(shape: readonly number[], dtype: DType = 'float32'): Tensor {
    return filled(shape, dtype, (t) => init.zeros_(t));
  }
}

export class Ones extends Initializer {
  readonly className = 'Ones';
  apply(shape: readonly number[], dtype: DType = 'float32'): Tensor {
    return filled(shape, dtype, (t) => init.ones_(t));
  }
}

export class Constant extends Initializer {
  readonly className = 'Constant';
  readonly value: number;
  constructor(args: { value?: number } = {}) {
    super();
    this.value = args.value ?? 0;
  }
  apply(shape: readonly number[], dtype: DType = 'float32'): Tensor {
    return filled(shape, dtype, (t) => init.constant_(t, this.value));
  }
  override getConfig(): InitializerConfig {
    return { value: this.value };
  }
}

export class RandomUniform extends Initializer {
  readonly className = 'RandomUniform';
  readonly minval: number;
  readonly maxval: number;
  readonly seed: number | null;
  constructor(args: { minval?: number; maxval?: number; seed?: number | null } = {}) {
    super();
    this.minval = args.minval ?? -0.05;
    this.maxval = args.maxval ?? 0.05;
    this.seed = args.seed ?? null;
  }
  apply(shape: readonly number[], dtype: DType = 'float32'): Tensor {
    return filled(shape, dtype, (t) => init.uniform_(t, this.minval, this.maxval, { generator: this.rng(this.seed) }));
  }
  override getConfig(): InitializerConfig {
    return { minval: this.minval, maxval: this.maxval, seed: this.seed };
  }
}

export class RandomNormal extends Initializer {
  readonly className: string = 'RandomNormal';
  readonly mean: number;
  readonly stddev: number;
  readonly seed: number | null;
  constructor(args: { mean?: number; stddev?: number; seed?: number | null } = {}) {
    super();
    this.mean = args.mean ?? 0;
    this.stddev = args.stddev ?? 0.05;
    this.seed = args.seed ?? null;
  }
  apply(shape: readonly number[], dtype: DType = 'float32'): Tensor {
    return filled(shape, dtype, (t) => init.normal_(t, this.mean, this.stddev, { generator: this.rng(this.seed) }));
  }
  override getConfig(): InitializerConfig {
    return { mean: this.mean, stddev: this.stddev, seed: this.seed };
  }
}

/** Keras's truncated normal: samples beyond two standard deviations are redrawn. */
function truncated(shape: readonly number[], dtype: DType, mean: number, stddev: number, generator: Generator): Tensor {
  return filled(shape, dtype, (t) => init.truncNormal_(t, mean, stddev, mean - 2 * stddev, mean + 2 * stddev, { generator }));
}

/** RandomNormal, with samples beyond two standard deviations redrawn. */
export class TruncatedNormal extends RandomNormal {
  override readonly className = 'TruncatedNormal';
  override apply(shape: readonly number[], dtype: DType = 'float32'): Tensor {
    return truncated(shape, dtype, this.mean, this.stddev, this.rng(this.seed));
  }
}

export type FanMode = 'fanIn' | 'fanOut' | 'fanAvg' | 'fan_in' | 'fan_out' | 'fan_avg';
export type Distribution = 'normal' | 'uniform' | 'truncatedNormal' | 'truncated_normal' | 'untruncated_normal' | 'untruncatedNormal';

export interface VarianceScalingArgs {
  scale?: number;
  mode?: FanMode;
  distribution?: Distribution;
  seed?: number | null;
}

export class VarianceScaling extends Initializer {
  readonly className: string = 'VarianceScaling';
  readonly scale: number;
  readonly mode: 'fan_in' | 'fan_out' | 'fan_avg';
  readonly distribution: 'truncated_normal' | 'untruncated_normal' | 'uniform';
  readonly seed: number | null;
  constructor(args: VarianceScalingArgs = {}) {
    super();
    this.scale = args.scale ?? 1;
    if (this.scale <= 0) throw new ValueError(`VarianceScaling: scale must be positive, got ${this.scale}`);
    const mode = normalizeId(args.mode ?? 'fan_in');
    if (mode === 'fanin') this.mode = 'fan_in';
    else if (mode === 'fanout') this.mode = 'fan_out';
    else if (mode === 'fanavg') this.mode = 'fan_avg';
    else throw new ValueError(`VarianceScaling: invalid mode '${args.mode}'`);
    const dist = normalizeId(args.distribution ?? 'truncated_normal');
    // Keras 2 and TF.js call the truncated normal 'normal'.
    if (dist === 'normal' || dist === 'truncatednormal') this.distribution = 'truncated_normal';
    else if (dist === 'untruncatednormal') this.distribution = 'untruncated_normal';
    else if (dist === 'uniform') this.distribution = 'uniform';
    else throw new ValueError(`VarianceScaling: invalid distribution '${args.distribution}'`);
    this.seed = args.seed ?? null;
  }
  apply(shape: readonly number[], dtype: DType = 'float32'): Tensor {
    const [fanIn, fanOut] = computeFans(shape);
    const fan = this.mode === 'fan_in' ? fanIn : this.mode === 'fan_out' ? fanOut : (fanIn + fanOut) / 2;
    const scale = this.scale / Math.max(1, fan);
    const generator = this.rng(this.seed);
    if (this.distribution === 'uniform') {
      // For GlorotUniform this is xavierUniform's bound sqrt(6 / (fanIn + fanOut)), on Keras's fans.
      const limit = Math.sqrt(3 * scale);
      return filled(shape, dtype, (t) => init.uniform_(t, -limit, limit, { generator }));
    }
    if (this.distribution === 'untruncated_normal') return filled(shape, dtype, (t) => init.normal_(t, 0, Math.sqrt(scale), { generator }));
    // Stddev of a unit normal truncated to [-2, 2].
    return truncated(shape, dtype, 0, Math.sqrt(scale) / 0.8796256610342398, generator);
  }
  override getConfig(): InitializerConfig {
    return { scale: this.scale, mode: this.mode, distribution: this.distribution, seed: this.seed };
  }
}

function preset(className: string, scale: number, mode: FanMode, distribution: Distribution) {
  return class extends VarianceScaling {
    override readonly className = className;
    constructor(args: { seed?: number | null } = {}) {
      super({ scale, mode, distribution, seed: args.seed ?? null });
    }
    override getConfig(): InitializerConfig {
      return { seed: this.seed };
    }
  };
}

export const GlorotUniform = preset('GlorotUniform', 1, 'fan_avg', 'uniform');
export const GlorotNormal = preset('GlorotNormal', 1, 'fan_avg', 'truncated_normal');
export const HeNormal = preset('HeNormal', 2, 'fan_in', 'truncated_normal');
export const HeUniform = preset('HeUniform', 2, 'fan_in', 'uniform');
export const LecunNormal = preset('LecunNormal', 1, 'fan_in', 'truncated_normal');
export const LecunUniform = preset('LecunUniform', 1, 'fan_in', 'uniform');

export class Orthogonal extends Initializer {
  readonly className = 'Orthogonal';
  readonly gain: number;
  readonly seed: number | null;
  constructor(args: { gain?: number; seed?: number | null } = {}) {
    super();
    this.gain = args.gain ?? 1;
    this.seed = args.seed ?? null;
  }
  apply(shape: readonly number[], dtype: DType = 'float32'): Tensor {
    if (shape.length < 2) throw new ValueError(`Orthogonal initializer needs a shape of rank >= 2, got [${shape.join(', ')}]`);
    // Keras flattens the shape to [prod(all but last), last]; nn's orthogonal_ works on that matrix.
    const cols = shape[shape.length - 1]!;
    const rows = prod(shape) / cols;
    return filled([rows, cols], dtype, (t) => init.orthogonal_(t, { gain: this.gain, generator: this.rng(this.seed) })).reshape([...shape]);
  }
  override getConfig(): InitializerConfig {
    return { gain: this.gain, seed: this.seed };
  }
}

export class Identity extends Initializer {
  readonly className = 'Identity';
  readonly gain: number;
  constructor(args: { gain?: number } = {}) {
    super();
    this.gain = args.gain ?? 1;
  }
  apply(shape: readonly number[], dtype: DType = 'float32'): Tensor {
    if (shape.length !== 2) throw new ValueError(`Identity initializer needs a 2-D shape, got [${shape.join(', ')}]`);
    return filled(shape, dtype, (t) => init.eye_(t).mul_(this.gain));
  }
  override getConfig(): InitializerConfig {
    return { gain: this.gain };
  }
}

type InitCtor = new (args?: never) => Initializer;
const registry: Record<string, InitCtor> = {};
function reg(ctor: InitCtor, ...names: string[]): void {
  for (const n of names) registry[normalizeId(n)] = ctor;
}
reg(Zeros, 'Zeros', 'zero');
reg(Ones, 'Ones', 'one');
reg(Constant as InitCtor, 'Constant');
reg(RandomUniform as InitCtor, 'RandomUniform', 'uniform');
reg(RandomNormal as InitCtor, 'RandomNormal', 'normal');
reg(TruncatedNormal as InitCtor, 'TruncatedNormal');
reg(VarianceScaling as InitCtor, 'VarianceScaling');
reg(GlorotUniform as InitCtor, 'GlorotUniform', 'xavier_uniform');
reg(GlorotNormal as InitCtor, 'GlorotNormal', 'xavier_normal');
reg(HeNormal as InitCtor, 'HeNormal');
reg(HeUniform as InitCtor, 'HeUniform');
reg(LecunNormal as InitCtor, 'LecunNormal', 'LeCunNormal');
reg(LecunUniform as InitCtor, 'LecunUniform', 'LeCunUniform');
reg(Orthogonal as InitCtor, 'Orthogonal');
reg(Identity as InitCtor, 'Identity');

/** What `kernelInitializer:` and friends accept. */
export type InitializerIdentifier = string | Initializer | { className?: string; class_name?: string; config?: InitializerConfig };

/** Resolves an initializer from any spelling, a config object, or an instance. */
export function getInitializer(id: InitializerIdentifier | null | undefined, fallback = 'glorot_uniform'): Initializer {
  if (id === null || id === undefined) return getInitializer(fallback);
  if (id instanceof Initializer) return id;
  if (typeof id === 'string') {
    const ctor = registry[normalizeId(id)];
    if (!ctor) throw new ValueError(`Unknown initializer: '${id}'`);
    return new ctor();
  }
  const name = id.className ?? id.class_name;
  if (!name) throw new ValueError(`An initializer config needs a className: ${JSON.stringify(id)}`);
  const ctor = registry[normalizeId(name)];
  if (!ctor) throw new ValueError(`Unknown initializer: '${name}'`);
  return new (ctor as unknown as new (a: InitializerConfig) => Initializer)(camelKeys(id.config ?? {}));
}

function camelKeys(o: InitializerConfig): InitializerConfig {
  const out: InitializerConfig = {};
  for (const [k, v] of Object.entries(o)) out[k.replace(/_([a-z])/g, (_, c: string) => c.toUpperCase())] = v;
  return out;
}

/** Serializes an initializer as `{className, config}` (model files write it in snake_case). */
export function serializeInitializer(init: Initializer): { className: string; config: InitializerConfig } {
  return { className: init.className, config: init.getConfig() };
}

// TF.js-style factory functions.
export const zeros = (): Initializer => new Zeros();
export const ones = (): Initializer => new Ones();
export const constant = (args: { value: number }): Initializer => new Constant(args);
export const randomUniform = (args: { minval?: number; maxval?: number; seed?: number } = {}): Initializer => new RandomUniform(args);
export const randomNormal = (args: { mean?: number; stddev?: number; seed?: number } = {}): Initializer => new RandomNormal(args);
export const truncatedNormal = (args: { mean?: number; stddev?: number; seed?: number } = {}): Initializer => new TruncatedNormal(args);
export const varianceScaling = (args: VarianceScalingArgs = {}): Initializer => new VarianceScaling(args);
export const glorotUniform = (args: { seed?: number } = {}): Initializer => new GlorotUniform(args);
export const glorotNormal = (args: { seed?: number } = {}): Initializer => new GlorotNormal(args);
export const heNormal = (args: { seed?: number } = {}): Initializer => new HeNormal(args);
export const heUniform = (args: { seed?: number } = {}): Initializer => new HeUniform(args);
export const leCunNormal = (args: { seed?: number } = {}): Initializer => new LecunNormal(args);
export const leCunUniform = (args: { seed?: number } = {}): Initializer => new LecunUniform(args);
export const orthogonal = (args: { gain?: number; seed?: number } = {}): Initializer => new Orthogonal(args);
export const identity = (args: { gain?: number } = {}): Initializer => new Identity(args);

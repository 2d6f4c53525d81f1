/**
 * Keras optimizers (`'adam'`, `'sgd'`, `'rmsprop'`, ... or `new optimizers.Adam({learningRate})`,
 * or TF.js's `train.adam(lr)`), with Keras 3's update rules and defaults. Updates run in place on
 * the weight tensors with core's in-place ops, without recording gradients.
 *
 * Their state (iteration count and slot variables) is saved with a model so that training can
 * resume exactly where it stopped.
 */
import { noGrad } from '@tessera/autograd';
import { keep, tidy, zerosLike, full, type Tensor } from '@tessera/core';
import { isTensor, normalizeId, ValueError } from './common.js';
import { applyConstraint } from './constraints.js';
import type { LayerVariable } from './engine/variable.js';

export interface OptimizerArgs {
  learningRate?: number;
  /** Clip each gradient to this L2 norm. */
  clipnorm?: number;
  /** Clip each gradient element to [-clipvalue, clipvalue]. */
  clipvalue?: number;
  /** Clip all gradients together to this global L2 norm. */
  globalClipnorm?: number;
  name?: string;
}

/** A named tensor of optimizer state. */
export interface NamedTensor {
  name: string;
  tensor: Tensor;
}

export abstract class Optimizer {
  abstract readonly className: string;
  learningRate: number;
  /** Number of steps taken. */
  iterations = 0;
  readonly clipnorm: number | null;
  readonly clipvalue: number | null;
  readonly globalClipnorm: number | null;
  protected slots = new Map<LayerVariable, Tensor[]>();
  /** Variables in the order their slots were created (the order state is saved in). */
  protected order: LayerVariable[] = [];

  constructor(args: OptimizerArgs, defaultLr: number) {
    this.learningRate = args.learningRate ?? defaultLr;
    this.clipnorm = args.clipnorm ?? null;
    this.clipvalue = args.clipvalue ?? null;
    this.globalClipnorm = args.globalClipnorm ?? null;
  }

  /** Names of the per-variable slots, in Keras's order. */
  abstract slotNames(): string[];

  /** Initial value of a slot. */
  protected slotInit(_slot: string, v: Tensor): Tensor {
    return zerosLike(v);
  }

  /** Updates `p` in place from gradient `g` and its slots; `t` is the 1-based step. */
  protected abstract update(p: Tensor, g: Tensor, slots: Tensor[], t: number): void;

  /** Slots of `v`, created on first use. */
  protected slotsOf(v: LayerVariable): Tensor[] {
    let s = this.slots.get(v);
    if (!s) {
      const value = v.read();
      s = this.slotNames().map((n) => keep(noGrad(() => this.slotInit(n, value))));
      this.slots.set(v, s);
      this.order.push(v);
    }
    return s;
  }

  /** Creates the slots of these variables (Keras's `optimizer.build(var_list)`). */
  build(vars: LayerVariable[]): void {
    for (const v of vars) this.slotsOf(v);
  }

  /**
   * One step over the variables that have gradients; gradients are then cleared.
   * Constraints of the variables are applied after the update.
   */
  applyGradients(vars: LayerVariable[]): void {
    const withGrad = vars.filter((v) => v.read().grad);
    this.build(withGrad);
    this.iterations++;
    const t = this.iterations;
    noGrad(() => {
      let scale = 1;
      if (this.globalClipnorm !== null) {
        const norm = Math.sqrt(tidy(() => withGrad.map((v) => v.read().grad!.square().sum().itemSync() as number)).reduce((a, b) => a + b, 0));
        if (norm > this.globalClipnorm) scale = this.globalClipnorm / norm;
      }
      for (const v of withGrad) {
        const p = v.read();
        tidy(() => {
          let g = p.grad!;
          if (scale !== 1) g = g.mul(scale);
          if (this.clipnorm !== null) {
            const n = g.square().sum().sqrt();
            g = g.mul(n.clamp(this.clipnorm).reciprocal().mul(this.clipnorm));
          }
          if (this.clipvalue !== null) g = g.clamp(-this.clipvalue, this.clipvalue);
          this.update(p, g, this.slotsOf(v), t);
        });
        if (v.constraint) applyConstraint(v.constraint, p);
      }
    });
    for (const v of vars) {
      const p = v.read();
      if (p.grad) {
        p.grad.dispose();
        p.grad = null;
      }
    }
  }

  /** Constructor arguments (camelCase). */
  getConfig(): Record<string, unknown> {
    const c: Record<string, unknown> = { name: this.className.toLowerCase(), learningRate: this.learningRate };
    if (this.clipnorm !== null) c['clipnorm'] = this.clipnorm;
    if (this.clipvalue !== null) c['clipvalue'] = this.clipvalue;
    if (this.globalClipnorm !== null) c['globalClipnorm'] = this.globalClipnorm;
    return c;
  }

  /** Number of scalars of optimizer state. */
  stateSize(): number {
    let n = 0;
    for (const s of this.slots.values()) for (const t of s) n += t.size;
    return n;
  }

  /**
   * The state in Keras 3's order: `iteration`, `learning_rate`, then each variable's slots
   * (variables in the order they were first updated).
   */
  getWeights(): NamedTensor[] {
    const out: NamedTensor[] = [
      { name: 'iteration', tensor: full([], this.iterations, { dtype: 'int32' }) },
      { name: 'learning_rate', tensor: full([], this.learningRate) },
    ];
    for (const v of this.order) {
      this.slots.get(v)!.forEach((t, i) => out.push({ name: `${v.name}/${this.slotNames()[i]}`, tensor: t.clone() }));
    }
    return out;
  }

  /** Variables whose slots `getWeights` lists, in order. */
  get variablesInOrder(): LayerVariable[] {
    return [...this.order];
  }

  /**
   * Restores state saved by `getWeights`. `vars` gives the variables the slots belong to, in
   * saved order (the model's trainable weights when the optimizer was saved with the model).
   */
  setWeights(weights: readonly (NamedTensor | Tensor)[], vars: LayerVariable[]): void {
    const ts = weights.map((w) => (isTensor(w) ? w : w.tensor));
    if (ts.length < 2) throw new ValueError('Optimizer state needs at least the iteration count and the learning rate');
    const k = this.slotNames().length;
    if (ts.length - 2 !== k * vars.length) {
      throw new ValueError(`Optimizer state has ${ts.length - 2} slot tensors, expected ${k * vars.length} (${k} for each of ${vars.length} variables)`);
    }
    this._restore(Number(ts[0]!.itemSync()), Number(ts[1]!.itemSync()), ts.slice(2), vars);
  }

  /** @internal Restores the iteration count, learning rate and slots (in `vars` order). */
  _restore(iterations: number, learningRate: number, slotValues: readonly Tensor[], vars: LayerVariable[]): void {
    const k = this.slotNames().length;
    if (slotValues.length !== k * vars.length) throw new ValueError(`Optimizer state has ${slotValues.length} slot tensors, expected ${k * vars.length}`);
    this.iterations = iterations;
    this.learningRate = learningRate;
    for (const s of this.slots.values()) for (const t of s) t.dispose();
    this.slots.clear();
    this.order = [];
    vars.forEach((v, i) => {
      const s = this.slotsOf(v);
      for (let j = 0; j < k; j++) noGrad(() => s[j]!.copy_(slotValues[i * k + j]!));
    });
  }

  dispose(): void {
    for (const s of this.slots.values()) for (const t of s) t.dispose();
    this.slots.clear();
    this.order = [];
  }
}

export class SGD extends Optimizer {
  readonly className = 'SGD';
  readonly momentum: number;
  readonly nesterov: boolean;
  constructor(args: OptimizerArgs & { momentum?: number; nesterov?: boolean } = {}) {
    super(args, 0.01);
    this.momentum = args.momentum ?? 0;
    this.nesterov = args.nesterov ?? false;
  }
  slotNames(): string[] {
    return this.momentum > 0 ? ['momentum'] : [];
  }
  protected update(p: Tensor, g: Tensor, [m]: Tensor[]): void {
    const lr = this.learningRate;
    if (!m) {
      p.sub_(g, lr);
      return;
    }
    m.mul_(this.momentum).sub_(g, lr);
    if (this.nesterov) p.add_(m, this.momentum).sub_(g, lr);
    else p.add_(m);
  }
  override getConfig(): Record<string, unknown> {
    return { ...super.getConfig(), momentum: this.momentum, nesterov: this.nesterov };
  }
}

export class Adam extends Optimizer {
  readonly className: string = 'Adam';
  readonly beta1: number;
  readonly beta2: number;
  readonly epsilon: number;
  readonly amsgrad: boolean;
  constructor(args: OptimizerArgs & { beta1?: number; beta2?: number; epsilon?: number; amsgrad?: boolean } = {}) {
    super(args, 0.001);
    this.beta1 = args.beta1 ?? 0.9;
    this.beta2 = args.beta2 ?? 0.999;
    this.epsilon = args.epsilon ?? 1e-7;
    this.amsgrad = args.amsgrad ?? false;
  }
  slotNames(): string[] {
    return this.amsgrad ? ['momentum', 'velocity', 'velocity_hat'] : ['momentum', 'velocity'];
  }
  protected update(p: Tensor, g: Tensor, [m, v, vhat]: Tensor[], t: number): void {
    const alpha = (this.learningRate * Math.sqrt(1 - this.beta2 ** t)) / (1 - this.beta1 ** t);
    m!.add_(g.sub(m!), 1 - this.beta1);
    v!.add_(g.square().sub(v!), 1 - this.beta2);
    let denomBase = v!;
    if (vhat) {
      vhat.copy_(vhat.maximum(v!));
      denomBase = vhat;
    }
    p.sub_(m!.div(denomBase.sqrt().add(this.epsilon)), alpha);
  }
  override getConfig(): Record<string, unknown> {
    return { ...super.getConfig(), beta1: this.beta1, beta2: this.beta2, epsilon: this.epsilon, amsgrad: this.amsgrad };
  }
}

export class AdamW extends Adam {
  override readonly className = 'AdamW';
  readonly weightDecay: number;
  constructor(args: OptimizerArgs & { beta1?: number; beta2?: number; epsilon?: number; amsgrad?: boolean; weightDecay?: number } = {}) {
    super(args);
    this.weightDecay = args.weightDecay ?? 0.004;
  }
  protected override update(p: Tensor, g: Tensor, slots: Tensor[], t: number): void {
    p.sub_(p.mul(this.weightDecay * this.learningRate));
    super.update(p, g, slots, t);
  }
  override getConfig(): Record<string, unknown> {
    return { ...super.getConfig(), weightDecay: this.weightDecay };
  }
}

export class RMSprop extends Optimizer {
  readonly className = 'RMSprop';
  readonly rho: number;
  readonly momentum: number;
  readonly epsilon: number;
  readonly centered: boolean;
  constructor(args: OptimizerArgs & { rho?: number; momentum?: number; epsilon?: number; centered?: boolean } = {}) {
    super(args, 0.001);
    this.rho = args.rho ?? 0.9;
    this.momentum = args.momentum ?? 0;
    this.epsilon = args.epsilon ?? 1e-7;
    this.centered = args.centered ?? false;
  }
  slotNames(): string[] {
    return ['velocity', ...(this.momentum > 0 ? ['momentum'] : []), ...(this.centered ? ['average_gradient'] : [])];
  }
  protected update(p: Tensor, g: Tensor, slots: Tensor[]): void {
    const [vel] = slots;
    const mom = this.momentum > 0 ? slots[1] : undefined;
    const avg = this.centered ? slots[slots.length - 1] : undefined;
    vel!.mul_(this.rho).add_(g.square(), 1 - this.rho);
    let denom: Tensor;
    if (avg) {
      avg.mul_(this.rho).add_(g, 1 - this.rho);
      denom = vel!.sub(avg.square()).add(this.epsilon);
    } else denom = vel!.add(this.epsilon);
    const inc = g.mul(this.learningRate).div(denom.sqrt());
    if (mom) {
      mom.mul_(this.momentum).add_(inc);
      p.sub_(mom);
    } else p.sub_(inc);
  }
  override getConfig(): Record<string, unknown> {
    return { ...super.getConfig(), rho: this.rho, momentum: this.momentum, epsilon: this.epsilon, centered: this.centered };
  }
}

export class Adagrad extends Optimizer {
  readonly className = 'Adagrad';
  readonly initialAccumulatorValue: number;
  readonly epsilon: number;
  constructor(args: OptimizerArgs & { initialAccumulatorValue?: number; epsilon?: number } = {}) {
    super(args, 0.001);
    this.initialAccumulatorValue = args.initialAccumulatorValue ?? 0.1;
    this.epsilon = args.epsilon ?? 1e-7;
  }
  slotNames(): string[] {
    return ['accumulator'];
  }
  protected override slotInit(_s: string, v: Tensor): Tensor {
    return full(v.shape, this.initialAccumulatorValue, { dtype: v.dtype, device: v.device });
  }
  protected update(p: Tensor, g: Tensor, [acc]: Tensor[]): void {
    acc!.add_(g.square());
    p.sub_(g.div(acc!.add(this.epsilon).sqrt()), this.learningRate);
  }
  override getConfig(): Record<string, unknown> {
    return { ...super.getConfig(), initialAccumulatorValue: this.initialAccumulatorValue, epsilon: this.epsilon };
  }
}

export class Adadelta extends Optimizer {
  readonly className = 'Adadelta';
  readonly rho: number;
  readonly epsilon: number;
  constructor(args: OptimizerArgs & { rho?: number; epsilon?: number } = {}) {
    super(args, 0.001);
    this.rho = args.rho ?? 0.95;
    this.epsilon = args.epsilon ?? 1e-7;
  }
  slotNames(): string[] {
    return ['accumulated_grad', 'accumulated_delta_var'];
  }
  protected update(p: Tensor, g: Tensor, [accG, accD]: Tensor[]): void {
    accG!.mul_(this.rho).add_(g.square(), 1 - this.rho);
    const delta = accD!.add(this.epsilon).sqrt().div(accG!.add(this.epsilon).sqrt()).mul(g).neg();
    accD!.mul_(this.rho).add_(delta.square(), 1 - this.rho);
    p.add_(delta, this.learningRate);
  }
  override getConfig(): Record<string, unknown> {
    return { ...super.getConfig(), rho: this.rho, epsilon: this.epsilon };
  }
}

export class Adamax extends Optimizer {
  readonly className = 'Adamax';
  readonly beta1: number;
  readonly beta2: number;
  readonly epsilon: number;
  constructor(args: OptimizerArgs & { beta1?: number; beta2?: number; epsilon?: number } = {}) {
    super(args, 0.001);
    this.beta1 = args.beta1 ?? 0.9;
    this.beta2 = args.beta2 ?? 0.999;
    this.epsilon = args.epsilon ?? 1e-7;
  }
  slotNames(): string[] {
    return ['m', 'u'];
  }
  protected update(p: Tensor, g: Tensor, [m, u]: Tensor[], t: number): void {
    m!.add_(g.sub(m!), 1 - this.beta1);
    u!.copy_(u!.mul(this.beta2).maximum(g.abs()));
    p.sub_(m!.div(u!.add(this.epsilon)), this.learningRate / (1 - this.beta1 ** t));
  }
  override getConfig(): Record<string, unknown> {
    return { ...super.getConfig(), beta1: this.beta1, beta2: this.beta2, epsilon: this.epsilon };
  }
}

type OptCtor = new (args: Record<string, unknown>) => Optimizer;
const registry: Record<string, OptCtor> = {
  sgd: SGD as unknown as OptCtor,
  adam: Adam as unknown as OptCtor,
  adamw: AdamW as unknown as OptCtor,
  rmsprop: RMSprop as unknown as OptCtor,
  adagrad: Adagrad as unknown as OptCtor,
  adadelta: Adadelta as unknown as OptCtor,
  adamax: Adamax as unknown as OptCtor,
};

export type OptimizerIdentifier = string | Optimizer | { className?: string; class_name?: string; config?: Record<string, unknown> };

/** Resolves an optimizer from a name (Keras defaults), a config, or an instance. */
export function getOptimizer(id: OptimizerIdentifier): Optimizer {
  if (id instanceof Optimizer) return id;
  const name = typeof id === 'string' ? id : (id.className ?? id.class_name ?? '');
  const ctor = registry[normalizeId(name)];
  if (!ctor) throw new ValueError(`Unknown optimizer: '${name}'. Known: ${Object.keys(registry).join(', ')}`);
  const raw = typeof id === 'string' ? {} : (id.config ?? {});
  const cfg: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(raw)) {
    const ck = k.replace(/_([a-z0-9])/g, (_, c: string) => c.toUpperCase());
    // Keras writes beta_1; TF.js writes beta1.
    cfg[ck === 'beta_1' || ck === 'beta1' ? 'beta1' : ck === 'beta_2' || ck === 'beta2' ? 'beta2' : ck === 'lr' ? 'learningRate' : ck] = v;
  }
  if (typeof cfg['learningRate'] === 'object') throw new ValueError('Learning-rate schedules in optimizer configs are not supported; give a number');
  return new ctor(cfg);
}

/** TF.js-style factories (`train.adam(0.001)`). */
export const train = {
  sgd: (learningRate: number): Optimizer => new SGD({ learningRate }),
  momentum: (learningRate: number, momentum: number, useNesterov = false): Optimizer => new SGD({ learningRate, momentum, nesterov: useNesterov }),
  adam: (learningRate = 0.001, beta1 = 0.9, beta2 = 0.999, epsilon = 1e-7): Optimizer => new Adam({ learningRate, beta1, beta2, epsilon }),
  adamax: (learningRate = 0.002, beta1 = 0.9, beta2 = 0.999, epsilon = 1e-7): Optimizer => new Adamax({ learningRate, beta1, beta2, epsilon }),
  rmsprop: (learningRate: number, decay = 0.9, momentum = 0, epsilon = 1e-7, centered = false): Optimizer => new RMSprop({ learningRate, rho: decay, momentum, epsilon, centered }),
  adagrad: (learningRate: number, initialAccumulatorValue = 0.1): Optimizer => new Adagrad({ learningRate, initialAccumulatorValue }),
  adadelta: (learningRate = 0.001, rho = 0.95, epsilon = 1e-7): Optimizer => new Adadelta({ learningRate, rho, epsilon }),
};

/**
 * Keras optimizers (`'adam'`, `'sgd'`, `'rmsprop'`, ... or `new optimizers.Adam({learningRate})`,
 * or TF.js's `train.adam(lr)`), with Keras 3's names, defaults and update rules. Each is a thin
 * adapter over a `@tessera/optim` optimizer (its `delegate`): the delegate holds the per-variable
 * state and runs the updates; the adapter adds what Keras has and PyTorch has not: Keras's
 * defaults, gradient clipping by `clipnorm` / `clipvalue` / `globalClipnorm`, weight constraints,
 * and the iteration count and slot layout of Keras's saved optimizer state.
 *
 * Where Keras's formula differs from PyTorch's, the adapter makes the delegate compute Keras's:
 * - Adam, AdamW: Keras adds `epsilon` to `sqrt(v)` before bias correction, PyTorch after; the
 *   adapter sets the delegate's `eps` to `epsilon / sqrt(1 − β2^t)` before each step, which is
 *   the same update.
 * - Adagrad: Keras divides by `sqrt(acc + epsilon)`; the delegate's sums start at
 *   `initialAccumulatorValue + epsilon` with `eps: 0`, which is the same denominator.
 * - RMSprop: Keras takes `epsilon` inside the square root and scales its momentum by the learning
 *   rate; a small subclass of optim's RMSprop says so in its `updateParam`.
 * - SGD with momentum: Keras's velocity is `−lr ·` PyTorch's momentum buffer while the learning
 *   rate is constant; when the rate changes, the adapter rescales the buffers by `old / new`, so
 *   the accumulated velocity keeps the rates it was built with, as in Keras.
 * - Adadelta and Adamax, which optim does not have, are optim `Optimizer` subclasses here.
 *
 * Their state (iteration count and slot variables) is saved with a model, read and written
 * through the delegate's `stateDict` / `loadStateDict`, so training can resume exactly.
 */
import { noGrad } from '@tessera/autograd';
import { full, keep, maximum, tidy, zerosLike, type Tensor } from '@tessera/core';
import * as optim from '@tessera/optim';
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

/** How one Keras slot variable maps onto the delegate's per-parameter state. */
interface Slot {
  /** Keras's slot name (`'momentum'`, `'velocity'`). */
  keras: string;
  /** The key in the delegate's state dict (`'exp_avg'`). */
  key: string;
  /** Keras's value from the delegate's (default: the same tensor). */
  toKeras?: (t: Tensor) => Tensor;
  /** The delegate's value from Keras's (default: the same tensor). */
  fromKeras?: (t: Tensor) => Tensor;
  /** Keras's value before the first step (default zeros). */
  initial?: (p: Tensor) => Tensor;
}

/** The base of the Keras optimizers: builds and drives a `@tessera/optim` optimizer. */
export abstract class Optimizer {
  abstract readonly className: string;
  /** Number of steps taken. */
  iterations = 0;
  readonly clipnorm: number | null;
  readonly clipvalue: number | null;
  readonly globalClipnorm: number | null;
  private lr: number;
  private _delegate: optim.Optimizer | null = null;
  /** Variables in the order they were built (the delegate's parameter order, and the saved state's). */
  private vars: LayerVariable[] = [];

  constructor(args: OptimizerArgs, defaultLr: number) {
    this.lr = args.learningRate ?? defaultLr;
    this.clipnorm = args.clipnorm ?? null;
    this.clipvalue = args.clipvalue ?? null;
    this.globalClipnorm = args.globalClipnorm ?? null;
  }

  /**
   * The learning rate. Setting it (as `ReduceLROnPlateau` and `LearningRateScheduler` do) sets
   * `lr` in every parameter group of the delegate.
   */
  get learningRate(): number {
    return this.lr;
  }

  set learningRate(lr: number) {
    const old = this.lr;
    this.lr = lr;
    const d = this._delegate;
    if (d === null) return;
    for (const g of d.paramGroups) g.lr = lr;
    if (lr !== old) this.learningRateChanged(d, old, lr);
  }

  /** Adjusts the delegate's state after the learning rate changed from `old` to `lr`. */
  protected learningRateChanged(_delegate: optim.Optimizer, _old: number, _lr: number): void {}

  /**
   * The `@tessera/optim` optimizer that holds the state and runs the updates (null until the
   * first variables are built).
   *
   * @example
   * model.compile({ optimizer: 'adam', loss: 'mse' });
   * await model.fit(x, y);
   * model.optimizer!.delegate!.stateDict(); // { state: { 0: { step, exp_avg, exp_avg_sq } }, ... }
   */
  get delegate(): optim.Optimizer | null {
    return this._delegate;
  }

  /** Makes the delegate over `params` with this optimizer's hyperparameters. */
  protected abstract createDelegate(params: Tensor[]): optim.Optimizer;

  /** The slot variables, in Keras's order. */
  protected abstract slots(): Slot[];

  /** Whether the delegate counts steps per parameter (`step` in its state). */
  protected get countsSteps(): boolean {
    return true;
  }

  /** Sets step-dependent hyperparameters of the delegate before step `t` (1-based). */
  protected beforeStep(_delegate: optim.Optimizer, _t: number): void {}

  /** Names of the per-variable slots, in Keras's order. */
  slotNames(): string[] {
    return this.slots().map((s) => s.keras);
  }

  /** Adds these variables to the delegate (Keras's `optimizer.build(var_list)`). */
  build(vars: LayerVariable[]): void {
    const known = new Set(this.vars);
    const added = vars.filter((v) => !known.has(v));
    if (added.length === 0) return;
    this.vars.push(...added);
    const params = added.map((v) => v.read());
    if (this._delegate === null) this._delegate = this.createDelegate(params);
    else this._delegate.addParamGroup({ params, lr: this.lr });
  }

  /**
   * One step over the variables that have gradients; gradients are then cleared.
   * Constraints of the variables are applied after the update.
   */
  applyGradients(vars: LayerVariable[]): void {
    const withGrad = vars.filter((v) => v.read().grad);
    this.build(withGrad);
    this.iterations++;
    if (withGrad.length > 0) {
      this.clipGradients(withGrad.map((v) => v.read()));
      const d = this._delegate!;
      this.beforeStep(d, this.iterations);
      d.step();
      noGrad(() => {
        for (const v of withGrad) if (v.constraint) applyConstraint(v.constraint, v.read());
      });
    }
    for (const v of vars) {
      const p = v.read();
      if (p.grad) {
        p.grad.dispose();
        p.grad = null;
      }
    }
  }

  /** Keras's clipping: `g · c / max(‖g‖, c)` per variable or over all of them, then by value. */
  private clipGradients(params: Tensor[]): void {
    if (this.globalClipnorm === null && this.clipnorm === null && this.clipvalue === null) return;
    noGrad(() =>
      tidy(() => {
        if (this.globalClipnorm !== null) {
          const c = this.globalClipnorm;
          const norm = Math.sqrt(params.map((p) => p.grad!.square().sum().itemSync() as number).reduce((a, b) => a + b, 0));
          if (norm > c) for (const p of params) p.grad!.mul_(c / norm);
        }
        if (this.clipnorm !== null) {
          const c = this.clipnorm;
          for (const p of params) p.grad!.mul_(p.grad!.square().sum().sqrt().clamp(c).reciprocal().mul(c));
        }
      }),
    );
    if (this.clipvalue !== null) optim.clipGradValue(params, this.clipvalue);
  }

  /** Constructor arguments (camelCase). */
  getConfig(): Record<string, unknown> {
    const c: Record<string, unknown> = { name: this.className.toLowerCase(), learningRate: this.learningRate };
    if (this.clipnorm !== null) c['clipnorm'] = this.clipnorm;
    if (this.clipvalue !== null) c['clipvalue'] = this.clipvalue;
    if (this.globalClipnorm !== null) c['globalClipnorm'] = this.globalClipnorm;
    return c;
  }

  /** Number of scalars of optimizer state (Keras's slot variables of the built variables). */
  stateSize(): number {
    const k = this.slots().length;
    return this.vars.reduce((n, v) => n + k * v.read().size, 0);
  }

  /**
   * The state in Keras 3's order: `iteration`, `learning_rate`, then each variable's slots
   * (variables in the order they were built), read from the delegate's `stateDict()`.
   */
  getWeights(): NamedTensor[] {
    const out: NamedTensor[] = [
      { name: 'iteration', tensor: full([], this.iterations, { dtype: 'int32' }) },
      // float64, so that setWeights restores the rate exactly.
      { name: 'learning_rate', tensor: full([], this.learningRate, { dtype: 'float64' }) },
    ];
    const d = this._delegate;
    if (d === null) return out;
    const slots = this.slots();
    const sd = d.stateDict();
    try {
      this.vars.forEach((v, i) => {
        const entry = sd.state[i] ?? {};
        for (const s of slots) {
          const value = entry[s.key];
          const tensor = keep(
            noGrad(() =>
              tidy(() => {
                if (isTensor(value)) return s.toKeras ? s.toKeras(value) : value.clone();
                return s.initial ? s.initial(v.read()) : zerosLike(v.read());
              }),
            ),
          );
          out.push({ name: `${v.name}/${s.keras}`, tensor });
        }
      });
    } finally {
      disposeState(sd);
    }
    return out;
  }

  /** Variables whose slots `getWeights` lists, in order. */
  get variablesInOrder(): LayerVariable[] {
    return [...this.vars];
  }

  /**
   * Restores state saved by `getWeights`. `vars` gives the variables the slots belong to, in
   * saved order (the model's trainable weights when the optimizer was saved with the model).
   */
  setWeights(weights: readonly (NamedTensor | Tensor)[], vars: LayerVariable[]): void {
    const ts = weights.map((w) => (isTensor(w) ? w : w.tensor));
    if (ts.length < 2) throw new ValueError('Optimizer state needs at least the iteration count and the learning rate');
    const k = this.slots().length;
    if (ts.length - 2 !== k * vars.length) {
      throw new ValueError(`Optimizer state has ${ts.length - 2} slot tensors, expected ${k * vars.length} (${k} for each of ${vars.length} variables)`);
    }
    this._restore(Number(ts[0]!.itemSync()), Number(ts[1]!.itemSync()), ts.slice(2), vars);
  }

  /**
   * @internal Restores the iteration count, learning rate and slots (in `vars` order): a fresh
   * delegate over `vars` loads them with `loadStateDict`.
   */
  _restore(iterations: number, learningRate: number, slotValues: readonly Tensor[], vars: LayerVariable[]): void {
    const slots = this.slots();
    const k = slots.length;
    if (slotValues.length !== k * vars.length) throw new ValueError(`Optimizer state has ${slotValues.length} slot tensors, expected ${k * vars.length}`);
    this.dispose();
    this.iterations = iterations;
    this.lr = learningRate;
    this.build(vars);
    const d = this._delegate;
    if (d === null) return;
    const fresh = d.stateDict();
    disposeState(fresh);
    noGrad(() =>
      tidy(() => {
        const state: optim.OptimizerStateDict['state'] = {};
        vars.forEach((_, i) => {
          const entry: Record<string, optim.StateValue> = this.countsSteps ? { step: iterations } : {};
          slots.forEach((s, j) => {
            const t = slotValues[i * k + j]!;
            entry[s.key] = s.fromKeras ? s.fromKeras(t) : t;
          });
          state[i] = entry;
        });
        d.loadStateDict({ state, param_groups: fresh.param_groups.map((g) => ({ ...g, lr: learningRate })) });
      }),
    );
  }

  dispose(): void {
    const d = this._delegate;
    if (d !== null) for (const s of d.state.values()) for (const v of Object.values(s)) if (isTensor(v)) v.dispose();
    this._delegate = null;
    this.vars = [];
  }
}

function disposeState(sd: optim.OptimizerStateDict): void {
  for (const entry of Object.values(sd.state)) for (const v of Object.values(entry)) if (isTensor(v)) v.dispose();
}

type Params = Tensor[];

/** SGD, optionally with (Nesterov) momentum: optim's `SGD`. */
export class SGD extends Optimizer {
  readonly className = 'SGD';
  readonly momentum: number;
  readonly nesterov: boolean;
  constructor(args: OptimizerArgs & { momentum?: number; nesterov?: boolean } = {}) {
    super(args, 0.01);
    this.momentum = args.momentum ?? 0;
    this.nesterov = args.nesterov ?? false;
  }
  protected createDelegate(params: Params): optim.Optimizer {
    return new optim.SGD(params, { lr: this.learningRate, momentum: this.momentum, nesterov: this.nesterov });
  }
  protected override get countsSteps(): boolean {
    return false;
  }
  protected override learningRateChanged(d: optim.Optimizer, old: number, lr: number): void {
    // Keras's velocity m = −lr·b keeps the old rate: b·old/new under the new rate is the same m.
    // (A rate of 0 cannot carry a velocity in PyTorch's form; the buffers are then left as they are.)
    if (!(this.momentum > 0) || old === 0 || lr === 0) return;
    noGrad(() => {
      for (const s of d.state.values()) if (isTensor(s['momentumBuffer'])) s['momentumBuffer'].mul_(old / lr);
    });
  }
  protected slots(): Slot[] {
    if (!(this.momentum > 0)) return [];
    // Keras's velocity is `−lr ·` PyTorch's momentum buffer (`m = μm − lr·g` vs `b = μb + g`).
    return [{ keras: 'momentum', key: 'momentum_buffer', toKeras: (b) => b.mul(-this.learningRate), fromKeras: (m) => (this.learningRate === 0 ? zerosLike(m) : m.div(-this.learningRate)) }];
  }
  override getConfig(): Record<string, unknown> {
    return { ...super.getConfig(), momentum: this.momentum, nesterov: this.nesterov };
  }
}

type AdamArgs = OptimizerArgs & { beta1?: number; beta2?: number; epsilon?: number; amsgrad?: boolean };

/** Adam (Keras's epsilon, outside the bias correction): optim's `Adam`. */
export class Adam extends Optimizer {
  readonly className: string = 'Adam';
  readonly beta1: number;
  readonly beta2: number;
  readonly epsilon: number;
  readonly amsgrad: boolean;
  constructor(args: AdamArgs = {}) {
    super(args, 0.001);
    this.beta1 = args.beta1 ?? 0.9;
    this.beta2 = args.beta2 ?? 0.999;
    this.epsilon = args.epsilon ?? 1e-7;
    this.amsgrad = args.amsgrad ?? false;
  }
  protected hyperparameters(): Partial<optim.AdamHyperparameters> {
    return { lr: this.learningRate, betas: [this.beta1, this.beta2], eps: this.epsilon, amsgrad: this.amsgrad };
  }
  protected createDelegate(params: Params): optim.Optimizer {
    return new optim.Adam(params, this.hyperparameters());
  }
  protected override beforeStep(d: optim.Optimizer, t: number): void {
    // Keras: p −= lr·√(1−β2^t)/(1−β1^t) · m / (√v + ε). PyTorch: p −= lr/(1−β1^t) · m / (√v/√(1−β2^t) + ε').
    // They agree for ε' = ε / √(1−β2^t).
    const eps = this.epsilon / Math.sqrt(1 - this.beta2 ** t);
    for (const g of d.paramGroups) g['eps'] = eps;
  }
  protected slots(): Slot[] {
    const s: Slot[] = [
      { keras: 'momentum', key: 'exp_avg' },
      { keras: 'velocity', key: 'exp_avg_sq' },
    ];
    if (this.amsgrad) s.push({ keras: 'velocity_hat', key: 'max_exp_avg_sq' });
    return s;
  }
  override getConfig(): Record<string, unknown> {
    return { ...super.getConfig(), beta1: this.beta1, beta2: this.beta2, epsilon: this.epsilon, amsgrad: this.amsgrad };
  }
}

/** AdamW (decoupled weight decay, `p −= lr·wd·p` before the Adam step): optim's `AdamW`. */
export class AdamW extends Adam {
  override readonly className = 'AdamW';
  readonly weightDecay: number;
  constructor(args: AdamArgs & { weightDecay?: number } = {}) {
    super(args);
    this.weightDecay = args.weightDecay ?? 0.004;
  }
  protected override createDelegate(params: Params): optim.Optimizer {
    return new optim.AdamW(params, { ...this.hyperparameters(), weightDecay: this.weightDecay });
  }
  override getConfig(): Record<string, unknown> {
    return { ...super.getConfig(), weightDecay: this.weightDecay };
  }
}

/**
 * optim's RMSprop with Keras's update: `ε` inside the square root, `√(v + ε)` (`√(v − ḡ² + ε)`
 * centered), and a momentum that accumulates `lr·g / √(...)`. The state keys and everything
 * else are optim's.
 */
class KerasRMSprop extends optim.RMSprop {
  protected override updateParam(p: Tensor, g: Tensor, group: optim.ParamGroup<optim.RMSpropHyperparameters>, state: optim.RMSpropState): void {
    const { lr, alpha, eps, momentum, centered } = group;
    state.step += 1;
    state.squareAvg.mul_(alpha).add_(g.square(), 1 - alpha);
    let denom = state.squareAvg;
    if (centered) {
      const gradAvg = (state.gradAvg ??= keep(zerosLike(p)));
      gradAvg.mul_(alpha).add_(g, 1 - alpha);
      denom = denom.sub(gradAvg.square());
    }
    const inc = g.mul(lr).div(denom.add(eps).sqrt());
    if (momentum > 0) {
      const buf = (state.momentumBuffer ??= keep(zerosLike(p)));
      buf.mul_(momentum).add_(inc);
      p.sub_(buf);
    } else p.sub_(inc);
  }
}

/** RMSprop (`rho` is optim's `alpha`): optim's `RMSprop` with Keras's epsilon placement. */
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
  protected createDelegate(params: Params): optim.Optimizer {
    return new KerasRMSprop(params, { lr: this.learningRate, alpha: this.rho, eps: this.epsilon, momentum: this.momentum, centered: this.centered });
  }
  protected slots(): Slot[] {
    return [
      { keras: 'velocity', key: 'square_avg' },
      ...(this.momentum > 0 ? [{ keras: 'momentum', key: 'momentum_buffer' }] : []),
      ...(this.centered ? [{ keras: 'average_gradient', key: 'grad_avg' }] : []),
    ];
  }
  override getConfig(): Record<string, unknown> {
    return { ...super.getConfig(), rho: this.rho, momentum: this.momentum, epsilon: this.epsilon, centered: this.centered };
  }
}

/** Adagrad: optim's `Adagrad`, whose sums hold Keras's accumulator plus `epsilon`. */
export class Adagrad extends Optimizer {
  readonly className = 'Adagrad';
  readonly initialAccumulatorValue: number;
  readonly epsilon: number;
  constructor(args: OptimizerArgs & { initialAccumulatorValue?: number; epsilon?: number } = {}) {
    super(args, 0.001);
    this.initialAccumulatorValue = args.initialAccumulatorValue ?? 0.1;
    this.epsilon = args.epsilon ?? 1e-7;
  }
  protected createDelegate(params: Params): optim.Optimizer {
    // Keras divides by √(acc + ε), PyTorch by √sum + eps: with sum = acc + ε and eps = 0 they agree.
    return new optim.Adagrad(params, { lr: this.learningRate, initialAccumulatorValue: this.initialAccumulatorValue + this.epsilon, eps: 0 });
  }
  protected slots(): Slot[] {
    return [
      {
        keras: 'accumulator',
        key: 'sum',
        toKeras: (s) => s.sub(this.epsilon),
        fromKeras: (a) => a.add(this.epsilon),
        initial: (p) => full(p.shape, this.initialAccumulatorValue, { dtype: p.dtype, device: p.device }),
      },
    ];
  }
  override getConfig(): Record<string, unknown> {
    return { ...super.getConfig(), initialAccumulatorValue: this.initialAccumulatorValue, epsilon: this.epsilon };
  }
}

// ---------------- Keras optimizers optim does not have, on optim's base class ----------------

interface AdadeltaHyperparameters {
  lr: number;
  rho: number;
  eps: number;
}

type AdadeltaState = { [key: string]: Tensor; accumulatedGrad: Tensor; accumulatedDeltaVar: Tensor };

/** Keras's Adadelta as an optim `Optimizer`: running averages of squared gradients and updates. */
class AdadeltaDelegate extends optim.Optimizer<AdadeltaHyperparameters, AdadeltaState> {
  protected override get optimizerName(): string {
    return 'Adadelta';
  }
  protected override initState(p: Tensor): AdadeltaState {
    return { accumulatedGrad: zerosLike(p), accumulatedDeltaVar: zerosLike(p) };
  }
  protected updateParam(p: Tensor, g: Tensor, { lr, rho, eps }: optim.ParamGroup<AdadeltaHyperparameters>, s: AdadeltaState): void {
    s.accumulatedGrad.mul_(rho).add_(g.square(), 1 - rho);
    const delta = s.accumulatedDeltaVar.add(eps).sqrt().div(s.accumulatedGrad.add(eps).sqrt()).mul(g).neg();
    s.accumulatedDeltaVar.mul_(rho).add_(delta.square(), 1 - rho);
    p.add_(delta, lr);
  }
}

/** Adadelta (Keras's update; optim has no Adadelta, so it runs on optim's `Optimizer` base). */
export class Adadelta extends Optimizer {
  readonly className = 'Adadelta';
  readonly rho: number;
  readonly epsilon: number;
  constructor(args: OptimizerArgs & { rho?: number; epsilon?: number } = {}) {
    super(args, 0.001);
    this.rho = args.rho ?? 0.95;
    this.epsilon = args.epsilon ?? 1e-7;
  }
  protected createDelegate(params: Params): optim.Optimizer {
    return new AdadeltaDelegate(params, { lr: this.learningRate, rho: this.rho, eps: this.epsilon });
  }
  protected override get countsSteps(): boolean {
    return false;
  }
  protected slots(): Slot[] {
    return [
      { keras: 'accumulated_grad', key: 'accumulated_grad' },
      { keras: 'accumulated_delta_var', key: 'accumulated_delta_var' },
    ];
  }
  override getConfig(): Record<string, unknown> {
    return { ...super.getConfig(), rho: this.rho, epsilon: this.epsilon };
  }
}

interface AdamaxHyperparameters {
  lr: number;
  betas: [number, number];
  eps: number;
}

type AdamaxState = { [key: string]: Tensor | number; step: number; expAvg: Tensor; expInf: Tensor };

/** Keras's Adamax as an optim `Optimizer` (state named as PyTorch's Adamax: `exp_avg`, `exp_inf`). */
class AdamaxDelegate extends optim.Optimizer<AdamaxHyperparameters, AdamaxState> {
  protected override get optimizerName(): string {
    return 'Adamax';
  }
  protected override initState(p: Tensor): AdamaxState {
    return { step: 0, expAvg: zerosLike(p), expInf: zerosLike(p) };
  }
  protected updateParam(p: Tensor, g: Tensor, { lr, betas: [beta1, beta2], eps }: optim.ParamGroup<AdamaxHyperparameters>, s: AdamaxState): void {
    s.step += 1;
    s.expAvg.add_(g.sub(s.expAvg), 1 - beta1);
    s.expInf.copy_(maximum(s.expInf.mul(beta2), g.abs()));
    p.sub_(s.expAvg.div(s.expInf.add(eps)), lr / (1 - beta1 ** s.step));
  }
}

/** Adamax (Keras's update; optim has no Adamax, so it runs on optim's `Optimizer` base). */
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
  protected createDelegate(params: Params): optim.Optimizer {
    return new AdamaxDelegate(params, { lr: this.learningRate, betas: [this.beta1, this.beta2], eps: this.epsilon });
  }
  protected slots(): Slot[] {
    return [
      { keras: 'm', key: 'exp_avg' },
      { keras: 'u', key: 'exp_inf' },
    ];
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

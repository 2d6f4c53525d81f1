/**
 * The `Optimizer` base class: parameter groups with their own hyperparameters, per-parameter
 * state, `zeroGrad`, `step` and PyTorch-layout state dicts. Subclasses only say how one parameter
 * is updated (`updateParam`); the base runs every update under `noGrad`, inside its own `tidy`, so
 * the temporaries of a step are freed and only the long-lived state tensors stay.
 */
import { enableGrad, noGrad } from '@tessera/autograd';
import { keep, Tensor, tidy } from '@tessera/core';
import { copyPlain, toCamel, toSnake } from './keys.js';

/** A value in an optimizer's per-parameter state: a state tensor, a step count, or an absent buffer. */
export type StateValue = Tensor | number | boolean | null;

/** Per-parameter state: step counters and state tensors (momentum buffers, moment estimates...). */
export type ParamState = { [key: string]: StateValue | undefined };

/** Hyperparameters every optimizer has. */
export interface BaseHyperparameters {
  /** Learning rate. */
  lr: number;
}

/**
 * A parameter group: the parameters and the hyperparameters they are optimized with. Learning-rate
 * schedulers add their own keys (`initialLr`, `maxLr`...).
 */
export type ParamGroup<H extends BaseHyperparameters = BaseHyperparameters> = H & {
  params: Tensor[];
  /** The learning rate a scheduler started from. */
  initialLr?: number;
  [key: string]: unknown;
};

/** A parameter group as given to the constructor or `addParamGroup`: hyperparameters left out take the optimizer's defaults. */
export type ParamGroupInput<H extends BaseHyperparameters = BaseHyperparameters> = Partial<H> & {
  params: Iterable<Tensor> | Tensor;
  [key: string]: unknown;
};

/**
 * An optimizer's state in PyTorch's layout: parameters are numbered in group order, `state` maps
 * those numbers to the per-parameter state, and keys use PyTorch's names (`exp_avg`, `weight_decay`).
 */
export interface OptimizerStateDict {
  state: Record<number, Record<string, StateValue>>;
  param_groups: (Record<string, unknown> & { params: number[] })[];
}

const OPTIMIZER_BRAND = Symbol.for('tessera.optimizer');

/**
 * Base class of all optimizers. A subclass passes its default hyperparameters and implements
 * `updateParam`, which updates one parameter in place from its gradient.
 *
 * @example
 * const opt = new SGD([{ params: backbone, lr: 1e-4 }, { params: head }], { lr: 1e-2, momentum: 0.9 });
 * opt.zeroGrad();
 * loss.backward();
 * opt.step();
 */
export abstract class Optimizer<H extends BaseHyperparameters = BaseHyperparameters, S extends ParamState = ParamState> {
  /**
   * `x instanceof Optimizer` also holds for optimizers made by another loaded copy of this package
   * (ESM and CommonJS side by side), so schedulers accept them.
   */
  static [Symbol.hasInstance](x: unknown): boolean {
    if (this !== Optimizer) return Function.prototype[Symbol.hasInstance].call(this, x);
    return typeof x === 'object' && x !== null && (x as { [OPTIMIZER_BRAND]?: boolean })[OPTIMIZER_BRAND] === true;
  }

  /** @internal brand checked by `instanceof Optimizer`. */
  get [OPTIMIZER_BRAND](): boolean {
    return true;
  }

  /** Hyperparameters used where a group does not set its own. */
  readonly defaults: H;
  /** The parameter groups, each with its own hyperparameters (schedulers change `lr` here). */
  paramGroups: ParamGroup<H>[] = [];
  /** Per-parameter state, created on a parameter's first step. */
  state = new Map<Tensor, S>();

  constructor(params: Iterable<Tensor> | Iterable<ParamGroupInput<H>>, defaults: H) {
    const name = this.optimizerName;
    if (params instanceof Tensor) {
      throw new TypeError(`${name}: params should be an iterable of Tensors or parameter groups, but got a single Tensor (wrap it in an array)`);
    }
    if (params === null || params === undefined || typeof (params as Iterable<unknown>)[Symbol.iterator] !== 'function') {
      throw new TypeError(`${name}: params should be an iterable of Tensors or parameter groups, got ${describe(params)}`);
    }
    this.defaults = { ...defaults };
    this.validate(this.defaults, 'defaults');
    const list = [...(params as Iterable<Tensor | ParamGroupInput<H>>)];
    if (list.length === 0) throw new Error(`${name}: got an empty parameter list`);
    const groups = list[0] instanceof Tensor ? [{ params: list as Tensor[] } as unknown as ParamGroupInput<H>] : (list as ParamGroupInput<H>[]);
    for (const g of groups) this.addParamGroup(g);
  }

  /** The name used in error messages (`'Adam'`). */
  protected get optimizerName(): string {
    return this.constructor.name;
  }

  /**
   * Checks a group's hyperparameters; throws naming the optimizer and the bad value
   * (`Adam: invalid learning rate: -1`). `where` is `'defaults'` or `'parameter group 1'`.
   * Values still `undefined` (a required `lr` left to the groups) are not checked here.
   */
  protected validate(_hyperparameters: Partial<H>, _where: string): void {}

  /** State a parameter starts with on its first step (its tensors are kept alive by the optimizer). */
  protected initState(_param: Tensor, _group: ParamGroup<H>): S {
    return {} as S;
  }

  /**
   * Updates `param` in place from `grad`. Runs under `noGrad` inside a `tidy`: temporaries are
   * freed afterwards, and state tensors created here must be passed to `keep`.
   */
  protected abstract updateParam(param: Tensor, grad: Tensor, group: ParamGroup<H>, state: S): void;

  /**
   * Adds a group of parameters, e.g. layers unfrozen during fine-tuning. Hyperparameters it does
   * not set take the optimizer's defaults. A parameter may belong to one group only.
   */
  addParamGroup(group: ParamGroupInput<H>): void {
    const name = this.optimizerName;
    const gi = this.paramGroups.length;
    if (group === null || typeof group !== 'object' || group instanceof Tensor || Array.isArray(group)) {
      throw new TypeError(`${name}: a parameter group must be an object with 'params', got ${describe(group)}`);
    }
    const raw = group.params;
    let params: Tensor[];
    if (raw instanceof Tensor) params = [raw];
    else if (raw !== null && raw !== undefined && typeof (raw as Iterable<Tensor>)[Symbol.iterator] === 'function') params = [...raw];
    else throw new TypeError(`${name}: parameter group ${gi} needs 'params': a Tensor or an iterable of Tensors, got ${describe(raw)}`);

    params.forEach((p, i) => {
      if (!(p instanceof Tensor)) throw new TypeError(`${name}: can only optimize Tensors, but parameter ${i} of group ${gi} is ${describe(p)}`);
      if (p.isDisposed) throw new Error(`${name}: parameter ${i} of group ${gi} has been disposed`);
      if (!p.isLeaf) throw new Error(`${name}: can't optimize a non-leaf Tensor (parameter ${i} of group ${gi}); pass the leaf tensors, e.g. model.parameters()`);
    });
    if (new Set(params).size !== params.length) {
      throw new Error(`${name}: parameter group ${gi} contains the same parameter more than once`);
    }
    const taken = new Set(this.paramGroups.flatMap((g) => g.params));
    if (params.some((p) => taken.has(p))) throw new Error(`${name}: some parameters appear in more than one parameter group`);

    const full: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(group)) if (k !== 'params' && v !== undefined) full[k] = copyPlain(v);
    for (const [k, v] of Object.entries(this.defaults)) {
      if (full[k] !== undefined) continue;
      if (v === undefined) throw new Error(`${name}: parameter group ${gi} didn't specify a value of required optimization parameter ${k}`);
      full[k] = copyPlain(v);
    }
    full.params = params;
    this.validate(full as Partial<H>, `parameter group ${gi}`);
    this.paramGroups.push(full as ParamGroup<H>);
  }

  /**
   * Clears the gradients of all optimized parameters. With `setToNone` (the default, as in PyTorch
   * 2) `.grad` becomes null and its memory is freed; otherwise it is filled with zeros in place.
   */
  zeroGrad(options: { setToNone?: boolean } = {}): void {
    const setToNone = options.setToNone ?? true;
    for (const group of this.paramGroups) {
      for (const p of group.params) {
        const grad = p.grad;
        if (grad === null) continue;
        if (setToNone) {
          p.grad = null;
          grad.dispose();
        } else noGrad(() => grad.zero_());
      }
    }
  }

  /**
   * Updates every parameter that has a gradient. `closure`, when given, re-evaluates the model and
   * returns the loss (run with grad mode on); `step` returns what it returned.
   */
  step<L = undefined>(closure?: () => L): L | undefined {
    const loss = closure === undefined ? undefined : enableGrad(closure);
    noGrad(() => {
      for (const group of this.paramGroups) {
        for (const p of group.params) {
          const grad = p.grad;
          if (grad === null) continue;
          tidy(() => {
            let state = this.state.get(p);
            if (state === undefined) {
              state = this.initState(p, group);
              for (const v of Object.values(state)) if (v instanceof Tensor) keep(v);
              this.state.set(p, state);
            }
            this.updateParam(p, grad, group, state);
          });
        }
      }
    });
    return loss;
  }

  /**
   * The optimizer's state in PyTorch's layout, with state tensors cloned (later steps don't change
   * it; free it with `dispose(sd)` when done).
   *
   * @example
   * const sd = opt.stateDict(); // { state: { 0: { step: 3, exp_avg, exp_avg_sq } }, param_groups: [{ lr: 0.001, ..., params: [0, 1] }] }
   */
  stateDict(): OptimizerStateDict {
    const index = new Map<Tensor, number>();
    const paramGroups = this.paramGroups.map((g) => {
      const packed: Record<string, unknown> = {};
      for (const [k, v] of Object.entries(g)) if (k !== 'params') packed[toSnake(k)] = copyPlain(v);
      packed.params = g.params.map((p) => {
        const i = index.size;
        index.set(p, i);
        return i;
      });
      return packed as OptimizerStateDict['param_groups'][number];
    });
    const state: OptimizerStateDict['state'] = {};
    for (const [p, s] of this.state) {
      const i = index.get(p);
      if (i === undefined) continue;
      const entry: Record<string, StateValue> = {};
      for (const [k, v] of Object.entries(s)) if (v !== undefined) entry[toSnake(k)] = v instanceof Tensor ? v.clone() : v;
      state[i] = entry;
    }
    return { state, param_groups: paramGroups };
  }

  /**
   * Restores state saved by `stateDict()` (or converted from a PyTorch checkpoint) into an
   * optimizer over the same parameters. Everything is checked before anything changes: group and
   * parameter counts, and each state tensor's shape against its parameter. Tensors are copied onto
   * the parameter's device and dtype.
   */
  loadStateDict(stateDict: OptimizerStateDict): void {
    const name = `${this.optimizerName}.loadStateDict`;
    const saved = stateDict?.param_groups;
    if (!Array.isArray(saved)) throw new TypeError(`${name}: expected an object with 'state' and 'param_groups', got ${describe(stateDict)}`);
    if (saved.length !== this.paramGroups.length) {
      throw new Error(`${name}: the state dict has ${saved.length} parameter groups, but the optimizer has ${this.paramGroups.length}`);
    }
    const byIndex = new Map<number, Tensor>();
    saved.forEach((sg, gi) => {
      const mine = this.paramGroups[gi]!.params;
      if (!Array.isArray(sg?.params) || sg.params.length !== mine.length) {
        throw new Error(`${name}: parameter group ${gi} has ${Array.isArray(sg?.params) ? sg.params.length : 'no'} parameters in the state dict, but ${mine.length} in the optimizer`);
      }
      sg.params.forEach((index, i) => byIndex.set(index, mine[i]!));
    });

    // Validate everything (and read tensor step counts) before changing anything.
    const entries: [Tensor, Record<string, StateValue>][] = [];
    for (const [key, entry] of Object.entries(stateDict.state ?? {})) {
      const p = byIndex.get(Number(key));
      if (p === undefined) throw new Error(`${name}: the state dict has state for parameter ${key}, which no parameter group lists`);
      const converted: Record<string, StateValue> = {};
      for (const [k, v] of Object.entries(entry ?? {})) {
        const where = `state[${key}].${k}`;
        if (v instanceof Tensor) {
          if (v.isDisposed) throw new Error(`${name}: ${where} has been disposed`);
          if (k === 'step') {
            // PyTorch keeps Adam's step as a 0-d tensor; here step counts are plain numbers.
            if (v.size !== 1) throw new RangeError(`${name}: ${where} should hold one number, got shape [${v.shape.join(', ')}]`);
            converted[toCamel(k)] = Number(v.itemSync());
            continue;
          }
          if (!sameShape(v.shape, p.shape)) {
            throw new RangeError(`${name}: ${where} has shape [${v.shape.join(', ')}], but its parameter has shape [${p.shape.join(', ')}]`);
          }
        } else if (v !== null && typeof v !== 'number' && typeof v !== 'boolean') {
          throw new TypeError(`${name}: ${where} should be a Tensor, a number or null, got ${describe(v)}`);
        }
        converted[toCamel(k)] = v;
      }
      entries.push([p, converted]);
    }
    const groups = saved.map((sg, gi) => {
      const g: Record<string, unknown> = {};
      for (const [k, v] of Object.entries(sg)) if (k !== 'params') g[toCamel(k)] = copyPlain(v);
      for (const [k, v] of Object.entries(this.defaults)) if (g[k] === undefined) g[k] = copyPlain(v);
      g.params = this.paramGroups[gi]!.params;
      this.validate(g as Partial<H>, `parameter group ${gi}`);
      return g as ParamGroup<H>;
    });

    const state = new Map<Tensor, S>();
    tidy(() => {
      for (const [p, entry] of entries) {
        for (const [k, v] of Object.entries(entry)) if (v instanceof Tensor) entry[k] = keep(copyOnto(v, p));
        state.set(p, entry as S);
      }
    });
    for (const s of this.state.values()) for (const v of Object.values(s)) if (v instanceof Tensor) v.dispose();
    this.state = state;
    this.paramGroups = groups;
  }

  /** PyTorch-style summary of the groups' hyperparameters. */
  toString(): string {
    const lines = [`${this.optimizerName} (`];
    this.paramGroups.forEach((g, i) => {
      lines.push(`Parameter Group ${i}`);
      for (const k of Object.keys(g).filter((k) => k !== 'params').sort()) lines.push(`    ${k}: ${JSON.stringify(g[k])}`);
    });
    lines.push(')');
    return lines.join('\n');
  }
}

/** A copy of `v` with `p`'s dtype on `p`'s device, in memory of its own. */
function copyOnto(v: Tensor, p: Tensor): Tensor {
  if (v.device === p.device && v.dtype === p.dtype) return v.clone();
  // A transfer or a cast already makes a tensor of its own (the intermediate is freed by the caller's tidy).
  const moved = v.device === p.device ? v : v.to(p.device);
  return moved.dtype === p.dtype ? moved : moved.cast(p.dtype);
}

function sameShape(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((d, i) => d === b[i]);
}

/** How a bad argument is described in an error message. */
export function describe(x: unknown): string {
  if (x === null) return 'null';
  if (x === undefined) return 'undefined';
  if (x instanceof Tensor) return `a Tensor of shape [${x.shape.join(', ')}]`;
  if (Array.isArray(x)) return 'an array';
  if (typeof x === 'object') return 'an object';
  return `${typeof x} ${String(x)}`;
}

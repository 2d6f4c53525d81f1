/**
 * `Module`: the base class of every layer and model. Parameters and submodules are found from the
 * object's own fields (also inside arrays, Maps and plain objects), so a model is written as in
 * PyTorch, with no registration calls:
 *
 * ```ts
 * class Net extends Module {
 *   fc1 = new Linear(784, 128);
 *   blocks = [new Linear(128, 128), new Linear(128, 128)];
 *   forward(x: Tensor) { ... }
 * }
 * new Net().namedParameters(); // fc1.weight, fc1.bias, blocks.0.weight, ...
 * ```
 *
 * Fields whose names start with `_` are private and never scanned.
 */
import { noGrad } from '@tessera/autograd';
import { DTYPES, Tensor, keep, type DType } from '@tessera/core';
import { isParameter, Parameter } from './parameter.js';
import { fmt } from './util.js';

/** A state dict: dotted names (PyTorch's keys) to tensors. */
export type StateDict = Record<string, Tensor>;

/** What `loadStateDict` reports (PyTorch's `_IncompatibleKeys`). */
export interface LoadResult {
  missingKeys: string[];
  unexpectedKeys: string[];
}

/** Options of `loadStateDict`. */
export interface LoadStateDictOptions {
  /** Throw (changing nothing) when keys are missing or unexpected. Default true. */
  strict?: boolean;
}

type ForwardPreHook = (module: Module, args: unknown[]) => unknown[] | void;
type ForwardHook = (module: Module, args: unknown[], output: unknown) => unknown;

interface BufferEntry {
  tensor: Tensor | null;
  persistent: boolean;
}

/** One entry of a module's own state, in PyTorch's order. */
interface OwnEntries {
  params: [string, Parameter][];
  children: [string, Module][];
}

const MODULE_BRAND = Symbol.for('tessera.nn.module');

/**
 * Base class of layers and models. Subclasses implement `forward`; call it directly
 * (`model.forward(x)`) or through `model.call(x)`, which also runs forward hooks.
 */
export abstract class Module {
  /** `x instanceof Module` also holds for modules made by another loaded copy of this package. */
  static [Symbol.hasInstance](x: unknown): boolean {
    if (this !== Module) return Function.prototype[Symbol.hasInstance].call(this, x);
    return typeof x === 'object' && x !== null && (x as { [MODULE_BRAND]?: boolean })[MODULE_BRAND] === true;
  }

  /**
   * Maps camelCase field names to the state-dict keys PyTorch uses (e.g. `runningMean` ->
   * `running_mean`), so that PyTorch state dicts load unchanged. Subclasses extend it.
   */
  protected static stateKeys: Readonly<Record<string, string>> = {};

  /** Whether the module is in training mode (see `train()` / `eval()`). */
  training = true;

  private _buffers!: Map<string, BufferEntry>;
  private _forwardPreHooks!: ForwardPreHook[];
  private _forwardHooks!: ForwardHook[];

  constructor() {
    const hidden = (name: string, value: unknown): void => {
      Object.defineProperty(this, name, { value, writable: true, enumerable: false, configurable: true });
    };
    hidden('_buffers', new Map());
    hidden('_forwardPreHooks', []);
    hidden('_forwardHooks', []);
  }

  /** @internal brand checked by `instanceof`. */
  get [MODULE_BRAND](): boolean {
    return true;
  }

  /** The computation. Subclasses define it with their own signature. */
  abstract forward(...args: any[]): any;

  /** Runs `forward` with the registered forward hooks (PyTorch's `module(x)`). */
  call(...args: any[]): any {
    let a: unknown[] = args;
    for (const h of this._forwardPreHooks) {
      const r = h(this, a);
      if (r !== undefined) a = r;
    }
    let out: unknown = this.forward(...a);
    for (const h of this._forwardHooks) {
      const r = h(this, a, out);
      if (r !== undefined) out = r;
    }
    return out;
  }

  /** Registers `hook(module, args)` run before `forward` by `call`; it may return new args. */
  registerForwardPreHook(hook: ForwardPreHook): { remove(): void } {
    return addHook(this._forwardPreHooks, hook);
  }

  /** Registers `hook(module, args, output)` run after `forward` by `call`; it may return a new output. */
  registerForwardHook(hook: ForwardHook): { remove(): void } {
    return addHook(this._forwardHooks, hook);
  }

  // ---------------------------------------------------------------- discovery

  /** The state-dict key of a field. */
  private keyOf(field: string): string {
    let ctor = this.constructor as typeof Module | undefined;
    while (ctor && ctor !== Module) {
      if (Object.prototype.hasOwnProperty.call(ctor, 'stateKeys')) {
        const k = ctor.stateKeys[field];
        if (k !== undefined) return k;
      }
      ctor = Object.getPrototypeOf(ctor) as typeof Module | undefined;
    }
    return field;
  }

  /** This module's own parameters and direct children, found from its fields. */
  private ownEntries(): OwnEntries {
    const params: [string, Parameter][] = [];
    const children: [string, Module][] = [];
    const visit = (name: string, v: unknown, depth: number): void => {
      if (v === null || v === undefined || typeof v !== 'object' || depth > 8) return;
      if (isParameter(v)) params.push([name, v]);
      else if (v instanceof Tensor) return;
      else if (v instanceof Module) children.push([name, v]);
      else if (Array.isArray(v)) v.forEach((x, i) => visit(`${name}.${i}`, x, depth + 1));
      else if (v instanceof Map) for (const [k, x] of v) visit(`${name}.${String(k)}`, x, depth + 1);
      else if (Object.getPrototypeOf(v) === Object.prototype) {
        for (const [k, x] of Object.entries(v)) visit(`${name}.${k}`, x, depth + 1);
      }
    };
    for (const [name, value] of this._members()) visit(name, value, 0);
    return { params, children };
  }

  /**
   * @internal The named values scanned for parameters and submodules: by default the own fields
   * (except `_private` ones and `training`), named by their state-dict key. Containers override it.
   */
  protected *_members(): Iterable<[string, unknown]> {
    for (const field of Object.keys(this)) {
      if (field.startsWith('_') || field === 'training') continue;
      yield [this.keyOf(field), (this as Record<string, unknown>)[field]];
    }
  }

  /** Direct submodules with their names (`layers.0` for an array field `layers`). */
  *namedChildren(): Generator<[string, Module]> {
    const seen = new Set<Module>();
    for (const [name, m] of this.ownEntries().children) {
      if (seen.has(m)) continue;
      seen.add(m);
      yield [name, m];
    }
  }

  /** Direct submodules. */
  *children(): Generator<Module> {
    for (const [, m] of this.namedChildren()) yield m;
  }

  /** This module and every submodule, depth first, with dotted names (this one is `''`). */
  *namedModules(prefix = '', memo: Set<Module> = new Set()): Generator<[string, Module]> {
    if (memo.has(this)) return;
    memo.add(this);
    yield [prefix, this];
    for (const [name, m] of this.ownEntries().children) {
      yield* m.namedModules(prefix ? `${prefix}.${name}` : name, memo);
    }
  }

  /** This module and every submodule. */
  *modules(): Generator<Module> {
    for (const [, m] of this.namedModules()) yield m;
  }

  /** Parameters with dotted names (`layers.0.weight`), each listed once; `recurse=false` for own ones only. */
  *namedParameters(prefix = '', recurse = true): Generator<[string, Parameter]> {
    const seen = new Set<Parameter>();
    const mods: Iterable<[string, Module]> = recurse ? this.namedModules(prefix) : [[prefix, this]];
    for (const [mp, m] of mods) {
      for (const [name, p] of m.ownEntries().params) {
        if (seen.has(p)) continue;
        seen.add(p);
        yield [mp ? `${mp}.${name}` : name, p];
      }
    }
  }

  /** Every parameter (each once), in PyTorch's order: a module's own, then its children's. */
  parameters(recurse = true): Parameter[] {
    return [...this.namedParameters('', recurse)].map(([, p]) => p);
  }

  // ---------------------------------------------------------------- buffers

  /**
   * Registers a tensor that is state but not a parameter (BatchNorm's running mean). Persistent
   * buffers are saved in the state dict. The buffer is also readable and assignable as
   * `module[name]`.
   */
  registerBuffer(name: string, tensor: Tensor | null, persistent = true): void {
    if (name.includes('.') || name === '') throw new RangeError(`registerBuffer: buffer name can't be empty or contain ".", got ${JSON.stringify(name)}`);
    if (tensor !== null && !(tensor instanceof Tensor)) throw new TypeError(`registerBuffer: '${name}' must be a Tensor or null`);
    if (Object.prototype.hasOwnProperty.call(this, name) && !this._buffers.has(name)) {
      throw new Error(`registerBuffer: attribute '${name}' already exists`);
    }
    if (tensor) keep(tensor);
    this._buffers.set(name, { tensor, persistent });
    if (!(name in this)) {
      Object.defineProperty(this, name, {
        get(this: Module) {
          return this.getBuffer(name);
        },
        set(this: Module, v: Tensor | null) {
          this.setBuffer(name, v);
        },
        enumerable: false,
        configurable: true,
      });
    }
  }

  /** The buffer registered as `name` (null when registered as null). */
  getBuffer(name: string): Tensor | null {
    const e = this._buffers.get(name);
    if (!e) throw new RangeError(`getBuffer: ${this.constructor.name} has no buffer '${name}'`);
    return e.tensor;
  }

  /** Replaces a registered buffer's tensor (the old one is disposed unless it is the same). */
  setBuffer(name: string, tensor: Tensor | null): void {
    const e = this._buffers.get(name);
    if (!e) throw new RangeError(`setBuffer: ${this.constructor.name} has no buffer '${name}'`);
    if (e.tensor === tensor) return;
    if (tensor) keep(tensor);
    e.tensor?.dispose();
    e.tensor = tensor;
  }

  /** Buffers of this module and its submodules with dotted names. */
  *namedBuffers(prefix = '', recurse = true): Generator<[string, Tensor]> {
    const seen = new Set<Tensor>();
    const mods: Iterable<[string, Module]> = recurse ? this.namedModules(prefix) : [[prefix, this]];
    for (const [mp, m] of mods) {
      for (const [name, e] of m._buffers) {
        if (!e.tensor || seen.has(e.tensor)) continue;
        seen.add(e.tensor);
        yield [mp ? `${mp}.${name}` : name, e.tensor];
      }
    }
  }

  /** Every buffer of this module and its submodules. */
  buffers(recurse = true): Tensor[] {
    return [...this.namedBuffers('', recurse)].map(([, b]) => b);
  }

  // ---------------------------------------------------------------- modes and traversal

  /** Sets training mode on this module and every submodule; returns `this`. */
  train(mode = true): this {
    for (const m of this.modules()) m.training = mode;
    return this;
  }

  /** Evaluation mode (`train(false)`): dropout off, BatchNorm uses running statistics. */
  eval(): this {
    return this.train(false);
  }

  /** Calls `fn` on every submodule (children first) and then on this module; returns `this`. */
  apply(fn: (m: Module) => void): this {
    for (const c of this.children()) c.apply(fn);
    fn(this);
    return this;
  }

  /** The submodule at a dotted path (`'encoder.layers.0'`). */
  getSubmodule(target: string): Module {
    if (target === '') return this;
    for (const [name, m] of this.namedModules()) if (name === target) return m;
    throw new RangeError(`getSubmodule: ${this.constructor.name} has no submodule '${target}'`);
  }

  /** The parameter at a dotted path (`'encoder.layers.0.weight'`). */
  getParameter(target: string): Parameter {
    for (const [name, p] of this.namedParameters()) if (name === target) return p;
    throw new RangeError(`getParameter: ${this.constructor.name} has no parameter '${target}'`);
  }

  /**
   * Clears the gradients of every parameter: by default sets `.grad` to null (disposing it);
   * with `setToNone: false` fills it with zeros instead.
   */
  zeroGrad(options: { setToNone?: boolean } = {}): void {
    const setToNone = options.setToNone ?? true;
    for (const p of this.parameters()) {
      if (!p.grad) continue;
      if (setToNone) {
        p.grad.dispose();
        p.grad = null;
      } else noGrad(() => p.grad!.zero_());
    }
  }

  /**
   * Moves parameters and buffers to a device (`'cpu'`, `'webgpu'`...) or converts floating point
   * ones to a dtype (`'float64'`). Parameters keep their identity (an optimizer built before stays
   * valid), as in PyTorch; their memory is replaced. Returns `this`.
   */
  to(target: string): this {
    const isDtype = (DTYPES as readonly string[]).includes(target);
    const convert = (t: Tensor): Tensor | null => {
      if (isDtype) {
        if (!(t.dtype === 'float32' || t.dtype === 'float64') || t.dtype === target) return null;
        return t.cast(target as DType);
      }
      return t.device === target ? null : t.to(target);
    };
    noGrad(() => {
      for (const p of this.parameters()) {
        const moved = convert(p);
        if (moved) {
          p._setData(moved);
          moved.dispose();
        }
        if (p.grad) {
          const g = convert(p.grad);
          if (g) {
            p.grad.dispose();
            p.grad = keep(g);
          }
        }
      }
      for (const m of this.modules()) {
        for (const [name, e] of m._buffers) {
          if (!e.tensor) continue;
          const moved = convert(e.tensor);
          if (moved) m.setBuffer(name, moved);
        }
      }
    });
    return this;
  }

  /** Converts floating point parameters and buffers to float32. */
  float(): this {
    return this.to('float32');
  }

  /** Converts floating point parameters and buffers to float64. */
  double(): this {
    return this.to('float64');
  }

  /** Sets `requiresGrad` on every parameter (freeze with `false`); returns `this`. */
  requiresGrad_(requiresGrad = true): this {
    for (const p of this.parameters()) p.requiresGrad_(requiresGrad);
    return this;
  }

  /** Frees every parameter, gradient and buffer of this module and its submodules. */
  dispose(): void {
    for (const p of this.parameters()) {
      p.grad?.dispose();
      p.grad = null;
      p.dispose();
    }
    for (const m of this.modules()) for (const [, e] of m._buffers) e.tensor?.dispose();
  }

  // ---------------------------------------------------------------- state dict

  /** Every state-dict entry: key, current tensor, and how to write into it. */
  private stateEntries(prefix = '', out: [string, Tensor][] = [], depth = 0): [string, Tensor][] {
    // Like PyTorch, a module or parameter reachable by two paths appears under both keys.
    if (depth > 64) throw new Error(`stateDict: modules nested more than 64 deep (a cycle at '${prefix}'?)`);
    const own = this.ownEntries();
    for (const [name, param] of own.params) out.push([prefix + name, param]);
    for (const [name, e] of this._buffers) if (e.persistent && e.tensor) out.push([prefix + name, e.tensor]);
    for (const [name, child] of own.children) child.stateEntries(`${prefix}${name}.`, out, depth + 1);
    return out;
  }

  /**
   * Parameters and persistent buffers by dotted name, in PyTorch's order and with PyTorch's keys.
   * Values share memory with the module (detached handles; dispose them when done, or call inside
   * `tidy`); `keepVars: true` returns the parameters themselves.
   */
  stateDict(options: { prefix?: string; keepVars?: boolean } = {}): StateDict {
    const sd: StateDict = {};
    const prefix = options.prefix ?? '';
    for (const [k, t] of this.stateEntries()) sd[prefix + k] = options.keepVars ? t : t.detach();
    return sd;
  }

  /**
   * Copies a state dict into this module's parameters and buffers (in place, under `noGrad`).
   * Everything is validated first: a shape mismatch, or with `strict` (default) a missing or
   * unexpected key, throws and changes nothing.
   */
  loadStateDict(stateDict: StateDict | Map<string, Tensor>, options: LoadStateDictOptions = {}): LoadResult {
    const strict = options.strict ?? true;
    const src = stateDict instanceof Map ? stateDict : new Map(Object.entries(stateDict));
    const entries = this.stateEntries();
    const expected = new Set(entries.map(([k]) => k));
    const missingKeys = entries.map(([k]) => k).filter((k) => !src.has(k));
    const unexpectedKeys = [...src.keys()].filter((k) => !expected.has(k));
    const errors: string[] = [];
    for (const [k, t] of entries) {
      const s = src.get(k);
      if (s === undefined) continue;
      if (!(s instanceof Tensor)) {
        errors.push(`'${k}' is not a Tensor (got ${s === null ? 'null' : typeof s})`);
        continue;
      }
      if (s.isDisposed) errors.push(`'${k}' has been disposed`);
      else if (s.shape.length !== t.shape.length || s.shape.some((d, i) => d !== t.shape[i])) {
        errors.push(`size mismatch for ${k}: copying a param with shape ${fmt(s.shape)} from checkpoint, the shape in current model is ${fmt(t.shape)}`);
      }
    }
    if (strict) {
      if (unexpectedKeys.length) errors.push(`unexpected key(s) in state_dict: ${unexpectedKeys.map((k) => `"${k}"`).join(', ')}`);
      if (missingKeys.length) errors.push(`missing key(s) in state_dict: ${missingKeys.map((k) => `"${k}"`).join(', ')}`);
    }
    if (errors.length) {
      throw new Error(`Error(s) in loading state_dict for ${this.constructor.name} (nothing was changed):\n\t${errors.join('\n\t')}`);
    }
    noGrad(() => {
      for (const [k, t] of entries) {
        const s = src.get(k);
        if (s === undefined) continue;
        const onDevice = s.device === t.device ? s : s.to(t.device);
        try {
          t.copy_(onDevice);
        } finally {
          if (onDevice !== s) onDevice.dispose();
        }
      }
    });
    return { missingKeys, unexpectedKeys };
  }

  // ---------------------------------------------------------------- printing

  /** Extra text inside the parentheses of this module's printout (PyTorch's `extra_repr`). */
  extraRepr(): string {
    return '';
  }

  /** PyTorch-style tree printout. */
  toString(): string {
    const lines: string[] = [];
    for (const [name, m] of this.ownEntries().children) {
      const s = m.toString().split('\n').join('\n  ');
      lines.push(`(${name}): ${s}`);
    }
    const head = `${this.constructor.name}(${this.extraRepr()}`;
    if (lines.length === 0) return `${head})`;
    return `${head}\n  ${lines.join('\n  ')}\n)`;
  }

  [Symbol.for('nodejs.util.inspect.custom')](): string {
    return this.toString();
  }
}

function addHook<T>(list: T[], hook: T): { remove(): void } {
  list.push(hook);
  return {
    remove: () => {
      const i = list.indexOf(hook);
      if (i >= 0) list.splice(i, 1);
    },
  };
}

/**
 * A deep copy of a module: new parameters and buffers with the same values, the same structure
 * and options (PyTorch's `copy.deepcopy(module)`, used by `TransformerEncoder` to stack layers).
 */
export function cloneModule<T extends Module>(module: T): T {
  const memo = new Map<object, unknown>();
  const copy = (v: unknown): unknown => {
    if (v === null || typeof v !== 'object') return v;
    if (memo.has(v)) return memo.get(v);
    if (isParameter(v)) {
      const data = noGrad(() => v.clone());
      const p = new Parameter(data, v.requiresGrad);
      data.dispose();
      memo.set(v, p);
      return p;
    }
    if (v instanceof Tensor) {
      const t = keep(noGrad(() => v.clone()));
      memo.set(v, t);
      return t;
    }
    if (Array.isArray(v)) {
      const a: unknown[] = [];
      memo.set(v, a);
      for (const x of v) a.push(copy(x));
      return a;
    }
    if (v instanceof Map) {
      const m = new Map();
      memo.set(v, m);
      for (const [k, x] of v) m.set(k, copy(x));
      return m;
    }
    const proto = Object.getPrototypeOf(v) as object | null;
    if (v instanceof Module || proto === Object.prototype || proto === null) {
      const o = Object.create(proto) as Record<string | symbol, unknown>;
      memo.set(v, o);
      for (const key of Reflect.ownKeys(v)) {
        const d = Object.getOwnPropertyDescriptor(v, key)!;
        if ('value' in d) d.value = copy(d.value);
        Object.defineProperty(o, key, d);
      }
      return o;
    }
    return v; // functions, class instances with no tensors: shared
  };
  return copy(module) as T;
}

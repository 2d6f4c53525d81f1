/** `Sequential`, `ModuleList` and `ModuleDict`: modules that hold other modules. */
import type { Tensor } from '@tessera/core';
import { Module } from './module.js';

function checkModule(where: string, m: unknown): Module {
  if (!(m instanceof Module)) throw new TypeError(`${where}: expected a Module, got ${m === null ? 'null' : typeof m}`);
  return m;
}

/**
 * Adds `list[0]`, `list[1]`, ... accessors for the current length (and removes stale ones). They
 * read through `this`, so a cloned container's accessors see the clone's modules.
 */
function syncIndexAccessors(target: { get(i: number): Module }, length: number): void {
  const obj = target as unknown as Record<string, unknown>;
  for (let i = length; Object.prototype.hasOwnProperty.call(obj, String(i)); i++) delete obj[String(i)];
  for (let i = 0; i < length; i++) {
    if (Object.prototype.hasOwnProperty.call(obj, String(i))) continue;
    Object.defineProperty(obj, String(i), {
      get(this: { get(i: number): Module }) {
        return this.get(i);
      },
      enumerable: false,
      configurable: true,
    });
  }
}

/**
 * Runs modules one after another: `forward(x)` is `m_n(...m_2(m_1(x)))`. Children are named
 * `0`, `1`, ... (or by the keys of a Map / object passed alone), as in PyTorch.
 *
 * @example
 * const mlp = new Sequential(new Linear(784, 128), new ReLU(), new Linear(128, 10));
 * mlp.stateDict(); // 0.weight, 0.bias, 2.weight, 2.bias
 */
export class Sequential extends Module {
  /** Read-only index access: `seq[0]`. */
  readonly [index: number]: Module;
  private _modules = new Map<string, Module>();

  constructor(...modules: Module[] | [Map<string, Module> | Record<string, Module>]) {
    super();
    const first = modules[0] as unknown;
    if (modules.length === 1 && !(first instanceof Module) && typeof first === 'object' && first !== null) {
      const entries = first instanceof Map ? [...first.entries()] : Object.entries(first as Record<string, Module>);
      for (const [k, m] of entries) this._modules.set(String(k), checkModule('Sequential', m));
    } else {
      (modules as Module[]).forEach((m, i) => this._modules.set(String(i), checkModule('Sequential', m)));
    }
    this.sync();
  }

  private sync(): void {
    syncIndexAccessors(this, this._modules.size);
  }

  protected override *_members(): Iterable<[string, unknown]> {
    yield* this._modules;
  }

  /** Number of modules. */
  get length(): number {
    return this._modules.size;
  }

  /** The module at position `i` (negative counts from the end). */
  get(i: number): Module {
    const all = [...this._modules.values()];
    const j = i < 0 ? i + all.length : i;
    if (!Number.isInteger(j) || j < 0 || j >= all.length) throw new RangeError(`Sequential: index ${i} is out of range for ${all.length} modules`);
    return all[j]!;
  }

  /** Appends a module (named by its position); returns `this`. */
  append(m: Module): this {
    this._modules.set(String(this._modules.size), checkModule('Sequential.append', m));
    this.sync();
    return this;
  }

  [Symbol.iterator](): Iterator<Module> {
    return this._modules.values();
  }

  forward(x: Tensor): Tensor {
    let y = x;
    for (const m of this._modules.values()) y = m.forward(y) as Tensor;
    return y;
  }
}

/**
 * A list of modules whose parameters are registered (`layers.0.weight`, ...). Plain arrays of
 * modules as fields work too; `ModuleList` adds PyTorch's methods.
 */
export class ModuleList extends Module {
  readonly [index: number]: Module;
  private _list: Module[] = [];

  constructor(modules: Iterable<Module> = []) {
    super();
    for (const m of modules) this._list.push(checkModule('ModuleList', m));
    this.sync();
  }

  private sync(): void {
    syncIndexAccessors(this, this._list.length);
  }

  protected override *_members(): Iterable<[string, unknown]> {
    for (let i = 0; i < this._list.length; i++) yield [String(i), this._list[i]];
  }

  get length(): number {
    return this._list.length;
  }

  /** The module at `i` (negative counts from the end). */
  get(i: number): Module {
    const j = i < 0 ? i + this._list.length : i;
    const m = this._list[j];
    if (!m) throw new RangeError(`ModuleList: index ${i} is out of range for ${this._list.length} modules`);
    return m;
  }

  /** Replaces the module at `i`. */
  set(i: number, m: Module): void {
    const j = i < 0 ? i + this._list.length : i;
    if (j < 0 || j >= this._list.length) throw new RangeError(`ModuleList: index ${i} is out of range for ${this._list.length} modules`);
    this._list[j] = checkModule('ModuleList.set', m);
  }

  append(m: Module): this {
    this._list.push(checkModule('ModuleList.append', m));
    this.sync();
    return this;
  }

  extend(modules: Iterable<Module>): this {
    for (const m of modules) this._list.push(checkModule('ModuleList.extend', m));
    this.sync();
    return this;
  }

  insert(index: number, m: Module): this {
    this._list.splice(index < 0 ? index + this._list.length : index, 0, checkModule('ModuleList.insert', m));
    this.sync();
    return this;
  }

  [Symbol.iterator](): Iterator<Module> {
    return this._list[Symbol.iterator]();
  }

  forward(): never {
    throw new Error('ModuleList has no forward: iterate over it in your own forward');
  }
}

/** A string-keyed dictionary of modules (`heads.cls.weight`). Plain Maps as fields work too. */
export class ModuleDict extends Module {
  private _dict = new Map<string, Module>();

  constructor(modules: Map<string, Module> | Record<string, Module> = {}) {
    super();
    const entries = modules instanceof Map ? [...modules.entries()] : Object.entries(modules);
    for (const [k, m] of entries) this.set(k, m);
  }

  protected override *_members(): Iterable<[string, unknown]> {
    yield* this._dict;
  }

  get size(): number {
    return this._dict.size;
  }

  get(key: string): Module {
    const m = this._dict.get(key);
    if (!m) throw new RangeError(`ModuleDict: no module '${key}' (keys: ${[...this._dict.keys()].join(', ')})`);
    return m;
  }

  has(key: string): boolean {
    return this._dict.has(key);
  }

  set(key: string, m: Module): this {
    if (key.includes('.') || key === '') throw new RangeError(`ModuleDict: key can't be empty or contain ".", got ${JSON.stringify(key)}`);
    this._dict.set(key, checkModule('ModuleDict.set', m));
    return this;
  }

  delete(key: string): boolean {
    return this._dict.delete(key);
  }

  keys(): IterableIterator<string> {
    return this._dict.keys();
  }

  values(): IterableIterator<Module> {
    return this._dict.values();
  }

  entries(): IterableIterator<[string, Module]> {
    return this._dict.entries();
  }

  [Symbol.iterator](): IterableIterator<string> {
    return this._dict.keys();
  }

  forward(): never {
    throw new Error('ModuleDict has no forward: pick modules by key in your own forward');
  }
}

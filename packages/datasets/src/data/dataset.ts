/** Map-style and iterable datasets, and the ways of combining them (PyTorch's `torch.utils.data`). */
import { cat, dispose, getDefaultGenerator, tensor, Tensor, type Generator } from '@tessera/core';
import { permutation } from './permutation.js';

/** What a `DataLoader` needs of a map-style dataset; `Dataset` implements it, plain objects may too. */
export interface MapDataset<T> {
  readonly length: number;
  getItem(index: number): T | Promise<T>;
  getBatch?(indices: Int32Array): unknown;
}

/**
 * A map-style dataset: `length` items, read by index. `getItem` returns tensors the caller owns
 * (views such as `t.select(0, i)` or `t.detach()` are fine): the `DataLoader` disposes them once
 * they are batched.
 *
 * @example
 * class Squares extends Dataset<[Tensor, Tensor]> {
 *   get length() { return 100; }
 *   getItem(i: number): [Tensor, Tensor] { return [tensor([i]), tensor([i * i])]; }
 * }
 */
export abstract class Dataset<T = unknown> implements MapDataset<T> {
  /** Number of items. */
  abstract get length(): number;
  /** The item at `index` (0 <= index < length); may be asynchronous (e.g. read from a file). */
  abstract getItem(index: number): T | Promise<T>;
  /**
   * Optional fast path: the items at `indices` already batched (what the default collate would
   * make of them), e.g. with one `indexSelect` per tensor. The `DataLoader` uses it when present.
   */
  getBatch?(indices: Int32Array): unknown;

  /** Throws unless `index` is a valid item index. */
  protected checkIndex(index: number): void {
    if (!Number.isInteger(index) || index < 0 || index >= this.length) {
      throw new RangeError(`${this.constructor.name}.getItem: index ${index} is out of range for a dataset of ${this.length} items`);
    }
  }
}

/**
 * A dataset read as a stream (files, generators, network): it has no length and no random access,
 * so a `DataLoader` over it cannot shuffle.
 *
 * @example
 * const stream = IterableDataset.from(async function* () { for (let i = 0; i < 10; i++) yield tensor([i]); });
 */
export abstract class IterableDataset<T = unknown> implements AsyncIterable<T> {
  abstract [Symbol.asyncIterator](): AsyncIterator<T>;

  /** Wraps an (async) iterable or a function returning one, called anew for every pass. */
  static from<T>(source: Iterable<T> | AsyncIterable<T> | (() => Iterable<T> | AsyncIterable<T>)): IterableDataset<T> {
    return new (class extends IterableDataset<T> {
      async *[Symbol.asyncIterator](): AsyncIterator<T> {
        const it = typeof source === 'function' ? source() : source;
        yield* it as AsyncIterable<T>;
      }
    })();
  }
}

/**
 * Tensors sharing their first dimension; item `i` is `[t0[i], t1[i], ...]`. Batches are taken with
 * one `indexSelect` per tensor, not by stacking items.
 *
 * @example
 * const ds = new TensorDataset(xTrain, yTrain);
 * const [x0, y0] = ds.getItem(0);
 */
export class TensorDataset extends Dataset<Tensor[]> {
  readonly tensors: readonly Tensor[];

  constructor(...tensors: Tensor[]) {
    super();
    if (tensors.length === 0) throw new RangeError('TensorDataset: expected at least one tensor');
    const n = tensors[0]!.shape[0];
    tensors.forEach((t, i) => {
      if (t.ndim === 0) throw new RangeError(`TensorDataset: tensor ${i} is 0-dimensional`);
      if (t.shape[0] !== n) {
        throw new RangeError(`TensorDataset: size mismatch between tensors: tensor 0 has ${n} rows, tensor ${i} has ${t.shape[0]} (shape [${t.shape.join(', ')}])`);
      }
    });
    this.tensors = tensors;
  }

  get length(): number {
    return this.tensors[0]!.shape[0]!;
  }

  getItem(index: number): Tensor[] {
    this.checkIndex(index);
    return this.tensors.map((t) => t.select(0, index));
  }

  override getBatch(indices: Int32Array): Tensor[] {
    const byDevice = new Map<string, Tensor>();
    try {
      return this.tensors.map((t) => {
        let idx = byDevice.get(t.device);
        if (!idx) {
          idx = tensor(indices, { dtype: 'int32', device: t.device });
          byDevice.set(t.device, idx);
        }
        return t.indexSelect(0, idx);
      });
    } finally {
      for (const idx of byDevice.values()) idx.dispose();
    }
  }
}

/**
 * The items of `dataset` at `indices`, in that order.
 *
 * @example
 * const firstHundred = new Subset(ds, Array.from({ length: 100 }, (_, i) => i));
 */
export class Subset<T> extends Dataset<T> {
  readonly indices: Int32Array;

  constructor(
    readonly dataset: Dataset<T>,
    indices: ArrayLike<number>,
  ) {
    super();
    this.indices = Int32Array.from(indices as ArrayLike<number>);
    const n = dataset.length;
    for (const i of this.indices) if (i < 0 || i >= n) throw new RangeError(`Subset: index ${i} is out of range for a dataset of ${n} items`);
    if (dataset.getBatch) {
      const base = dataset;
      this.getBatch = (idx: Int32Array): unknown => base.getBatch!(idx.map((i) => this.indices[i]!));
    }
  }

  get length(): number {
    return this.indices.length;
  }

  getItem(index: number): T | Promise<T> {
    this.checkIndex(index);
    return this.dataset.getItem(this.indices[index]!);
  }
}

/**
 * Datasets one after the other. Batches of tensor datasets stay fast: each part's rows are taken
 * together and the result put back in the requested order.
 */
export class ConcatDataset<T> extends Dataset<T> {
  readonly datasets: readonly Dataset<T>[];
  /** `cumulativeSizes[k]`: items in datasets 0..k. */
  readonly cumulativeSizes: readonly number[];

  constructor(datasets: readonly Dataset<T>[]) {
    super();
    if (datasets.length === 0) throw new RangeError('ConcatDataset: expected at least one dataset');
    this.datasets = [...datasets];
    let total = 0;
    this.cumulativeSizes = this.datasets.map((d) => (total += d.length));
    if (this.datasets.every((d) => d.getBatch)) this.getBatch = (idx: Int32Array) => this.batchFromParts(idx);
  }

  get length(): number {
    return this.cumulativeSizes[this.cumulativeSizes.length - 1]!;
  }

  /** Which dataset holds `index`, and the index inside it. */
  locate(index: number): [number, number] {
    this.checkIndex(index);
    let lo = 0;
    let hi = this.cumulativeSizes.length - 1;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (index < this.cumulativeSizes[mid]!) hi = mid;
      else lo = mid + 1;
    }
    return [lo, index - (lo === 0 ? 0 : this.cumulativeSizes[lo - 1]!)];
  }

  getItem(index: number): T | Promise<T> {
    const [d, i] = this.locate(index);
    return this.datasets[d]!.getItem(i);
  }

  private batchFromParts(indices: Int32Array): unknown {
    const parts: number[][] = this.datasets.map(() => []);
    const order: number[][] = this.datasets.map(() => []);
    indices.forEach((index, pos) => {
      const [d, i] = this.locate(index);
      parts[d]!.push(i);
      order[d]!.push(pos);
    });
    const used = parts.map((p, d) => [p, d] as const).filter(([p]) => p.length > 0);
    if (used.length === 1) return this.datasets[used[0]![1]]!.getBatch!(Int32Array.from(used[0]![0]));
    const batches = used.map(([p, d]) => this.datasets[d]!.getBatch!(Int32Array.from(p)));
    if (!batches.every((b) => Array.isArray(b) && b.every((t) => t instanceof Tensor))) {
      throw new TypeError('ConcatDataset: getBatch of the parts must return arrays of tensors');
    }
    const lists = batches as Tensor[][];
    // Position of each concatenated row in the requested order.
    const inverse = new Int32Array(indices.length);
    let at = 0;
    for (const [, d] of used) for (const pos of order[d]!) inverse[pos] = at++;
    try {
      return lists[0]!.map((_, k) => {
        const joined = cat(lists.map((l) => l[k]!), 0);
        const idx = tensor(inverse, { dtype: 'int32', device: joined.device });
        try {
          return joined.indexSelect(0, idx);
        } finally {
          idx.dispose();
          joined.dispose();
        }
      });
    } finally {
      dispose(lists);
    }
  }
}

/**
 * Splits a dataset into non-overlapping random subsets of the given sizes: item counts that add up
 * to its length, or fractions that add up to 1 (the remainder goes one by one to the first subsets,
 * as in PyTorch).
 *
 * @example
 * const [train, val] = randomSplit(ds, [0.9, 0.1], new Generator(42));
 */
export function randomSplit<T>(dataset: Dataset<T>, lengths: readonly number[], generator: Generator = getDefaultGenerator()): Subset<T>[] {
  const n = dataset.length;
  let sizes = [...lengths];
  const total = sizes.reduce((a, b) => a + b, 0);
  if (sizes.some((s) => s < 0 || !Number.isFinite(s))) throw new RangeError(`randomSplit: lengths must be non-negative, got [${lengths.join(', ')}]`);
  if (Math.abs(total - 1) < 1e-9 && sizes.every((s) => s <= 1) && n !== 1) {
    const counts = sizes.map((f) => Math.floor(n * f));
    let rest = n - counts.reduce((a, b) => a + b, 0);
    for (let i = 0; rest > 0; i = (i + 1) % counts.length, rest--) counts[i]!++;
    sizes = counts;
  }
  if (sizes.some((s) => !Number.isInteger(s)) || sizes.reduce((a, b) => a + b, 0) !== n) {
    throw new RangeError(`randomSplit: the lengths [${lengths.join(', ')}] must be counts adding up to the dataset's ${n} items, or fractions adding up to 1`);
  }
  const perm = permutation(n, generator);
  let at = 0;
  return sizes.map((s) => {
    const part = new Subset(dataset, perm.subarray(at, at + s));
    at += s;
    return part;
  });
}

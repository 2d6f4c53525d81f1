/** Batches from a dataset, shuffled reproducibly, on a chosen device, one batch prepared ahead. */
import { getDefaultGenerator, tidy, toDeviceAsync, type Generator, type Tensor, type TensorContainer } from '@tessera/core';
import { defaultCollate, mapTensors, tensorsIn, type Collated } from './collate.js';
import type { MapDataset } from './dataset.js';
import { permutation } from './permutation.js';

/** A function of a whole batch, or one function per field of an array batch (`null` keeps a field). */
export type BatchTransform<B> = ((batch: B) => B) | readonly (((t: Tensor) => Tensor) | null | undefined)[];

/** Options of `DataLoader`. */
export interface DataLoaderOptions<T, B> {
  /** Items per batch (default 1). */
  batchSize?: number;
  /** Reshuffle the items at every pass (default false). Map-style datasets only. */
  shuffle?: boolean;
  /** Drop the last batch when it is smaller than `batchSize` (default false). */
  dropLast?: boolean;
  /** Turns a list of items into a batch (default `defaultCollate`; `TensorDataset`s batch with `indexSelect`). */
  collate?: (items: T[]) => B;
  /** Source of the shuffling order (default: core's default generator, seeded by `manualSeed`). */
  generator?: Generator;
  /** Device the batches are moved to (default: where the dataset's tensors are). */
  device?: string;
  /** Applied to each batch on its device, e.g. `[compose(scale(), normalize(0.1307, 0.3081)), null]`. */
  transform?: BatchTransform<B>;
  /** Batches prepared ahead of the one being used (default 1; 0 turns prefetching off). */
  prefetch?: number;
}

/**
 * Iterates over a dataset in batches with `for await`. Each pass over a shuffling loader draws a new
 * order from `generator`, so a seeded generator gives the same sequence of epochs every run. The
 * batches belong to the caller: dispose them (or their tensors) when done.
 *
 * @example
 * const loader = new DataLoader(new TensorDataset(xTrain, yTrain), {
 *   batchSize: 64, shuffle: true, generator: new Generator(0), transform: [scale(), null],
 * });
 * for await (const [x, y] of loader) { ...; dispose([x, y]); }
 */
export class DataLoader<T, B = Collated<T>> implements AsyncIterable<B> {
  readonly batchSize: number;
  readonly shuffle: boolean;
  readonly dropLast: boolean;
  readonly prefetch: number;
  private readonly options: DataLoaderOptions<T, B>;

  constructor(
    readonly dataset: MapDataset<T> | AsyncIterable<T>,
    options: DataLoaderOptions<T, B> = {},
  ) {
    this.options = options;
    this.batchSize = options.batchSize ?? 1;
    if (!Number.isInteger(this.batchSize) || this.batchSize < 1) throw new RangeError(`DataLoader: batchSize must be a positive integer, got ${this.batchSize}`);
    this.shuffle = options.shuffle ?? false;
    this.dropLast = options.dropLast ?? false;
    this.prefetch = options.prefetch ?? 1;
    if (!Number.isInteger(this.prefetch) || this.prefetch < 0) throw new RangeError(`DataLoader: prefetch must be a non-negative integer, got ${this.prefetch}`);
    if (!isMapStyle(dataset)) {
      if (typeof (dataset as Partial<AsyncIterable<T>> | null)?.[Symbol.asyncIterator] !== 'function') {
        throw new TypeError('DataLoader: expected a Dataset (length and getItem) or an IterableDataset');
      }
      if (this.shuffle) throw new TypeError('DataLoader: an IterableDataset cannot be shuffled (it has no random access); shuffle its source instead');
    }
  }

  /** Batches per pass (map-style datasets only). */
  get length(): number {
    if (!isMapStyle(this.dataset)) throw new TypeError('DataLoader: an IterableDataset has no length');
    const n = this.dataset.length;
    return this.dropLast ? Math.floor(n / this.batchSize) : Math.ceil(n / this.batchSize);
  }

  /** The item order of one pass: a fresh permutation when shuffling. */
  private order(): Int32Array {
    const ds = this.dataset as MapDataset<T>;
    if (!this.shuffle) return Int32Array.from({ length: ds.length }, (_, i) => i);
    return permutation(ds.length, this.options.generator ?? getDefaultGenerator());
  }

  async *[Symbol.asyncIterator](): AsyncIterator<B> {
    if (!isMapStyle(this.dataset)) {
      yield* this.iterateStream(this.dataset);
      return;
    }
    const ds = this.dataset;
    const order = this.order();
    const count = this.length;
    const queue: Promise<B>[] = [];
    let next = 0;
    const fill = (ahead: number): void => {
      while (queue.length < ahead && next < count) {
        const p = this.makeBatch(ds, order.subarray(next * this.batchSize, Math.min(order.length, (next + 1) * this.batchSize)));
        p.catch(() => undefined); // awaited below; this only keeps an early failure from being "unhandled"
        queue.push(p);
        next++;
      }
    };
    try {
      while (next < count || queue.length > 0) {
        fill(1);
        const batch = await queue.shift()!;
        fill(this.prefetch); // start on the next batch while this one is used
        yield batch;
      }
    } finally {
      // Stopped early (break, error): free the batches prepared ahead.
      for (const p of queue) p.then((b) => disposeAll(b), () => undefined);
    }
  }

  private async makeBatch(ds: MapDataset<T>, indices: Int32Array): Promise<B> {
    let batch: B;
    if (ds.getBatch && !this.options.collate) batch = (await ds.getBatch(indices)) as B;
    else {
      const items = await Promise.all(Array.from(indices, (i) => ds.getItem(i)));
      batch = this.collateItems(items);
    }
    return this.finish(batch);
  }

  private collateItems(items: T[]): B {
    const batch = this.options.collate ? this.options.collate(items) : (defaultCollate(items) as B);
    // The items' own tensors are not part of the batch (they were copied into it): free them.
    const kept = tensorsIn(batch);
    for (const t of tensorsIn(items)) if (!kept.has(t)) t.dispose();
    return batch;
  }

  /** Moves a batch to the loader's device and applies the transform. */
  private async finish(batch: B): Promise<B> {
    const device = this.options.device;
    let out = batch;
    if (device !== undefined) {
      out = await mapTensors(out, async (t) => {
        if (t.device === device) return t;
        const moved = await toDeviceAsync(t, device);
        if (moved !== t) t.dispose();
        return moved;
      });
    }
    const transform = this.options.transform;
    if (transform) {
      const input = out;
      const f = typeof transform === 'function' ? transform : fieldTransform<B>(transform);
      try {
        out = tidy(() => f(input) as unknown as TensorContainer) as unknown as B;
      } catch (e) {
        disposeAll(input);
        throw e;
      }
      const kept = tensorsIn(out);
      for (const t of tensorsIn(input)) if (!kept.has(t)) t.dispose();
    }
    return out;
  }

  private async *iterateStream(ds: AsyncIterable<T>): AsyncGenerator<B> {
    let items: T[] = [];
    for await (const item of ds) {
      items.push(item);
      if (items.length === this.batchSize) {
        const batch = items;
        items = [];
        yield await this.finish(this.collateItems(batch));
      }
    }
    if (items.length > 0 && !this.dropLast) yield await this.finish(this.collateItems(items));
  }
}

/** Map-style datasets are recognised by shape, so plain objects `{ length, getItem }` work too. */
function isMapStyle<T>(ds: MapDataset<T> | AsyncIterable<T>): ds is MapDataset<T> {
  return typeof (ds as Partial<MapDataset<T>>).getItem === 'function' && typeof (ds as Partial<MapDataset<T>>).length === 'number';
}

function fieldTransform<B>(fs: readonly (((t: Tensor) => Tensor) | null | undefined)[]): (batch: B) => B {
  return (batch: B): B => {
    if (!Array.isArray(batch)) throw new TypeError('DataLoader: a list of transforms needs batches that are arrays (e.g. [x, y])');
    return batch.map((field: unknown, k: number) => {
      const f = fs[k];
      return f ? f(field as Tensor) : field;
    }) as B;
  };
}

function disposeAll(x: unknown): void {
  for (const t of tensorsIn(x)) t.dispose();
}

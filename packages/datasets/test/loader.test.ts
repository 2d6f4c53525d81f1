import '@tessera/backend-cpu';
import { arange, Generator, memory, randperm, tensor, type Tensor } from '@tessera/core';
import { describe, expect, it } from 'vitest';
import {
  ConcatDataset,
  DataLoader,
  Dataset,
  defaultCollate,
  IterableDataset,
  permutation,
  randomSplit,
  scale,
  Subset,
  TensorDataset,
} from '../src/index.js';

const rows = (t: Tensor): number[] => Array.from(t.dataSync());

/** x[i] = [i, i + 0.5], y[i] = i. */
function numbered(n: number): TensorDataset {
  const x = tensor(Float32Array.from({ length: 2 * n }, (_, k) => Math.floor(k / 2) + (k % 2) * 0.5), { shape: [n, 2] });
  return new TensorDataset(x, arange(n));
}

async function collect<B>(loader: AsyncIterable<B>): Promise<B[]> {
  const out: B[] = [];
  for await (const b of loader) out.push(b);
  return out;
}

class Squares extends Dataset<[Tensor, number]> {
  constructor(private readonly n: number) {
    super();
  }
  get length(): number {
    return this.n;
  }
  async getItem(i: number): Promise<[Tensor, number]> {
    this.checkIndex(i);
    return [tensor([i, i * i]), i];
  }
}

describe('TensorDataset, Subset, ConcatDataset, randomSplit', () => {
  it('indexes items as views of the rows', () => {
    const ds = numbered(5);
    expect(ds.length).toBe(5);
    const [x, y] = ds.getItem(3);
    expect(x!.shape).toEqual([2]);
    expect(rows(x!)).toEqual([3, 3.5]);
    expect(y!.itemSync()).toBe(3);
    expect(() => ds.getItem(5)).toThrow(/index 5 is out of range for a dataset of 5 items/);
    expect(() => new TensorDataset(tensor([1, 2]), tensor([1, 2, 3]))).toThrow(/tensor 0 has 2 rows, tensor 1 has 3/);
  });

  it('subsets and concatenations map indices, and keep the batch fast path', () => {
    const a = numbered(4);
    const sub = new Subset(a, [3, 1]);
    expect(sub.length).toBe(2);
    expect(rows((sub.getItem(0) as Tensor[])[1]!)).toEqual([3]);
    const [bx] = sub.getBatch!(Int32Array.from([1, 0])) as Tensor[];
    expect(rows(bx!)).toEqual([1, 1.5, 3, 3.5]);
    const b = new TensorDataset(tensor(Float32Array.from([10, 10.5, 11, 11.5]), { shape: [2, 2] }), tensor(Int32Array.from([10, 11])));
    const cat = new ConcatDataset([a, b]);
    expect(cat.length).toBe(6);
    expect(cat.locate(4)).toEqual([1, 0]);
    expect(rows((cat.getItem(5) as Tensor[])[1]!)).toEqual([11]);
    const [, cy] = cat.getBatch!(Int32Array.from([5, 0, 4, 2])) as Tensor[];
    expect(rows(cy!)).toEqual([11, 0, 10, 2]);
  });

  it('randomSplit makes disjoint subsets, reproducibly', () => {
    const ds = numbered(10);
    const [a, b] = randomSplit(ds, [0.7, 0.3], new Generator(1));
    expect([a!.length, b!.length]).toEqual([7, 3]);
    expect([...a!.indices, ...b!.indices].sort((p, q) => p - q)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    const [c] = randomSplit(ds, [7, 3], new Generator(1));
    expect(Array.from(c!.indices)).toEqual(Array.from(a!.indices));
    expect(randomSplit(numbered(10), [0.33, 0.33, 0.34]).map((s) => s.length)).toEqual([4, 3, 3]);
    expect(() => randomSplit(ds, [5, 6])).toThrow(/must be counts adding up to the dataset's 10 items/);
  });

  it('permutation draws what randperm draws from the same generator state', () => {
    const p = permutation(50, new Generator(7));
    expect(Array.from(p)).toEqual(rows(randperm(50, { generator: new Generator(7) })));
  });
});

describe('DataLoader', () => {
  it('batches in order, with a smaller last batch or without it', async () => {
    const ds = numbered(10);
    const loader = new DataLoader(ds, { batchSize: 4 });
    expect(loader.length).toBe(3);
    const batches = await collect(loader);
    expect(batches.map(([x]) => x!.shape)).toEqual([[4, 2], [4, 2], [2, 2]]);
    expect(batches.map(([, y]) => rows(y!))).toEqual([[0, 1, 2, 3], [4, 5, 6, 7], [8, 9]]);
    expect(batches[0]![1]!.dtype).toBe('int32');
    const dropped = new DataLoader(ds, { batchSize: 4, dropLast: true });
    expect(dropped.length).toBe(2);
    expect((await collect(dropped)).map(([, y]) => rows(y!))).toEqual([[0, 1, 2, 3], [4, 5, 6, 7]]);
    expect((await collect(new DataLoader(ds, { batchSize: 5, dropLast: true }))).length).toBe(2);
  });

  it('shuffles reproducibly from a seed, and differently every epoch', async () => {
    const ds = numbered(20);
    const epochs = async (seed: number): Promise<number[][]> => {
      const loader = new DataLoader(ds, { batchSize: 8, shuffle: true, generator: new Generator(seed) });
      const out: number[][] = [];
      for (let e = 0; e < 3; e++) out.push((await collect(loader)).flatMap(([, y]) => rows(y!)));
      return out;
    };
    const a = await epochs(42);
    const b = await epochs(42);
    expect(a).toEqual(b);
    for (const order of a) expect([...order].sort((p, q) => p - q)).toEqual(Array.from({ length: 20 }, (_, i) => i));
    expect(a[0]).not.toEqual(a[1]);
    expect(a[0]).not.toEqual(Array.from({ length: 20 }, (_, i) => i));
    expect(await epochs(43)).not.toEqual(a);
    // The order is the generator's permutation, and x rows stay paired with their labels.
    expect(a[0]).toEqual(Array.from(permutation(20, new Generator(42))));
    const [[x, y]] = await collect(new DataLoader(ds, { batchSize: 20, shuffle: true, generator: new Generator(5) }));
    const xs = rows(x!);
    rows(y!).forEach((label, i) => expect([xs[2 * i], xs[2 * i + 1]]).toEqual([label, label + 0.5]));
  });

  it('collates items of map-style datasets (async getItem, numbers) and frees the items', async () => {
    const loader = new DataLoader(new Squares(5), { batchSize: 2 });
    const before = memory().numTensors;
    const batches = await collect(loader);
    expect(batches.map(([x]) => x.shape)).toEqual([[2, 2], [2, 2], [1, 2]]);
    expect(rows(batches[1]![0])).toEqual([2, 4, 3, 9]);
    expect(batches[1]![1].dtype).toBe('int32');
    expect(rows(batches[1]![1])).toEqual([2, 3]);
    // Only the batches' own tensors are alive: 3 batches x 2 tensors.
    expect(memory().numTensors - before).toBe(6);
  });

  it('accepts plain objects with length and getItem', async () => {
    const plain = { length: 3, getItem: (i: number) => tensor([i]) };
    expect((await collect(new DataLoader(plain, { batchSize: 3 }))).map((b) => rows(b))).toEqual([[0, 1, 2]]);
    expect(() => new DataLoader({} as never)).toThrow(/expected a Dataset/);
  });

  it('uses a custom collate', async () => {
    const loader = new DataLoader(new Squares(4), { batchSize: 4, collate: (items) => items.map(([, i]) => i * 10) });
    expect(await collect(loader)).toEqual([[0, 10, 20, 30]]);
  });

  it('batches an IterableDataset and refuses to shuffle it', async () => {
    const stream = IterableDataset.from(async function* () {
      for (let i = 0; i < 5; i++) yield { x: tensor([i]), label: i % 2 === 0 };
    });
    const batches = await collect(new DataLoader(stream, { batchSize: 2 }));
    expect(batches.map((b) => b.x.shape)).toEqual([[2, 1], [2, 1], [1, 1]]);
    expect(batches[0]!.label.dtype).toBe('bool');
    expect((await collect(new DataLoader(stream, { batchSize: 2, dropLast: true }))).length).toBe(2);
    expect(() => new DataLoader(stream, { shuffle: true })).toThrow(/cannot be shuffled/);
  });

  it('moves batches to the device and applies per-field transforms', async () => {
    const ds = new TensorDataset(tensor(Uint8Array.from([0, 51, 255, 102]), { shape: [4, 1] }), arange(4));
    const loader = new DataLoader(ds, { batchSize: 2, device: 'cpu', transform: [scale(), null] });
    const [[x, y]] = await collect(loader);
    expect(x!.dtype).toBe('float32');
    expect(rows(x!).map((v) => Math.round(v * 100) / 100)).toEqual([0, 0.2]);
    expect(rows(y!)).toEqual([0, 1]);
  });

  it('prefetches the next batch while one is used, and frees it on early exit', async () => {
    let made = 0;
    class Counting extends Dataset<Tensor> {
      get length(): number {
        return 10;
      }
      getItem(i: number): Tensor {
        made++;
        return tensor([i]);
      }
    }
    const loader = new DataLoader(new Counting(), { batchSize: 2 });
    const before = memory().numTensors;
    for await (const b of loader) {
      // The first batch is handed out with the second already being prepared.
      await new Promise((r) => setTimeout(r, 0));
      expect(made).toBe(4);
      b.dispose();
      break;
    }
    await new Promise((r) => setTimeout(r, 0));
    expect(memory().numTensors).toBe(before);
    made = 0;
    for await (const b of new DataLoader(new Counting(), { batchSize: 2, prefetch: 0 })) {
      await new Promise((r) => setTimeout(r, 0));
      expect(made).toBe(2);
      b.dispose();
      break;
    }
  });

  it('propagates errors from getItem', async () => {
    class Broken extends Dataset<Tensor> {
      get length(): number {
        return 4;
      }
      getItem(i: number): Tensor {
        if (i === 3) throw new Error('item 3 is unreadable');
        return tensor([i]);
      }
    }
    await expect(collect(new DataLoader(new Broken(), { batchSize: 2 }))).rejects.toThrow('item 3 is unreadable');
  });

  it('defaultCollate stacks tensors and collates nested fields', () => {
    const b = defaultCollate([
      { img: tensor([1, 2]), meta: [1.5, 'a'] },
      { img: tensor([3, 4]), meta: [2, 'b'] },
    ]);
    expect(b.img.shape).toEqual([2, 2]);
    const m0 = b.meta[0] as Tensor;
    expect(m0.dtype).toBe('float32');
    expect(rows(m0)).toEqual([1.5, 2]);
    expect(b.meta[1]).toEqual(['a', 'b']);
  });
});

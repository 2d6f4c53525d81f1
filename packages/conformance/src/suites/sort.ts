/** Sorting: sort/argsort/topk, stable, descending, NaN ordering, dims, dtypes. */
import { expect } from 'vitest';
import { Generator, argsort, rand, sort, tensor, topk, zeros } from '@tessera/core';
import { cases, expectTensor, values } from '../helpers.js';
import type { SuiteContext } from '../run.js';

const NaN_ = Number.NaN;
const INF = Number.POSITIVE_INFINITY;

/** Stable reference argsort with NaN as the largest value. */
function refArgsort(v: number[], descending = false): number[] {
  const key = (x: number): number => (Number.isNaN(x) ? INF : x);
  const rank = (x: number): number => (Number.isNaN(x) ? 1 : 0);
  return v
    .map((_, i) => i)
    .sort((i, j) => {
      const a = v[i]!;
      const b = v[j]!;
      const c = key(a) - key(b) || rank(a) - rank(b); // inf - inf is NaN: falls through to the NaN rank
      return (descending ? -c : c) || i - j;
    });
}

export function sortSuite(ctx: SuiteContext): void {
  const it = cases(ctx, 'sort');

  it('sort ascending and descending, with indices', async () => {
    const x = tensor([3, 1, 2, 5, 4]);
    const a = sort(x);
    await expectTensor(a.values, [1, 2, 3, 4, 5], { shape: [5], dtype: 'float32' });
    await expectTensor(a.indices, [1, 2, 0, 4, 3], { shape: [5], dtype: 'int32' });
    const d = x.sort(-1, true);
    await expectTensor(d.values, [5, 4, 3, 2, 1]);
    await expectTensor(d.indices, [3, 4, 0, 2, 1]);
    await expectTensor(argsort(x), [1, 2, 0, 4, 3], { dtype: 'int32' });
    await expectTensor(x.argsort(0, true), [3, 4, 0, 2, 1]);
  });

  it('sort is stable: ties keep their order, ascending and descending', async () => {
    const x = tensor([2, 1, 2, 1, 2, 0]);
    await expectTensor(x.sort().indices, [5, 1, 3, 0, 2, 4]);
    await expectTensor(x.sort(0, true).indices, [0, 2, 4, 1, 3, 5]);
    await expectTensor(tensor([0, -0, 0]).sort().indices, [0, 1, 2]);
  });

  it('NaN sorts last ascending and first descending (as PyTorch)', async () => {
    const x = tensor([3, NaN_, 1, 2, NaN_, 1]);
    const a = x.sort();
    await expectTensor(a.values, [1, 1, 2, 3, NaN_, NaN_]);
    await expectTensor(a.indices, [2, 5, 3, 0, 1, 4]);
    const d = x.sort(0, true);
    await expectTensor(d.values, [NaN_, NaN_, 3, 2, 1, 1]);
    await expectTensor(d.indices, [1, 4, 0, 3, 2, 5]);
    await expectTensor(tensor([INF, NaN_, -INF]).sort().values, [-INF, INF, NaN_]);
  });

  it('sort along any dim of a matrix, including non-contiguous input', async () => {
    const x = tensor([
      [3, 1, 2],
      [1, 3, 2],
    ]);
    const r = x.sort(1);
    await expectTensor(r.values, [[1, 2, 3], [1, 2, 3]], { shape: [2, 3] });
    await expectTensor(r.indices, [[1, 2, 0], [0, 2, 1]]);
    const c = x.sort(0, true);
    await expectTensor(c.values, [[3, 3, 2], [1, 1, 2]]);
    await expectTensor(c.indices, [[0, 1, 0], [1, 0, 1]]);
    const t = x.t().sort(-1); // rows of x.t(): [3,1], [1,3], [2,2]
    await expectTensor(t.values, [[1, 3], [1, 3], [2, 2]]);
    await expectTensor(t.indices, [[1, 0], [0, 1], [0, 1]]);
    await expectTensor(x.argsort(-2), [[1, 0, 0], [0, 1, 1]]);
  });

  it('sort int32 and bool, 0-d and empty', async () => {
    const i = tensor([5, -2, 7, -2], { dtype: 'int32' });
    await expectTensor(i.sort().values, [-2, -2, 5, 7], { dtype: 'int32' });
    await expectTensor(i.sort().indices, [1, 3, 0, 2]);
    await expectTensor(i.sort(0, true).values, [7, 5, -2, -2]);
    await expectTensor(tensor(3).sort().values, 3, { shape: [] });
    await expectTensor(tensor(3).sort().indices, 0, { shape: [], dtype: 'int32' });
    await expectTensor(zeros([0]).sort().values, [], { shape: [0] });
    await expectTensor(zeros([2, 0]).argsort(1), [], { shape: [2, 0] });
    expect(() => tensor([1, 2]).sort(1)).toThrow(/sort: dimension out of range/);
  });

  it('long rows match a reference sort', async () => {
    const x = rand([3, 200], { generator: new Generator(31) }).mul(20).floor(); // many ties
    const v = await values(x);
    const r = x.sort(1);
    const idx = await values(r.indices);
    const vals = await values(r.values);
    for (let row = 0; row < 3; row++) {
      const want = refArgsort(v.slice(row * 200, row * 200 + 200));
      expect(idx.slice(row * 200, row * 200 + 200)).toEqual(want);
      expect(vals.slice(row * 200, row * 200 + 200)).toEqual(want.map((i) => v[row * 200 + i]!));
    }
    const dIdx = await values(x.argsort(1, true));
    expect(dIdx.slice(0, 200)).toEqual(refArgsort(v.slice(0, 200), true));
  });

  it('topk: largest and smallest, any dim, ties by first occurrence', async () => {
    const x = tensor([1, 3, 2, 3, 0]);
    const t = topk(x, 2);
    await expectTensor(t.values, [3, 3], { shape: [2] });
    await expectTensor(t.indices, [1, 3], { dtype: 'int32' });
    const s = x.topk(3, -1, false);
    await expectTensor(s.values, [0, 1, 2]);
    await expectTensor(s.indices, [4, 0, 2]);
    const m = tensor([
      [1, 5, 3],
      [4, 2, 6],
    ]);
    const r = m.topk(1, 1);
    await expectTensor(r.values, [[5], [6]], { shape: [2, 1] });
    await expectTensor(r.indices, [[1], [2]]);
    const c = m.topk(1, 0);
    await expectTensor(c.values, [[4, 5, 6]], { shape: [1, 3] });
    await expectTensor(c.indices, [[1, 0, 1]]);
    await expectTensor(m.topk(0, 1).values, [], { shape: [2, 0] });
    await expectTensor(m.topk(3).values, [[5, 3, 1], [6, 4, 2]]);
    await expectTensor(tensor([1, NaN_, 2]).topk(1).values, [NaN_]);
    await expectTensor(tensor([4, 1, 3], { dtype: 'int32' }).topk(2).values, [4, 3], { dtype: 'int32' });
    await expectTensor(m.t().topk(1, 0).indices, [[1, 2]]);
  });

  it('topk errors', () => {
    const x = tensor([1, 2, 3]);
    expect(() => x.topk(4)).toThrow('topk: k (4) is out of range for dimension 0 of size 3');
    expect(() => x.topk(-1)).toThrow(/topk: k \(-1\) is out of range/);
    expect(() => x.topk(1, 1)).toThrow(/topk: dimension out of range/);
  });
}

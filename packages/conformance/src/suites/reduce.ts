/** Reductions, scans and softmax: dims (one, many, negative, all), keepdim, empty, int/bool, NaN. */
import { expect } from 'vitest';
import {
  all,
  any,
  arange,
  argmax,
  argmin,
  cumsum,
  full,
  logSoftmax,
  logsumexp,
  max,
  mean,
  min,
  prod,
  softmax,
  std,
  sum,
  tensor,
  variance,
  zeros,
} from '@tessera/core';
import { cases, expectTensor } from '../helpers.js';
import type { SuiteContext } from '../run.js';

const NaN_ = Number.NaN;
const INF = Number.POSITIVE_INFINITY;

const lse = (v: number[]): number => {
  const m = Math.max(...v);
  return m + Math.log(v.reduce((a, b) => a + Math.exp(b - m), 0));
};
const softmaxRef = (v: number[]): number[] => v.map((x) => Math.exp(x - lse(v)));

/** [[1, 2, 3], [4, 5, 6]] */
const M = [
  [1, 2, 3],
  [4, 5, 6],
];

export function reduceSuite(ctx: SuiteContext): void {
  const it = cases(ctx, 'reduce');

  it('sum over all, one, many and negative dims, with keepdim', async () => {
    const x = tensor(M);
    await expectTensor(x.sum(), 21, { shape: [], dtype: 'float32' });
    await expectTensor(sum(x), 21, { shape: [] });
    await expectTensor(x.sum(0), [5, 7, 9], { shape: [3] });
    await expectTensor(x.sum(1), [6, 15], { shape: [2] });
    await expectTensor(x.sum(-1, true), [[6], [15]], { shape: [2, 1] });
    await expectTensor(x.sum(-2, true), [[5, 7, 9]], { shape: [1, 3] });
    await expectTensor(x.sum([0, 1]), 21, { shape: [] });
    await expectTensor(x.sum([1, 0], true), [[21]], { shape: [1, 1] });
    await expectTensor(x.sum(null, true), [[21]], { shape: [1, 1] });
  });

  it('reductions over several dims of a 3-D tensor', async () => {
    const x = arange(24, { dtype: 'float32' }).reshape(2, 3, 4);
    await expectTensor(x.sum([0, 2]), [60, 92, 124], { shape: [3] });
    await expectTensor(x.sum([-1, 0], true), [[[60], [92], [124]]], { shape: [1, 3, 1] });
    await expectTensor(x.mean([0, 2]), [7.5, 11.5, 15.5]);
    await expectTensor(x.max([0, 2]), [15, 19, 23]);
    await expectTensor(x.min([1, 2]), [0, 12]);
    await expectTensor(x.max(0), [[12, 13, 14, 15], [16, 17, 18, 19], [20, 21, 22, 23]]);
    await expectTensor(x.var([0, 2]), [42.571428571, 42.571428571, 42.571428571]);
    await expectTensor(x.var([0, 2], { unbiased: false }), [37.25, 37.25, 37.25]);
    await expectTensor(x.std([0, 2]), [6.524678, 6.524678, 6.524678]);
    expect(x.std(1, { keepdim: true }).shape).toEqual([2, 1, 4]);
    const rows = [0, 1, 2].map((j) => [0, 1].flatMap((i) => [0, 1, 2, 3].map((k) => 12 * i + 4 * j + k)));
    await expectTensor(x.logsumexp([0, 2]), rows.map(lse));
    await expectTensor(x.prod([0, 2]), [0, 4 * 5 * 6 * 7 * 16 * 17 * 18 * 19, 8 * 9 * 10 * 11 * 20 * 21 * 22 * 23]);
  });

  it('mean, max, min, prod', async () => {
    const x = tensor(M);
    await expectTensor(mean(x), 3.5, { shape: [] });
    await expectTensor(x.mean(0), [2.5, 3.5, 4.5]);
    await expectTensor(x.mean(-1, true), [[2], [5]], { shape: [2, 1] });
    await expectTensor(max(x), 6, { shape: [] });
    await expectTensor(x.max(1), [3, 6]);
    await expectTensor(x.max(0, true), [[4, 5, 6]], { shape: [1, 3] });
    await expectTensor(min(x), 1);
    await expectTensor(x.min(0), [1, 2, 3]);
    await expectTensor(tensor([-1, -5, 2]).min(), -5);
    await expectTensor(prod(x), 720);
    await expectTensor(x.prod(1), [6, 120]);
    await expectTensor(x.prod(0, true), [[4, 10, 18]], { shape: [1, 3] });
  });

  it('argmax and argmin: flattened, along a dim, keepdim, first occurrence wins', async () => {
    const x = tensor([
      [1, 9, 9],
      [7, 0, 7],
    ]);
    await expectTensor(argmax(x), 1, { shape: [], dtype: 'int32' });
    await expectTensor(argmin(x), 4, { shape: [], dtype: 'int32' });
    await expectTensor(x.argmax(1), [1, 0], { dtype: 'int32' });
    await expectTensor(x.argmin(1), [0, 1]);
    await expectTensor(x.argmax(0), [1, 0, 0]);
    await expectTensor(x.argmax(-1, true), [[1], [0]], { shape: [2, 1] });
    await expectTensor(x.argmax(null, true), [[1]], { shape: [1, 1] });
    await expectTensor(tensor([3, 3, 3]).argmin(), 0);
    await expectTensor(tensor([-INF, -INF]).argmax(), 0);
    await expectTensor(tensor([5, 2, 8], { dtype: 'int32' }).argmax(), 2);
    await expectTensor(tensor([true, false, true]).argmin(), 1);
  });

  it('var and std: Bessel correction by default, correction and unbiased options', async () => {
    const x = tensor([1, 2, 3, 4]);
    await expectTensor(x.var(), 5 / 3, { shape: [] });
    await expectTensor(variance(x), 5 / 3);
    await expectTensor(x.var(null, { unbiased: false }), 1.25);
    await expectTensor(x.var(0, { correction: 0 }), 1.25);
    await expectTensor(x.var(0, { correction: 2 }), 2.5);
    await expectTensor(x.std(), Math.sqrt(5 / 3));
    await expectTensor(std(x, 0, { unbiased: false }), Math.sqrt(1.25));
    await expectTensor(tensor(M).var(1, { keepdim: true }), [[1], [1]], { shape: [2, 1] });
    await expectTensor(tensor(M).std(0), [2.1213203, 2.1213203, 2.1213203]);
    await expectTensor(tensor([7]).var(), NaN_); // one sample, correction 1: 0/0
    await expectTensor(tensor([5, 5, 5]).std(), 0);
    // Large offsets must not cancel catastrophically.
    await expectTensor(tensor([1e4 + 1, 1e4 + 2, 1e4 + 3]).var(), 1, { rtol: 1e-3 });
  });

  it('logsumexp is stable for large and infinite inputs', async () => {
    const x = tensor(M);
    await expectTensor(logsumexp(x, 1), M.map(lse), { shape: [2] });
    await expectTensor(x.logsumexp(-1, true), M.map((r) => [lse(r)]), { shape: [2, 1] });
    await expectTensor(x.logsumexp([0, 1]), lse(M.flat()), { shape: [] });
    await expectTensor(tensor([1000, 1000]).logsumexp(0), 1000 + Math.LN2);
    await expectTensor(tensor([-1000, -1000]).logsumexp(0), -1000 + Math.LN2);
    await expectTensor(tensor([INF, 1]).logsumexp(0), INF);
    await expectTensor(tensor([-INF, -INF]).logsumexp(0), -INF);
    await expectTensor(tensor([-INF, 0]).logsumexp(0), 0);
    await expectTensor(tensor([NaN_, 1]).logsumexp(0), NaN_);
    await expectTensor(tensor([1, 2], { dtype: 'int32' }).logsumexp(0), lse([1, 2]), { dtype: 'float32' });
  });

  it('all and any, with dims and over numbers', async () => {
    const b = tensor([
      [true, false, true],
      [true, true, true],
    ]);
    await expectTensor(all(b), false, { shape: [], dtype: 'bool' });
    await expectTensor(any(b), true, { shape: [], dtype: 'bool' });
    await expectTensor(b.all(1), [false, true], { dtype: 'bool' });
    await expectTensor(b.all(0, true), [[true, false, true]], { shape: [1, 3] });
    await expectTensor(b.logicalNot().any(-1), [true, false]);
    await expectTensor(tensor([1, 2, NaN_]).all(), true);
    await expectTensor(tensor([0, -0, 0.5]).all(), false);
    await expectTensor(tensor([0, 0], { dtype: 'int32' }).any(), false);
    await expectTensor(tensor([0, 3], { dtype: 'int32' }).any(), true);
  });

  it('cumsum along any dim, int and bool inputs', async () => {
    const x = tensor(M);
    await expectTensor(cumsum(x, 1), [[1, 3, 6], [4, 9, 15]], { shape: [2, 3], dtype: 'float32' });
    await expectTensor(x.cumsum(-1), [[1, 3, 6], [4, 9, 15]]);
    await expectTensor(x.cumsum(0), [[1, 2, 3], [5, 7, 9]]);
    await expectTensor(x.transpose(0, 1).cumsum(1), [[1, 5], [2, 7], [3, 9]]);
    await expectTensor(arange(24).reshape(2, 3, 4).cumsum(1).select(0, 1), [[12, 13, 14, 15], [28, 30, 32, 34], [48, 51, 54, 57]], { dtype: 'int32' });
    await expectTensor(tensor([3, -1, 2], { dtype: 'int32' }).cumsum(0), [3, 2, 4], { dtype: 'int32' });
    await expectTensor(tensor([true, false, true, true]).cumsum(0), [1, 1, 2, 3], { dtype: 'int32' });
    await expectTensor(tensor(5).cumsum(0), 5, { shape: [] });
    await expectTensor(zeros([0]).cumsum(0), [], { shape: [0] });
    await expectTensor(zeros([2, 0]).cumsum(1), [], { shape: [2, 0] });
  });

  it('cumsum propagates NaN and infinity only forward', async () => {
    await expectTensor(tensor([1, NaN_, 2]).cumsum(0), [1, NaN_, NaN_]);
    await expectTensor(tensor([1, INF, 2]).cumsum(0), [1, INF, INF]);
    await expectTensor(tensor([1, 2, -INF]).cumsum(0), [1, 3, -INF]);
    await expectTensor(tensor([[1, 2], [NaN_, 4]]).cumsum(1), [[1, 3], [NaN_, NaN_]]);
  });

  it('cumsum of a long row is accurate', async () => {
    const n = 1000;
    const v = await tensor(Array.from({ length: n }, () => 1)).cumsum(0).data();
    expect(Array.from(v)).toEqual(Array.from({ length: n }, (_, i) => i + 1));
  });

  it('softmax and logSoftmax along any dim', async () => {
    const x = tensor(M);
    await expectTensor(softmax(x, 1), M.map(softmaxRef), { shape: [2, 3] });
    await expectTensor(x.softmax(-1), M.map(softmaxRef));
    await expectTensor(x.softmax(0), [[1, 2, 3].map((_, j) => softmaxRef([M[0]![j]!, M[1]![j]!])[0]!), [1, 2, 3].map((_, j) => softmaxRef([M[0]![j]!, M[1]![j]!])[1]!)]);
    await expectTensor(logSoftmax(x, 1), M.map((r) => r.map((v) => v - lse(r))));
    await expectTensor(x.logSoftmax(-2), [0, 1].map((i) => [0, 1, 2].map((j) => M[i]![j]! - lse([M[0]![j]!, M[1]![j]!]))));
    await expectTensor(x.transpose(0, 1).softmax(0), [0, 1, 2].map((j) => [0, 1].map((i) => softmaxRef(M[i]!)[j]!)));
    await expectTensor(x.softmax(1).sum(1), [1, 1]);
  });

  it('softmax and logSoftmax are stable for large, -inf and NaN inputs', async () => {
    await expectTensor(tensor([1000, 1000, 1000]).softmax(0), [1 / 3, 1 / 3, 1 / 3]);
    await expectTensor(tensor([-1000, 0]).softmax(0), [0, 1]);
    await expectTensor(tensor([1000, 0]).logSoftmax(0), [0, -1000]);
    await expectTensor(tensor([-INF, 1]).softmax(0), [0, 1]);
    await expectTensor(tensor([-INF, 1]).logSoftmax(0), [-INF, 0]);
    await expectTensor(tensor([NaN_, 1]).softmax(0), [NaN_, NaN_]);
    await expectTensor(tensor([1, 2], { dtype: 'int32' }).softmax(0), softmaxRef([1, 2]), { dtype: 'float32' });
    await expectTensor(tensor(3).softmax(0), 1, { shape: [] });
    await expectTensor(tensor(3).logSoftmax(-1), 0, { shape: [] });
    await expectTensor(zeros([0, 3]).softmax(1), [], { shape: [0, 3] });
  });

  it('empty reductions give the identity (or NaN for mean)', async () => {
    await expectTensor(zeros([0]).sum(), 0, { shape: [] });
    await expectTensor(zeros([0, 3]).sum(0), [0, 0, 0], { shape: [3] });
    await expectTensor(zeros([0, 3]).sum(1), [], { shape: [0] });
    await expectTensor(zeros([0, 3]).prod(0), [1, 1, 1]);
    await expectTensor(zeros([0, 3]).mean(0), [NaN_, NaN_, NaN_]);
    await expectTensor(zeros([0, 3]).max(1), [], { shape: [0] });
    await expectTensor(zeros([0], { dtype: 'bool' }).all(), true);
    await expectTensor(zeros([0], { dtype: 'bool' }).any(), false);
    await expectTensor(zeros([0]).logsumexp(0), -INF, { shape: [] });
    await expectTensor(zeros([2, 0]).logsumexp(1), [-INF, -INF], { shape: [2] });
  });

  it('max, min and argmax of an empty dim throw (no identity)', () => {
    expect(() => zeros([0]).max()).toThrow(/max: cannot reduce over a zero-size dimension/);
    expect(() => zeros([0, 3]).min(0)).toThrow(/min: cannot reduce over a zero-size dimension/);
    expect(() => zeros([0]).argmax()).toThrow(/argmax/);
    expect(() => zeros([0, 3]).argmin(0)).toThrow(/argmin: cannot reduce over a zero-size dimension/);
  });

  it('int32, uint8 and bool dtypes', async () => {
    const i = tensor(M, { dtype: 'int32' });
    await expectTensor(i.sum(), 21, { dtype: 'int32' });
    await expectTensor(i.sum(0), [5, 7, 9], { dtype: 'int32' });
    await expectTensor(i.prod(1), [6, 120], { dtype: 'int32' });
    await expectTensor(i.max(1), [3, 6], { dtype: 'int32' });
    await expectTensor(i.min(), 1, { dtype: 'int32' });
    await expectTensor(i.mean(1), [2, 5], { dtype: 'float32' });
    await expectTensor(i.var(1), [1, 1], { dtype: 'float32' });
    await expectTensor(tensor([200, 100], { dtype: 'uint8' }).sum(), 300, { dtype: 'int32' }); // no uint8 overflow
    await expectTensor(tensor([200, 100], { dtype: 'uint8' }).max(), 200, { dtype: 'uint8' });
    const b = tensor([true, false, true]);
    await expectTensor(b.sum(), 2, { dtype: 'int32' });
    await expectTensor(b.prod(), 0, { dtype: 'int32' });
    await expectTensor(b.max(), true, { dtype: 'bool' });
    await expectTensor(b.min(), false, { dtype: 'bool' });
    await expectTensor(b.mean(), 2 / 3, { dtype: 'float32' });
  });

  it('NaN propagates through sum, mean, max, min; argmax/argmin point at the NaN', async () => {
    const x = tensor([
      [1, NaN_, 3],
      [4, 5, 6],
    ]);
    await expectTensor(x.sum(1), [NaN_, 15]);
    await expectTensor(x.mean(1), [NaN_, 5]);
    await expectTensor(x.max(1), [NaN_, 6]);
    await expectTensor(x.min(1), [NaN_, 4]);
    await expectTensor(x.max(), NaN_);
    await expectTensor(x.prod(0), [4, NaN_, 18]);
    await expectTensor(x.argmax(1), [1, 2]);
    await expectTensor(x.argmin(1), [1, 0]);
    await expectTensor(tensor([1, NaN_, 3, NaN_]).argmax(), 1);
    await expectTensor(tensor([1, NaN_, 0]).argmin(), 1);
    await expectTensor(tensor([INF, -INF]).sum(), NaN_);
  });

  it('0-d inputs reduce to themselves', async () => {
    const s = tensor(5);
    await expectTensor(s.sum(), 5, { shape: [] });
    await expectTensor(s.sum(0), 5, { shape: [] });
    await expectTensor(s.sum(-1, true), 5, { shape: [] });
    await expectTensor(s.mean(), 5, { shape: [] });
    await expectTensor(s.max(), 5, { shape: [] });
    await expectTensor(s.argmax(), 0, { shape: [], dtype: 'int32' });
    await expectTensor(s.argmax(0), 0, { shape: [] });
    await expectTensor(s.logsumexp(0), 5, { shape: [] });
  });

  it('non-contiguous inputs: transposed, strided and expanded', async () => {
    const x = tensor(M).transpose(0, 1); // [[1,4],[2,5],[3,6]]
    await expectTensor(x.sum(0), [6, 15]);
    await expectTensor(x.sum(1), [5, 7, 9]);
    await expectTensor(x.max(1), [4, 5, 6]);
    await expectTensor(x.argmax(0), [2, 2]);
    await expectTensor(x.mean(), 3.5);
    const s = arange(12, { dtype: 'float32' }).reshape(3, 4).slice(1, 1, 4, 2); // [[1,3],[5,7],[9,11]]
    await expectTensor(s.sum(0), [15, 21]);
    await expectTensor(s.prod(1), [3, 35, 99]);
    await expectTensor(s.min(0, true), [[1, 3]], { shape: [1, 2] });
    const e = tensor([[1], [2]]).expand(2, 5);
    await expectTensor(e.sum(1), [5, 10]);
    await expectTensor(e.sum(0), [3, 3, 3, 3, 3]);
    await expectTensor(e.softmax(1), [[0.2, 0.2, 0.2, 0.2, 0.2], [0.2, 0.2, 0.2, 0.2, 0.2]]);
  });

  it('sums many elements accurately', async () => {
    await expectTensor(full([100000], 0.1).sum(), 100000 * Math.fround(0.1), { rtol: 1e-5 });
    await expectTensor(full([1000, 100], 0.1).mean(), Math.fround(0.1), { rtol: 1e-5 });
    await expectTensor(full([300, 300], 1).sum(), 90000, { atol: 0 });
  });

  it('bad dims throw naming the op', () => {
    const x = tensor(M);
    expect(() => x.sum(2)).toThrow('sum: dimension out of range (expected to be in range of [-2, 1], but got 2)');
    expect(() => x.max(-3)).toThrow(/max: dimension out of range/);
    expect(() => x.sum([0, -2])).toThrow(/sum: dim 0 appears multiple times in the list of dims/);
    expect(() => x.argmax(2)).toThrow(/argmax: dimension out of range/);
    expect(() => x.cumsum(5)).toThrow(/cumsum: dimension out of range/);
    expect(() => x.softmax(2)).toThrow(/softmax: dimension out of range/);
    expect(() => x.mean(1.5)).toThrow(/mean: dimension out of range/);
  });
}

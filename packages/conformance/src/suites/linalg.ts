/** Matrix products: matmul's 1-D/2-D/batched/broadcast rules, mm, bmm, dtypes, strided inputs, errors. */
import { expect } from 'vitest';
import { Generator, bmm, matmul, mm, rand, tensor, zeros, type Tensor } from '@tessera/core';
import { cases, expectTensor, values } from '../helpers.js';
import type { SuiteContext } from '../run.js';

const INF = Number.POSITIVE_INFINITY;

/** Reference [M,K] x [K,N] product in float64 of row-major arrays. */
function refMatmul(a: number[], b: number[], m: number, k: number, n: number): number[] {
  const out = new Array<number>(m * n).fill(0);
  for (let i = 0; i < m; i++) for (let j = 0; j < n; j++) {
    let s = 0;
    for (let p = 0; p < k; p++) s += a[i * k + p]! * b[p * n + j]!;
    out[i * n + j] = s;
  }
  return out;
}

/** Uniform values in [-1, 1) of `shape`. */
function randm(shape: number[], seed: number, dtype: 'float32' | 'float64' = 'float32'): Tensor {
  return rand(shape, { generator: new Generator(seed), dtype }).mul(2).sub(1);
}

const A = [
  [1, 2, 3],
  [4, 5, 6],
];
const B = [
  [7, 8],
  [9, 10],
  [11, 12],
];
const AB = [
  [58, 64],
  [139, 154],
];

export function linalgSuite(ctx: SuiteContext): void {
  const it = cases(ctx, 'linalg');

  it('2-D by 2-D', async () => {
    await expectTensor(matmul(tensor(A), tensor(B)), AB, { shape: [2, 2], dtype: 'float32' });
    await expectTensor(tensor(A).matmul(tensor(B)), AB);
    await expectTensor(tensor(A).mm(tensor(B)), AB);
    await expectTensor(mm(tensor(B), tensor(A)), [[39, 54, 69], [49, 68, 87], [59, 82, 105]], { shape: [3, 3] });
  });

  it('1-D operands are promoted and the added dim removed', async () => {
    await expectTensor(matmul(tensor([1, 2, 3]), tensor([4, 5, 6])), 32, { shape: [] });
    await expectTensor(matmul(tensor([1, 2]), tensor(A)), [9, 12, 15], { shape: [3] });
    await expectTensor(matmul(tensor(A), tensor([1, 0, -1])), [-2, -2], { shape: [2] });
    await expectTensor(matmul(tensor([1, 2, 3]), tensor(B)), [58, 64], { shape: [2] });
  });

  it('batched and broadcast batch dims', async () => {
    const a = tensor([A, A.map((r) => r.map((v) => -v))]); // [2, 2, 3]
    const b = tensor(B); // [3, 2]
    await expectTensor(matmul(a, b), [AB, AB.map((r) => r.map((v) => -v))], { shape: [2, 2, 2] });
    await expectTensor(bmm(a, tensor([B, B])), [AB, AB.map((r) => r.map((v) => -v))], { shape: [2, 2, 2] });
    // [2, 1, 2, 3] x [3, 3, 2] -> [2, 3, 2, 2]
    const a4 = a.unsqueeze(1);
    const b3 = tensor([B, B.map((r) => r.map((v) => 2 * v)), B.map(() => [0, 0])]);
    const out = matmul(a4, b3);
    expect([...out.shape]).toEqual([2, 3, 2, 2]);
    const neg = AB.map((r) => r.map((v) => -v));
    await expectTensor(out, [
      [AB, AB.map((r) => r.map((v) => 2 * v)), [[0, 0], [0, 0]]],
      [neg, neg.map((r) => r.map((v) => 2 * v)), [[0, 0], [0, 0]]],
    ]);
    // 1-D against batched operands.
    await expectTensor(matmul(tensor([1, 1]), a), [[5, 7, 9], [-5, -7, -9]], { shape: [2, 3] });
    await expectTensor(matmul(a, tensor([1, 1, 1])), [[6, 15], [-6, -15]], { shape: [2, 2] });
  });

  it('random shapes that cross kernel block edges match a float64 reference', async () => {
    for (const [m, k, n, seed] of [
      [1, 1, 1, 1],
      [3, 5, 7, 2],
      [17, 33, 9, 3],
      [64, 64, 64, 4],
      [65, 31, 130, 5],
      [1, 300, 1, 6],
    ] as const) {
      const a = randm([m, k], seed);
      const b = randm([k, n], seed + 100);
      const want = refMatmul(await values(a), await values(b), m, k, n);
      const got = await values(matmul(a, b));
      expect(got.length).toBe(m * n);
      for (let i = 0; i < got.length; i++) {
        expect(Math.abs(got[i]! - want[i]!), `[${m}x${k}x${n}] element ${i}`).toBeLessThan(1e-5 * (1 + Math.sqrt(k)));
      }
    }
  });

  it('transposed, sliced and expanded operands', async () => {
    const a = randm([6, 5], 11);
    const b = randm([7, 6], 12);
    const av = await values(a);
    const bv = await values(b);
    const tr = (v: number[], r: number, c: number): number[] => Array.from({ length: r * c }, (_, i) => v[(i % r) * c + Math.floor(i / r)]!);
    // a^T [5,6] x b^T [6,7]
    await expectTensor(matmul(a.t(), b.t()), refMatmul(tr(av, 6, 5), tr(bv, 7, 6), 5, 6, 7), { shape: [5, 7] });
    // a [6,5] (sliced to [6,4] with an offset) x c [4, 3]
    const s = a.slice(1, 1);
    const c = randm([4, 3], 13);
    const sv = av.filter((_, i) => i % 5 !== 0);
    await expectTensor(matmul(s, c), refMatmul(sv, await values(c), 6, 4, 3), { shape: [6, 3] });
    // a column stride of 2
    const st = a.slice(0, 0, null, 2); // rows 0, 2, 4
    await expectTensor(matmul(st, a.t()), refMatmul(av.filter((_, i) => Math.floor(i / 5) % 2 === 0), tr(av, 6, 5), 3, 5, 6), { shape: [3, 6] });
    // an expanded batch (stride 0)
    const e = a.unsqueeze(0).expand(3, 6, 5);
    const d = randm([3, 5, 2], 14);
    const dv = await values(d);
    const want = [0, 1, 2].flatMap((i) => refMatmul(av, dv.slice(i * 10, i * 10 + 10), 6, 5, 2));
    await expectTensor(matmul(e, d), want, { shape: [3, 6, 2] });
    await expectTensor(matmul(d.transpose(1, 2), e.transpose(1, 2)), [0, 1, 2].flatMap((i) => refMatmul(tr(dv.slice(i * 10, i * 10 + 10), 5, 2), tr(av, 6, 5), 2, 5, 6)), {
      shape: [3, 2, 6],
    });
  });

  it('int32 products are exact; mixed dtypes promote', async () => {
    const i = tensor([[1, 2], [3, 4]], { dtype: 'int32' });
    await expectTensor(matmul(i, i), [[7, 10], [15, 22]], { dtype: 'int32' });
    await expectTensor(matmul(tensor([[46341]], { dtype: 'int32' }), tensor([[1]], { dtype: 'int32' })), [[46341]], { dtype: 'int32' });
    await expectTensor(matmul(tensor([1000, 1000], { dtype: 'int32' }), tensor([1000, 1000], { dtype: 'int32' })), 2000000, { dtype: 'int32' });
    await expectTensor(matmul(i, tensor([[0.5], [0.5]])), [[1.5], [3.5]], { dtype: 'float32' });
    await expectTensor(matmul(tensor([[1, 2]], { dtype: 'uint8' }), tensor([[3], [4]], { dtype: 'int32' })), [[11]], { dtype: 'int32' });
  });

  it('float64 products keep double precision', async () => {
    const a = randm([9, 13], 21, 'float64');
    const b = randm([13, 5], 22, 'float64');
    const out = matmul(a, b);
    expect(out.dtype).toBe('float64');
    await expectTensor(out, refMatmul(await values(a), await values(b), 9, 13, 5), { atol: 1e-12 });
    await expectTensor(matmul(tensor([[1 / 3]], { dtype: 'float64' }), tensor([[3]], { dtype: 'float64' })), [[1]], { atol: 1e-15 });
  }, { skip: !ctx.float64 });

  it('empty operands', async () => {
    await expectTensor(matmul(zeros([0, 3]), zeros([3, 2])), [], { shape: [0, 2] });
    await expectTensor(matmul(zeros([2, 0]), zeros([0, 3])), [[0, 0, 0], [0, 0, 0]], { shape: [2, 3] });
    await expectTensor(matmul(zeros([0]), zeros([0])), 0, { shape: [] });
    await expectTensor(matmul(zeros([0, 2, 3]), zeros([3, 4])), [], { shape: [0, 2, 4] });
  });

  it('NaN and infinity propagate (no skipping of zero terms)', async () => {
    await expectTensor(matmul(tensor([[Number.NaN, 1]]), tensor([[1], [1]])), [[Number.NaN]]);
    await expectTensor(matmul(tensor([[1, 0]]), tensor([[INF], [1]])), [[INF]]);
    await expectTensor(matmul(tensor([[0, 1]]), tensor([[INF], [1]])), [[Number.NaN]]);
    await expectTensor(matmul(tensor([[0, 0]]), tensor([[Number.NaN, 1], [1, 1]])), [[Number.NaN, 0]]);
  });

  it('shape errors name the op and both shapes', () => {
    expect(() => matmul(zeros([2, 3]), zeros([4, 5]))).toThrow('matmul: cannot multiply [2,3] by [4,5] (3 != 4)');
    expect(() => matmul(zeros([3]), zeros([4]))).toThrow('matmul: cannot multiply [3] by [4] (3 != 4)');
    expect(() => matmul(zeros([2, 2, 3]), zeros([3, 3, 2]))).toThrow(/matmul: shapes \[2\] and \[3\] cannot be broadcast/);
    expect(() => matmul(zeros([]), zeros([3]))).toThrow(/matmul: both arguments need at least 1 dimension, got \[\] and \[3\]/);
    expect(() => mm(zeros([2, 3]), zeros([4, 5]))).toThrow('mm: mat1 and mat2 shapes cannot be multiplied (2x3 and 4x5)');
    expect(() => mm(zeros([2, 3, 1]), zeros([1, 5]))).toThrow(/mm: self must be a matrix, got shape \[2,3,1\]/);
    expect(() => bmm(zeros([2, 3]), zeros([3, 2]))).toThrow(/bmm: expected 3-D tensors, got \[2,3\] and \[3,2\]/);
    expect(() => bmm(zeros([2, 2, 3]), zeros([3, 3, 2]))).toThrow(/bmm: batch sizes differ: 2 vs 3/);
    expect(() => matmul(tensor([[true]]), tensor([[true]]))).toThrow(/matmul: not implemented for dtype bool/);
  });
}

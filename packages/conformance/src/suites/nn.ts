/**
 * Neural-network ops (`linear`, `crossEntropy`, `crossEntropyBackward`, `reluBackward`) against float64
 * references: shapes, strided operands, reductions, ignored rows, label smoothing, errors.
 */
import { expect } from 'vitest';
import { crossEntropy, crossEntropyBackward, dispose, linear, reluBackward, tensor, tidy, type Tensor } from '@tessera/core';
import { cases, expectTensor } from '../helpers.js';
import type { SuiteContext } from '../run.js';

/** Deterministic values in [-2, 2) (a small LCG). */
function vals(n: number, seed: number): number[] {
  let s = seed >>> 0;
  return Array.from({ length: n }, () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return (s / 2 ** 31 - 1) * 2;
  });
}

const round32 = (xs: number[]): number[] => Array.from(Float32Array.from(xs));

/** `x [M, K] @ w [N, K]^T + b` in float64. */
function refLinear(x: number[], w: number[], b: number[] | null, M: number, K: number, N: number): number[] {
  const y: number[] = [];
  for (let i = 0; i < M; i++) {
    for (let j = 0; j < N; j++) {
      let s = b ? b[j]! : 0;
      for (let k = 0; k < K; k++) s += x[i * K + k]! * w[j * K + k]!;
      y.push(s);
    }
  }
  return y;
}

interface CeRef {
  loss: number[];
  grad: number[];
}

/** PyTorch's cross-entropy (no class weights) and its gradient times `g`, in float64. */
function refCrossEntropy(x: number[], target: number[], C: number, reduction: string, ignore: number, ls: number, g: number[]): CeRef {
  const N = target.length;
  const rows: number[] = [];
  const probs: number[][] = [];
  let count = 0;
  for (let i = 0; i < N; i++) {
    const row = x.slice(i * C, (i + 1) * C);
    const m = Math.max(...row);
    const lse = m + Math.log(row.reduce((s, v) => s + Math.exp(v - m), 0));
    probs.push(row.map((v) => Math.exp(v - lse)));
    if (target[i] === ignore) {
      rows.push(0);
      continue;
    }
    count++;
    const sumLogp = row.reduce((s, v) => s + (v - lse), 0);
    rows.push(-(1 - ls) * (row[target[i]!]! - lse) - (ls / C) * sumLogp);
  }
  const total = rows.reduce((s, v) => s + v, 0);
  const loss = reduction === 'none' ? rows : [reduction === 'sum' ? total : total / count];
  const grad: number[] = [];
  for (let i = 0; i < N; i++) {
    const scale = target[i] === ignore ? 0 : (reduction === 'none' ? g[i]! : g[0]!) / (reduction === 'mean' ? count : 1);
    for (let c = 0; c < C; c++) grad.push((probs[i]![c]! - ls / C - (c === target[i] ? 1 - ls : 0)) * scale);
  }
  return { loss, grad };
}

/** Runs an async check with `k` marking tensors to dispose afterwards (`tidy` takes synchronous functions only). */
async function tracked(fn: (k: <T extends Tensor>(t: T) => T) => Promise<void>): Promise<void> {
  const made: Tensor[] = [];
  try {
    await fn((t) => {
      made.push(t);
      return t;
    });
  } finally {
    dispose(made);
  }
}

export function nnSuite(ctx: SuiteContext): void {
  const it = cases(ctx, 'nn');
  const dtypes: ('float32' | 'float64')[] = ctx.float64 ? ['float32', 'float64'] : ['float32'];
  const tol = (dt: string) => (dt === 'float64' ? { atol: 1e-12, rtol: 1e-10 } : { atol: 1e-5, rtol: 1e-5 });

  for (const dtype of dtypes) {
    const rd = (xs: number[]) => (dtype === 'float32' ? round32(xs) : xs);

    it(`linear with and without bias, batched input (${dtype})`, async () => {
      const [M, K, N] = [6, 5, 3];
      const xv = rd(vals(M * K, 1));
      const wv = rd(vals(N * K, 2));
      const bv = rd(vals(N, 3));
      await tracked(async (k) => {
        const x = k(tensor(xv, { dtype, shape: [M, K] }));
        const w = k(tensor(wv, { dtype, shape: [N, K] }));
        const b = k(tensor(bv, { dtype }));
        await expectTensor(k(linear(x, w, b)), refLinear(xv, wv, bv, M, K, N), { shape: [M, N], dtype, ...tol(dtype) });
        await expectTensor(k(linear(x, w)), refLinear(xv, wv, null, M, K, N), { shape: [M, N], ...tol(dtype) });
        const x3 = k(x.reshape([2, 3, K]));
        await expectTensor(k(linear(x3, w, b)), refLinear(xv, wv, bv, M, K, N), { shape: [2, 3, N], ...tol(dtype) });
        const x1 = k(tensor(xv.slice(K, 2 * K), { dtype }));
        await expectTensor(k(linear(x1, w, b)), refLinear(xv.slice(K, 2 * K), wv, bv, 1, K, N), { shape: [N], ...tol(dtype) });
      });
    });

    for (const reduction of ['mean', 'sum', 'none'] as const) {
      it(`crossEntropy and crossEntropyBackward, reduction '${reduction}', ignored rows, label smoothing (${dtype})`, async () => {
        const [N, C] = [5, 4];
        const xv = rd(vals(N * C, 7));
        const targets = [2, -100, 3, 0, 1];
        const gv = rd(reduction === 'none' ? vals(N, 8) : [0.75]);
        for (const ls of [0, 0.2]) {
          const ref = refCrossEntropy(xv, targets, C, reduction, -100, ls, gv);
          await tracked(async (k) => {
            const x = k(tensor(xv, { dtype, shape: [N, C] }));
            const t = k(tensor(targets, { dtype: 'int32' }));
            const g = k(reduction === 'none' ? tensor(gv, { dtype }) : tensor(gv[0]!, { dtype }));
            const options = { reduction, labelSmoothing: ls };
            await expectTensor(k(crossEntropy(x, t, options)), ref.loss, { shape: reduction === 'none' ? [N] : [], dtype, ...tol(dtype) });
            await expectTensor(k(crossEntropyBackward(x, t, g, options)), ref.grad, { shape: [N, C], dtype, ...tol(dtype) });
          });
        }
      });
    }
  }

  for (const dtype of dtypes) {
    it(`reluBackward passes the gradient where the output is positive, strided gradient (${dtype})`, async () => {
      await tracked(async (k) => {
        const y = k(tensor([[0, 1.5, 0], [2, 0, 0.25]], { dtype }));
        const gBase = k(tensor([[1, 9, 2, 9, 3, 9], [4, 9, 5, 9, 6, 9]], { dtype }));
        const g = k(gBase.slice(1, 0, 6, 2)); // [[1, 2, 3], [4, 5, 6]], stride 2
        await expectTensor(k(reluBackward(y, g)), [[0, 2, 0], [4, 0, 6]], { shape: [2, 3], dtype });
        expect(() => reluBackward(y, gBase)).toThrow(/reluBackward: gradient \[2,6\] doesn't match the output \[2,3\]/);
      });
    });

    // PyTorch's threshold_backward zeroes where y <= 0, so a NaN output passes the gradient.
    it(`reluBackward passes the gradient where the output is NaN, as PyTorch (${dtype})`, async () => {
      await tracked(async (k) => {
        const y = k(tensor([NaN, 0, -0, 3], { dtype }));
        const g = k(tensor([7, 8, 9, 10], { dtype }));
        await expectTensor(k(reluBackward(y, g)), [7, 0, 0, 10], { shape: [4], dtype });
      });
    });
  }

  it('linear and crossEntropy take strided operands', async () => {
    const [M, K, N] = [4, 3, 2];
    await tracked(async (k) => {
      const xBase = k(tensor(round32(vals(M * K, 11)), { shape: [K, M] }));
      const xt = k(xBase.t()); // [M, K], transposed
      const wBase = k(tensor(round32(vals(2 * N * K, 12)), { shape: [2 * N, K] }));
      const w = k(wBase.slice(0, 0, 2 * N, 2)); // every other row
      const b = k(tensor(round32(vals(N, 13))));
      const xv = Array.from(await k(xt.contiguous()).data());
      const wv = Array.from(await k(w.contiguous()).data());
      await expectTensor(k(linear(xt, w, b)), refLinear(xv, wv, Array.from(await b.data()), M, K, N), { shape: [M, N] });

      const lBase = k(tensor(round32(vals(12, 14)), { shape: [3, 4] }));
      const logits = k(lBase.t()); // [4, 3]
      const tBase = k(tensor([0, 2, 1, 0, 2, 2, 1, 1], { dtype: 'int32' }));
      const target = k(tBase.slice(0, 0, 8, 2)); // [4], stride 2: 0, 1, 2, 1
      const lv = Array.from(await k(logits.contiguous()).data());
      const ref = refCrossEntropy(lv, [0, 1, 2, 1], 3, 'mean', -100, 0, [1]);
      await expectTensor(k(crossEntropy(logits, target)), ref.loss, { shape: [] });
      await expectTensor(k(crossEntropyBackward(logits, target, k(tensor(1)))), ref.grad, { shape: [4, 3] });
    });
  });

  it(
    'crossEntropy rejects a class index out of range',
    () => {
      tidy(() => {
        const x = tensor([[1, 2, 3], [4, 5, 6]]);
        expect(() => crossEntropy(x, tensor([3, 0], { dtype: 'int32' }))).toThrow(/crossEntropy: target 3 is out of bounds for 3 classes/);
        expect(() => crossEntropy(x, tensor([-1, 0], { dtype: 'int32' }))).toThrow(/crossEntropy: target -1 is out of bounds for 3 classes/);
        expect(crossEntropy(x, tensor([-1, 0], { dtype: 'int32' }), { ignoreIndex: -1 }).shape).toEqual([]);
      });
    },
    { skip: !ctx.syncRead },
  );

  it('linear and crossEntropy reject bad shapes and targets', () => {
    tidy(() => {
      const x = tensor([[1, 2, 3]]);
      expect(() => linear(x, tensor([[1, 2]]))).toThrow(/linear: input \[1,3\] has last dim 3, expected 2/);
      expect(() => linear(x, tensor([[1, 2, 3]]), tensor([1, 2]))).toThrow(/linear: bias must be \[1\]/);
      expect(() => crossEntropy(x, tensor([0, 1], { dtype: 'int32' }))).toThrow(/crossEntropy: target must be \[1\]/);
      expect(() => crossEntropy(x, tensor([0.5]))).toThrow(/crossEntropy: target must hold class indices/);
      expect(() => crossEntropy(x, tensor([0], { dtype: 'int32' }), { reduction: 'avg' as 'mean' })).toThrow(/crossEntropy: reduction must be/);
      expect(() => crossEntropyBackward(x, tensor([0], { dtype: 'int32' }), tensor([1]))).toThrow(/crossEntropyBackward: gradOutput must be \[\]/);
    });
  });
}

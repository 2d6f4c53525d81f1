/** Index-driven ops: gather, scatterAdd, indexSelect, oneHot, embedding, and their bounds checks. */
import { expect } from 'vitest';
import { arange, embedding, gather, indexSelect, oneHot, ones, scatterAdd, tensor, zeros, type Tensor } from '@tessera/core';
import { cases, expectTensor } from '../helpers.js';
import type { SuiteContext } from '../run.js';

const int = (v: number[] | number[][] | number[][][] | number): Tensor => tensor(v, { dtype: 'int32' });

export function indexingSuite(ctx: SuiteContext): void {
  const it = cases(ctx, 'indexing');

  it('gather along each dim', async () => {
    const x = tensor([
      [1, 2],
      [3, 4],
    ]);
    await expectTensor(gather(x, 1, int([[0, 0], [1, 0]])), [[1, 1], [4, 3]], { shape: [2, 2], dtype: 'float32' });
    await expectTensor(x.gather(0, int([[1, 0], [0, 0]])), [[3, 2], [1, 2]]);
    await expectTensor(x.gather(-1, int([[1], [0]])), [[2], [3]], { shape: [2, 1] });
    // The index may be smaller than the input in every dim, and larger along `dim`.
    const y = arange(9, { dtype: 'float32' }).reshape(3, 3);
    await expectTensor(y.gather(1, int([[2, 2, 0, 1]])), [[2, 2, 0, 1]], { shape: [1, 4] });
    await expectTensor(y.gather(0, int([[2], [0]])), [[6], [0]], { shape: [2, 1] });
    const z = arange(24).reshape(2, 3, 4);
    await expectTensor(z.gather(1, int([[[2, 0, 1, 2]], [[0, 0, 0, 1]]])), [[[8, 1, 6, 11]], [[12, 13, 14, 19]]], { dtype: 'int32', shape: [2, 1, 4] });
    await expectTensor(tensor([true, false]).gather(0, int([1, 1, 0])), [false, false, true], { dtype: 'bool' });
    await expectTensor(x.gather(1, tensor([[1], [1]], { dtype: 'uint8' })), [[2], [4]]);
    await expectTensor(x.gather(0, zeros([0, 2], { dtype: 'int32' })), [], { shape: [0, 2] });
  });

  it('gather with non-contiguous input and index', async () => {
    const x = arange(6, { dtype: 'float32' }).reshape(2, 3).t(); // [[0,3],[1,4],[2,5]]
    await expectTensor(x.gather(1, int([[1], [0], [1]])), [[3], [1], [5]]);
    const idx = int([[0, 2], [1, 1]]).t(); // [[0,1],[2,1]]
    await expectTensor(x.gather(0, idx), [[0, 4], [2, 4]]);
    await expectTensor(x.gather(0, int([[2, 0]]).expand(3, 2)), [[2, 3], [2, 3], [2, 3]]);
  });

  it('gather errors: dtype, rank, shape and out-of-range indices', () => {
    const x = zeros([2, 2]);
    expect(() => gather(x, 1, tensor([[0.0]]))).toThrow('gather: index must be an integer tensor (int32 or uint8), got float32');
    expect(() => gather(x, 1, int([0, 1]))).toThrow(/gather: index tensor must have the same number of dimensions as input tensor \(\[2\] vs \[2,2\]\)/);
    expect(() => gather(x, 1, int([[0], [0], [0]]))).toThrow(/gather: size of index \[3,1\] does not match input \[2,2\] at dimension 0/);
    expect(() => gather(x, 2, int([[0]]))).toThrow(/gather: dimension out of range/);
    expect(() => gather(x, 1, int([[0, 2]]))).toThrow(/gather: index 2 is out of bounds for dimension 1 with size 2/);
    expect(() => gather(x, 0, int([[-1, 0]]))).toThrow(/gather: index -1 is out of bounds for dimension 0 with size 2/);
  });

  it('scatterAdd accumulates repeated indices, out of place', async () => {
    const x = zeros([2, 3]);
    const out = scatterAdd(x, 1, int([[0, 1, 0], [2, 2, 2]]), ones([2, 3]));
    await expectTensor(out, [[2, 1, 0], [0, 0, 3]], { shape: [2, 3], dtype: 'float32' });
    await expectTensor(x, [[0, 0, 0], [0, 0, 0]]);
    const base = tensor([[1, 1, 1], [1, 1, 1]]);
    const src = tensor([[1, 2, 3], [4, 5, 6]]);
    await expectTensor(base.scatterAdd(0, int([[1, 0, 1], [1, 1, 0]]), src), [[1, 3, 7], [6, 6, 4]]);
    await expectTensor(base.scatterAdd(-1, int([[2], [0]]), src), [[1, 1, 2], [5, 1, 1]]);
    // Only the index-shaped part of a larger src is used.
    await expectTensor(zeros([3]).scatterAdd(0, int([2, 2]), tensor([1, 10, 100])), [0, 0, 11]);
    await expectTensor(zeros([2], { dtype: 'int32' }).scatterAdd(0, int([1, 1, 1]), int([5, 6, 7])), [0, 18], { dtype: 'int32' });
    await expectTensor(zeros([2, 2]).scatterAdd(0, zeros([0, 2], { dtype: 'int32' }), zeros([0, 2])), [[0, 0], [0, 0]]);
  });

  it('scatterAdd with non-contiguous self, index and src', async () => {
    const self = arange(6, { dtype: 'float32' }).reshape(2, 3).t(); // [[0,3],[1,4],[2,5]]
    const idx = int([[0, 0, 2]]).t(); // [[0],[0],[2]]
    const src = tensor([[10, 20, 30], [40, 50, 60]]).t(); // [[10,40],[20,50],[30,60]]
    await expectTensor(self.scatterAdd(0, idx, src), [[30, 3], [1, 4], [32, 5]]);
    await expectTensor(self.scatterAdd(1, int([[1, 1]]).expand(3, 2), src), [[0, 53], [1, 74], [2, 95]]);
  });

  it('scatterAdd errors', () => {
    const x = zeros([2, 2]);
    expect(() => scatterAdd(x, 0, int([[0, 1]]), ones([1, 2], { dtype: 'int32' }))).toThrow('scatterAdd: src dtype int32 must match self dtype float32');
    expect(() => scatterAdd(x, 0, tensor([[0, 1]]), ones([1, 2]))).toThrow(/scatterAdd: index must be an integer tensor/);
    expect(() => scatterAdd(x, 0, int([0, 1]), ones([2]))).toThrow(/scatterAdd: index \[2\], src \[2\] and self \[2,2\] must have the same number of dimensions/);
    expect(() => scatterAdd(x, 0, int([[0, 1, 0]]), ones([1, 3]))).toThrow(/scatterAdd: index \[1,3\] is larger than src \[1,3\] or self \[2,2\] at dimension 1/);
    expect(() => scatterAdd(x, 0, int([[0, 2]]), ones([1, 2]))).toThrow(/scatterAdd: index 2 is out of bounds for dimension 0 with size 2/);
    expect(() => scatterAdd(x, 1, int([[-1, 0]]), ones([1, 2]))).toThrow(/scatterAdd: index -1 is out of bounds for dimension 1 with size 2/);
  });

  it('indexSelect picks entries along a dim', async () => {
    const x = tensor([
      [1, 2, 3],
      [4, 5, 6],
      [7, 8, 9],
    ]);
    await expectTensor(indexSelect(x, 0, int([2, 0, 2])), [[7, 8, 9], [1, 2, 3], [7, 8, 9]], { shape: [3, 3] });
    await expectTensor(x.indexSelect(1, int([1])), [[2], [5], [8]], { shape: [3, 1] });
    await expectTensor(x.indexSelect(-1, int([2, 0])), [[3, 1], [6, 4], [9, 7]]);
    await expectTensor(x.indexSelect(0, int(1)), [[4, 5, 6]], { shape: [1, 3] });
    await expectTensor(x.indexSelect(0, zeros([0], { dtype: 'int32' })), [], { shape: [0, 3] });
    await expectTensor(x.t().indexSelect(0, int([0])), [[1, 4, 7]]);
    await expectTensor(arange(5).indexSelect(0, tensor([4, 4], { dtype: 'uint8' })), [4, 4], { dtype: 'int32' });
    expect(() => x.indexSelect(0, int([[0]]))).toThrow('indexSelect: index must be 0-D or 1-D, got shape [1,1]');
    expect(() => x.indexSelect(0, tensor([0]))).toThrow(/indexSelect: index must be an integer tensor/);
    expect(() => x.indexSelect(0, int([3]))).toThrow(/index 3 is out of bounds for dimension 0 with size 3/);
  });

  it('oneHot with an explicit number of classes', async () => {
    await expectTensor(oneHot(int([0, 2, 1]), 3), [[1, 0, 0], [0, 0, 1], [0, 1, 0]], { shape: [3, 3], dtype: 'int32' });
    await expectTensor(oneHot(int([[1], [0]]), 2), [[[0, 1]], [[1, 0]]], { shape: [2, 1, 2] });
    await expectTensor(oneHot(int(2), 4), [0, 0, 1, 0], { shape: [4] });
    await expectTensor(oneHot(zeros([0], { dtype: 'int32' }), 3), [], { shape: [0, 3] });
    await expectTensor(oneHot(tensor([1], { dtype: 'uint8' }), 2), [[0, 1]]);
    expect(() => oneHot(tensor([0.0]), 2)).toThrow(/oneHot: index must be an integer tensor/);
  });

  it('oneHot infers the number of classes and checks ranges', async () => {
    await expectTensor(oneHot(int([0, 3])), [[1, 0, 0, 0], [0, 0, 0, 1]], { shape: [2, 4] });
    expect(() => oneHot(int([0, 3]), 3)).toThrow('oneHot: class value 3 is out of range for numClasses=3');
    expect(() => oneHot(int([-1]), 3)).toThrow('oneHot: class value -1 is out of range for numClasses=3');
  }, { skip: !ctx.syncRead });

  it('embedding looks up rows for any index shape', async () => {
    const w = tensor([
      [0, 0.5],
      [1, 1.5],
      [2, 2.5],
      [3, 3.5],
    ]);
    await expectTensor(embedding(int([[0, 2], [3, 3]]), w), [[[0, 0.5], [2, 2.5]], [[3, 3.5], [3, 3.5]]], { shape: [2, 2, 2] });
    await expectTensor(embedding(int([1]), w), [[1, 1.5]], { shape: [1, 2] });
    await expectTensor(embedding(int(2), w), [2, 2.5], { shape: [2] });
    await expectTensor(embedding(zeros([2, 0], { dtype: 'int32' }), w), [], { shape: [2, 0, 2] });
    await expectTensor(embedding(int([[0, 2], [3, 1]]).t(), w), [[[0, 0.5], [3, 3.5]], [[2, 2.5], [1, 1.5]]]);
    expect(() => embedding(int([4]), w)).toThrow(/index 4 is out of bounds for dimension 0 with size 4/);
    expect(() => embedding(int([0]), zeros([4]))).toThrow('embedding: weight must be 2-D [numEmbeddings, dim], got [4]');
  });
}

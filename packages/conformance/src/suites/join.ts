/** Joining and splitting: cat/concat, stack, split, chunk and constant pad. */
import { expect } from 'vitest';
import { arange, cat, chunk, concat, pad, split, stack, tensor, zeros, type Tensor } from '@tessera/core';
import { cases, expectTensor, liveOn } from '../helpers.js';
import type { SuiteContext } from '../run.js';

/** [[1, 2, 3], [4, 5, 6]] as float32. */
const m23 = (): Tensor => tensor([
  [1, 2, 3],
  [4, 5, 6],
]);

async function shapesAndValues(parts: Tensor[]): Promise<[number[][], unknown[]]> {
  return [parts.map((p) => [...p.shape]), await Promise.all(parts.map((p) => p.array()))];
}

export function joinSuite(ctx: SuiteContext): void {
  const it = cases(ctx, 'join');

  it('cat along each dim, negative dims, three inputs', async () => {
    const a = tensor([[1, 2]]);
    const b = tensor([[3, 4], [5, 6]]);
    await expectTensor(cat([a, b]), [[1, 2], [3, 4], [5, 6]], { shape: [3, 2] });
    await expectTensor(cat([tensor([[1], [2]]), b], 1), [[1, 3, 4], [2, 5, 6]], { shape: [2, 3] });
    await expectTensor(cat([b, tensor([[0], [0]]), b], -1), [[3, 4, 0, 3, 4], [5, 6, 0, 5, 6]], { shape: [2, 5] });
    await expectTensor(concat([tensor([1]), tensor([2, 3])]), [1, 2, 3]);
    await expectTensor(cat([b]), [[3, 4], [5, 6]]);
    const x = arange(8, { dtype: 'float32' }).reshape(2, 2, 2);
    await expectTensor(cat([x, x], 1), [[[0, 1], [2, 3], [0, 1], [2, 3]], [[4, 5], [6, 7], [4, 5], [6, 7]]], { shape: [2, 4, 2] });
  });

  it('cat promotes dtypes and takes non-contiguous inputs', async () => {
    await expectTensor(cat([tensor([1, 2], { dtype: 'int32' }), tensor([0.5])]), [1, 2, 0.5], { dtype: 'float32' });
    await expectTensor(cat([tensor([1], { dtype: 'int32' }), tensor([2], { dtype: 'int32' })]), [1, 2], { dtype: 'int32' });
    await expectTensor(cat([tensor([true]), tensor([false])]), [true, false], { dtype: 'bool' });
    const t = m23().t(); // [[1,4],[2,5],[3,6]]
    await expectTensor(cat([t, t.slice(0, 0, null, 2)]), [[1, 4], [2, 5], [3, 6], [1, 4], [3, 6]]);
    await expectTensor(cat([tensor([[9]]).expand(2, 2), t.narrow(0, 1, 2)], 1), [[9, 9, 2, 5], [9, 9, 3, 6]]);
  });

  it('cat with empty inputs', async () => {
    await expectTensor(cat([zeros([0]), tensor([1, 2])]), [1, 2], { shape: [2] });
    await expectTensor(cat([zeros([0]), m23()]), [[1, 2, 3], [4, 5, 6]], { shape: [2, 3] }); // legacy: 1-D empties are skipped
    await expectTensor(cat([zeros([2, 0]), m23()], 1), [[1, 2, 3], [4, 5, 6]], { shape: [2, 3] });
    await expectTensor(cat([zeros([0, 3]), zeros([0, 3])]), [], { shape: [0, 3] });
  });

  it('cat errors name the op and the shapes', () => {
    expect(() => cat([m23(), zeros([2, 2])])).toThrow(
      'cat: sizes of tensors must match except in dimension 0. Expected size 3 but got size 2 for tensor number 1 in the list (shapes [2,3] and [2,2])',
    );
    expect(() => cat([m23(), zeros([3])])).toThrow(/cat: tensors must have the same number of dimensions: got 2 and 1/);
    expect(() => cat([tensor(1), tensor(2)])).toThrow(/cat: zero-dimensional tensor cannot be concatenated/);
    expect(() => cat([])).toThrow(/cat: expected a non-empty list of Tensors/);
    expect(() => cat([m23()], 2)).toThrow(/cat: dimension out of range/);
  });

  it('stack along new dims', async () => {
    const a = tensor([1, 2]);
    const b = tensor([3, 4]);
    await expectTensor(stack([a, b]), [[1, 2], [3, 4]], { shape: [2, 2] });
    await expectTensor(stack([a, b], 1), [[1, 3], [2, 4]], { shape: [2, 2] });
    await expectTensor(stack([a, b, a], -1), [[1, 3, 1], [2, 4, 2]], { shape: [2, 3] });
    await expectTensor(stack([tensor(1), tensor(2)]), [1, 2], { shape: [2] });
    await expectTensor(stack([m23(), m23().neg()], 1), [[[1, 2, 3], [-1, -2, -3]], [[4, 5, 6], [-4, -5, -6]]], { shape: [2, 2, 3] });
    await expectTensor(stack([m23().t(), m23().t()], 2).select(2, 1), [[1, 4], [2, 5], [3, 6]]);
    expect(() => stack([a, tensor([1, 2, 3])])).toThrow('stack: expects each tensor to be equal size, but got [2] at entry 0 and [3] at entry 1');
    expect(() => stack([a, b], 3)).toThrow(/stack: dimension out of range/);
  });

  it('split by size and by sections; pieces are views', async () => {
    const x = arange(5, { dtype: 'float32' });
    const before = liveOn(ctx.device).bytes;
    const parts = split(x, 2);
    expect(liveOn(ctx.device).bytes).toBe(before);
    expect(await shapesAndValues(parts)).toEqual([[[2], [2], [1]], [[0, 1], [2, 3], [4]]]);
    expect(await shapesAndValues(x.split([1, 4]))).toEqual([[[1], [4]], [[0], [1, 2, 3, 4]]]);
    expect(await shapesAndValues(x.split([0, 5]))).toEqual([[[0], [5]], [[], [0, 1, 2, 3, 4]]]);
    expect(await shapesAndValues(x.split(10))).toEqual([[[5]], [[0, 1, 2, 3, 4]]]);
    expect(await shapesAndValues(m23().split(2, 1))).toEqual([[[2, 2], [2, 1]], [[[1, 2], [4, 5]], [[3], [6]]]]);
    expect(await shapesAndValues(m23().split([1, 1], -2))).toEqual([[[1, 3], [1, 3]], [[[1, 2, 3]], [[4, 5, 6]]]]);
    expect(() => x.split([1, 2])).toThrow(/split: split_with_sizes expects split_sizes to sum exactly to 5 \(input tensor's size at dimension 0\), but got split_sizes=\[1,2\]/);
    expect(() => x.split(0)).toThrow(/split: split_size must be a positive integer, got 0/);
  });

  it('chunk into nearly equal views (as PyTorch: the last may be smaller, fewer chunks possible)', async () => {
    const six = arange(6);
    expect(await shapesAndValues(chunk(six, 3))).toEqual([[[2], [2], [2]], [[0, 1], [2, 3], [4, 5]]]);
    expect(await shapesAndValues(six.chunk(4))).toEqual([[[2], [2], [2]], [[0, 1], [2, 3], [4, 5]]]);
    expect(await shapesAndValues(arange(5).chunk(3))).toEqual([[[2], [2], [1]], [[0, 1], [2, 3], [4]]]);
    expect(await shapesAndValues(arange(2).chunk(5))).toEqual([[[1], [1]], [[0], [1]]]);
    expect(await shapesAndValues(m23().chunk(2, -1))).toEqual([[[2, 2], [2, 1]], [[[1, 2], [4, 5]], [[3], [6]]]]);
    expect(() => six.chunk(0)).toThrow(/chunk: expects chunks to be a positive integer, got 0/);
  });

  it('pad: last dims first, value, int dtype', async () => {
    const x = m23();
    await expectTensor(pad(x, [1, 1]), [[0, 1, 2, 3, 0], [0, 4, 5, 6, 0]], { shape: [2, 5] });
    await expectTensor(pad(x, [1, 0, 0, 1], 9), [[9, 1, 2, 3], [9, 4, 5, 6], [9, 9, 9, 9]], { shape: [3, 4] });
    await expectTensor(pad(x, [0, 0, 1, 1]), [[0, 0, 0], [1, 2, 3], [4, 5, 6], [0, 0, 0]], { shape: [4, 3] });
    await expectTensor(pad(x.int(), [1, 1]), [[0, 1, 2, 3, 0], [0, 4, 5, 6, 0]], { dtype: 'int32' });
    await expectTensor(pad(tensor([true]), [1, 0], 1), [true, true], { dtype: 'bool' });
    await expectTensor(pad(x, [0, 0]), [[1, 2, 3], [4, 5, 6]]);
    await expectTensor(pad(x, []), [[1, 2, 3], [4, 5, 6]]);
    await expectTensor(pad(zeros([0, 2]), [1, 1, 1, 0], -1), [[-1, -1, -1, -1]], { shape: [1, 4] });
    await expectTensor(pad(x, [0, 1], Number.NEGATIVE_INFINITY), [[1, 2, 3, Number.NEGATIVE_INFINITY], [4, 5, 6, Number.NEGATIVE_INFINITY]]);
  });

  it('pad: negative padding crops, also mixed with positive padding', async () => {
    const x = m23();
    await expectTensor(pad(x, [-1, 2]), [[2, 3, 0, 0], [5, 6, 0, 0]], { shape: [2, 4] });
    await expectTensor(pad(x, [-1, -1, 1, -1]), [[0], [2]], { shape: [2, 1] });
    await expectTensor(pad(x, [-3, 0]), [], { shape: [2, 0] });
    await expectTensor(pad(x, [0, -2, -1, 1], 7), [[4], [7]], { shape: [2, 1] });
  });

  it('pad of non-contiguous inputs', async () => {
    const t = m23().t(); // [[1,4],[2,5],[3,6]]
    await expectTensor(pad(t, [1, 0, -1, 0]), [[0, 2, 5], [0, 3, 6]], { shape: [2, 3] });
    const e = tensor([[1], [2]]).expand(2, 3);
    await expectTensor(pad(e, [0, 1]), [[1, 1, 1, 0], [2, 2, 2, 0]]);
  });

  it('pad errors', () => {
    const x = m23();
    expect(() => pad(x, [1])).toThrow(/pad: padding length must be even and at most 2 \* ndim \(4\), got 1/);
    expect(() => pad(x, [1, 1, 1, 1, 1, 1])).toThrow(/pad: padding length must be even and at most 2 \* ndim \(4\), got 6/);
    expect(() => pad(x, [-2, -2])).toThrow(/pad: the padded size of dimension 1 is negative \(3 \+ -2 \+ -2\)/);
    expect(() => pad(x, [0.5, 0])).toThrow(/pad: padding values must be integers, got 0.5/);
  });
}

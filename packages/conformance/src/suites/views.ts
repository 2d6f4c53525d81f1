/** Movement ops: values, shapes, strides, and proof that they are views (no new memory, writes show through). */
import { expect } from 'vitest';
import { arange, expand, flatten, permute, reshape, squeeze, tensor, transpose, unsqueeze, view, zeros, type NestedArray, type Tensor } from '@tessera/core';
import { cases, expectTensor, liveOn } from '../helpers.js';
import type { SuiteContext } from '../run.js';

/** x[i][j][k] = 12 i + 4 j + k, float32 [2, 3, 4]. */
const cube = (): Tensor => arange(24, { dtype: 'float32' }).reshape(2, 3, 4);

/** The nested values of `cube()` picked by a function of the index. */
function cubeValues(shape: number[], at: (...idx: number[]) => number): NestedArray {
  const build = (prefix: number[]): NestedArray =>
    prefix.length === shape.length ? at(...prefix) : Array.from({ length: shape[prefix.length]! }, (_, i) => build([...prefix, i]));
  return build([]);
}

export function viewsSuite(ctx: SuiteContext): void {
  const it = cases(ctx, 'views');

  /** Runs `make` and checks it allocated no device memory. */
  function expectNoCopy<T>(make: () => T): T {
    const before = liveOn(ctx.device).bytes;
    const out = make();
    expect(liveOn(ctx.device).bytes, 'a view allocated memory').toBe(before);
    return out;
  }

  it('reshape and view, with -1 inference', async () => {
    const x = arange(6, { dtype: 'float32' });
    const r = expectNoCopy(() => x.reshape(2, 3));
    await expectTensor(r, [[0, 1, 2], [3, 4, 5]], { shape: [2, 3] });
    expect([...r.strides]).toEqual([3, 1]);
    await expectTensor(x.reshape([3, -1]), [[0, 1], [2, 3], [4, 5]], { shape: [3, 2] });
    await expectTensor(reshape(x, [-1, 1, 2]), [[[0, 1]], [[2, 3]], [[4, 5]]], { shape: [3, 1, 2] });
    await expectTensor(r.reshape(-1), [0, 1, 2, 3, 4, 5], { shape: [6] });
    await expectTensor(x.view(3, 2), [[0, 1], [2, 3], [4, 5]]);
    await expectTensor(view(x, [1, 6]), [[0, 1, 2, 3, 4, 5]], { shape: [1, 6] });
    await expectTensor(tensor([7]).reshape([]), 7, { shape: [] });
    await expectTensor(tensor(7).reshape(1, 1), [[7]], { shape: [1, 1] });
    await expectTensor(zeros([0, 3]).reshape(3, 0, 5), [], { shape: [3, 0, 5] });
  });

  it('reshape errors name the shapes', () => {
    const x = arange(6);
    expect(() => x.reshape(4, -1)).toThrow('reshape: shape [4,-1] is invalid for input of size 6');
    expect(() => x.reshape(4, 2)).toThrow('reshape: shape [4,2] is invalid for input of size 6');
    expect(() => x.reshape(-1, -1)).toThrow(/reshape: only one dimension can be inferred/);
    expect(() => x.view(-1, 4)).toThrow(/view: shape \[-1,4\] is invalid for input of size 6/);
    expect(() => x.reshape(2, 3.5 as number)).toThrow(/reshape: invalid shape dimension 3.5/);
    expect(() => zeros([0, 3]).reshape(-1, 0)).toThrow(/reshape: shape \[-1,0\] is invalid for input of size 0/);
  });

  it('view of a non-viewable layout throws; reshape copies instead', async () => {
    const t = arange(6, { dtype: 'float32' }).reshape(2, 3).t(); // [3, 2], strides [1, 3]
    expect(() => t.view(6)).toThrow(
      "view: size [6] is not compatible with input tensor's size [3,2] and stride [1,3] (at least one dimension spans across two contiguous subspaces). Use .reshape(...) instead.",
    );
    const r = t.reshape(6);
    await expectTensor(r, [0, 3, 1, 4, 2, 5], { shape: [6] });
    expect(r.isContiguous()).toBe(true);
    // Splitting or merging dims within one contiguous block stays a view.
    const p = cube().permute(1, 0, 2); // [3, 2, 4], strides [4, 12, 1]
    const v = expectNoCopy(() => p.view(3, 2, 2, 2));
    expect([...v.strides]).toEqual([4, 12, 2, 1]);
    await expectTensor(v, cubeValues([3, 2, 2, 2], (j, i, a, b) => 12 * i + 4 * j + 2 * a + b));
    expect(() => p.view(6, 4)).toThrow(/view: size \[6,4\] is not compatible/);
  });

  it('transpose, t and permute swap shape and strides', async () => {
    const x = cube();
    const t = expectNoCopy(() => x.transpose(0, 2));
    expect([...t.shape]).toEqual([4, 3, 2]);
    expect([...t.strides]).toEqual([1, 4, 12]);
    expect(t.isContiguous()).toBe(false);
    await expectTensor(t, cubeValues([4, 3, 2], (k, j, i) => 12 * i + 4 * j + k));
    await expectTensor(transpose(x, -1, -3), cubeValues([4, 3, 2], (k, j, i) => 12 * i + 4 * j + k));
    const p = expectNoCopy(() => x.permute(2, 0, 1));
    expect([...p.shape]).toEqual([4, 2, 3]);
    expect([...p.strides]).toEqual([1, 12, 4]);
    await expectTensor(p, cubeValues([4, 2, 3], (k, i, j) => 12 * i + 4 * j + k));
    await expectTensor(permute(x, [-1, 0, 1]), cubeValues([4, 2, 3], (k, i, j) => 12 * i + 4 * j + k));
    await expectTensor(x.permute([0, 1, 2]), cubeValues([2, 3, 4], (i, j, k) => 12 * i + 4 * j + k));
    await expectTensor(tensor([[1, 2, 3]]).t(), [[1], [2], [3]], { shape: [3, 1] });
    await expectTensor(tensor([1, 2]).t(), [1, 2], { shape: [2] });
    await expectTensor(tensor(4).t(), 4, { shape: [] });
    await expectTensor(x.transpose(1, 1), cubeValues([2, 3, 4], (i, j, k) => 12 * i + 4 * j + k));
  });

  it('transpose and permute errors', () => {
    const x = cube();
    expect(() => x.transpose(0, 3)).toThrow('transpose: dimension out of range (expected to be in range of [-3, 2], but got 3)');
    expect(() => x.permute(0, 1)).toThrow(/permute: number of dims don't match in permute \(input has 3 dims, got 2/);
    expect(() => x.permute(0, 1, 1)).toThrow(/permute: repeated dim/);
    expect(() => x.t()).toThrow(/t: expects a tensor with <= 2 dimensions, but self is 3D/);
  });

  it('unsqueeze and squeeze', async () => {
    const x = tensor([[1, 2, 3]]); // [1, 3]
    const u = expectNoCopy(() => x.unsqueeze(0));
    await expectTensor(u, [[[1, 2, 3]]], { shape: [1, 1, 3] });
    await expectTensor(x.unsqueeze(-1), [[[1], [2], [3]]], { shape: [1, 3, 1] });
    await expectTensor(unsqueeze(x, 2), [[[1], [2], [3]]], { shape: [1, 3, 1] });
    await expectTensor(tensor(5).unsqueeze(0), [5], { shape: [1] });
    const s = expectNoCopy(() => x.squeeze());
    await expectTensor(s, [1, 2, 3], { shape: [3] });
    await expectTensor(x.squeeze(0), [1, 2, 3], { shape: [3] });
    await expectTensor(x.squeeze(1), [[1, 2, 3]], { shape: [1, 3] }); // not size 1: left alone
    await expectTensor(zeros([1, 2, 1, 1]).squeeze([0, -1]), [[0], [0]], { shape: [2, 1] });
    await expectTensor(squeeze(tensor([[[7]]])), 7, { shape: [] });
    await expectTensor(zeros([0, 1]).squeeze(), [], { shape: [0] });
    expect(() => x.unsqueeze(3)).toThrow('unsqueeze: dimension out of range (expected to be in range of [-3, 2], but got 3)');
    expect(() => x.squeeze(2)).toThrow(/squeeze: dimension out of range/);
  });

  it('unsqueeze and squeeze of a non-contiguous tensor stay views', async () => {
    const t = cube().transpose(0, 2); // [4, 3, 2]
    const u = expectNoCopy(() => t.unsqueeze(1));
    expect([...u.shape]).toEqual([4, 1, 3, 2]);
    await expectTensor(u.squeeze(1), cubeValues([4, 3, 2], (k, j, i) => 12 * i + 4 * j + k));
  });

  it('expand broadcasts with stride 0 and no copy', async () => {
    const x = tensor([[1], [2], [3]]); // [3, 1]
    const e = expectNoCopy(() => x.expand(3, 4));
    expect([...e.strides]).toEqual([1, 0]);
    await expectTensor(e, [[1, 1, 1, 1], [2, 2, 2, 2], [3, 3, 3, 3]], { shape: [3, 4] });
    await expectTensor(x.expand(-1, 2), [[1, 1], [2, 2], [3, 3]], { shape: [3, 2] });
    const e3 = expectNoCopy(() => expand(x, [2, 3, 2]));
    expect([...e3.strides]).toEqual([0, 1, 0]);
    await expectTensor(e3, [[[1, 1], [2, 2], [3, 3]], [[1, 1], [2, 2], [3, 3]]]);
    await expectTensor(tensor(4).expand(2, 2), [[4, 4], [4, 4]]);
    await expectTensor(x.expandAs(zeros([3, 2])), [[1, 1], [2, 2], [3, 3]]);
    await expectTensor(x.expand(3, 0), [], { shape: [3, 0] });
    await expectTensor(e.transpose(0, 1), [[1, 2, 3], [1, 2, 3], [1, 2, 3], [1, 2, 3]]);
    await expectTensor(e.contiguous(), [[1, 1, 1, 1], [2, 2, 2, 2], [3, 3, 3, 3]]);
  });

  it('expand errors', () => {
    const x = tensor([[1], [2], [3]]);
    expect(() => x.expand(5, 4)).toThrow(
      'expand: the expanded size of the tensor (5) must match the existing size (3) at non-singleton dimension 0. Target sizes: [5,4]. Tensor sizes: [3,1]',
    );
    expect(() => x.expand(4)).toThrow(/expand: the number of sizes provided \(1\) must be greater or equal to the number of dimensions in the tensor \(2\)/);
    expect(() => x.expand(-1, 3, 1)).toThrow(/expand: the expanded size -1 isn't allowed in a leading, non-existing dimension 0/);
  });

  it('flatten and unflatten', async () => {
    const x = cube();
    await expectTensor(expectNoCopy(() => x.flatten()), Array.from({ length: 24 }, (_, i) => i), { shape: [24] });
    await expectTensor(x.flatten(1), cubeValues([2, 12], (i, m) => 12 * i + m), { shape: [2, 12] });
    await expectTensor(flatten(x, 0, 1), cubeValues([6, 4], (m, k) => 4 * m + k), { shape: [6, 4] });
    await expectTensor(x.flatten(-2, -1), cubeValues([2, 12], (i, m) => 12 * i + m), { shape: [2, 12] });
    await expectTensor(tensor(3).flatten(), [3], { shape: [1] });
    await expectTensor(x.transpose(0, 1).flatten(1), cubeValues([3, 8], (j, m) => 12 * Math.floor(m / 4) + 4 * j + (m % 4)));
    const u = x.unflatten(2, [2, 2]);
    expect([...u.shape]).toEqual([2, 3, 2, 2]);
    await expectTensor(u, cubeValues([2, 3, 2, 2], (i, j, a, b) => 12 * i + 4 * j + 2 * a + b));
    expect([...x.unflatten(-1, [-1, 1]).shape]).toEqual([2, 3, 4, 1]);
    expect(() => x.unflatten(1, [2, 2])).toThrow(/unflatten: provided sizes \[2,2\] don't multiply up to the size of dim 1 \(3\)/);
    expect(() => x.flatten(2, 1)).toThrow(/flatten: start_dim \(2\) cannot come after end_dim \(1\)/);
  });

  it('slice, narrow and select (with negative indices)', async () => {
    const x = cube();
    const s = expectNoCopy(() => x.slice(2, 1, 3));
    expect([...s.shape]).toEqual([2, 3, 2]);
    expect([...s.strides]).toEqual([12, 4, 1]);
    await expectTensor(s, cubeValues([2, 3, 2], (i, j, k) => 12 * i + 4 * j + k + 1));
    const st = expectNoCopy(() => x.slice(2, 0, null, 3));
    expect([...st.shape]).toEqual([2, 3, 2]);
    expect([...st.strides]).toEqual([12, 4, 3]);
    await expectTensor(st, cubeValues([2, 3, 2], (i, j, k) => 12 * i + 4 * j + 3 * k));
    await expectTensor(x.slice(1, -2), cubeValues([2, 2, 4], (i, j, k) => 12 * i + 4 * (j + 1) + k));
    await expectTensor(x.slice(-1, -100, 100), cubeValues([2, 3, 4], (i, j, k) => 12 * i + 4 * j + k));
    await expectTensor(x.slice(1, 2, 1), [], { shape: [2, 0, 4] });
    await expectTensor(x.narrow(1, 1, 2), cubeValues([2, 2, 4], (i, j, k) => 12 * i + 4 * (j + 1) + k));
    await expectTensor(x.narrow(-1, -2, 2), cubeValues([2, 3, 2], (i, j, k) => 12 * i + 4 * j + k + 2));
    const sel = expectNoCopy(() => x.select(1, -1));
    expect([...sel.shape]).toEqual([2, 4]);
    await expectTensor(sel, cubeValues([2, 4], (i, k) => 12 * i + 8 + k));
    await expectTensor(x.select(0, 1).select(1, 3), [15, 19, 23], { shape: [3] });
    await expectTensor(tensor([5, 6]).select(0, 1), 6, { shape: [] });
  });

  it('slice, narrow and select errors', () => {
    const x = cube();
    expect(() => x.select(0, 2)).toThrow('select: index 2 is out of bounds for dimension 0 with size 2');
    expect(() => x.select(1, -4)).toThrow('select: index -4 is out of bounds for dimension 1 with size 3');
    expect(() => x.narrow(2, 3, 2)).toThrow(/narrow: start \(3\) \+ length \(2\) exceeds dimension size \(4\) of dim 2/);
    expect(() => x.slice(0, 0, 1, 0)).toThrow(/slice: step must be a positive integer, got 0/);
    expect(() => x.slice(0, 0, 1, -1)).toThrow(/slice: step must be a positive integer, got -1/);
    expect(() => x.slice(3, 0, 1)).toThrow(/slice: dimension out of range/);
    expect(() => tensor(1).slice(0, 0, 1)).toThrow(/slice: cannot slice a 0-d tensor/);
  });

  it('index with numbers, slice strings, null and ellipsis', async () => {
    const x = cube();
    await expectTensor(x.index(0), cubeValues([3, 4], (j, k) => 4 * j + k), { shape: [3, 4] });
    await expectTensor(x.index(-1, '1:3'), cubeValues([2, 4], (j, k) => 12 + 4 * (j + 1) + k), { shape: [2, 4] });
    await expectTensor(x.index('...', '::2'), cubeValues([2, 3, 2], (i, j, k) => 12 * i + 4 * j + 2 * k), { shape: [2, 3, 2] });
    await expectTensor(x.index(null, 0), cubeValues([1, 3, 4], (_, j, k) => 4 * j + k), { shape: [1, 3, 4] });
    await expectTensor(x.index(0, '1:3', null, '...'), cubeValues([2, 1, 4], (j, _, k) => 4 * (j + 1) + k), { shape: [2, 1, 4] });
    await expectTensor(x.index(':', -1), cubeValues([2, 4], (i, k) => 12 * i + 8 + k), { shape: [2, 4] });
    await expectTensor(x.index('...', -1), cubeValues([2, 3], (i, j) => 12 * i + 4 * j + 3), { shape: [2, 3] });
    await expectTensor(x.index('-1:'), cubeValues([1, 3, 4], (_, j, k) => 12 + 4 * j + k), { shape: [1, 3, 4] });
    await expectTensor(x.index(1, ':', '1::2'), cubeValues([3, 2], (j, k) => 12 + 4 * j + 1 + 2 * k), { shape: [3, 2] });
    await expectTensor(x.index({ start: 1 }, { end: -1 }, { step: 3 }), cubeValues([1, 2, 2], (_, j, k) => 12 + 4 * j + 3 * k), { shape: [1, 2, 2] });
    await expectTensor(x.index('...'), cubeValues([2, 3, 4], (i, j, k) => 12 * i + 4 * j + k), { shape: [2, 3, 4] });
    await expectTensor(x.index(1, 2, 3), 23, { shape: [] });
    await expectTensor(x.index(1, 2, 3, null), [23], { shape: [1] });
    await expectTensor(x.index('5:'), [], { shape: [0, 3, 4] });
    await expectTensor(tensor(3).index(null, '...'), [3], { shape: [1] });
    expectNoCopy(() => x.index(0, '1:3', null, '...'));
  });

  it('index errors', () => {
    const x = cube();
    expect(() => x.index(0, 0, 0, 0)).toThrow('index: too many indices for tensor of dimension 3 (got 4)');
    expect(() => x.index('...', 0, '...')).toThrow(/index: an index can only have a single ellipsis/);
    expect(() => x.index(2)).toThrow(/select: index 2 is out of bounds for dimension 0 with size 2/);
    expect(() => x.index('a:b')).toThrow(/index: cannot parse slice 'a:b'/);
    expect(() => x.index(':', '::-1')).toThrow(/slice: step must be a positive integer, got -1/);
  });

  it('views share memory: writes through a view show in the base', async () => {
    const x = zeros([3, 4]);
    const before = liveOn(ctx.device).bytes;
    const col = x.select(1, 2);
    const corner = x.index('1:', '::3');
    const row = x.narrow(0, 0, 1).squeeze(0);
    const flat = x.view(12);
    const tr = x.t();
    expect(liveOn(ctx.device).bytes).toBe(before);
    col.fill_(1);
    corner.fill_(2);
    row.add_(tensor([10, 20, 30, 40]));
    await expectTensor(x, [[10, 20, 31, 40], [2, 0, 1, 2], [2, 0, 1, 2]]);
    await expectTensor(flat, [10, 20, 31, 40, 2, 0, 1, 2, 2, 0, 1, 2]);
    await expectTensor(tr.select(0, 3), [40, 2, 2]);
  });

  it('views stay valid after the base handle is disposed', async () => {
    const x = arange(6, { dtype: 'float32' });
    const v = x.reshape(2, 3).t();
    x.dispose();
    await expectTensor(v, [[0, 3], [1, 4], [2, 5]]);
  });

  it('contiguous copies only when needed', async () => {
    const x = cube();
    const same = expectNoCopy(() => x.contiguous());
    await expectTensor(same, cubeValues([2, 3, 4], (i, j, k) => 12 * i + 4 * j + k));
    const t = x.permute(2, 0, 1);
    const before = liveOn(ctx.device).bytes;
    const c = t.contiguous();
    expect(liveOn(ctx.device).bytes - before).toBe(24 * 4);
    expect(c.isContiguous()).toBe(true);
    expect([...c.strides]).toEqual([6, 3, 1]);
    await expectTensor(c, cubeValues([4, 2, 3], (k, i, j) => 12 * i + 4 * j + k));
    const s = x.slice(2, 1, 4, 2).contiguous(); // offset and step
    expect([...s.strides]).toEqual([6, 2, 1]);
    await expectTensor(s, cubeValues([2, 3, 2], (i, j, k) => 12 * i + 4 * j + 1 + 2 * k));
  });

  it('clone owns new memory', async () => {
    const x = tensor([1, 2, 3]);
    const before = liveOn(ctx.device).bytes;
    const c = x.clone();
    expect(liveOn(ctx.device).bytes - before).toBe(12);
    c.fill_(0);
    await expectTensor(x, [1, 2, 3]);
    await expectTensor(tensor([[1, 2], [3, 4]]).t().clone(), [[1, 3], [2, 4]]);
  });

  it('chains of views over int and bool tensors', async () => {
    const x = arange(24).reshape(2, 3, 4).permute(2, 0, 1).slice(0, 1, 4, 2).index('...', 0); // [2, 2]: x[k][i] = 12 i + k, k = 1, 3
    await expectTensor(x, [[1, 13], [3, 15]], { dtype: 'int32' });
    const b = arange(6).reshape(2, 3).gt(2).t().unsqueeze(0);
    await expectTensor(b, [[[false, true], [false, true], [false, true]]], { dtype: 'bool', shape: [1, 3, 2] });
  });
}

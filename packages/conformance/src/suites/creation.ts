/** Creation: `tensor`, constant fills, ranges, identity and seeded random tensors. */
import { expect } from 'vitest';
import {
  Generator,
  arange,
  eye,
  full,
  fullLike,
  linspace,
  manualSeed,
  ones,
  onesLike,
  rand,
  randint,
  randn,
  randperm,
  tensor,
  zeros,
  zerosLike,
} from '@tessera/core';
import { cases, expectTensor, range, values } from '../helpers.js';
import type { SuiteContext } from '../run.js';

function mean(v: number[]): number {
  return v.reduce((a, b) => a + b, 0) / v.length;
}

function variance(v: number[]): number {
  const m = mean(v);
  return v.reduce((a, b) => a + (b - m) ** 2, 0) / (v.length - 1);
}

export function creationSuite(ctx: SuiteContext): void {
  const it = cases(ctx, 'creation');

  it('tensor from nested arrays infers shape and float32', async () => {
    const t = tensor([
      [1, 2, 3],
      [4, 5, 6],
    ]);
    expect(t.device).toBe(ctx.device);
    expect(t.ndim).toBe(2);
    expect(t.size).toBe(6);
    expect(t.numel()).toBe(6);
    expect([...t.strides]).toEqual([3, 1]);
    await expectTensor(t, [[1, 2, 3], [4, 5, 6]], { shape: [2, 3], dtype: 'float32' });
    await expectTensor(tensor([[[1], [2]]]), [[[1], [2]]], { shape: [1, 2, 1] });
  });

  it('tensor from a number is 0-d', async () => {
    const t = tensor(2.5);
    expect(t.shape).toEqual([]);
    expect(t.ndim).toBe(0);
    expect(t.size).toBe(1);
    expect(await t.item()).toBe(2.5);
    expect(await t.array()).toBe(2.5);
  });

  it('tensor from empty arrays', async () => {
    await expectTensor(tensor([]), [], { shape: [0], dtype: 'float32' });
    await expectTensor(tensor([[], []]), [], { shape: [2, 0] });
    expect(tensor([[], []]).size).toBe(0);
  });

  it('dtype inference: booleans give bool, mixed values give float32', async () => {
    await expectTensor(tensor([true, false]), [true, false], { dtype: 'bool' });
    await expectTensor(tensor(true), true, { dtype: 'bool', shape: [] });
    await expectTensor(tensor([true, 2]), [1, 2], { dtype: 'float32' });
  });

  it('tensor from typed arrays keeps their dtype', async () => {
    await expectTensor(tensor(new Float32Array([1.5, 2])), [1.5, 2], { dtype: 'float32', shape: [2] });
    await expectTensor(tensor(new Int32Array([-1, 7])), [-1, 7], { dtype: 'int32' });
    await expectTensor(tensor(new Uint8Array([0, 255])), [0, 255], { dtype: 'uint8' });
    await expectTensor(tensor(new Int32Array([1, 2, 3, 4, 5, 6]), { shape: [2, 3] }), [[1, 2, 3], [4, 5, 6]], { shape: [2, 3] });
  });

  it('tensor from a Float64Array is float64', async () => {
    const t = tensor(new Float64Array([0.1, 1e-300]));
    expect(t.dtype).toBe('float64');
    expect(await values(t)).toEqual([0.1, 1e-300]);
  }, { skip: !ctx.float64 });

  it('tensor copies its input', async () => {
    const src = new Float32Array([1, 2]);
    const t = tensor(src);
    src[0] = 100;
    await expectTensor(t, [1, 2]);
  });

  it('dtype option converts: floats truncate toward zero, bool is nonzero', async () => {
    await expectTensor(tensor([1.7, -1.7, 0.2], { dtype: 'int32' }), [1, -1, 0], { dtype: 'int32' });
    await expectTensor(tensor([0, 2, -1, 0.5], { dtype: 'bool' }), [false, true, true, true], { dtype: 'bool' });
    await expectTensor(tensor([true, false], { dtype: 'float32' }), [1, 0], { dtype: 'float32' });
    await expectTensor(tensor(new Int32Array([3, 0]), { dtype: 'bool' }), [true, false]);
    await expectTensor(tensor([[1, 2]], { shape: [2, 1] }), [[1], [2]], { shape: [2, 1] });
  });

  it('tensor rejects ragged and non-numeric input with a clear error', () => {
    expect(() => tensor([[1, 2], [3]])).toThrow(/tensor: ragged nested array at \[1\]/);
    expect(() => tensor([1, 'a' as unknown as number])).toThrow(/tensor: expected numbers or booleans, found string/);
    expect(() => tensor(new Float32Array(5), { shape: [2, 3] })).toThrow(/tensor: shape \[2,3\] needs 6 values/);
    expect(() => tensor([1, 2], { dtype: 'int64' as never })).toThrow(/tensor: unknown dtype "int64"/);
  });

  it('zeros, ones and full', async () => {
    await expectTensor(zeros(2, 3), [[0, 0, 0], [0, 0, 0]], { shape: [2, 3], dtype: 'float32' });
    await expectTensor(zeros([2, 3]), [[0, 0, 0], [0, 0, 0]], { shape: [2, 3] });
    await expectTensor(zeros([2], { dtype: 'int32' }), [0, 0], { dtype: 'int32' });
    await expectTensor(ones([3]), [1, 1, 1], { dtype: 'float32' });
    await expectTensor(ones([2], { dtype: 'bool' }), [true, true], { dtype: 'bool' });
    await expectTensor(ones([2], { dtype: 'uint8' }), [1, 1], { dtype: 'uint8' });
    await expectTensor(full([2, 2], 7), [[7, 7], [7, 7]], { dtype: 'float32' });
    await expectTensor(full([2], -1.5), [-1.5, -1.5]);
    await expectTensor(full([2], true), [true, true], { dtype: 'bool' });
    await expectTensor(full([2], 2.9, { dtype: 'int32' }), [2, 2], { dtype: 'int32' });
    await expectTensor(full([1], Number.NaN), [Number.NaN]);
  });

  it('zero-size and 0-d fills', async () => {
    await expectTensor(zeros([]), 0, { shape: [] });
    await expectTensor(full([], 3), 3, { shape: [] });
    await expectTensor(zeros([0]), [], { shape: [0] });
    await expectTensor(ones([3, 0, 2]), [], { shape: [3, 0, 2] });
  });

  it('invalid shapes throw naming the op', () => {
    expect(() => zeros([-1, 2])).toThrow(/zeros: invalid shape \[-1,2\]/);
    expect(() => ones([2.5])).toThrow(/ones: invalid shape/);
    expect(() => full([Number.NaN], 1)).toThrow(/full: invalid shape/);
  });

  it('zerosLike, onesLike, fullLike copy shape, dtype and device', async () => {
    const x = tensor([[1, 2, 3]], { dtype: 'int32' });
    const z = zerosLike(x);
    expect(z.device).toBe(ctx.device);
    await expectTensor(z, [[0, 0, 0]], { shape: [1, 3], dtype: 'int32' });
    await expectTensor(onesLike(x), [[1, 1, 1]], { dtype: 'int32' });
    await expectTensor(onesLike(x, { dtype: 'float32' }), [[1, 1, 1]], { dtype: 'float32' });
    await expectTensor(fullLike(x, 4), [[4, 4, 4]], { dtype: 'int32' });
    await expectTensor(zerosLike(tensor(5)), 0, { shape: [] });
  });

  it('arange: integer arguments give int32, fractional give float32', async () => {
    await expectTensor(arange(5), [0, 1, 2, 3, 4], { dtype: 'int32', shape: [5] });
    await expectTensor(arange(1, 4), [1, 2, 3], { dtype: 'int32' });
    await expectTensor(arange(0, 10, 3), [0, 3, 6, 9]);
    await expectTensor(arange(5, 0, -2), [5, 3, 1]);
    await expectTensor(arange(0, 1, 0.25), [0, 0.25, 0.5, 0.75], { dtype: 'float32' });
    await expectTensor(arange(3, { dtype: 'float32' }), [0, 1, 2], { dtype: 'float32' });
    await expectTensor(arange(-1.5, 1), [-1.5, -0.5, 0.5]);
    expect(arange(0, 1, 0.1).shape).toEqual([10]);
    await expectTensor(arange(0), [], { shape: [0] });
    await expectTensor(arange(3, 3), [], { shape: [0] });
  });

  it('arange rejects a zero step or a step of the wrong sign', () => {
    expect(() => arange(0, 5, 0)).toThrow(/arange: step must be nonzero/);
    expect(() => arange(0, 5, -1)).toThrow(/arange: upper bound and larger bound inconsistent with step sign/);
    expect(() => arange(0, Number.POSITIVE_INFINITY)).toThrow(/arange/);
  });

  it('linspace includes both ends exactly', async () => {
    await expectTensor(linspace(0, 1, 5), [0, 0.25, 0.5, 0.75, 1], { dtype: 'float32', shape: [5] });
    await expectTensor(linspace(-1, 1, 3), [-1, 0, 1]);
    await expectTensor(linspace(2, -2, 5), [2, 1, 0, -1, -2]);
    await expectTensor(linspace(3, 7, 1), [3]);
    await expectTensor(linspace(0, 1, 0), [], { shape: [0] });
    const v = await values(linspace(0, 0.3, 7));
    expect(v[6]).toBe(Math.fround(0.3));
    expect(v[0]).toBe(0);
    expect(() => linspace(0, 1, -1)).toThrow(/linspace: number of steps must be a non-negative integer/);
  });

  it('eye: square, rectangular, other dtypes', async () => {
    await expectTensor(eye(3), [[1, 0, 0], [0, 1, 0], [0, 0, 1]], { dtype: 'float32', shape: [3, 3] });
    await expectTensor(eye(2, 3), [[1, 0, 0], [0, 1, 0]], { shape: [2, 3] });
    await expectTensor(eye(3, 2), [[1, 0], [0, 1], [0, 0]], { shape: [3, 2] });
    await expectTensor(eye(2, 2, { dtype: 'int32' }), [[1, 0], [0, 1]], { dtype: 'int32' });
    await expectTensor(eye(0), [], { shape: [0, 0] });
  });

  it('manualSeed makes rand, randn, randint and randperm reproducible', async () => {
    manualSeed(1234);
    const a = [await values(rand([6])), await values(randn([6])), await values(randint(0, 100, [6])), await values(randperm(8))];
    manualSeed(1234);
    const b = [await values(rand([6])), await values(randn([6])), await values(randint(0, 100, [6])), await values(randperm(8))];
    expect(b).toEqual(a);
    manualSeed(4321);
    expect(await values(rand([6]))).not.toEqual(a[0]);
  });

  it('random values equal the host Generator stream (same seed, same numbers on every device)', async () => {
    const g = new Generator(99);
    const u = range(5).map(() => Math.fround(g.random()));
    const n = range(5).map(() => Math.fround(g.normal()));
    const r = new Generator(99);
    expect(await values(rand([5], { generator: r }))).toEqual(u);
    expect(await values(randn([5], { generator: r }))).toEqual(n);
    const gi = new Generator(3);
    const ints = range(4).map(() => gi.integer(-5, 5));
    expect(await values(randint(-5, 5, [4], { generator: new Generator(3) }))).toEqual(ints);
  });

  it('an explicit Generator is independent of the default one', async () => {
    const x1 = await values(rand([4], { generator: new Generator(7) }));
    const x2 = await values(rand([4], { generator: new Generator(7) }));
    expect(x2).toEqual(x1);
    manualSeed(5);
    const expected = await values(rand([3]));
    manualSeed(5);
    rand([10], { generator: new Generator(8) });
    expect(await values(rand([3]))).toEqual(expected);
    // Consecutive draws from one generator continue the stream.
    const g = new Generator(7);
    const first = await values(rand([2], { generator: g }));
    const second = await values(rand([2], { generator: g }));
    expect([...first, ...second]).toEqual(x1);
  });

  it('rand: shape, dtype, range and moments', async () => {
    const t = rand([100, 200], { generator: new Generator(1) });
    expect(t.shape).toEqual([100, 200]);
    expect(t.dtype).toBe('float32');
    const v = await values(t);
    expect(Math.min(...v)).toBeGreaterThanOrEqual(0);
    expect(Math.max(...v)).toBeLessThan(1);
    expect(Math.abs(mean(v) - 0.5)).toBeLessThan(0.01);
    expect(Math.abs(variance(v) - 1 / 12)).toBeLessThan(0.003);
    expect(() => rand([2], { dtype: 'int32' })).toThrow(/rand: dtype must be float32 or float64, got int32/);
  });

  it('randn: moments and tails', async () => {
    const v = await values(randn([20000], { generator: new Generator(2) }));
    expect(v.every(Number.isFinite)).toBe(true);
    expect(Math.abs(mean(v))).toBeLessThan(0.03);
    expect(Math.abs(Math.sqrt(variance(v)) - 1)).toBeLessThan(0.03);
    const beyond2 = v.filter((x) => Math.abs(x) > 2).length / v.length;
    expect(Math.abs(beyond2 - 0.0455)).toBeLessThan(0.008);
  });

  it('rand and randn in float64', async () => {
    const t = rand([1000], { dtype: 'float64', generator: new Generator(3) });
    expect(t.dtype).toBe('float64');
    const g = new Generator(3);
    expect((await values(t)).slice(0, 3)).toEqual([g.random(), g.random(), g.random()]);
    expect(randn([2, 2], { dtype: 'float64' }).dtype).toBe('float64');
  }, { skip: !ctx.float64 });

  it('randint: range, dtype and coverage', async () => {
    const t = randint(-3, 4, [5000], { generator: new Generator(4) });
    expect(t.dtype).toBe('int32');
    const v = await values(t);
    expect(v.every((x) => Number.isInteger(x) && x >= -3 && x < 4)).toBe(true);
    expect(new Set(v).size).toBe(7);
    for (let k = -3; k < 4; k++) expect(Math.abs(v.filter((x) => x === k).length / 5000 - 1 / 7)).toBeLessThan(0.03);
    expect(randint(0, 2, [3], { dtype: 'float32' }).dtype).toBe('float32');
    expect(() => randint(5, 5, [2])).toThrow(/randint: expected integers low < high, got low=5, high=5/);
  });

  it('randperm is a permutation', async () => {
    const v = await values(randperm(50, { generator: new Generator(5) }));
    expect([...v].sort((a, b) => a - b)).toEqual(range(50));
    expect(v).not.toEqual(range(50));
    expect(randperm(50).dtype).toBe('int32');
    await expectTensor(randperm(0), [], { shape: [0] });
    await expectTensor(randperm(1), [0]);
    expect(() => randperm(-1)).toThrow(/randperm: n must be a non-negative integer/);
  });
}

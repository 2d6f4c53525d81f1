/** Elementwise ops: values, broadcasting, scalars, type promotion, special values and strided inputs. */
import { expect } from 'vitest';
import {
  abs,
  add,
  arange,
  ceil,
  clamp,
  cos,
  div,
  eq,
  exp,
  expm1,
  floor,
  gelu,
  ge,
  gt,
  isfinite,
  isnan,
  le,
  log,
  log1p,
  logicalAnd,
  logicalNot,
  logicalOr,
  lt,
  maximum,
  minimum,
  mul,
  ne,
  neg,
  pow,
  relu,
  remainder,
  round,
  rsqrt,
  sigmoid,
  sign,
  silu,
  sin,
  softplus,
  sqrt,
  sub,
  tanh,
  tensor,
  where,
  zeros,
  type Tensor,
} from '@tessera/core';
import { ACTIVATIONS, ACT_X } from '../fixtures/torch.js';
import { cases, expectTensor } from '../helpers.js';
import type { SuiteContext } from '../run.js';

const NaN_ = Number.NaN;
const INF = Number.POSITIVE_INFINITY;

/** Inputs for the unary-op checks, chosen inside every op's domain. */
const XS = [-2.5, -1, -0.25, 0, 0.3, 1, 2.75];
const POS = [1e-3, 0.25, 1, 2, 10, 1e4];

/** Unary ops checked against their float64 JavaScript definitions. */
const UNARY: [string, (t: Tensor) => Tensor, (x: number) => number, number[]][] = [
  ['neg', neg, (x) => -x, XS],
  ['abs', abs, Math.abs, XS],
  ['exp', exp, Math.exp, XS],
  ['expm1', expm1, Math.expm1, XS],
  ['log', log, Math.log, POS],
  ['log1p', log1p, Math.log1p, [-0.5, ...POS]],
  ['sqrt', sqrt, Math.sqrt, [0, ...POS]],
  ['rsqrt', rsqrt, (x) => 1 / Math.sqrt(x), POS],
  ['sin', sin, Math.sin, [...XS, 100]],
  ['cos', cos, Math.cos, [...XS, 100]],
  ['tanh', tanh, Math.tanh, [...XS, 20, -20]],
  ['sigmoid', sigmoid, (x) => 1 / (1 + Math.exp(-x)), [...XS, 30, -30]],
  ['relu', relu, (x) => Math.max(x, 0), XS],
  ['silu', silu, (x) => x / (1 + Math.exp(-x)), [...XS, -30, 30]],
  ['floor', floor, Math.floor, [...XS, -0.5, 0.5]],
  ['ceil', ceil, Math.ceil, [...XS, -0.5, 0.5]],
  ['sign', sign, Math.sign, XS],
];

export function elementwiseSuite(ctx: SuiteContext): void {
  const it = cases(ctx, 'elementwise');

  for (const [name, op, ref, xs] of UNARY) {
    it(`${name} matches its definition`, async () => {
      const x = tensor(xs);
      const want = xs.map((v) => ref(Math.fround(v)));
      await expectTensor(op(x), want, { dtype: 'float32', shape: [xs.length] });
      // The method form gives the same result.
      const method = (x as unknown as Record<string, () => Tensor>)[name]!.call(x);
      await expectTensor(method, want);
    });
  }

  it('gelu (exact and tanh approximation), softplus, erf match PyTorch', async () => {
    const x = tensor(ACT_X);
    await expectTensor(gelu(x), ACTIVATIONS.geluNone, { atol: 1e-6 });
    await expectTensor(x.gelu('none'), ACTIVATIONS.geluNone, { atol: 1e-6 });
    await expectTensor(gelu(x, 'tanh'), ACTIVATIONS.geluTanh, { atol: 1e-6 });
    await expectTensor(softplus(x), ACTIVATIONS.softplus, { atol: 1e-6 });
    await expectTensor(softplus(x, 2, 4), ACTIVATIONS.softplusBeta2, { atol: 1e-6 });
    await expectTensor(x.erf(), ACTIVATIONS.erf, { atol: 1e-6 });
    expect(() => gelu(x, 'fast' as never)).toThrow(/gelu: approximate must be 'none' or 'tanh'/);
  });

  it('softplus is linear above the threshold and tiny far below', async () => {
    await expectTensor(softplus(tensor([30, 100, -30])), [30, 100, Math.log1p(Math.exp(-30))], { atol: 0, rtol: 1e-5 });
  });

  it('expm1 and log1p are accurate near 0', async () => {
    await expectTensor(expm1(tensor([1e-7, -1e-6])), [Math.expm1(Math.fround(1e-7)), Math.expm1(Math.fround(-1e-6))], { atol: 0, rtol: 1e-5 });
    await expectTensor(log1p(tensor([1e-7, -1e-6])), [Math.log1p(Math.fround(1e-7)), Math.log1p(Math.fround(-1e-6))], { atol: 0, rtol: 1e-5 });
  });

  it('round is half to even', async () => {
    await expectTensor(round(tensor([-2.5, -1.5, -0.5, 0.5, 1.5, 2.5, 0.49999997, 2.6, -2.6])), [-2, -2, -0, 0, 2, 2, 0, 3, -3]);
  });

  it('unary ops on special values follow IEEE (NaN, ±inf, domain errors)', async () => {
    const x = tensor([NaN_, INF, -INF, 0]);
    await expectTensor(exp(x), [NaN_, INF, 0, 1]);
    await expectTensor(log(tensor([0, -1, INF, NaN_])), [-INF, NaN_, INF, NaN_]);
    await expectTensor(log1p(tensor([-1, -2])), [-INF, NaN_]);
    await expectTensor(sqrt(tensor([-1, INF, 0])), [NaN_, INF, 0]);
    await expectTensor(rsqrt(tensor([0, INF, -1])), [INF, 0, NaN_]);
    await expectTensor(tanh(x), [NaN_, 1, -1, 0]);
    await expectTensor(sigmoid(x), [NaN_, 1, 0, 0.5]);
    await expectTensor(relu(x), [NaN_, INF, 0, 0]);
    await expectTensor(abs(x), [NaN_, INF, INF, 0]);
    await expectTensor(neg(x), [NaN_, -INF, INF, 0]);
    await expectTensor(floor(x), [NaN_, INF, -INF, 0]);
    await expectTensor(sign(tensor([INF, -INF, 0])), [1, -1, 0]);
    await expectTensor(sin(tensor([INF])), [NaN_]);
    await expectTensor(silu(tensor([-INF, INF])), [NaN_, INF]);
  });

  it('unary ops keep integer dtypes where PyTorch does and promote elsewhere', async () => {
    const i = tensor([-3, 0, 4], { dtype: 'int32' });
    await expectTensor(neg(i), [3, 0, -4], { dtype: 'int32' });
    await expectTensor(abs(i), [3, 0, 4], { dtype: 'int32' });
    await expectTensor(relu(i), [0, 0, 4], { dtype: 'int32' });
    await expectTensor(sign(i), [-1, 0, 1], { dtype: 'int32' });
    await expectTensor(floor(i), [-3, 0, 4], { dtype: 'int32' });
    await expectTensor(ceil(i), [-3, 0, 4], { dtype: 'int32' });
    await expectTensor(round(i), [-3, 0, 4], { dtype: 'int32' });
    await expectTensor(exp(tensor([0, 1], { dtype: 'int32' })), [1, Math.E], { dtype: 'float32' });
    await expectTensor(sqrt(tensor([4, 9], { dtype: 'uint8' })), [2, 3], { dtype: 'float32' });
    await expectTensor(sigmoid(tensor([true, false])), [1 / (1 + Math.exp(-1)), 0.5], { dtype: 'float32' });
  });

  it('add, sub, mul, div, pow, remainder', async () => {
    const a = tensor([[1, -2, 3.5], [0, 4, -6]]);
    const b = tensor([[2, 2, -0.5], [1, -8, 4]]);
    await expectTensor(add(a, b), [[3, 0, 3], [1, -4, -2]], { shape: [2, 3], dtype: 'float32' });
    await expectTensor(a.add(b), [[3, 0, 3], [1, -4, -2]]);
    await expectTensor(sub(a, b), [[-1, -4, 4], [-1, 12, -10]]);
    await expectTensor(mul(a, b), [[2, -4, -1.75], [0, -32, -24]]);
    await expectTensor(div(a, b), [[0.5, -1, -7], [0, -0.5, -1.5]]);
    await expectTensor(pow(tensor([2, 3, 4, 9]), tensor([3, 0, 0.5, -1])), [8, 1, 2, 1 / 9]);
    await expectTensor(remainder(tensor([5, -5, 5, -5, 5.5]), tensor([3, 3, -3, -3, 2])), [2, 1, -1, -2, 1.5]);
  });

  it('add and sub with alpha', async () => {
    const a = tensor([1, 2]);
    await expectTensor(a.add(tensor([10, 20]), 0.5), [6, 12]);
    await expectTensor(a.sub(tensor([10, 20]), 2), [-19, -38]);
    await expectTensor(add(a, 3, 2), [7, 8]);
  });

  it('pow and remainder edge cases follow PyTorch', async () => {
    await expectTensor(pow(tensor([0, -8, 2, -2, NaN_, 1]), tensor([0, 1 / 3, -1, 0.5, 0, NaN_])), [1, NaN_, 0.5, NaN_, 1, 1]);
    await expectTensor(pow(tensor([0, -2]), -1), [INF, -0.5]);
    await expectTensor(pow(tensor([-2, 3], { dtype: 'int32' }), 3), [-8, 27], { dtype: 'int32' });
    await expectTensor(pow(2, tensor([0, 1, 10])), [1, 2, 1024]);
    await expectTensor(remainder(tensor([1, -1]), 0), [NaN_, NaN_]);
    await expectTensor(remainder(tensor([-3, 3, 7, -7], { dtype: 'int32' }), 2), [1, 1, 1, 1], { dtype: 'int32' });
    await expectTensor(remainder(tensor([7, -7], { dtype: 'int32' }), -3), [-2, -1], { dtype: 'int32' });
    await expectTensor(remainder(tensor([-1e-8]), 1), [1], { atol: 1e-6 });
  });

  it('division by zero gives ±inf and NaN', async () => {
    await expectTensor(div(tensor([1, -1, 0]), 0), [INF, -INF, NaN_]);
    await expectTensor(div(tensor([1, -1, 0], { dtype: 'int32' }), tensor([0, 0, 0], { dtype: 'int32' })), [INF, -INF, NaN_], { dtype: 'float32' });
  });

  it('minimum and maximum propagate NaN', async () => {
    const a = tensor([1, NaN_, 3, -INF]);
    const b = tensor([NaN_, 2, 1, 0]);
    await expectTensor(minimum(a, b), [NaN_, NaN_, 1, -INF]);
    await expectTensor(maximum(a, b), [NaN_, NaN_, 3, 0]);
    await expectTensor(maximum(tensor([1, 5], { dtype: 'int32' }), 3), [3, 5], { dtype: 'int32' });
    await expectTensor(minimum(tensor([[1], [5]]), tensor([0, 2, 6])), [[0, 1, 1], [0, 2, 5]], { shape: [2, 3] });
  });

  it('clamp with scalar and tensor bounds, one-sided, NaN and min > max', async () => {
    const x = tensor([-2, -0.5, 0.5, 2, NaN_]);
    await expectTensor(clamp(x, -1, 1), [-1, -0.5, 0.5, 1, NaN_]);
    await expectTensor(x.clamp(0), [0, 0, 0.5, 2, NaN_]);
    await expectTensor(x.clamp(null, 0), [-2, -0.5, 0, 0, NaN_]);
    await expectTensor(x.clamp(undefined, 0), [-2, -0.5, 0, 0, NaN_]);
    await expectTensor(clamp(x, 1, -1), [-1, -1, -1, -1, NaN_]);
    await expectTensor(clamp(tensor([[1, 5], [3, 9]]), tensor([2, 4]), tensor([[3], [8]])), [[2, 3], [3, 8]]);
    await expectTensor(clamp(tensor([1, 5, 3], { dtype: 'int32' }), 2, 4), [2, 4, 3], { dtype: 'int32' });
    await expectTensor(clamp(tensor([1, 5], { dtype: 'int32' }), 0.5, 2.5), [1, 2.5], { dtype: 'float32' });
    expect(() => clamp(x)).toThrow(/clamp: at least one of 'min' or 'max' must not be None/);
  });

  it('comparisons give bool and follow IEEE for NaN', async () => {
    const a = tensor([1, 2, 3, NaN_, INF]);
    const b = tensor([2, 2, 2, NaN_, INF]);
    await expectTensor(eq(a, b), [false, true, false, false, true], { dtype: 'bool' });
    await expectTensor(ne(a, b), [true, false, true, true, false], { dtype: 'bool' });
    await expectTensor(lt(a, b), [true, false, false, false, false], { dtype: 'bool' });
    await expectTensor(le(a, b), [true, true, false, false, true], { dtype: 'bool' });
    await expectTensor(gt(a, b), [false, false, true, false, false], { dtype: 'bool' });
    await expectTensor(ge(a, b), [false, true, true, false, true], { dtype: 'bool' });
    await expectTensor(a.gt(2), [false, false, true, false, true]);
    await expectTensor(a.le(2), [true, true, false, false, false]);
    await expectTensor(eq(tensor([1, 2], { dtype: 'int32' }), tensor([1, 2.5])), [true, false]);
    await expectTensor(eq(tensor([1, 0], { dtype: 'int32' }), 1.0), [true, false]);
    await expectTensor(lt(tensor([true, false]), tensor([true, true])), [false, true]);
  });

  it('logical ops use truthiness and give bool', async () => {
    const a = tensor([true, true, false, false]);
    const b = tensor([true, false, true, false]);
    await expectTensor(logicalAnd(a, b), [true, false, false, false], { dtype: 'bool' });
    await expectTensor(logicalOr(a, b), [true, true, true, false], { dtype: 'bool' });
    await expectTensor(logicalNot(a), [false, false, true, true], { dtype: 'bool' });
    await expectTensor(logicalAnd(tensor([2, 0, -1, NaN_]), tensor([0.5, 3, 0, 1])), [true, false, false, true], { dtype: 'bool' });
    await expectTensor(logicalOr(tensor([0, 0], { dtype: 'int32' }), tensor([0, 7], { dtype: 'int32' })), [false, true]);
    await expectTensor(logicalNot(tensor([0, 1.5, NaN_])), [true, false, false], { dtype: 'bool' });
    await expectTensor(logicalNot(tensor([0, 3], { dtype: 'int32' })), [true, false]);
    await expectTensor(tensor([true, false]).logicalOr(false), [true, false]);
  });

  it('isnan and isfinite', async () => {
    const x = tensor([1, NaN_, INF, -INF, 0]);
    await expectTensor(isnan(x), [false, true, false, false, false], { dtype: 'bool' });
    await expectTensor(isfinite(x), [true, false, false, false, true], { dtype: 'bool' });
    await expectTensor(isnan(tensor([1, 2], { dtype: 'int32' })), [false, false]);
    await expectTensor(isfinite(tensor([1, 2], { dtype: 'int32' })), [true, true]);
  });

  it('where selects with broadcasting and scalars', async () => {
    const c = tensor([[true, false, true]]);
    await expectTensor(where(c, tensor([[1, 2, 3], [4, 5, 6]]), tensor([-1, -2, -3])), [[1, -2, 3], [4, -2, 6]], { shape: [2, 3] });
    await expectTensor(where(tensor([true, false]), 1, 0), [1, 0], { dtype: 'int32' });
    await expectTensor(where(tensor([true, false]), 1.5, 0), [1.5, 0], { dtype: 'float32' });
    await expectTensor(where(tensor([[true], [false]]), true, false), [[true], [false]], { dtype: 'bool', shape: [2, 1] });
    await expectTensor(tensor([1, 2], { dtype: 'int32' }).where(tensor([false, true]), 0), [0, 2], { dtype: 'int32' });
    await expectTensor(where(tensor([true, false]), tensor([1, 2], { dtype: 'int32' }), 0.5), [1, 0.5], { dtype: 'float32' });
    await expectTensor(where(tensor([false, true]), tensor([NaN_, NaN_]), tensor([7, 8])), [7, NaN_]);
    expect(() => where(tensor([1, 0]), tensor([1, 2]), 0)).toThrow(/where: expected condition to be a bool tensor, got float32/);
  });

  it('broadcasting follows NumPy rules', async () => {
    const col = tensor([[1], [2], [3]]);
    const row = tensor([10, 20]);
    await expectTensor(add(col, row), [[11, 21], [12, 22], [13, 23]], { shape: [3, 2] });
    await expectTensor(mul(tensor([[[1, 2]]]), tensor([[3], [4]])), [[[3, 6], [4, 8]]], { shape: [1, 2, 2] });
    await expectTensor(sub(tensor([5]), tensor([[1, 2], [3, 4]])), [[4, 3], [2, 1]]);
    await expectTensor(add(tensor([[1, 2]]), tensor([[10], [20]])), [[11, 12], [21, 22]]);
  });

  it('broadcasting errors name the op and both shapes', () => {
    expect(() => add(zeros([2, 3]), zeros([4]))).toThrow('add: shapes [2,3] and [4] cannot be broadcast (dimension 1: 3 vs 4)');
    expect(() => mul(zeros([2, 1, 3]), zeros([4, 2]))).toThrow(/mul: shapes \[2,1,3\] and \[4,2\] cannot be broadcast/);
    expect(() => where(tensor([true, false]), zeros([3]), 0)).toThrow(/where: shapes/);
    expect(() => eq(zeros([0]), zeros([2]))).toThrow(/eq: shapes \[0\] and \[2\] cannot be broadcast/);
  });

  it('scalar operands on either side', async () => {
    const x = tensor([1, 2, 4]);
    await expectTensor(add(x, 1), [2, 3, 5]);
    await expectTensor(add(1, x), [2, 3, 5]);
    await expectTensor(sub(10, x), [9, 8, 6]);
    await expectTensor(div(8, x), [8, 4, 2]);
    await expectTensor(x.div(2), [0.5, 1, 2]);
    await expectTensor(pow(x, 2), [1, 4, 16]);
    await expectTensor(x.mul(true), [1, 2, 4], { dtype: 'float32' });
    await expectTensor(x.add(NaN_), [NaN_, NaN_, NaN_]);
    await expectTensor(x.mul(INF), [INF, INF, INF]);
  });

  it('type promotion between tensors', async () => {
    const i = tensor([1, 2], { dtype: 'int32' });
    const f = tensor([0.5, 0.5]);
    const u = tensor([250, 3], { dtype: 'uint8' });
    const b = tensor([true, false]);
    await expectTensor(add(i, f), [1.5, 2.5], { dtype: 'float32' });
    await expectTensor(add(f, i), [1.5, 2.5], { dtype: 'float32' });
    await expectTensor(add(u, i), [251, 5], { dtype: 'int32' });
    await expectTensor(add(b, i), [2, 2], { dtype: 'int32' });
    await expectTensor(mul(b, f), [0.5, 0], { dtype: 'float32' });
    await expectTensor(div(i, tensor([2, 4], { dtype: 'int32' })), [0.5, 0.5], { dtype: 'float32' });
    await expectTensor(div(tensor([7, -7], { dtype: 'int32' }), 2), [3.5, -3.5], { dtype: 'float32' });
    await expectTensor(add(u, tensor([10, 0], { dtype: 'uint8' })), [4, 3], { dtype: 'uint8' }); // uint8 wraps
  });

  it('type promotion with scalars lifts the category, not the width', async () => {
    const i = tensor([1, 2], { dtype: 'int32' });
    await expectTensor(add(i, 1.5), [2.5, 3.5], { dtype: 'float32' });
    await expectTensor(add(i, 1), [2, 3], { dtype: 'int32' });
    await expectTensor(mul(i, 2), [2, 4], { dtype: 'int32' });
    await expectTensor(add(tensor([1, 2], { dtype: 'uint8' }), 1), [2, 3], { dtype: 'uint8' });
    await expectTensor(add(tensor([true, false]), 1), [2, 1], { dtype: 'int32' });
    await expectTensor(add(tensor([true, false]), 0.5), [1.5, 0.5], { dtype: 'float32' });
    // A 0-d tensor does not widen a dimensioned tensor of the same category.
    await expectTensor(add(i, tensor(5, { dtype: 'uint8' })), [6, 7], { dtype: 'int32' });
    await expectTensor(add(tensor([1, 2], { dtype: 'uint8' }), tensor(5, { dtype: 'int32' })), [6, 7], { dtype: 'uint8' });
    await expectTensor(add(i, tensor(0.5)), [1.5, 2.5], { dtype: 'float32' });
  });

  it('float64 promotion and 0-d float64 operands', async () => {
    const d = tensor([1, 2], { dtype: 'float64' });
    await expectTensor(add(d, tensor([0.5, 0.5])), [1.5, 2.5], { dtype: 'float64' });
    await expectTensor(add(d, tensor([1, 1], { dtype: 'int32' })), [2, 3], { dtype: 'float64' });
    await expectTensor(add(tensor([1, 2]), tensor(0.5, { dtype: 'float64' })), [1.5, 2.5], { dtype: 'float32' });
    await expectTensor(exp(d), [Math.E, Math.E ** 2], { dtype: 'float64' });
    await expectTensor(div(tensor([1], { dtype: 'float64' }), 3), [1 / 3], { dtype: 'float64' });
  }, { skip: !ctx.float64 });

  it('bool + bool stays bool (logical or), as in PyTorch', async () => {
    await expectTensor(add(tensor([true, true, false]), tensor([true, false, false])), [true, true, false], { dtype: 'bool' });
    await expectTensor(mul(tensor([true, true, false]), tensor([true, false, false])), [true, false, false], { dtype: 'bool' });
  });

  it('subtracting or negating bool tensors throws, as in PyTorch', () => {
    const b = tensor([true, false]);
    expect(() => sub(b, tensor([true, true]))).toThrow(/sub: subtraction with two bool operands is not supported/);
    expect(() => b.sub(true)).toThrow(/sub: subtraction with two bool operands is not supported/);
    expect(() => neg(b)).toThrow(/neg: negation of a bool tensor is not supported; use logicalNot/);
  });

  it('bool minus a number promotes instead', async () => {
    await expectTensor(sub(tensor([true, false]), 1), [0, -1], { dtype: 'int32' });
    await expectTensor(sub(tensor([true, false]), tensor([1, 1], { dtype: 'int32' })), [0, -1], { dtype: 'int32' });
  });

  it('0-d tensors', async () => {
    const s = tensor(3);
    await expectTensor(add(s, tensor(4)), 7, { shape: [] });
    await expectTensor(exp(tensor(0)), 1, { shape: [] });
    await expectTensor(mul(s, tensor([[1, 2]])), [[3, 6]], { shape: [1, 2] });
    await expectTensor(gt(s, 2), true, { shape: [], dtype: 'bool' });
    await expectTensor(where(tensor(false), s, tensor([1, 2])), [1, 2], { shape: [2] });
    expect(await add(s, 1).item()).toBe(4);
  });

  it('empty tensors', async () => {
    const e = zeros([0, 3]);
    await expectTensor(add(e, 1), [], { shape: [0, 3] });
    await expectTensor(exp(e), [], { shape: [0, 3] });
    await expectTensor(add(e, zeros([1, 3])), [], { shape: [0, 3] });
    await expectTensor(add(zeros([0]), zeros([1])), [], { shape: [0] });
    await expectTensor(add(zeros([2, 0]), tensor(1)), [], { shape: [2, 0] });
    await expectTensor(lt(e, 0), [], { shape: [0, 3], dtype: 'bool' });
    await expectTensor(where(zeros([0], { dtype: 'bool' }), 1, 2), [], { shape: [0] });
  });

  it('non-contiguous inputs: transposed, strided slices, offsets and expanded views', async () => {
    const m = arange(6, { dtype: 'float32' }).reshape(2, 3); // [[0,1,2],[3,4,5]]
    const t = m.transpose(0, 1); // [[0,3],[1,4],[2,5]]
    expect(t.isContiguous()).toBe(false);
    await expectTensor(exp(t), [[0, 3], [1, 4], [2, 5]].map((r) => r.map(Math.exp)));
    await expectTensor(add(t, tensor([[10, 20]])), [[10, 23], [11, 24], [12, 25]]);
    await expectTensor(mul(t, t), [[0, 9], [1, 16], [4, 25]]);
    const v = arange(10, { dtype: 'float32' }).slice(0, 1, 9, 3); // [1, 4, 7]
    await expectTensor(neg(v), [-1, -4, -7]);
    await expectTensor(sub(v, tensor([1, 1, 1])), [0, 3, 6]);
    const e = tensor([[1], [2]]).expand(2, 3);
    await expectTensor(add(e, m), [[1, 2, 3], [5, 6, 7]]);
    await expectTensor(sqrt(e), [[1, 1, 1], [Math.SQRT2, Math.SQRT2, Math.SQRT2]]);
    await expectTensor(where(m.gt(2), t.t(), e), [[1, 1, 1], [3, 4, 5]]);
    const col = m.select(1, 2); // [2, 5] with stride 3, offset 2
    await expectTensor(col.mul(col), [4, 25]);
    await expectTensor(m.index(':', '::2').add(0), [[0, 2], [3, 5]]);
  });

  it('integer kernels on strided int and bool views', async () => {
    const m = arange(6).reshape(2, 3).transpose(0, 1); // int32 [[0,3],[1,4],[2,5]]
    await expectTensor(add(m, 1), [[1, 4], [2, 5], [3, 6]], { dtype: 'int32' });
    await expectTensor(eq(m, tensor([[0, 4]], { dtype: 'int32' })), [[true, false], [false, true], [false, false]]);
    await expectTensor(logicalNot(m.gt(2)), [[true, false], [true, false], [true, false]]);
  });

  it('operands must be tensors, numbers or booleans', () => {
    const x = tensor([1]);
    expect(() => add(x, [1] as unknown as number)).toThrow(/add: other must be a Tensor, number or boolean, got an array/);
    expect(() => mul('2' as unknown as number, x)).toThrow(/mul: input must be a Tensor, number or boolean, got string/);
    expect(() => add(1 as unknown as Tensor, 2)).toThrow(/add: at least one operand must be a Tensor/);
    const d = tensor([1]);
    d.dispose();
    expect(() => add(d, 1)).toThrow(/has been disposed/);
    expect(() => exp(d)).toThrow(/has been disposed/);
  });
}

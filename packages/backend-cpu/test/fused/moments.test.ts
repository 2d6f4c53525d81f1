import { logsumexp, mean, std, tensor, variance } from '@tessera/core';
import { describe, expect, it } from 'vitest';
import { expectMatchesComposition, layouts, rnd, withSpecials } from './compare.js';

const DIMS: (number | number[] | undefined)[] = [undefined, 0, 1, 2, -1, [0, 2], [-1, 0], [0, 1, 2], []];

describe('fused mean, var and logsumexp', () => {
  it('match the composition over every dim set and layout, with and without keepdim', () => {
    const x = rnd([4, 5, 6], { seed: 17 });
    for (const [layout, v] of Object.entries(layouts(x))) {
      for (const dims of DIMS) {
        for (const keepdim of [false, true]) {
          const label = `${layout}, dims ${JSON.stringify(dims)}, keepdim ${keepdim}`;
          expect(() => expectMatchesComposition('mean', (t) => mean(t, dims, keepdim), [v]), `mean ${label}`).not.toThrow();
          expect(() => expectMatchesComposition('var', (t) => variance(t, dims, { keepdim }), [v]), `var ${label}`).not.toThrow();
          if (dims !== undefined) {
            expect(() => expectMatchesComposition('logsumexp', (t) => logsumexp(t, dims, keepdim), [v]), `logsumexp ${label}`).not.toThrow();
          }
        }
      }
    }
  });

  it('var honours correction and unbiased; std goes through var', () => {
    const x = rnd([6, 7], { seed: 2 });
    for (const correction of [0, 1, 2, 0.5, 7, 10]) {
      expectMatchesComposition('var', (t) => variance(t, 1, { correction }), [x]);
    }
    expectMatchesComposition('var', (t) => variance(t, 0, { unbiased: false }), [x]);
    expectMatchesComposition('var', (t) => std(t, 0), [x]);
  });

  it('propagate NaN and infinities like the composition', () => {
    const x = withSpecials(rnd([4, 6], { seed: 6 }), { 2: NaN, 7: Infinity, 13: -Infinity, 14: Infinity, 18: -Infinity, 19: -Infinity, 20: -Infinity, 21: -Infinity, 22: -Infinity, 23: -Infinity });
    for (const d of [0, 1]) {
      expectMatchesComposition('mean', (t) => mean(t, d), [x]);
      expectMatchesComposition('var', (t) => variance(t, d), [x]);
      expectMatchesComposition('logsumexp', (t) => logsumexp(t, d), [x]);
    }
  });

  it('handle float64, integer, bool, 0-d and empty inputs', () => {
    const f64 = rnd([3, 8], { dtype: 'float64' });
    expectMatchesComposition('mean', (t) => mean(t, 1), [f64], { rtol: 1e-12, atol: 1e-14 });
    expectMatchesComposition('var', (t) => variance(t, 1), [f64], { rtol: 1e-12, atol: 1e-14 });
    expectMatchesComposition('logsumexp', (t) => logsumexp(t, 1), [f64], { rtol: 1e-12, atol: 1e-14 });
    const ints = tensor([16777217, 3, -5, 2 ** 30, 7, 0], { shape: [2, 3], dtype: 'int32' });
    for (const x of [ints, rnd([3, 5]).gt(0), rnd([3, 5], { scale: 100 }).cast('uint8')]) {
      expectMatchesComposition('mean', (t) => mean(t, 1), [x]);
      expectMatchesComposition('var', (t) => variance(t), [x]);
      expectMatchesComposition('logsumexp', (t) => logsumexp(t, 0), [x]);
    }
    for (const x of [tensor(1.5), tensor(NaN), tensor(-Infinity)]) {
      expectMatchesComposition('mean', (t) => mean(t), [x]);
      expectMatchesComposition('var', (t) => variance(t, undefined, { correction: 0 }), [x]);
      expectMatchesComposition('logsumexp', (t) => logsumexp(t, 0), [x]);
    }
    for (const [shape, dims] of [[[0, 3], 0], [[0, 3], 1], [[3, 0], 1], [[2, 0, 3], [0, 1]]] as const) {
      const x = rnd(shape);
      expectMatchesComposition('mean', (t) => mean(t, dims as number), [x]);
      expectMatchesComposition('var', (t) => variance(t, dims as number), [x]);
      expectMatchesComposition('logsumexp', (t) => logsumexp(t, dims as number, true), [x]);
    }
    expect(() => logsumexp(rnd([0, 3]), [])).toThrow(RangeError);
  });
});

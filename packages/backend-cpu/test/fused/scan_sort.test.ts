import { argmax, argmin, cumsum, sort, tensor, type Tensor } from '@tessera/core';
import { describe, expect, it } from 'vitest';
import { expectMatchesComposition, layouts, rnd, withSpecials } from './compare.js';

const sortBoth = (d: number, descending: boolean) => (t: Tensor): Tensor[] => {
  const { values, indices } = sort(t, d, descending);
  return [values, indices];
};

describe('fused cumsum', () => {
  it('matches the composition along every dim and layout', () => {
    const x = rnd([4, 5, 6], { seed: 5 });
    for (const [layout, v] of Object.entries(layouts(x))) {
      for (let d = -v.ndim; d < v.ndim; d++) {
        expect(() => expectMatchesComposition('cumsum', (t) => cumsum(t, d), [v], { rtol: 1e-5, atol: 1e-5 }), `${layout}, dim ${d}`).not.toThrow();
      }
    }
  });

  it('keeps NaN and infinities to later positions only (a true scan)', () => {
    const x = withSpecials(rnd([3, 8], { seed: 2 }), { 2: NaN, 9: Infinity, 12: -Infinity, 16: -0, 20: Infinity });
    expectMatchesComposition('cumsum', (t) => cumsum(t, 1), [x]);
    const got = Array.from(cumsum(x, 1).dataSync());
    expect(got.slice(0, 2).every(Number.isFinite)).toBe(true);
    expect(got.slice(2, 8).every(Number.isNaN)).toBe(true);
    expect(Object.is(cumsum(tensor([-0, -0]), 0).dataSync()[0], 0)).toBe(true);
  });

  it('sums integers and bools as int32 (wrapping), keeps float64, and handles 0-d and empty inputs', () => {
    expectMatchesComposition('cumsum', (t) => cumsum(t, 0), [tensor([2 ** 31 - 1, 1, 5, -7], { dtype: 'int32' })]);
    expectMatchesComposition('cumsum', (t) => cumsum(t, 1), [rnd([3, 6], { scale: 100 }).cast('uint8')]);
    expectMatchesComposition('cumsum', (t) => cumsum(t, 0), [rnd([5, 2]).gt(0)]);
    expectMatchesComposition('cumsum', (t) => cumsum(t, 1), [rnd([3, 9], { dtype: 'float64' })], { rtol: 1e-12, atol: 1e-12 });
    for (const dtype of ['float32', 'int32', 'uint8', 'bool'] as const) expectMatchesComposition('cumsum', (t) => cumsum(t, 0), [tensor(1, { dtype })]);
    expectMatchesComposition('cumsum', (t) => cumsum(t, 0), [tensor(-0)]);
    expectMatchesComposition('cumsum', (t) => cumsum(t, 1), [rnd([0, 4])]);
    expectMatchesComposition('cumsum', (t) => cumsum(t, 0), [rnd([0, 4])]);
  });
});

describe.each([
  ['argmax', argmax],
  ['argmin', argmin],
] as const)('fused %s', (name, op) => {
  it('matches the composition along every dim and layout, with and without keepdim', () => {
    const x = rnd([4, 5, 6], { seed: 11, round: 1 }); // rounded: many ties
    for (const [layout, v] of Object.entries(layouts(x))) {
      for (let d = -v.ndim; d < v.ndim; d++) {
        for (const keepdim of [false, true]) {
          expect(() => expectMatchesComposition(name, (t) => op(t, d, keepdim), [v]), `${layout}, dim ${d}, keepdim ${keepdim}`).not.toThrow();
        }
      }
    }
  });

  it('returns the first NaN, else the first extreme; flattens without a dim', () => {
    const x = withSpecials(rnd([4, 6], { seed: 4, round: 1 }), { 3: NaN, 5: NaN, 6: Infinity, 8: Infinity, 13: -Infinity, 18: -0, 19: 0 });
    expectMatchesComposition(name, (t) => op(t, 1), [x]);
    expectMatchesComposition(name, (t) => op(t, 0, true), [x]);
    expectMatchesComposition(name, (t) => op(t), [x]);
    expectMatchesComposition(name, (t) => op(t, null, true), [x]);
    expectMatchesComposition(name, (t) => op(t, 0), [tensor([NaN, NaN])]);
  });

  it('handles integer, bool, 0-d and empty (non-reduced) inputs', () => {
    expectMatchesComposition(name, (t) => op(t, 1), [rnd([3, 7], { scale: 4 }).int()]);
    expectMatchesComposition(name, (t) => op(t, 0), [rnd([6, 2]).gt(0)]);
    expectMatchesComposition(name, (t) => op(t, 0), [tensor(3.5)]);
    expectMatchesComposition(name, (t) => op(t, 0, true), [tensor(NaN)]);
    expectMatchesComposition(name, (t) => op(t, 1), [rnd([0, 3])]);
    expectMatchesComposition(name, (t) => op(t, 0, true), [rnd([3, 0, 2])]);
    expect(() => op(rnd([3, 0]), 1)).toThrow(RangeError);
  });
});

describe('fused sort', () => {
  it('matches the composition along every dim and layout, both directions', () => {
    const x = rnd([4, 5, 6], { seed: 13, round: 2 }); // ties
    for (const [layout, v] of Object.entries(layouts(x))) {
      for (let d = -v.ndim; d < v.ndim; d++) {
        for (const descending of [false, true]) {
          expect(() => expectMatchesComposition('sort', sortBoth(d, descending), [v]), `${layout}, dim ${d}, descending ${descending}`).not.toThrow();
        }
      }
    }
  });

  it('puts NaN last ascending and first descending, stably; -0 ties with 0', () => {
    const x = withSpecials(rnd([3, 40], { seed: 8, round: 1 }), { 0: NaN, 7: NaN, 8: -Infinity, 9: Infinity, 30: -0, 31: 0, 45: NaN, 46: NaN, 47: NaN, 119: NaN });
    for (const descending of [false, true]) {
      expectMatchesComposition('sort', sortBoth(1, descending), [x]);
      expectMatchesComposition('sort', sortBoth(0, descending), [x]);
    }
    const { values, indices } = sort(tensor([1, NaN, 0, -0, NaN, -1]), 0, true);
    expect(Array.from(indices.dataSync())).toEqual([1, 4, 0, 2, 3, 5]);
    expect(Object.is(values.dataSync()[4], -0)).toBe(true);
  });

  it('sorts long rows (merge passes), integer, bool, float64, 0-d and empty inputs', () => {
    for (const descending of [false, true]) {
      expectMatchesComposition('sort', sortBoth(-1, descending), [rnd([2, 300], { seed: 21, round: 4 })]);
      expectMatchesComposition('sort', sortBoth(1, descending), [rnd([3, 50], { scale: 10 }).int()]);
      expectMatchesComposition('sort', sortBoth(0, descending), [rnd([33, 2]).gt(0)]);
      expectMatchesComposition('sort', sortBoth(1, descending), [rnd([3, 70], { dtype: 'float64' })]);
      expectMatchesComposition('sort', sortBoth(1, descending), [rnd([0, 5])]);
      expectMatchesComposition('sort', sortBoth(0, descending), [rnd([0, 5])]);
    }
    // 0-d inputs never reach the kernel (core handles them), but must still work.
    expect(sort(tensor(2)).values.itemSync()).toBe(2);
  });

  it('sorts a long row in O(n log n)', () => {
    const n = 200_000;
    const x = rnd([n], { seed: 3 });
    const t0 = performance.now();
    const { values, indices } = sort(x);
    expect(performance.now() - t0).toBeLessThan(2000);
    const v = values.dataSync();
    const src = x.dataSync();
    const idx = indices.dataSync();
    let sorted = true;
    let matches = true;
    for (let i = 0; i < n; i++) {
      if (i > 0 && !(v[i - 1]! <= v[i]!)) sorted = false;
      if (src[idx[i]!] !== v[i]) matches = false;
    }
    expect(sorted).toBe(true);
    expect(matches).toBe(true);
  });
});

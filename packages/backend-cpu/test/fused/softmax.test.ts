import { logSoftmax, softmax, tensor } from '@tessera/core';
import { describe, expect, it } from 'vitest';
import { expectMatchesComposition, layouts, rnd, withSpecials } from './compare.js';

describe.each([
  ['softmax', softmax],
  ['logSoftmax', logSoftmax],
] as const)('fused %s', (name, op) => {
  it('matches the composition along every dim, negative dims included, for every layout', () => {
    const x = rnd([4, 5, 6], { seed: 3 });
    for (const [layout, v] of Object.entries(layouts(x))) {
      for (let d = -v.ndim; d < v.ndim; d++) {
        expect(() => expectMatchesComposition(name, (t) => op(t, d), [v]), `${layout}, dim ${d}`).not.toThrow();
      }
    }
  });

  it('matches on float64, integer and bool inputs (computed as float32)', () => {
    expectMatchesComposition(name, (t) => op(t, 1), [rnd([3, 7], { dtype: 'float64' })], { rtol: 1e-12, atol: 1e-14 });
    expectMatchesComposition(name, (t) => op(t, 1), [rnd([3, 7], { scale: 50 }).int()]);
    expectMatchesComposition(name, (t) => op(t, 0), [rnd([3, 7]).gt(0)]);
  });

  it('propagates NaN and infinities like the composition', () => {
    const x = withSpecials(rnd([5, 4], { seed: 9 }), { 1: NaN, 4: Infinity, 8: -Infinity, 9: -Infinity, 10: -Infinity, 11: -Infinity, 13: -0, 17: Infinity, 18: Infinity });
    expectMatchesComposition(name, (t) => op(t, 1), [x]);
    expectMatchesComposition(name, (t) => op(t, 0), [x]);
  });

  it('handles empty, 0-d and large-magnitude inputs', () => {
    expectMatchesComposition(name, (t) => op(t, 1), [rnd([0, 3])]);
    expectMatchesComposition(name, (t) => op(t, 1), [rnd([3, 0])]);
    expectMatchesComposition(name, (t) => op(t, 0), [tensor(2.5)]);
    expectMatchesComposition(name, (t) => op(t, -1), [tensor([NaN])]);
    expectMatchesComposition(name, (t) => op(t, -1), [rnd([2, 9], { scale: 1e4 })]);
  });
});

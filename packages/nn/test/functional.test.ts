import * as T from '@tessera/core';
import { manualSeed, tensor } from '@tessera/core';
import { describe, expect, it } from 'vitest';
import { F } from '../src/index.js';
import { checkCase, expectClose } from './helpers.js';

describe('functional ops match PyTorch', () => {
  for (const mode of ['reflect', 'replicate', 'circular'] as const) {
    it(`pad ${mode}`, () => {
      checkCase(`pad_${mode}`, null, (i) => ({ y: F.pad(i.x!, [1, 2, 2, 1], mode) }));
    });
  }
  it('pad reflect on a 1-D signal', () => {
    checkCase('pad_reflect_1d', null, (i) => ({ y: F.pad(i.x!, [3, 1], 'reflect') }));
  });
  it('pad constant', () => {
    checkCase('pad_constant', null, (i) => ({ y: F.pad(i.x!, [1, 0, 0, 2], 'constant', 1.5) }));
  });
  it('normalize (p = 2 and p = 1)', () => {
    checkCase('normalize', null, (i) => ({ y: F.normalize(i.x!, 2, 1), y1: F.normalize(i.x!, 1, 0) }));
  });
  it('cosineSimilarity', () => {
    checkCase('cosine_similarity', null, (i) => ({ y: F.cosineSimilarity(i.a!, i.b!, 1) }));
  });
  it('dropout in eval mode is the identity', () => {
    checkCase('dropout_eval', null, (i) => ({ y: F.dropout(i.x!, 0.5, false) }));
  });
  it('reflect padding must be smaller than the dim', () => {
    expect(() => F.pad(T.zeros([1, 3]), [3, 0], 'reflect')).toThrow('must be smaller than dim 1 of size 3');
  });
});

describe('dropout', () => {
  it('zeroes about p of the elements and scales the rest by 1/(1-p)', () => {
    manualSeed(3);
    const x = T.ones([100, 100]);
    const y = F.dropout(x, 0.3, true).dataSync();
    let zeros = 0;
    for (const v of y) {
      if (v === 0) zeros++;
      else expect(v).toBeCloseTo(1 / 0.7, 5);
    }
    expect(zeros / y.length).toBeGreaterThan(0.27);
    expect(zeros / y.length).toBeLessThan(0.33);
  });
  it('is reproducible with manualSeed; p = 0 and eval return the input; p = 1 gives zeros', () => {
    const x = T.randn([4, 5]);
    manualSeed(11);
    const a = F.dropout(x, 0.5).dataSync();
    manualSeed(11);
    const b = F.dropout(x, 0.5).dataSync();
    expect(Array.from(a)).toEqual(Array.from(b));
    expect(F.dropout(x, 0)).toBe(x);
    expect(F.dropout(x, 0.5, false)).toBe(x);
    expect(Array.from(F.dropout(x, 1).dataSync()).every((v) => v === 0)).toBe(true);
    expect(() => F.dropout(x, 1.5)).toThrow('between 0 and 1');
  });
  it('dropout2d zeroes whole channels', () => {
    manualSeed(5);
    const y = F.dropout2d(T.ones([4, 8, 3, 3]), 0.5, true);
    const d = y.dataSync();
    for (let c = 0; c < 32; c++) {
      const vals = new Set(Array.from(d.subarray(c * 9, c * 9 + 9)));
      expect(vals.size).toBe(1);
    }
  });
  it('gradients flow only through kept elements', () => {
    manualSeed(2);
    const x = T.ones([50], { requiresGrad: true });
    const y = F.dropout(x, 0.5);
    y.sum().backward();
    expectClose(x.grad, y.detach(), 'grad = mask');
  });
});

describe('other functional helpers', () => {
  it('linear, oneHot, embedding, glu, adaptiveAvgPool1d', () => {
    const x = tensor([[1, 2]]);
    const w = tensor([[1, 0], [0, 1], [1, 1]]);
    expect(F.linear(x, w, tensor([0, 0, 1])).arraySync()).toEqual([[1, 2, 4]]);
    expect(() => F.linear(x, tensor([[1, 2, 3]]))).toThrow('linear: input [1, 2] has last dim 2, expected 3');
    expect(F.oneHot(tensor([0, 2], { dtype: 'int32' }), 3).arraySync()).toEqual([[1, 0, 0], [0, 0, 1]]);
    expect(F.embedding(tensor([[2, 0]], { dtype: 'int32' }), w).arraySync()).toEqual([[[1, 1], [1, 0]]]);
    expect(() => F.embedding(tensor([3], { dtype: 'int32' }), w)).toThrow('index 3 is out of range for 3 embeddings');
    expect(F.glu(tensor([[1, 2, 0, 0]])).arraySync()).toEqual([[0.5, 1]]);
    expect(F.adaptiveAvgPool1d(tensor([[[1, 2, 3, 4]]]), 2).arraySync()).toEqual([[[1.5, 3.5]]]);
  });
});

import * as T from '@tessera/core';
import { describe, expect, it } from 'vitest';
import * as nn from '../src/index.js';
import { checkCase } from './helpers.js';

const single = (m: nn.Module) => (i: Record<string, T.Tensor>) => ({ y: m.forward(i.x!) as T.Tensor });

describe('layers match PyTorch (outputs, input and weight gradients)', () => {
  const cases: [string, () => nn.Module][] = [
    ['linear', () => new nn.Linear(5, 3)],
    ['linear_3d', () => new nn.Linear(5, 3)],
    ['linear_nobias', () => new nn.Linear(5, 3, { bias: false })],
    ['conv1d', () => new nn.Conv1d(4, 6, 3, { stride: 2, padding: 1, groups: 2 })],
    ['conv1d_same', () => new nn.Conv1d(3, 4, 3, { dilation: 2, padding: 'same', bias: false })],
    ['conv2d', () => new nn.Conv2d(4, 6, [3, 2], { stride: [2, 1], padding: [1, 0], groups: 2 })],
    ['conv2d_dilated', () => new nn.Conv2d(3, 5, 3, { padding: 2, dilation: 2 })],
    ['conv2d_unbatched', () => new nn.Conv2d(2, 3, 3)],
    ['conv_transpose2d', () => new nn.ConvTranspose2d(4, 6, 3, { stride: 2, padding: 1, outputPadding: 1, groups: 2 })],
    ['conv_transpose2d_b', () => new nn.ConvTranspose2d(3, 2, [2, 3], { stride: [1, 2], dilation: [2, 1] })],
    ['max_pool1d', () => new nn.MaxPool1d(3, { stride: 2, padding: 1 })],
    ['max_pool2d', () => new nn.MaxPool2d(3, { stride: 2, padding: 1, ceilMode: true })],
    ['max_pool2d_dilated', () => new nn.MaxPool2d(2, { dilation: 2 })],
    ['avg_pool2d', () => new nn.AvgPool2d(3, { stride: 2, padding: 1, ceilMode: true, countIncludePad: false })],
    ['avg_pool2d_b', () => new nn.AvgPool2d([2, 3], { stride: [2, 1] })],
    ['avg_pool2d_pad', () => new nn.AvgPool2d(3, { stride: 2, padding: 1 })],
    ['adaptive_avg_pool2d', () => new nn.AdaptiveAvgPool2d([3, 2])],
    ['adaptive_avg_pool2d_1', () => new nn.AdaptiveAvgPool2d(1)],
    ['layer_norm', () => new nn.LayerNorm([4, 5])],
    ['layer_norm_noaffine', () => new nn.LayerNorm(5, { eps: 1e-3, elementwiseAffine: false })],
    ['group_norm', () => new nn.GroupNorm(3, 6)],
    ['group_norm_1d', () => new nn.GroupNorm(2, 4, { affine: false })],
  ];
  for (const [name, make] of cases) {
    it(name, () => {
      const m = make();
      checkCase(name, m, single(m));
    });
  }

  const trainEval = (m: nn.Module) => (i: Record<string, T.Tensor>) => {
    const y = m.forward(i.x!) as T.Tensor;
    m.eval();
    const y2 = m.forward(i.x2!) as T.Tensor;
    m.train();
    return { y, y2 };
  };
  const twoSteps = (m: nn.Module) => (i: Record<string, T.Tensor>) => ({ y: m.forward(i.x!) as T.Tensor, y2: m.forward(i.x2!) as T.Tensor });

  it('batch_norm1d: training statistics, running statistics, then eval mode', () => {
    const m = new nn.BatchNorm1d(4);
    checkCase('batch_norm1d', m, trainEval(m));
    expect(m.numBatchesTracked!.itemSync()).toBe(1);
  });
  it('batch_norm1d_3d: momentum 0.3 over two steps', () => {
    const m = new nn.BatchNorm1d(3, { momentum: 0.3 });
    checkCase('batch_norm1d_3d', m, twoSteps(m));
    expect(m.numBatchesTracked!.itemSync()).toBe(2);
  });
  it('batch_norm2d', () => {
    const m = new nn.BatchNorm2d(3);
    checkCase('batch_norm2d', m, trainEval(m));
  });
  it('batch_norm2d_cma: momentum null (cumulative average), no affine', () => {
    const m = new nn.BatchNorm2d(2, { momentum: null, affine: false });
    checkCase('batch_norm2d_cma', m, twoSteps(m));
  });
  it('embedding with paddingIdx: the padding row gets no gradient', () => {
    const m = new nn.Embedding(6, 4, { paddingIdx: 1 });
    checkCase('embedding', m, (i) => ({ y: m.forward(i.idx!) }));
  });
  it('embedding with a negative paddingIdx', () => {
    const m = new nn.Embedding(5, 3, { paddingIdx: -1 });
    expect(m.paddingIdx).toBe(4);
    checkCase('embedding_neg', m, (i) => ({ y: m.forward(i.idx!) }));
  });
});

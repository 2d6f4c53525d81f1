import './helpers.js';
import * as T from '@tessera/core';
import { tensor } from '@tessera/core';
import { describe, expect, it } from 'vitest';
import * as nn from '../src/index.js';

describe('bad input names the layer and the expected vs actual shape', () => {
  it('Linear', () => {
    expect(() => new nn.Linear(784, 10).forward(T.zeros([32, 28, 28]))).toThrow('Linear(in=784): input [32, 28, 28] has last dim 28, expected 784');
  });
  it('convolutions', () => {
    expect(() => new nn.Conv2d(3, 16, 3).forward(T.zeros([8, 4, 32, 32]))).toThrow('Conv2d(3, 16, kernel=(3, 3)): input [8, 4, 32, 32] has 4 channels, expected 3');
    expect(() => new nn.Conv2d(3, 16, 3).forward(T.zeros([32, 32]))).toThrow('Conv2d(3, 16, kernel=(3, 3)): expected input [N, C, H, W] or [C, H, W], got [32, 32]');
    expect(() => new nn.Conv1d(2, 4, 3).forward(T.zeros([1, 3, 10]))).toThrow('Conv1d(2, 4, kernel=3): input [1, 3, 10] has 3 channels, expected 2');
    expect(() => new nn.ConvTranspose2d(4, 2, 3).forward(T.zeros([1, 2, 5, 5]))).toThrow('ConvTranspose2d(4, 2, kernel=(3, 3)): input [1, 2, 5, 5] has 2 channels, expected 4');
    expect(() => new nn.Conv2d(3, 16, 3, { groups: 2 })).toThrow('in_channels must be divisible by groups (2)');
    expect(() => new nn.Conv2d(3, 16, 3, { stride: 2, padding: 'same' })).toThrow("padding='same' is not supported for strided convolutions");
  });
  it('pooling', () => {
    expect(() => new nn.MaxPool2d(2).forward(T.zeros([4, 4]))).toThrow('MaxPool2d(kernel=2): expected input [N, C, H, W] or [C, H, W], got [4, 4]');
    expect(() => new nn.MaxPool1d(2).forward(T.zeros([4]))).toThrow('MaxPool1d(kernel=2): expected input [N, C, L] or [C, L], got [4]');
  });
  it('normalisation', () => {
    expect(() => new nn.BatchNorm2d(3).forward(T.zeros([2, 4, 5, 5]))).toThrow('BatchNorm2d(3): input [2, 4, 5, 5] has 4 channels, expected 3');
    expect(() => new nn.BatchNorm2d(3).forward(T.zeros([2, 3, 5]))).toThrow('BatchNorm2d(3): expected 4D input [N, C, H, W], got [2, 3, 5]');
    expect(() => new nn.BatchNorm1d(3).forward(T.zeros([1, 3]))).toThrow('expected more than 1 value per channel when training');
    expect(() => new nn.LayerNorm([4, 5]).forward(T.zeros([2, 5, 4]))).toThrow('LayerNorm([4, 5]): input [2, 5, 4] does not end with [4, 5]');
    expect(() => new nn.GroupNorm(2, 4).forward(T.zeros([2, 6, 3]))).toThrow('GroupNorm(2, 4): input [2, 6, 3] has 6 channels, expected 4');
    expect(() => new nn.GroupNorm(3, 4)).toThrow('num_channels (4) must be divisible by num_groups (3)');
  });
  it('embedding and recurrent layers', () => {
    const e = new nn.Embedding(10, 3);
    expect(() => e.forward(tensor([1.5]))).toThrow('Embedding(10, 3): expected integer indices (int32), got float32 [1]');
    expect(() => e.forward(tensor([10], { dtype: 'int32' }))).toThrow('embedding: index 10 is out of range for 10 embeddings');
    expect(() => new nn.Embedding(10, 3, { paddingIdx: 10 })).toThrow('paddingIdx 10 must be within num_embeddings');
    expect(() => new nn.GRU(3, 4, { batchFirst: true }).forward(T.zeros([2, 5]))).toThrow('GRU(3, 4): input [2, 5] has last dim 5, expected 3');
  });
  it('attention and transformers', () => {
    expect(() => new nn.MultiheadAttention(10, 3)).toThrow('embed_dim (10) must be divisible by num_heads (3)');
    const layer = new nn.TransformerEncoderLayer(8, 2, { dimFeedforward: 8 });
    expect(() => layer.forward(T.zeros([3, 2, 6]))).toThrow('TransformerEncoderLayer(d_model=8, nhead=2): src [3, 2, 6] must be [L, N, 8]');
    expect(() => new nn.TransformerEncoderLayer(8, 2, { activation: 'tanh' as 'relu' })).toThrow('activation should be relu/gelu, not "tanh"');
  });
  it('losses and containers', () => {
    expect(() => new nn.Sequential(new nn.ReLU(), 3 as unknown as nn.Module)).toThrow('Sequential: expected a Module, got number');
    expect(() => new nn.Dropout(2)).toThrow('Dropout: dropout probability has to be between 0 and 1, but got 2');
  });
});

describe('eval mode and small behaviours', () => {
  it('Dropout is the identity in eval mode and random in training', () => {
    const d = new nn.Dropout(0.5);
    const x = T.ones([1000]);
    expect(Array.from(d.forward(x).dataSync()).some((v) => v === 0)).toBe(true);
    d.eval();
    expect(d.forward(x)).toBe(x);
  });
  it('BatchNorm in eval mode uses running statistics and does not update them', () => {
    const bn = new nn.BatchNorm1d(2);
    bn.eval();
    const y = bn.forward(tensor([[1, 2], [3, 4]]));
    expect(bn.numBatchesTracked!.itemSync()).toBe(0);
    const s = 1 / Math.sqrt(1 + 1e-5);
    const got = Array.from(y.dataSync());
    [1, 2, 3, 4].forEach((v, i) => expect(got[i]).toBeCloseTo(v * s, 5));
    const noStats = new nn.BatchNorm1d(2, { trackRunningStats: false });
    expect(noStats.runningMean).toBeNull();
    noStats.eval();
    expect(Array.from(noStats.forward(tensor([[1, 2], [3, 4]])).dataSync()).map((v) => Math.round(v * 1e4) / 1e4)).toEqual([-1, -1, 1, 1]);
  });
  it('Flatten, Unflatten, Identity, Bilinear, ConvTranspose2d outputSize, padding modes', () => {
    expect(new nn.Flatten().forward(T.zeros([2, 3, 4])).shape).toEqual([2, 12]);
    expect(new nn.Unflatten(1, [3, 4]).forward(T.zeros([2, 12])).shape).toEqual([2, 3, 4]);
    const x = T.zeros([1]);
    expect(new nn.Identity(54, 'unused').forward(x)).toBe(x);
    expect(new nn.Bilinear(3, 4, 5).forward(T.randn([2, 3]), T.randn([2, 4])).shape).toEqual([2, 5]);
    const ct = new nn.ConvTranspose2d(2, 3, 3, { stride: 2, padding: 1 });
    expect(ct.forward(T.randn([1, 2, 4, 4])).shape).toEqual([1, 3, 7, 7]);
    expect(ct.forward(T.randn([1, 2, 4, 4]), [8, 8]).shape).toEqual([1, 3, 8, 8]);
    expect(() => ct.forward(T.randn([1, 2, 4, 4]), [10, 10])).toThrow('requested output size [10, 10] is not reachable');
    for (const paddingMode of ['reflect', 'replicate', 'circular'] as const) {
      const c = new nn.Conv2d(1, 1, 3, { padding: 1, paddingMode });
      expect(c.forward(T.randn([1, 1, 5, 6])).shape).toEqual([1, 1, 5, 6]);
    }
  });
  it('Bilinear agrees with the explicit sum x1_i A_kij x2_j + b_k', () => {
    const m = new nn.Bilinear(2, 3, 2);
    const x1 = T.randn([1, 2]);
    const x2 = T.randn([1, 3]);
    const y = m.forward(x1, x2).dataSync();
    const A = m.weight.arraySync() as number[][][];
    const a = x1.dataSync();
    const b = x2.dataSync();
    const bias = m.bias!.dataSync();
    for (let k = 0; k < 2; k++) {
      let s = bias[k]!;
      for (let i = 0; i < 2; i++) for (let j = 0; j < 3; j++) s += a[i]! * A[k]![i]![j]! * b[j]!;
      expect(y[k]).toBeCloseTo(s, 5);
    }
  });
});

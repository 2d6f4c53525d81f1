import type { Tensor } from '@tessera/core';
import * as T from '@tessera/core';
import { describe, expect, it } from 'vitest';
import * as nn from '../src/index.js';
import { F } from '../src/index.js';
import { checkCase } from './helpers.js';

const mha = (m: nn.MultiheadAttention, opts: { needWeights?: boolean; averageAttnWeights?: boolean } = {}) => (i: Record<string, Tensor>) => {
  const [y, w] = m.forward(i.q ?? i.x!, i.k ?? i.x!, i.v ?? i.x!, { attnMask: i.attn_mask, keyPaddingMask: i.key_padding_mask, ...opts });
  return { y, w };
};

describe('MultiheadAttention matches PyTorch', () => {
  it('sequence-first, no masks, averaged weights', () => {
    const m = new nn.MultiheadAttention(8, 2);
    checkCase('mha_basic', m, mha(m));
  });
  it('batchFirst with a bool attnMask and a keyPaddingMask, per-head weights', () => {
    const m = new nn.MultiheadAttention(8, 2, { batchFirst: true });
    checkCase('mha_masks', m, mha(m, { averageAttnWeights: false }));
  });
  it('kdim / vdim (separate projection weights) with a 3-D float mask', () => {
    const m = new nn.MultiheadAttention(8, 2, { kdim: 6, vdim: 3 });
    expect(Object.keys(m.stateDict())).toEqual(['q_proj_weight', 'k_proj_weight', 'v_proj_weight', 'in_proj_bias', 'out_proj.weight', 'out_proj.bias']);
    checkCase('mha_kdim_vdim', m, mha(m));
  });
  it('self-attention with 4 heads and a float mask per head', () => {
    const m = new nn.MultiheadAttention(8, 4);
    checkCase('mha_self_float_mask', m, mha(m));
  });
  it('addBiasKV and addZeroAttn with a keyPaddingMask', () => {
    const m = new nn.MultiheadAttention(8, 2, { addBiasKV: true, addZeroAttn: true });
    checkCase('mha_bias_kv', m, mha(m));
  });
  it('unbatched input without weights', () => {
    const m = new nn.MultiheadAttention(6, 3);
    checkCase('mha_unbatched_noweights', m, (i) => {
      const [y, w] = m.forward(i.q!, i.k!, i.v!, { needWeights: false });
      expect(w).toBeNull();
      return { y };
    });
  });
  it('rejects masks of the wrong shape, naming both', () => {
    const m = new nn.MultiheadAttention(8, 2);
    const x = T.randn([4, 2, 8]);
    expect(() => m.forward(x, x, x, { attnMask: T.zeros([3, 4]) })).toThrow('the 2-D attnMask should be [4, 4], got [3,4]'.replace('[3,4]', '[3, 4]'));
    expect(() => m.forward(x, x, T.randn([4, 2, 7]))).toThrow('value [4, 2, 7] has last dim 7, expected 8');
  });
});

describe('scaledDotProductAttention', () => {
  it('matches softmax(q k^T / sqrt(d) + mask) v with a bool mask and with isCausal', () => {
    checkCase('sdpa', null, (i) => ({
      y: F.scaledDotProductAttention(i.q!, i.k!, i.v!, { attnMask: i.mask }),
      y_causal: F.scaledDotProductAttention(i.q!, i.k!, i.v!, { isCausal: true }),
    }));
  });
  it('adds a float mask and applies dropout only when asked', () => {
    const q = T.randn([2, 3, 4]);
    const k = T.randn([2, 5, 4]);
    const v = T.randn([2, 5, 6]);
    const zero = F.scaledDotProductAttention(q, k, v, { attnMask: T.zeros([3, 5]) });
    const plain = F.scaledDotProductAttention(q, k, v);
    expect(Array.from(zero.dataSync())).toEqual(Array.from(plain.dataSync()));
    expect(F.scaledDotProductAttention(q, k, v, { dropoutP: 0.5 }).shape).toEqual([2, 3, 6]);
  });
});

describe('transformer layers match PyTorch (dropout 0)', () => {
  const enc = (m: nn.TransformerEncoderLayer) => (i: Record<string, Tensor>) => ({ y: m.forward(i.src!, { srcMask: i.src_mask, srcKeyPaddingMask: i.src_key_padding_mask }) });
  it('TransformerEncoderLayer: post-norm, relu, float causal mask, key padding', () => {
    const m = new nn.TransformerEncoderLayer(8, 2, { dimFeedforward: 16, dropout: 0 });
    checkCase('encoder_layer_post_relu', m, enc(m));
  });
  it('TransformerEncoderLayer: normFirst, gelu, batchFirst', () => {
    const m = new nn.TransformerEncoderLayer(8, 2, { dimFeedforward: 16, dropout: 0, activation: 'gelu', batchFirst: true, normFirst: true });
    checkCase('encoder_layer_pre_gelu', m, enc(m));
  });
  it('TransformerEncoder: 2 cloned layers and a final LayerNorm', () => {
    const layer = new nn.TransformerEncoderLayer(8, 2, { dimFeedforward: 16, dropout: 0 });
    const m = new nn.TransformerEncoder(layer, 2, { norm: new nn.LayerNorm(8) });
    expect(m.layers[0]!.linear1.weight).not.toBe(m.layers[1]!.linear1.weight);
    checkCase('encoder', m, (i) => ({ y: m.forward(i.src!, { mask: i.mask }) }));
  });
  const dec = (m: nn.TransformerDecoderLayer) => (i: Record<string, Tensor>) => ({
    y: m.forward(i.tgt!, i.memory!, {
      tgtMask: i.tgt_mask,
      memoryMask: i.memory_mask,
      tgtKeyPaddingMask: i.tgt_key_padding_mask,
      memoryKeyPaddingMask: i.memory_key_padding_mask,
    }),
  });
  it('TransformerDecoderLayer: post-norm with a bool causal mask and memory padding', () => {
    const m = new nn.TransformerDecoderLayer(8, 2, { dimFeedforward: 16, dropout: 0 });
    checkCase('decoder_layer', m, dec(m));
  });
  it('TransformerDecoderLayer: normFirst, gelu, batchFirst', () => {
    const m = new nn.TransformerDecoderLayer(8, 2, { dimFeedforward: 16, dropout: 0, activation: 'gelu', batchFirst: true, normFirst: true });
    checkCase('decoder_layer_pre_gelu', m, dec(m));
  });
  it('TransformerDecoder stacks decoder layers', () => {
    const m = new nn.TransformerDecoder(new nn.TransformerDecoderLayer(8, 2, { dimFeedforward: 16 }), 3);
    expect(m.layers.length).toBe(3);
    expect(m.forward(T.randn([4, 2, 8]), T.randn([5, 2, 8])).shape).toEqual([4, 2, 8]);
    expect(Object.keys(m.stateDict())).toContain('layers.2.multihead_attn.out_proj.weight');
  });
});

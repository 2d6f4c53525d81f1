/** Attention: `scaledDotProductAttention` and the multi-head attention forward pass. */
import * as T from '@tessera/core';
import { tidy, type Tensor } from '@tessera/core';
import { fmt } from '../util.js';
import { dropout, linear } from './linear.js';

/** Options of `scaledDotProductAttention`. */
export interface SDPAOptions {
  /** Bool: true where a query may attend to a key (PyTorch 2 semantics). Float: added to the scores. */
  attnMask?: Tensor | null;
  /** Dropout on the attention weights (applied whenever > 0, as in PyTorch). */
  dropoutP?: number;
  /** Each query attends only to keys at or before its position (top-left aligned). */
  isCausal?: boolean;
  /** Scale of the scores; default `1 / sqrt(E)`. */
  scale?: number;
}

/** A bool [L, S] mask, true at and below the diagonal. */
export function causalMask(L: number, S: number, device: string): Tensor {
  return tidy(() => T.ge(T.reshape(T.arange(L, { device }), [L, 1]), T.reshape(T.arange(S, { device }), [1, S])));
}

/**
 * `softmax(q k^T * scale + mask) v` over the last two dims of `query` [..., L, E], `key`
 * [..., S, E] and `value` [..., S, Ev] (PyTorch 2's `F.scaled_dot_product_attention`).
 *
 * @example
 * scaledDotProductAttention(q, k, v, { isCausal: true });
 */
export function scaledDotProductAttention(query: Tensor, key: Tensor, value: Tensor, options: SDPAOptions = {}): Tensor {
  const E = query.shape[query.ndim - 1]!;
  if (query.ndim < 2 || key.ndim < 2 || value.ndim < 2) {
    throw new RangeError(`scaledDotProductAttention: expected query [..., L, E], key [..., S, E], value [..., S, Ev]; got ${fmt(query.shape)}, ${fmt(key.shape)}, ${fmt(value.shape)}`);
  }
  if (key.shape[key.ndim - 1] !== E) throw new RangeError(`scaledDotProductAttention: query ${fmt(query.shape)} and key ${fmt(key.shape)} differ in the last dim`);
  if (key.shape[key.ndim - 2] !== value.shape[value.ndim - 2]) {
    throw new RangeError(`scaledDotProductAttention: key ${fmt(key.shape)} and value ${fmt(value.shape)} differ in the sequence dim`);
  }
  if (options.isCausal && options.attnMask) throw new RangeError('scaledDotProductAttention: pass either attnMask or isCausal, not both');
  const scale = options.scale ?? 1 / Math.sqrt(E);
  return tidy(() => {
    let scores = T.mul(T.matmul(query, T.transpose(key, -2, -1)), scale);
    const L = query.shape[query.ndim - 2]!;
    const S = key.shape[key.ndim - 2]!;
    const mask = options.isCausal ? causalMask(L, S, query.device) : options.attnMask;
    if (mask) scores = mask.dtype === 'bool' ? T.where(mask, scores, -Infinity) : T.add(scores, mask);
    let attn = T.softmax(scores, -1);
    if (options.dropoutP) attn = dropout(attn, options.dropoutP, true);
    return T.matmul(attn, value);
  });
}

/** Weights and options of `multiHeadAttentionForward` (what `MultiheadAttention` holds). */
export interface MultiHeadAttentionParams {
  numHeads: number;
  /** Packed [3E, E] projection (null when q/k/v have their own, for kdim/vdim != E). */
  inProjWeight: Tensor | null;
  inProjBias: Tensor | null;
  qProjWeight?: Tensor | null;
  kProjWeight?: Tensor | null;
  vProjWeight?: Tensor | null;
  biasK?: Tensor | null;
  biasV?: Tensor | null;
  addZeroAttn?: boolean;
  outProjWeight: Tensor;
  outProjBias: Tensor | null;
  dropoutP?: number;
  training?: boolean;
}

/** Options of a multi-head attention call. */
export interface MultiHeadAttentionOptions {
  /** [N, S]: true (or -inf) at keys to ignore (padding). */
  keyPaddingMask?: Tensor | null;
  /** Return the attention weights too. Default true. */
  needWeights?: boolean;
  /** [L, S] or [N * heads, L, S]: bool true where attention is NOT allowed, or float added to the scores. */
  attnMask?: Tensor | null;
  /** Average the returned weights over heads. Default true. */
  averageAttnWeights?: boolean;
}

/**
 * Multi-head attention on sequence-first inputs: `query` [L, N, E], `key` [S, N, kdim], `value`
 * [S, N, vdim] (or unbatched [L, E], ...). Returns the output [L, N, E] and, with `needWeights`,
 * the attention weights [N, L, S] (or [N, heads, L, S]). Mirrors PyTorch's
 * `F.multi_head_attention_forward`, masks included.
 */
export function multiHeadAttentionForward(
  query: Tensor,
  key: Tensor,
  value: Tensor,
  p: MultiHeadAttentionParams,
  options: MultiHeadAttentionOptions = {},
): [Tensor, Tensor | null] {
  const batched = query.ndim === 3;
  if (!batched && query.ndim !== 2) throw new RangeError(`MultiheadAttention: expected query [L, N, E] or [L, E], got ${fmt(query.shape)}`);
  if (key.ndim !== query.ndim || value.ndim !== query.ndim) {
    throw new RangeError(`MultiheadAttention: query ${fmt(query.shape)}, key ${fmt(key.shape)} and value ${fmt(value.shape)} must all be batched or all unbatched`);
  }
  const needWeights = options.needWeights ?? true;
  return tidy(() => {
    let q0 = query;
    let k0 = key;
    let v0 = value;
    let kpm = options.keyPaddingMask ?? null;
    if (!batched) {
      q0 = T.unsqueeze(query, 1);
      k0 = T.unsqueeze(key, 1);
      v0 = T.unsqueeze(value, 1);
      if (kpm) kpm = T.unsqueeze(kpm, 0);
    }
    const [L, N, E] = q0.shape as [number, number, number];
    const H = p.numHeads;
    const hd = E / H;
    if (k0.shape[0] !== v0.shape[0] || k0.shape[1] !== N || v0.shape[1] !== N) {
      throw new RangeError(`MultiheadAttention: key ${fmt(key.shape)} and value ${fmt(value.shape)} must match query ${fmt(query.shape)} in batch and each other in length`);
    }
    // Input projections.
    let q: Tensor;
    let k: Tensor;
    let v: Tensor;
    const [bq, bk, bv] = p.inProjBias ? T.chunk(p.inProjBias, 3) : [null, null, null];
    if (p.inProjWeight) {
      const [wq, wk, wv] = T.chunk(p.inProjWeight, 3);
      q = linear(q0, wq!, bq);
      k = linear(k0, wk!, bk);
      v = linear(v0, wv!, bv);
    } else {
      q = linear(q0, p.qProjWeight!, bq);
      k = linear(k0, p.kProjWeight!, bk);
      v = linear(v0, p.vProjWeight!, bv);
    }
    // Masks: bool masks stay bool (true = blocked); float masks are added to the scores.
    let attnMask = options.attnMask ?? null;
    if (attnMask) {
      if (attnMask.ndim === 2) {
        if (attnMask.shape[0] !== L || attnMask.shape[1] !== k0.shape[0]) {
          throw new RangeError(`MultiheadAttention: the 2-D attnMask should be [${L}, ${k0.shape[0]}], got ${fmt(attnMask.shape)}`);
        }
        attnMask = T.unsqueeze(attnMask, 0);
      } else if (attnMask.ndim === 3) {
        if (attnMask.shape[0] !== N * H || attnMask.shape[1] !== L || attnMask.shape[2] !== k0.shape[0]) {
          throw new RangeError(`MultiheadAttention: the 3-D attnMask should be [${N * H}, ${L}, ${k0.shape[0]}], got ${fmt(attnMask.shape)}`);
        }
      } else throw new RangeError(`MultiheadAttention: attnMask must be 2-D or 3-D, got ${fmt(attnMask.shape)}`);
    }
    if (kpm && (kpm.ndim !== 2 || kpm.shape[0] !== N || kpm.shape[1] !== k0.shape[0])) {
      throw new RangeError(`MultiheadAttention: keyPaddingMask should be [${N}, ${k0.shape[0]}], got ${fmt((options.keyPaddingMask ?? kpm).shape)}`);
    }
    const extendMasks = (): void => {
      // One more key: never masked (false / 0).
      if (attnMask) attnMask = T.pad(attnMask, [0, 1]);
      if (kpm) kpm = T.pad(kpm, [0, 1]);
    };
    if (p.biasK && p.biasV) {
      k = T.cat([k, T.expand(T.reshape(p.biasK, [1, 1, E]), [1, N, E])], 0);
      v = T.cat([v, T.expand(T.reshape(p.biasV, [1, 1, E]), [1, N, E])], 0);
      extendMasks();
    }
    // Heads: [L, N, E] -> [N * H, L, hd].
    q = T.transpose(T.reshape(q, [L, N * H, hd]), 0, 1);
    k = T.transpose(T.reshape(k, [k.shape[0]!, N * H, hd]), 0, 1);
    v = T.transpose(T.reshape(v, [v.shape[0]!, N * H, hd]), 0, 1);
    if (p.addZeroAttn) {
      k = T.cat([k, T.zeros([N * H, 1, hd], { dtype: k.dtype, device: k.device })], 1);
      v = T.cat([v, T.zeros([N * H, 1, hd], { dtype: v.dtype, device: v.device })], 1);
      extendMasks();
    }
    const S = k.shape[1]!;
    let scores = T.matmul(T.div(q, Math.sqrt(hd)), T.transpose(k, 1, 2)); // [N*H, L, S]
    scores = T.reshape(scores, [N, H, L, S]);
    if (attnMask) {
      const m = T.reshape(attnMask, attnMask.shape[0] === 1 ? [1, 1, L, S] : [N, H, L, S]);
      scores = m.dtype === 'bool' ? T.where(m, -Infinity, scores) : T.add(scores, m);
    }
    if (kpm) {
      const m = T.reshape(kpm, [N, 1, 1, S]);
      scores = m.dtype === 'bool' ? T.where(m, -Infinity, scores) : T.add(scores, m);
    }
    let attn = T.softmax(scores, -1);
    const dropP = p.training === false ? 0 : (p.dropoutP ?? 0);
    if (dropP > 0) attn = dropout(attn, dropP, true);
    const ctx = T.matmul(T.reshape(attn, [N * H, L, S]), v); // [N*H, L, hd]
    const merged = T.reshape(T.transpose(ctx, 0, 1), [L * N, E]);
    let out = T.reshape(linear(merged, p.outProjWeight, p.outProjBias), [L, N, E]);
    let weights: Tensor | null = null;
    if (needWeights) {
      weights = options.averageAttnWeights ?? true ? T.mean(attn, 1) : attn;
      if (!batched) weights = T.squeeze(weights, 0);
    }
    if (!batched) out = T.squeeze(out, 1);
    return [out, weights];
  });
}

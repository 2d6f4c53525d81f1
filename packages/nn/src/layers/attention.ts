/** `MultiheadAttention`. */
import * as T from '@tessera/core';
import { tidy, type Tensor } from '@tessera/core';
import { multiHeadAttentionForward, type MultiHeadAttentionOptions } from '../functional/attention.js';
import * as init from '../init.js';
import { Module } from '../module.js';
import type { Parameter } from '../parameter.js';
import { fmt } from '../util.js';
import { emptyParameter, Linear, type FactoryOptions } from './linear.js';

/** Options of `MultiheadAttention`. */
export interface MultiheadAttentionOptions extends FactoryOptions {
  /** Dropout on the attention weights while training. Default 0. */
  dropout?: number;
  /** Biases on the input and output projections. Default true. */
  bias?: boolean;
  /** Learned bias vectors appended to the keys and values. Default false. */
  addBiasKV?: boolean;
  /** Appends a zero key and value. Default false. */
  addZeroAttn?: boolean;
  /** Size of the keys (default embedDim); different sizes get separate projection weights. */
  kdim?: number;
  vdim?: number;
  /** Inputs and output are [N, L, E] instead of [L, N, E]. Default false. */
  batchFirst?: boolean;
}

/**
 * Multi-head attention (PyTorch's `nn.MultiheadAttention`, same parameter names and masks).
 * `forward(query, key, value, options)` returns `[output, weights | null]`.
 *
 * Masks: `attnMask` [L, S] or [N * heads, L, S], bool true where attention is NOT allowed or a
 * float added to the scores; `keyPaddingMask` [N, S], true at padding keys.
 *
 * @example
 * const mha = new MultiheadAttention(64, 8, { batchFirst: true });
 * const [out, w] = mha.forward(x, x, x, { keyPaddingMask }); // out [N, L, 64], w [N, L, L]
 */
export class MultiheadAttention extends Module {
  protected static override stateKeys = {
    inProjWeight: 'in_proj_weight',
    inProjBias: 'in_proj_bias',
    qProjWeight: 'q_proj_weight',
    kProjWeight: 'k_proj_weight',
    vProjWeight: 'v_proj_weight',
    biasK: 'bias_k',
    biasV: 'bias_v',
    outProj: 'out_proj',
  };

  readonly kdim: number;
  readonly vdim: number;
  readonly headDim: number;
  readonly dropout: number;
  readonly batchFirst: boolean;
  readonly addZeroAttn: boolean;
  inProjWeight: Parameter | null;
  qProjWeight: Parameter | null;
  kProjWeight: Parameter | null;
  vProjWeight: Parameter | null;
  inProjBias: Parameter | null;
  outProj: Linear;
  biasK: Parameter | null;
  biasV: Parameter | null;

  constructor(
    readonly embedDim: number,
    readonly numHeads: number,
    options: MultiheadAttentionOptions = {},
  ) {
    super();
    this.kdim = options.kdim ?? embedDim;
    this.vdim = options.vdim ?? embedDim;
    this.dropout = options.dropout ?? 0;
    this.batchFirst = options.batchFirst ?? false;
    this.addZeroAttn = options.addZeroAttn ?? false;
    this.headDim = Math.floor(embedDim / numHeads);
    if (this.headDim * numHeads !== embedDim) throw new RangeError(`MultiheadAttention: embed_dim (${embedDim}) must be divisible by num_heads (${numHeads})`);
    const sameDims = this.kdim === embedDim && this.vdim === embedDim;
    // Field order follows PyTorch's registration order, which is the state dict's order.
    this.inProjWeight = sameDims ? emptyParameter([3 * embedDim, embedDim], options) : null;
    this.qProjWeight = sameDims ? null : emptyParameter([embedDim, embedDim], options);
    this.kProjWeight = sameDims ? null : emptyParameter([embedDim, this.kdim], options);
    this.vProjWeight = sameDims ? null : emptyParameter([embedDim, this.vdim], options);
    const bias = options.bias ?? true;
    this.inProjBias = bias ? emptyParameter([3 * embedDim], options) : null;
    this.outProj = new Linear(embedDim, embedDim, { bias, device: options.device, dtype: options.dtype });
    this.biasK = options.addBiasKV ? emptyParameter([1, 1, embedDim], options) : null;
    this.biasV = options.addBiasKV ? emptyParameter([1, 1, embedDim], options) : null;
    this.resetParameters();
  }

  /** PyTorch's defaults: Xavier-uniform projections, zero biases, Xavier-normal bias_k/bias_v. */
  resetParameters(): void {
    if (this.inProjWeight) init.xavierUniform_(this.inProjWeight);
    else for (const w of [this.qProjWeight, this.kProjWeight, this.vProjWeight]) init.xavierUniform_(w!);
    if (this.inProjBias) {
      init.zeros_(this.inProjBias);
      init.zeros_(this.outProj.bias!);
    }
    if (this.biasK) init.xavierNormal_(this.biasK);
    if (this.biasV) init.xavierNormal_(this.biasV);
  }

  forward(query: Tensor, key: Tensor, value: Tensor, options: MultiHeadAttentionOptions = {}): [Tensor, Tensor | null] {
    const name = `MultiheadAttention(embed_dim=${this.embedDim}, num_heads=${this.numHeads})`;
    for (const [what, t, dim] of [['query', query, this.embedDim], ['key', key, this.kdim], ['value', value, this.vdim]] as const) {
      if (t.ndim !== 2 && t.ndim !== 3) throw new RangeError(`${name}: ${what} must be 2-D (unbatched) or 3-D, got ${fmt(t.shape)}`);
      if (t.shape[t.ndim - 1] !== dim) throw new RangeError(`${name}: ${what} ${fmt(t.shape)} has last dim ${t.shape[t.ndim - 1]}, expected ${dim}`);
    }
    return tidy(() => {
      const batched = query.ndim === 3;
      const flip = (t: Tensor): Tensor => (batched && this.batchFirst ? T.transpose(t, 0, 1) : t);
      const [out, weights] = multiHeadAttentionForward(
        flip(query),
        flip(key),
        flip(value),
        {
          numHeads: this.numHeads,
          inProjWeight: this.inProjWeight,
          inProjBias: this.inProjBias,
          qProjWeight: this.qProjWeight,
          kProjWeight: this.kProjWeight,
          vProjWeight: this.vProjWeight,
          biasK: this.biasK,
          biasV: this.biasV,
          addZeroAttn: this.addZeroAttn,
          outProjWeight: this.outProj.weight,
          outProjBias: this.outProj.bias,
          dropoutP: this.dropout,
          training: this.training,
        },
        options,
      );
      return [flip(out), weights] as [Tensor, Tensor | null];
    });
  }

  override extraRepr(): string {
    return `embed_dim=${this.embedDim}, num_heads=${this.numHeads}${this.batchFirst ? ', batch_first=True' : ''}`;
  }
}

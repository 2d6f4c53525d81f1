/** `Embedding`: a lookup table of learned vectors. */
import { noGrad } from '@tessera/autograd';
import type { Tensor } from '@tessera/core';
import { embedding } from '../functional/embedding.js';
import * as init from '../init.js';
import { Module } from '../module.js';
import { Parameter } from '../parameter.js';
import { fmt } from '../util.js';
import { emptyParameter, type FactoryOptions } from './linear.js';

/** Options of `Embedding`. */
export interface EmbeddingOptions extends FactoryOptions {
  /** This row is initialised to zeros and gets no gradient (negative counts from the end). */
  paddingIdx?: number | null;
}

/**
 * Maps integer indices [*] to rows of a [numEmbeddings, embeddingDim] table: [*, embeddingDim].
 * Initialised from N(0, 1) with the padding row zeroed, as in PyTorch.
 *
 * @example
 * const emb = new Embedding(10000, 128, { paddingIdx: 0 });
 * emb.forward(tensor([[5, 2, 0]], { dtype: 'int32' })).shape; // [1, 3, 128]
 */
export class Embedding extends Module {
  weight: Parameter;
  readonly paddingIdx: number | null;

  constructor(
    readonly numEmbeddings: number,
    readonly embeddingDim: number,
    options: EmbeddingOptions = {},
  ) {
    super();
    const p = options.paddingIdx;
    if (p !== undefined && p !== null && (!Number.isInteger(p) || p >= numEmbeddings || p < -numEmbeddings)) {
      throw new RangeError(`Embedding(${numEmbeddings}, ${embeddingDim}): paddingIdx ${p} must be within num_embeddings`);
    }
    this.paddingIdx = p === undefined || p === null ? null : p < 0 ? p + numEmbeddings : p;
    this.weight = emptyParameter([numEmbeddings, embeddingDim], options);
    this.resetParameters();
  }

  /** A (frozen by default) embedding holding `weights` [num, dim]. */
  static fromPretrained(weights: Tensor, options: { freeze?: boolean; paddingIdx?: number | null } = {}): Embedding {
    if (weights.ndim !== 2) throw new RangeError(`Embedding.fromPretrained: expected 2-D weights, got ${fmt(weights.shape)}`);
    const e = new Embedding(weights.shape[0]!, weights.shape[1]!, { paddingIdx: options.paddingIdx, dtype: weights.dtype, device: weights.device });
    noGrad(() => e.weight.copy_(weights));
    e.weight.requiresGrad_(!(options.freeze ?? true));
    return e;
  }

  /** Re-draws N(0, 1) weights and zeroes the padding row. */
  resetParameters(): void {
    init.normal_(this.weight);
    if (this.paddingIdx !== null) {
      noGrad(() => {
        const row = this.weight.select(0, this.paddingIdx!);
        row.zero_();
        row.dispose();
      });
    }
  }

  forward(indices: Tensor): Tensor {
    if (indices.dtype !== 'int32' && indices.dtype !== 'uint8') {
      throw new TypeError(`Embedding(${this.numEmbeddings}, ${this.embeddingDim}): expected integer indices (int32), got ${indices.dtype} ${fmt(indices.shape)}`);
    }
    return embedding(indices, this.weight, this.paddingIdx);
  }

  override extraRepr(): string {
    return `${this.numEmbeddings}, ${this.embeddingDim}${this.paddingIdx !== null ? `, padding_idx=${this.paddingIdx}` : ''}`;
  }
}

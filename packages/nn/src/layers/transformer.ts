/** `TransformerEncoderLayer`, `TransformerEncoder`, `TransformerDecoderLayer`, `TransformerDecoder`. */
import * as T from '@tessera/core';
import { tidy, type Tensor } from '@tessera/core';
import { cloneModule, Module } from '../module.js';
import { fmt } from '../util.js';
import { MultiheadAttention } from './attention.js';
import { Dropout } from './dropout.js';
import { LayerNorm } from './norm.js';
import { Linear, type FactoryOptions } from './linear.js';

/** Activation of the feed-forward block: a name, or any function of a tensor. */
export type TransformerActivation = 'relu' | 'gelu' | ((x: Tensor) => Tensor);

/** Options of the transformer layers. */
export interface TransformerLayerOptions extends FactoryOptions {
  /** Width of the feed-forward block. Default 2048. */
  dimFeedforward?: number;
  /** Default 0.1. */
  dropout?: number;
  /** Default 'relu'. */
  activation?: TransformerActivation;
  layerNormEps?: number;
  /** [N, L, E] instead of [L, N, E]. Default false. */
  batchFirst?: boolean;
  /** Pre-norm (`x + f(norm(x))`) instead of post-norm (`norm(x + f(x))`). Default false. */
  normFirst?: boolean;
  /** Biases in the linear layers and layer norms. Default true. */
  bias?: boolean;
}

function activationFn(a: TransformerActivation): (x: Tensor) => Tensor {
  if (typeof a === 'function') return a;
  if (a === 'relu') return T.relu;
  if (a === 'gelu') return (x) => T.gelu(x);
  throw new RangeError(`activation should be relu/gelu, not ${JSON.stringify(a)}`);
}

function checkSeq(name: string, x: Tensor, dModel: number, what: string): void {
  if ((x.ndim !== 2 && x.ndim !== 3) || x.shape[x.ndim - 1] !== dModel) {
    throw new RangeError(`${name}: ${what} ${fmt(x.shape)} must be [L, N, ${dModel}] (or [N, L, ${dModel}] with batchFirst, or unbatched [L, ${dModel}])`);
  }
}

/** Masks of an encoder layer call. */
export interface EncoderLayerMasks {
  /** [L, L] or [N * heads, L, L]: bool true where attention is not allowed, or float added. */
  srcMask?: Tensor | null;
  /** [N, L]: true at padding positions. */
  srcKeyPaddingMask?: Tensor | null;
}

/**
 * Residual sublayers in order: `x + f(norm(x))` when `normFirst` (pre-norm), else
 * `norm(x + f(x))` (post-norm, PyTorch's default).
 */
function residualBlocks(x: Tensor, normFirst: boolean, blocks: ReadonlyArray<readonly [{ forward(x: Tensor): Tensor }, (x: Tensor) => Tensor]>): Tensor {
  for (const [norm, f] of blocks) x = normFirst ? T.add(x, f(norm.forward(x))) : norm.forward(T.add(x, f(x)));
  return x;
}

/**
 * Self-attention followed by a feed-forward block, each with a residual connection and layer
 * norm (PyTorch's `nn.TransformerEncoderLayer`, same parameter names).
 *
 * @example
 * const layer = new TransformerEncoderLayer(512, 8, { batchFirst: true });
 * layer.forward(randn([32, 10, 512])).shape; // [32, 10, 512]
 */
export class TransformerEncoderLayer extends Module {
  protected static override stateKeys = { selfAttn: 'self_attn' };

  selfAttn: MultiheadAttention;
  linear1: Linear;
  dropout: Dropout;
  linear2: Linear;
  norm1: LayerNorm;
  norm2: LayerNorm;
  dropout1: Dropout;
  dropout2: Dropout;
  readonly normFirst: boolean;
  readonly batchFirst: boolean;
  readonly activation: (x: Tensor) => Tensor;
  readonly activationName: string;

  constructor(
    readonly dModel: number,
    readonly nhead: number,
    options: TransformerLayerOptions = {},
  ) {
    super();
    const f = { device: options.device, dtype: options.dtype };
    const bias = options.bias ?? true;
    const p = options.dropout ?? 0.1;
    const dff = options.dimFeedforward ?? 2048;
    this.batchFirst = options.batchFirst ?? false;
    this.selfAttn = new MultiheadAttention(dModel, nhead, { dropout: p, bias, batchFirst: this.batchFirst, ...f });
    this.linear1 = new Linear(dModel, dff, { bias, ...f });
    this.dropout = new Dropout(p);
    this.linear2 = new Linear(dff, dModel, { bias, ...f });
    this.normFirst = options.normFirst ?? false;
    const eps = options.layerNormEps ?? 1e-5;
    this.norm1 = new LayerNorm(dModel, { eps, bias, ...f });
    this.norm2 = new LayerNorm(dModel, { eps, bias, ...f });
    this.dropout1 = new Dropout(p);
    this.dropout2 = new Dropout(p);
    const a = options.activation ?? 'relu';
    this.activation = activationFn(a);
    this.activationName = typeof a === 'string' ? a : a.name || 'custom';
  }

  forward(src: Tensor, masks: EncoderLayerMasks = {}): Tensor {
    checkSeq(`TransformerEncoderLayer(d_model=${this.dModel}, nhead=${this.nhead})`, src, this.dModel, 'src');
    return tidy(() => {
      const sa = (x: Tensor): Tensor => {
        const [y] = this.selfAttn.forward(x, x, x, { attnMask: masks.srcMask, keyPaddingMask: masks.srcKeyPaddingMask, needWeights: false });
        return this.dropout1.forward(y);
      };
      const ff = (x: Tensor): Tensor => this.dropout2.forward(this.linear2.forward(this.dropout.forward(this.activation(this.linear1.forward(x)))));
      return residualBlocks(src, this.normFirst, [[this.norm1, sa], [this.norm2, ff]]);
    });
  }
}

/** A stack of `numLayers` copies of an encoder layer, with an optional final norm. */
export class TransformerEncoder extends Module {
  layers: TransformerEncoderLayer[];
  norm: Module | null;

  constructor(
    encoderLayer: TransformerEncoderLayer,
    readonly numLayers: number,
    options: { norm?: Module | null } = {},
  ) {
    super();
    this.layers = Array.from({ length: numLayers }, () => cloneModule(encoderLayer));
    this.norm = options.norm ?? null;
  }

  /** `mask` is the `srcMask` of every layer (PyTorch's name); `srcMask` is accepted too. */
  forward(src: Tensor, masks: EncoderLayerMasks & { mask?: Tensor | null } = {}): Tensor {
    return tidy(() => {
      const m = { srcMask: masks.mask ?? masks.srcMask, srcKeyPaddingMask: masks.srcKeyPaddingMask };
      let x = src;
      for (const layer of this.layers) x = layer.forward(x, m);
      return this.norm ? (this.norm.forward(x) as Tensor) : x;
    });
  }
}

/** Masks of a decoder layer call. */
export interface DecoderLayerMasks {
  tgtMask?: Tensor | null;
  memoryMask?: Tensor | null;
  tgtKeyPaddingMask?: Tensor | null;
  memoryKeyPaddingMask?: Tensor | null;
}

/**
 * Self-attention, attention over the encoder's output (`memory`) and a feed-forward block
 * (PyTorch's `nn.TransformerDecoderLayer`, same parameter names).
 */
export class TransformerDecoderLayer extends Module {
  protected static override stateKeys = { selfAttn: 'self_attn', multiheadAttn: 'multihead_attn' };

  selfAttn: MultiheadAttention;
  multiheadAttn: MultiheadAttention;
  linear1: Linear;
  dropout: Dropout;
  linear2: Linear;
  norm1: LayerNorm;
  norm2: LayerNorm;
  norm3: LayerNorm;
  dropout1: Dropout;
  dropout2: Dropout;
  dropout3: Dropout;
  readonly normFirst: boolean;
  readonly batchFirst: boolean;
  readonly activation: (x: Tensor) => Tensor;

  constructor(
    readonly dModel: number,
    readonly nhead: number,
    options: TransformerLayerOptions = {},
  ) {
    super();
    const f = { device: options.device, dtype: options.dtype };
    const bias = options.bias ?? true;
    const p = options.dropout ?? 0.1;
    const dff = options.dimFeedforward ?? 2048;
    this.batchFirst = options.batchFirst ?? false;
    this.selfAttn = new MultiheadAttention(dModel, nhead, { dropout: p, bias, batchFirst: this.batchFirst, ...f });
    this.multiheadAttn = new MultiheadAttention(dModel, nhead, { dropout: p, bias, batchFirst: this.batchFirst, ...f });
    this.linear1 = new Linear(dModel, dff, { bias, ...f });
    this.dropout = new Dropout(p);
    this.linear2 = new Linear(dff, dModel, { bias, ...f });
    this.normFirst = options.normFirst ?? false;
    const eps = options.layerNormEps ?? 1e-5;
    this.norm1 = new LayerNorm(dModel, { eps, bias, ...f });
    this.norm2 = new LayerNorm(dModel, { eps, bias, ...f });
    this.norm3 = new LayerNorm(dModel, { eps, bias, ...f });
    this.dropout1 = new Dropout(p);
    this.dropout2 = new Dropout(p);
    this.dropout3 = new Dropout(p);
    this.activation = activationFn(options.activation ?? 'relu');
  }

  forward(tgt: Tensor, memory: Tensor, masks: DecoderLayerMasks = {}): Tensor {
    const name = `TransformerDecoderLayer(d_model=${this.dModel}, nhead=${this.nhead})`;
    checkSeq(name, tgt, this.dModel, 'tgt');
    checkSeq(name, memory, this.dModel, 'memory');
    return tidy(() => {
      const sa = (x: Tensor): Tensor => {
        const [y] = this.selfAttn.forward(x, x, x, { attnMask: masks.tgtMask, keyPaddingMask: masks.tgtKeyPaddingMask, needWeights: false });
        return this.dropout1.forward(y);
      };
      const mha = (x: Tensor): Tensor => {
        const [y] = this.multiheadAttn.forward(x, memory, memory, { attnMask: masks.memoryMask, keyPaddingMask: masks.memoryKeyPaddingMask, needWeights: false });
        return this.dropout2.forward(y);
      };
      const ff = (x: Tensor): Tensor => this.dropout3.forward(this.linear2.forward(this.dropout.forward(this.activation(this.linear1.forward(x)))));
      return residualBlocks(tgt, this.normFirst, [[this.norm1, sa], [this.norm2, mha], [this.norm3, ff]]);
    });
  }
}

/** A stack of `numLayers` copies of a decoder layer, with an optional final norm. */
export class TransformerDecoder extends Module {
  layers: TransformerDecoderLayer[];
  norm: Module | null;

  constructor(
    decoderLayer: TransformerDecoderLayer,
    readonly numLayers: number,
    options: { norm?: Module | null } = {},
  ) {
    super();
    this.layers = Array.from({ length: numLayers }, () => cloneModule(decoderLayer));
    this.norm = options.norm ?? null;
  }

  forward(tgt: Tensor, memory: Tensor, masks: DecoderLayerMasks = {}): Tensor {
    return tidy(() => {
      let x = tgt;
      for (const layer of this.layers) x = layer.forward(x, memory, masks);
      return this.norm ? (this.norm.forward(x) as Tensor) : x;
    });
  }
}

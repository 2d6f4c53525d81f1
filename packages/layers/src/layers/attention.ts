/** MultiHeadAttention (Keras's layout: per-head projection kernels [dim, heads, keyDim]). */
import { full, rand, type Tensor } from '@tessera/core';
import { F } from '@tessera/nn';
import { fmtShape, isTensor, ValueError, type Shape } from '../common.js';
import { getInitializer, serializeInitializer, type Initializer, type InitializerIdentifier } from '../initializers.js';
import { getRegularizer, serializeRegularizer, type Regularizer, type RegularizerIdentifier } from '../regularizers.js';
import { trainingGenerator } from '../engine/rng.js';
import { Layer, type CallKwargs, type LayerArgs, type LayerConfig, type SymbolicTensor } from '../engine/topology.js';
import type { LayerVariable } from '../engine/variable.js';

export interface MultiHeadAttentionArgs extends LayerArgs {
  numHeads: number;
  keyDim: number;
  valueDim?: number | null;
  dropout?: number;
  useBias?: boolean;
  /** Last dim of the output (default: the query's). */
  outputShape?: number | number[] | null;
  attentionAxes?: number[] | number | null;
  kernelInitializer?: InitializerIdentifier;
  biasInitializer?: InitializerIdentifier;
  kernelRegularizer?: RegularizerIdentifier | null;
  biasRegularizer?: RegularizerIdentifier | null;
}

interface Proj {
  kernel: LayerVariable;
  bias: LayerVariable | null;
}

/**
 * Scaled dot-product attention over `numHeads` heads. Call it as `apply([query, value])`,
 * `apply([query, value, key])` or `apply(query, { value, key, attentionMask, useCausalMask, returnAttentionScores })`.
 */
export class MultiHeadAttention extends Layer {
  static override readonly className: string = 'MultiHeadAttention';
  readonly numHeads: number;
  readonly keyDim: number;
  readonly valueDim: number;
  readonly dropout: number;
  readonly useBias: boolean;
  readonly outputDim: number | null;
  readonly kernelInitializer: Initializer;
  readonly biasInitializer: Initializer;
  readonly kernelRegularizer: Regularizer | null;
  readonly biasRegularizer: Regularizer | null;
  private q: Proj | null = null;
  private k: Proj | null = null;
  private v: Proj | null = null;
  private o: Proj | null = null;

  constructor(args: MultiHeadAttentionArgs) {
    super(args);
    this.numHeads = args.numHeads;
    this.keyDim = args.keyDim;
    this.valueDim = args.valueDim ?? args.keyDim;
    this.dropout = args.dropout ?? 0;
    this.useBias = args.useBias ?? true;
    const os = args.outputShape;
    this.outputDim = os === undefined || os === null ? null : Array.isArray(os) ? os[os.length - 1]! : os;
    if (args.attentionAxes !== undefined && args.attentionAxes !== null) {
      const ax = Array.isArray(args.attentionAxes) ? args.attentionAxes : [args.attentionAxes];
      if (!(ax.length === 1 && (ax[0] === 1 || ax[0] === -2))) throw new ValueError('MultiHeadAttention: only attention over the sequence axis (attentionAxes null or [1]) is supported');
    }
    this.kernelInitializer = getInitializer(args.kernelInitializer, 'glorot_uniform');
    this.biasInitializer = getInitializer(args.biasInitializer, 'zeros');
    this.kernelRegularizer = getRegularizer(args.kernelRegularizer);
    this.biasRegularizer = getRegularizer(args.biasRegularizer);
  }

  private proj(name: string, kernelShape: number[], biasShape: number[]): Proj {
    const kernel = this.addWeight(`${name}/kernel`, kernelShape, { initializer: this.kernelInitializer, regularizer: this.kernelRegularizer });
    const bias = this.useBias ? this.addWeight(`${name}/bias`, biasShape, { initializer: this.biasInitializer, regularizer: this.biasRegularizer }) : null;
    return { kernel, bias };
  }

  override build(inputShape: Shape | Shape[]): void {
    const shapes = Array.isArray(inputShape[0]) ? (inputShape as Shape[]) : [inputShape as Shape];
    const qs = shapes[0]!;
    const vs = shapes[1] ?? qs;
    const ks = shapes[2] ?? vs;
    const dim = (s: Shape, what: string): number => {
      const d = s[s.length - 1];
      if (d === null || d === undefined) throw new ValueError(`MultiHeadAttention '${this.name}': the last dim of ${what} must be defined, got ${fmtShape(s)}`);
      return d;
    };
    const dq = dim(qs, 'query');
    const H = this.numHeads;
    this.q = this.proj('query', [dq, H, this.keyDim], [H, this.keyDim]);
    this.k = this.proj('key', [dim(ks, 'key'), H, this.keyDim], [H, this.keyDim]);
    this.v = this.proj('value', [dim(vs, 'value'), H, this.valueDim], [H, this.valueDim]);
    const out = this.outputDim ?? dq;
    this.o = this.proj('attention_output', [H, this.valueDim, out], [out]);
  }

  /** Builds with the value (and key) given by keyword in a symbolic call. */
  override applySymbolic(inputs: SymbolicTensor[], asList: boolean, kwargs: CallKwargs): SymbolicTensor | SymbolicTensor[] {
    if (!this.built && !asList) {
      const v = kwargs['value'] as SymbolicTensor | undefined;
      const k = kwargs['key'] as SymbolicTensor | undefined;
      const shapes = [inputs[0]!.shape, (v ?? inputs[0]!).shape, ...(k ? [k.shape] : [])];
      this.maybeBuild(shapes);
    }
    return super.applySymbolic(inputs, asList, kwargs);
  }

  /** `x` [..., d] through Keras's einsum kernel [d, H, K]: nn's `F.linear` on the kernel flattened to [d, H·K]. */
  private project(x: Tensor, p: Proj): Tensor {
    const [d, h, k] = p.kernel.shape as [number, number, number];
    const y = F.linear(x, p.kernel.read().reshape([d, h * k]).t(), p.bias ? p.bias.read().reshape([h * k]) : null);
    return y.reshape([...x.shape.slice(0, -1), h, k]);
  }

  call(inputs: Tensor | Tensor[], kwargs: CallKwargs): Tensor | Tensor[] {
    const list = Array.isArray(inputs) ? inputs : [inputs];
    const query = list[0]!;
    const value = list[1] ?? (kwargs['value'] as Tensor | undefined) ?? query;
    const key = list[2] ?? (kwargs['key'] as Tensor | undefined) ?? value;
    if (!this.built) this.maybeBuild([[...query.shape], [...value.shape], [...key.shape]]);
    const q = this.project(query, this.q!).permute([0, 2, 1, 3]); // [B, H, Tq, K]
    const k = this.project(key, this.k!).permute([0, 2, 1, 3]); // [B, H, Tv, K]
    const v = this.project(value, this.v!).permute([0, 2, 1, 3]); // [B, H, Tv, V]
    const [tq, tv] = [q.shape[2]!, k.shape[2]!];
    let mask = kwargs['attentionMask'] as Tensor | undefined;
    if (mask !== undefined && mask !== null && !isTensor(mask)) throw new ValueError('attentionMask must be a tensor');
    if (kwargs['useCausalMask']) {
      const causal = full([tq, tv], 1, { device: q.device }).cumsum(1).le(full([tq, 1], 1, { device: q.device }).cumsum(0).add(tv - tq));
      mask = mask ? mask.bool().logicalAnd(causal) : causal;
    }
    const m = mask ? (mask.ndim === 3 ? mask.unsqueeze(1) : mask).bool() : null;
    const scale = 1 / Math.sqrt(this.keyDim);
    const dropout = kwargs.training && this.dropout > 0;
    let probs: Tensor | null = null;
    let ctx: Tensor; // [B, H, Tq, V]
    if (!dropout && !kwargs['returnAttentionScores']) {
      // nn's attention; Keras's masked scores are −1e9 (not −∞), so a fully masked row stays finite.
      ctx = F.scaledDotProductAttention(q, k, v, { attnMask: m ? m.logicalNot().float().mul(-1e9) : null, scale });
    } else {
      // The weights are needed (returned, or dropped out with the seeded training stream): the same math, spelled out.
      let scores = q.mul(scale).matmul(k.transpose(-2, -1)); // [B, H, Tq, Tv]
      if (m) scores = scores.where(m, -1e9);
      probs = scores.softmax(-1);
      if (dropout) {
        const keepMask = rand([...probs.shape], { generator: trainingGenerator(), device: probs.device }).ge(this.dropout);
        probs = probs.mul(keepMask).div(1 - this.dropout);
      }
      ctx = probs.matmul(v);
    }
    const [B] = ctx.shape as [number];
    const [h, vd, out] = this.o!.kernel.shape as [number, number, number];
    const merged = ctx.permute([0, 2, 1, 3]).reshape([B, tq, h * vd]);
    const y = F.linear(merged, this.o!.kernel.read().reshape([h * vd, out]).t(), this.o!.bias?.read() ?? null);
    return kwargs['returnAttentionScores'] ? [y, probs!] : y;
  }

  override symbolicOutputShape(inputShape: Shape | Shape[], inputs: SymbolicTensor[], kwargs: CallKwargs): Shape | Shape[] {
    const shapes = Array.isArray(inputShape[0]) ? (inputShape as Shape[]) : [inputShape as Shape];
    const qs = shapes[0]!;
    const vs = shapes[1] ?? ((kwargs['value'] as SymbolicTensor | undefined)?.shape ?? qs);
    const out: Shape = [...qs.slice(0, -1), this.outputDim ?? qs[qs.length - 1]!];
    void inputs;
    if (kwargs['returnAttentionScores']) return [out, [qs[0]!, this.numHeads, qs[1]!, vs[1]!]];
    return out;
  }

  override computeOutputShape(inputShape: Shape | Shape[]): Shape | Shape[] {
    const shapes = Array.isArray(inputShape[0]) ? (inputShape as Shape[]) : [inputShape as Shape];
    const qs = shapes[0]!;
    return [...qs.slice(0, -1), this.outputDim ?? qs[qs.length - 1]!];
  }

  override getConfig(): LayerConfig {
    return {
      ...super.getConfig(),
      numHeads: this.numHeads,
      keyDim: this.keyDim,
      valueDim: this.valueDim,
      dropout: this.dropout,
      useBias: this.useBias,
      outputShape: this.outputDim,
      attentionAxes: null,
      kernelInitializer: serializeInitializer(this.kernelInitializer),
      biasInitializer: serializeInitializer(this.biasInitializer),
      kernelRegularizer: this.kernelRegularizer ? serializeRegularizer(this.kernelRegularizer) : null,
      biasRegularizer: this.biasRegularizer ? serializeRegularizer(this.biasRegularizer) : null,
    };
  }

  override kerasWeightPaths(): string[] {
    const out: string[] = [];
    for (const n of ['query', 'key', 'value', 'output']) {
      out.push(`_${n}_dense/vars/0`);
      if (this.useBias) out.push(`_${n}_dense/vars/1`);
    }
    return out;
  }
}

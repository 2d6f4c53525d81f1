/** Embedding: integer indices [batch, ...] -> vectors [batch, ..., outputDim]. */
import type { Tensor } from '@tessera/core';
import { F } from '@tessera/nn';
import { ValueError, type Shape } from '../common.js';
import { getConstraint, type Constraint, type ConstraintIdentifier } from '../constraints.js';
import { getInitializer, serializeInitializer, type Initializer, type InitializerIdentifier } from '../initializers.js';
import { getRegularizer, serializeRegularizer, type Regularizer, type RegularizerIdentifier } from '../regularizers.js';
import { Layer, type LayerArgs, type LayerConfig } from '../engine/topology.js';
import type { LayerVariable } from '../engine/variable.js';
import { serializeOpt } from './core.js';

export interface EmbeddingArgs extends Omit<LayerArgs, 'inputDim'> {
  /** Vocabulary size (largest index + 1). */
  inputDim: number;
  outputDim: number;
  embeddingsInitializer?: InitializerIdentifier;
  embeddingsRegularizer?: RegularizerIdentifier | null;
  embeddingsConstraint?: ConstraintIdentifier | null;
  /** Accepted for Keras compatibility; masks are not propagated. */
  maskZero?: boolean;
  /** Keras 2's `input_length`: `inputShape: [inputLength]`. */
  inputLength?: number | number[] | null;
}

export class Embedding extends Layer {
  static override readonly className: string = 'Embedding';
  readonly inputDim: number;
  readonly outputDim: number;
  readonly embeddingsInitializer: Initializer;
  readonly embeddingsRegularizer: Regularizer | null;
  readonly embeddingsConstraint: Constraint | null;
  readonly maskZero: boolean;
  readonly inputLength: number | number[] | null;
  embeddings: LayerVariable | null = null;

  constructor(args: EmbeddingArgs) {
    const base: LayerArgs = { ...args, inputDim: undefined };
    delete base.inputDim;
    if (!args.inputShape && !args.batchInputShape) {
      const len = args.inputLength;
      base.batchInputShape = len === undefined || len === null ? undefined : [null, ...(Array.isArray(len) ? len : [len])];
      if (base.batchInputShape === undefined) delete base.batchInputShape;
    }
    super(base);
    if (!Number.isInteger(args.inputDim) || args.inputDim <= 0) throw new ValueError(`Embedding: inputDim must be a positive integer, got ${args.inputDim}`);
    if (!Number.isInteger(args.outputDim) || args.outputDim <= 0) throw new ValueError(`Embedding: outputDim must be a positive integer, got ${args.outputDim}`);
    this.inputDim = args.inputDim;
    this.outputDim = args.outputDim;
    this.embeddingsInitializer = getInitializer(args.embeddingsInitializer, 'uniform');
    this.embeddingsRegularizer = getRegularizer(args.embeddingsRegularizer);
    this.embeddingsConstraint = getConstraint(args.embeddingsConstraint);
    this.maskZero = args.maskZero ?? false;
    this.inputLength = args.inputLength ?? null;
    this.autocast = false;
  }

  protected override outputDtype(): 'float32' {
    return 'float32';
  }

  override build(): void {
    this.embeddings = this.addWeight('embeddings', [this.inputDim, this.outputDim], {
      initializer: this.embeddingsInitializer,
      regularizer: this.embeddingsRegularizer,
      constraint: this.embeddingsConstraint,
    });
  }

  call(inputs: Tensor | Tensor[]): Tensor {
    const x = inputs as Tensor;
    const idx = x.dtype === 'int32' ? x : x.int();
    return F.embedding(idx, this.embeddings!.read());
  }

  override computeOutputShape(inputShape: Shape | Shape[]): Shape {
    return [...(inputShape as Shape), this.outputDim];
  }

  override getConfig(): LayerConfig {
    return {
      ...super.getConfig(),
      inputDim: this.inputDim,
      outputDim: this.outputDim,
      embeddingsInitializer: serializeInitializer(this.embeddingsInitializer),
      embeddingsRegularizer: this.embeddingsRegularizer ? serializeRegularizer(this.embeddingsRegularizer) : null,
      activityRegularizer: this.activityRegularizer ? serializeRegularizer(this.activityRegularizer) : null,
      embeddingsConstraint: serializeOpt(this.embeddingsConstraint),
      maskZero: this.maskZero,
      inputLength: this.inputLength,
    };
  }
}

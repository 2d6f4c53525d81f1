/**
 * The layer graph: `Layer` (weights, build/call, shape inference), `SymbolicTensor` (a tensor of the
 * functional API, which has a shape but no values) and `Node` (one application of a layer).
 */
import { tidy, type DType, type Tensor } from '@tessera/core';
import { fmtShape, isTensor, singletonOrList, toList, toSnakeCase, uniqueName, ValueError } from '../common.js';
import { getConstraint, type ConstraintIdentifier } from '../constraints.js';
import { getInitializer, type InitializerIdentifier } from '../initializers.js';
import { getRegularizer, type Regularizer, type RegularizerIdentifier } from '../regularizers.js';
import { LayerVariable } from './variable.js';
import type { Shape } from '../common.js';

let nextSymbolicId = 0;

/**
 * A placeholder of the functional API: `input({shape: [784]})` returns one, and applying a layer to
 * one returns another. It has a shape (batch dim `null`) and dtype but no values.
 */
export class SymbolicTensor {
  readonly id = nextSymbolicId++;
  readonly rank: number;
  constructor(
    readonly dtype: DType,
    readonly shape: Shape,
    /** The layer that produced it. */
    readonly sourceLayer: Layer,
    /** Index of the node of `sourceLayer` that produced it. */
    readonly nodeIndex: number,
    /** Index among that node's outputs. */
    readonly tensorIndex: number,
    readonly name: string,
  ) {
    this.rank = shape.length;
  }

  toString(): string {
    return `SymbolicTensor(shape=${fmtShape(this.shape)}, dtype=${this.dtype}, name=${this.name})`;
  }
}

export function isSymbolic(x: unknown): x is SymbolicTensor {
  return x instanceof SymbolicTensor;
}

/** Keyword arguments of a layer call. */
export interface CallKwargs {
  /** Training mode (dropout active, batch statistics). Inherited from the enclosing call when absent. */
  training?: boolean;
  /** Initial state of a recurrent layer. */
  initialState?: Tensor | Tensor[];
  /** Extra tensors a layer takes by name (multi-head attention's `value`, `key`, `attentionMask`). */
  [key: string]: unknown;
}

/** One application of a layer to some symbolic tensors. */
export class Node {
  constructor(
    readonly outboundLayer: Layer,
    readonly inputTensors: SymbolicTensor[],
    readonly outputTensors: SymbolicTensor[],
    /** Non-tensor keyword arguments of the call, replayed when the graph runs. */
    readonly callKwargs: Record<string, unknown>,
    /** Names of keyword arguments whose tensors are the last entries of `inputTensors`. */
    readonly tensorKwargNames: string[] = [],
    /** Whether the layer was called with a list (merge layers) rather than a single tensor. */
    readonly inputIsList = false,
  ) {}

  get inboundLayers(): Layer[] {
    return this.inputTensors.map((t) => t.sourceLayer);
  }
}

// ---------------- call context: `training` propagates into nested calls ----------------

const trainingStack: (boolean | undefined)[] = [];

/** The training flag of the innermost layer call (false outside any). */
export function currentTraining(): boolean {
  return trainingStack[trainingStack.length - 1] ?? false;
}

/** Collects activity-regularization losses during a training step. */
let activityLosses: Tensor[] | null = null;
export function collectActivityLosses<T>(fn: () => T): [T, Tensor[]] {
  const prev = activityLosses;
  const mine: Tensor[] = [];
  activityLosses = mine;
  try {
    return [fn(), mine];
  } finally {
    activityLosses = prev;
  }
}

/** Pre-activation values of softmax/sigmoid outputs, so losses can work from logits (as Keras does). */
const logitsOf = new WeakMap<Tensor, { logits: Tensor; kind: 'softmax' | 'sigmoid' }>();
export function attachLogits(output: Tensor, logits: Tensor, kind: 'softmax' | 'sigmoid'): void {
  logitsOf.set(output, { logits, kind });
}
export function getLogits(output: Tensor): { logits: Tensor; kind: 'softmax' | 'sigmoid' } | undefined {
  return logitsOf.get(output);
}

// ---------------- Layer ----------------

/** Options every layer accepts (TF.js's `LayerArgs`). */
export interface LayerArgs {
  name?: string;
  trainable?: boolean;
  /** Input shape without the batch dim; makes the layer a model's first layer. */
  inputShape?: Shape;
  /** Input shape with the batch dim. */
  batchInputShape?: Shape;
  batchSize?: number;
  /** Keras 2's `input_dim`: `inputShape: [inputDim]`. */
  inputDim?: number;
  dtype?: DType;
  /** Initial weight values. */
  weights?: Tensor[];
  /** Penalty on the layer's output. */
  activityRegularizer?: RegularizerIdentifier;
}

/** Options of `addWeight`. */
export interface AddWeightOptions {
  dtype?: DType;
  initializer?: InitializerIdentifier;
  regularizer?: RegularizerIdentifier | null;
  constraint?: ConstraintIdentifier | null;
  trainable?: boolean;
}

/** A layer's `getConfig()` result: camelCase keys, written snake_case to model files. */
export type LayerConfig = Record<string, unknown>;

/** Constructor registry key: the Keras class name. */
export interface LayerClass {
  readonly className: string;
  new (args: never): Layer;
}

/**
 * Base class of every layer. Subclasses implement `build(inputShape)` (create weights with
 * `addWeight`), `call(inputs, kwargs)` and `computeOutputShape(inputShape)`.
 *
 * @example
 * class Double extends Layer {
 *   static override readonly className: string = 'Double';
 *   override call(x: Tensor | Tensor[]) { return (x as Tensor).mul(2); }
 * }
 */
export abstract class Layer {
  /** The Keras class name (the `class_name` in model files). */
  static readonly className: string = 'Layer';

  name: string;
  dtype: DType;
  built = false;
  /** Shape of the model input this layer starts from, when it was given one. */
  batchInputShape: Shape | null = null;
  readonly inboundNodes: Node[] = [];
  readonly outboundNodes: Node[] = [];
  /** Whether integer inputs are cast to float32 before `call` (false for embeddings). */
  protected autocast = true;
  activityRegularizer: Regularizer | null;
  protected _trainable: boolean;
  protected _trainableWeights: LayerVariable[] = [];
  protected _nonTrainableWeights: LayerVariable[] = [];
  private _initialWeights: Tensor[] | null;
  /** Whether the user set an input shape (for configs). */
  protected inputShapeGiven = false;
  /** @internal Set by a wrapping layer so this layer's weights are named under the wrapper (TF.js's scopes). */
  _scopeOverride: (() => string) | null = null;

  /** The prefix of this layer's weight names: its name, or its wrapper's scope. */
  weightScope(): string {
    return this._scopeOverride ? this._scopeOverride() : this.name;
  }

  constructor(args: LayerArgs = {}) {
    const cls = (this.constructor as unknown as LayerClass).className;
    this.name = args.name ?? uniqueName(toSnakeCase(cls));
    this._trainable = args.trainable ?? true;
    this.dtype = args.dtype ?? 'float32';
    this.activityRegularizer = getRegularizer(args.activityRegularizer);
    this._initialWeights = args.weights ?? null;
    let shape: Shape | undefined;
    if (args.batchInputShape) shape = [...args.batchInputShape];
    else if (args.inputShape) shape = [args.batchSize ?? null, ...args.inputShape];
    else if (args.inputDim !== undefined) shape = [args.batchSize ?? null, args.inputDim];
    if (shape) {
      this.batchInputShape = shape;
      this.inputShapeGiven = true;
    }
  }

  /** The Keras class name of this instance. */
  getClassName(): string {
    return (this.constructor as unknown as LayerClass).className;
  }

  // ---------------- weights ----------------

  /** Whether training updates this layer's weights. Setting it freezes or unfreezes the layer and its sublayers. */
  get trainable(): boolean {
    return this._trainable;
  }

  set trainable(v: boolean) {
    this._trainable = v;
    for (const w of [...this._trainableWeights, ...this._nonTrainableWeights]) w._setOwnerTrainable(v);
    for (const l of this.sublayers()) l.trainable = v;
  }

  /** Layers owned by this one (an RNN's cell, a wrapper's inner layer). */
  sublayers(): Layer[] {
    return [];
  }

  /** Trainable weights, own then sublayers' (empty when frozen). */
  get trainableWeights(): LayerVariable[] {
    if (!this._trainable) return [];
    const own = this._trainableWeights.filter((w) => w.trainable);
    return dedupe([...own, ...this.sublayers().flatMap((l) => l.trainableWeights)]);
  }

  /** Non-trainable weights (all weights when frozen). */
  get nonTrainableWeights(): LayerVariable[] {
    if (!this._trainable) return dedupe([...this._trainableWeights, ...this._nonTrainableWeights, ...this.sublayers().flatMap((l) => l.weights)]);
    const own = [...this._trainableWeights.filter((w) => !w.trainable), ...this._nonTrainableWeights];
    return dedupe([...own, ...this.sublayers().flatMap((l) => l.nonTrainableWeights)]);
  }

  /** All weights: trainable first, then non-trainable (TF.js's order). */
  get weights(): LayerVariable[] {
    return [...this.trainableWeights, ...this.nonTrainableWeights];
  }

  /** Weights in creation order (the order Keras files list a layer's variables). */
  creationOrderWeights(): LayerVariable[] {
    return dedupe([...this._allOwnWeights(), ...this.sublayers().flatMap((l) => l.creationOrderWeights())]);
  }

  private _ownOrder: LayerVariable[] = [];
  /** @internal */
  _allOwnWeights(): LayerVariable[] {
    return this._ownOrder;
  }

  /**
   * Creates a weight named `<layer>/<name>` (TF.js's `addWeight`).
   *
   * @example
   * this.kernel = this.addWeight('kernel', [inDim, this.units], { initializer: 'glorot_uniform' });
   */
  addWeight(name: string, shape: readonly number[], options: AddWeightOptions = {}): LayerVariable {
    const init = getInitializer(options.initializer ?? 'glorot_uniform');
    const value = tidy(() => init.apply(shape, options.dtype ?? 'float32'));
    const v = new LayerVariable(value, `${this.weightScope()}/${name}`, {
      trainable: options.trainable ?? true,
      regularizer: getRegularizer(options.regularizer ?? null),
      constraint: getConstraint(options.constraint ?? null),
    });
    v._setOwnerTrainable(this._trainable);
    if (options.trainable === false) this._nonTrainableWeights.push(v);
    else this._trainableWeights.push(v);
    this._ownOrder.push(v);
    return v;
  }

  /** Copies of the weight values, in `weights` order (TF.js's `getWeights`). */
  getWeights(trainableOnly = false): Tensor[] {
    const ws = trainableOnly ? this.trainableWeights : this.weights;
    return ws.map((w) => w.read().clone());
  }

  /** Sets weight values from a list in `weights` order. */
  setWeights(weights: readonly Tensor[]): void {
    const ws = this.weights;
    if (weights.length !== ws.length) {
      throw new ValueError(`Layer '${this.name}' expects ${ws.length} weight arrays, but the given list has ${weights.length}`);
    }
    ws.forEach((w, i) => w.write(weights[i]!));
  }

  /** Number of scalars in this layer's weights. */
  countParams(): number {
    if (!this.built) {
      throw new ValueError(`You tried to call countParams() on '${this.name}', but the layer isn't built. Build it first (call it on data or give it an input shape).`);
    }
    return this.weights.reduce((n, w) => n + w.shape.reduce((a, b) => a * b, 1), 0);
  }

  /** Regularization penalties of this layer's weights (scalar tensors). */
  get losses(): Tensor[] {
    return this.weights.filter((w) => w.regularizer).map((w) => w.regularizer!.apply(w.read()));
  }

  // ---------------- build / call ----------------

  /** Creates the weights for inputs of `inputShape` (batch dim included). */
  build(_inputShape: Shape | Shape[]): void {
    this.built = true;
  }

  /** The forward computation on real tensors. */
  abstract call(inputs: Tensor | Tensor[], kwargs: CallKwargs): Tensor | Tensor[];

  /** Output shape(s) for input shape(s), batch dim included. */
  computeOutputShape(inputShape: Shape | Shape[]): Shape | Shape[] {
    return inputShape;
  }

  /** The dtype of this layer's outputs. */
  protected outputDtype(_inputs: SymbolicTensor[]): DType {
    return this.dtype;
  }

  /** @internal Builds once, then sets initial weights if the constructor got some. */
  maybeBuild(shape: Shape | Shape[]): void {
    if (this.built) return;
    this.build(shape);
    this.built = true;
    if (this._initialWeights) {
      this.setWeights(this._initialWeights);
      this._initialWeights = null;
    }
  }

  /**
   * Applies the layer: to tensors it computes (building first when needed); to symbolic tensors of
   * the functional API it returns symbolic outputs and records the call in the graph.
   *
   * @example
   * const x = input({ shape: [784] });
   * const y = layers.dense({ units: 10 }).apply(x) as SymbolicTensor;
   */
  apply(inputs: Tensor | SymbolicTensor | (Tensor | SymbolicTensor)[], kwargs: CallKwargs = {}): Tensor | SymbolicTensor | (Tensor | SymbolicTensor)[] {
    const list = toList(inputs);
    const kwTensors = Object.entries(kwargs).filter(([, v]) => isSymbolic(v) || (Array.isArray(v) && v.length > 0 && v.every(isSymbolic)));
    if (list.some(isSymbolic) || kwTensors.length > 0) {
      if (!list.every(isSymbolic)) throw new ValueError(`Layer '${this.name}' was called with a mix of symbolic and concrete tensors`);
      return this.applySymbolic(list as SymbolicTensor[], Array.isArray(inputs), kwargs);
    }
    for (const t of list) if (!isTensor(t)) throw new ValueError(`Layer '${this.name}' expects tensors, got ${typeof t}`);
    return this.callConcrete(Array.isArray(inputs) ? (list as Tensor[]) : (inputs as Tensor), kwargs);
  }

  /** @internal Runs the layer on concrete tensors. */
  callConcrete(inputs: Tensor | Tensor[], kwargs: CallKwargs = {}): Tensor | Tensor[] {
    const list = toList(inputs);
    this.maybeBuild(Array.isArray(inputs) ? list.map((t) => [...t.shape]) : [...(inputs as Tensor).shape]);
    const cast = this.autocast ? list.map((t) => (t.dtype === 'float32' || t.dtype === 'float64' ? t : t.float())) : list;
    const training = kwargs.training ?? currentTraining();
    trainingStack.push(training);
    let out: Tensor | Tensor[];
    try {
      out = this.call(Array.isArray(inputs) ? cast : cast[0]!, { ...kwargs, training });
    } finally {
      trainingStack.pop();
    }
    if (this.activityRegularizer && activityLosses && training) {
      const reg = this.activityRegularizer;
      // Keras divides the activity penalty by the batch size.
      for (const o of toList(out)) activityLosses.push(reg.apply(o).div(o.shape[0] ?? 1));
    }
    return out;
  }

  /** @internal Records a call on symbolic tensors. */
  applySymbolic(inputs: SymbolicTensor[], asList: boolean, kwargs: CallKwargs): SymbolicTensor | SymbolicTensor[] {
    const tensorKw: string[] = [];
    const plainKw: Record<string, unknown> = {};
    const allInputs = [...inputs];
    for (const [k, v] of Object.entries(kwargs)) {
      if (isSymbolic(v)) {
        tensorKw.push(k);
        allInputs.push(v);
      } else plainKw[k] = v;
    }
    const shapes = inputs.map((t) => [...t.shape]);
    const shapeArg = asList ? shapes : shapes[0]!;
    this.maybeBuild(shapeArg);
    const outShapes = this.symbolicOutputShape(shapeArg, inputs, kwargs);
    // A list of shapes (several outputs) rather than one shape.
    const multi = Array.isArray(outShapes[0]);
    const shapeList: Shape[] = multi ? (outShapes as Shape[]) : [outShapes as Shape];
    const nodeIndex = this.inboundNodes.length;
    const dtype = this.outputDtype(inputs);
    const outputs = shapeList.map((s, i) => new SymbolicTensor(dtype, s, this, nodeIndex, i, shapeList.length > 1 ? `${this.name}/out${i}` : this.name));
    const node = new Node(this, allInputs, outputs, plainKw, tensorKw, asList);
    this.inboundNodes.push(node);
    for (const t of inputs) t.sourceLayer.outboundNodes.push(node);
    return multi ? outputs : outputs[0]!;
  }

  /** @internal Output shapes for a symbolic call (layers whose shape depends on kwargs override it). */
  symbolicOutputShape(inputShape: Shape | Shape[], _inputs: SymbolicTensor[], _kwargs: CallKwargs): Shape | Shape[] {
    return this.computeOutputShape(inputShape);
  }

  // ---------------- graph introspection ----------------

  /** The symbolic input of this layer's single inbound node. */
  get input(): SymbolicTensor | SymbolicTensor[] {
    if (this.inboundNodes.length === 0) throw new ValueError(`Layer '${this.name}' is not connected, no input to return.`);
    return singletonOrList(this.inboundNodes[0]!.inputTensors);
  }

  /** The symbolic output of this layer's single inbound node. */
  get output(): SymbolicTensor | SymbolicTensor[] {
    if (this.inboundNodes.length === 0) throw new ValueError(`Layer '${this.name}' has no inbound nodes.`);
    return singletonOrList(this.inboundNodes[0]!.outputTensors);
  }

  /** Output shape of the layer (when all its calls agree). */
  get outputShape(): Shape | Shape[] {
    if (this.inboundNodes.length === 0) throw new ValueError(`The layer '${this.name}' has never been called and thus has no defined output shape.`);
    const shapes = this.inboundNodes.map((n) => JSON.stringify(n.outputTensors.map((t) => t.shape)));
    if (shapes.some((s) => s !== shapes[0])) throw new ValueError(`The layer '${this.name}' has multiple inbound nodes with different output shapes.`);
    return singletonOrList(this.inboundNodes[0]!.outputTensors.map((t) => t.shape));
  }

  // ---------------- serialization ----------------

  /** Constructor arguments that recreate this layer (camelCase keys). */
  getConfig(): LayerConfig {
    const config: LayerConfig = { name: this.name, trainable: this._trainable, dtype: this.dtype };
    if (this.inputShapeGiven && this.batchInputShape) config['batchInputShape'] = this.batchInputShape;
    return config;
  }

  /**
   * Relative paths of each weight inside this layer's group of a Keras 3 `model.weights.h5`, in
   * `creationOrderWeights()` order. Layers with sublayers (RNN cells, wrappers) override it.
   */
  kerasWeightPaths(): string[] {
    const own = this._allOwnWeights().map((_, i) => `vars/${i}`);
    return own;
  }

  /** Frees the weights. */
  dispose(): void {
    for (const w of this._allOwnWeights()) w.dispose();
    for (const l of this.sublayers()) l.dispose();
  }
}

function dedupe(ws: LayerVariable[]): LayerVariable[] {
  const seen = new Set<number>();
  return ws.filter((w) => (seen.has(w.id) ? false : (seen.add(w.id), true)));
}

// ---------------- Input ----------------

export interface InputLayerArgs {
  inputShape?: Shape;
  batchInputShape?: Shape;
  batchSize?: number;
  dtype?: DType;
  sparse?: boolean;
  name?: string;
}

/** The entry point of a functional model (created by `input()`). */
export class InputLayer extends Layer {
  static override readonly className: string = 'InputLayer';
  readonly sparse: boolean;

  constructor(args: InputLayerArgs) {
    const shape: Shape | undefined = args.batchInputShape ?? (args.inputShape ? [args.batchSize ?? null, ...args.inputShape] : undefined);
    if (!shape) throw new ValueError('An InputLayer needs an inputShape or batchInputShape');
    super({ name: args.name ?? uniqueName('input_layer'), dtype: args.dtype ?? 'float32', batchInputShape: shape });
    this.sparse = args.sparse ?? false;
    this.built = true;
    const out = new SymbolicTensor(this.dtype, [...shape], this, 0, 0, this.name);
    this.inboundNodes.push(new Node(this, [], [out], {}));
  }

  call(inputs: Tensor | Tensor[]): Tensor | Tensor[] {
    return inputs;
  }

  override getConfig(): LayerConfig {
    return { batchInputShape: this.batchInputShape, dtype: this.dtype, sparse: this.sparse, name: this.name };
  }
}

export interface InputConfig {
  /** Shape without the batch dim, e.g. `[28, 28]`. */
  shape?: Shape;
  batchShape?: Shape;
  batchSize?: number;
  name?: string;
  dtype?: DType;
  sparse?: boolean;
}

/**
 * A symbolic input of the functional API (`tf.input` / `keras.Input`).
 *
 * @example
 * const x = input({ shape: [784] });
 */
export function input(config: InputConfig): SymbolicTensor {
  if (!config.shape && !config.batchShape) throw new ValueError('input() needs a shape or batchShape');
  const layer = new InputLayer({
    batchInputShape: config.batchShape ?? [config.batchSize ?? null, ...config.shape!],
    dtype: config.dtype ?? 'float32',
    sparse: config.sparse ?? false,
    ...(config.name !== undefined ? { name: config.name } : {}),
  });
  return layer.inboundNodes[0]!.outputTensors[0]!;
}

/** Throws a Keras-style error when a tensor shape does not fit a layer. */
export function assertRank(layer: Layer, shape: Shape, min: number, max = min): void {
  if (shape.length < min || shape.length > max) {
    const want = min === max ? `ndim=${min}` : `min_ndim=${min}${max === Infinity ? '' : `, max_ndim=${max}`}`;
    throw new ValueError(`Input 0 of layer "${layer.name}" is incompatible with the layer: expected ${want}, found ndim=${shape.length}. Full shape received: ${fmtShape(shape)}`);
  }
}

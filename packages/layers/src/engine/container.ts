/**
 * `LayersModel`: a model that is itself a layer. Three ways to define one, as in Keras:
 * - functional: `model({ inputs, outputs })` over symbolic tensors (multi-input/output graphs);
 * - `Sequential` (sequential.ts): a stack of layers;
 * - subclassing: `class M extends LayersModel { call(x) {...} }`, whose layers are found in its fields.
 */
import { noGrad } from '@tessera/autograd';
import { zeros, type Tensor } from '@tessera/core';
import { fmtShape, isTensor, singletonOrList, toList, uniqueName, ValueError } from '../common.js';
import type { Shape } from '../common.js';
import { isSymbolic, Layer, Node, SymbolicTensor, type CallKwargs, type LayerArgs, type LayerConfig } from './topology.js';
import type { LayerVariable } from './variable.js';
import * as training from './training.js';
import type { CompileArgs, EvaluateArgs, FitArgs, FitDatasetArgs, History, ModelData, PredictArgs, DatasetLike } from './training.js';
import type { Optimizer } from '../optimizers.js';
import type { LossFn } from '../losses.js';
import type { MetricFn } from '../metrics.js';

/** Saving functions, installed by the package entry (io/ depends on this module, not the reverse). */
export const ioHooks: {
  save?: (model: LayersModel, target: unknown, options?: unknown) => Promise<unknown>;
  saveWeights?: (model: LayersModel, path: string, options?: unknown) => Promise<void>;
  loadWeights?: (model: LayersModel, path: string, options?: unknown) => Promise<void>;
} = {};

/** Arguments of `model()`. */
export interface ContainerArgs {
  inputs?: SymbolicTensor | SymbolicTensor[];
  outputs?: SymbolicTensor | SymbolicTensor[];
  name?: string;
}

/** Options of `summary()`. */
export interface SummaryOptions {
  /** Accepted for TF.js compatibility; the table sizes its columns to fit. */
  lineLength?: number;
  printFn?: (line: string) => void;
}

export class LayersModel extends Layer {
  static override readonly className: string = 'Functional';

  /** Symbolic inputs (functional models). */
  protected _inputs: SymbolicTensor[] = [];
  protected _outputs: SymbolicTensor[] = [];
  /** Nodes of the graph in topological order (functional models). */
  protected _nodes: Node[] = [];
  protected _graphLayers: Layer[] = [];
  /** Whether this model is defined by a graph (false for subclassed models). */
  protected isGraphNetwork = false;

  // training state (see training.ts)
  optimizer: Optimizer | null = null;
  /** @internal */ _lossFns: LossFn[] = [];
  /** @internal */ _lossWeights: number[] | null = null;
  /** @internal */ _metricFns: MetricFn[][] = [];
  /** @internal */ _compileArgs: CompileArgs | null = null;
  /** Set by a callback to end `fit` after the current batch/epoch. */
  stopTraining = false;
  /** The History of the last `fit`. */
  history: History | null = null;
  /** @internal seed and epoch of the running `fit` (saved by BackupAndRestore) */
  _fitState: { seed: number; epoch: number } | null = null;
  /** @internal set by BackupAndRestore to resume a run */
  _resume: { seed: number; epoch: number } | null = null;

  constructor(args: ContainerArgs & LayerArgs = {}) {
    super({ ...args, name: args.name ?? uniqueName(args.inputs ? 'functional' : defaultName(new.target)) });
    if (args.inputs !== undefined || args.outputs !== undefined) {
      if (args.inputs === undefined || args.outputs === undefined) throw new ValueError('model() needs both inputs and outputs');
      this.initGraph(toList(args.inputs), toList(args.outputs));
    }
  }

  /** @internal Sets up the graph from inputs to outputs. */
  protected initGraph(inputs: SymbolicTensor[], outputs: SymbolicTensor[]): void {
    for (const t of [...inputs, ...outputs]) {
      if (!isSymbolic(t)) throw new ValueError(`model(): inputs and outputs must be symbolic tensors (from input() and layer.apply), got ${isTensor(t) ? 'a concrete Tensor' : typeof t}`);
    }
    this._inputs = inputs;
    this._outputs = outputs;
    const inputIds = new Set(inputs.map((t) => t.id));
    const nodes: Node[] = [];
    const done = new Set<Node>();
    const inProgress = new Set<Node>();
    const reached: string[] = [];
    const visit = (t: SymbolicTensor): void => {
      const node = t.sourceLayer.inboundNodes[t.nodeIndex]!;
      if (done.has(node)) return;
      if (inputIds.has(t.id)) {
        done.add(node);
        nodes.push(node);
        return;
      }
      if (node.inputTensors.length === 0) {
        throw new ValueError(
          `Graph disconnected: cannot obtain value for tensor ${t.name} at layer "${t.sourceLayer.name}". The following previous layers were accessed without issue: [${reached.map((r) => `'${r}'`).join(', ')}]`,
        );
      }
      if (inProgress.has(node)) throw new ValueError(`The graph has a cycle at layer '${t.sourceLayer.name}'`);
      inProgress.add(node);
      for (const it of node.inputTensors) visit(it);
      inProgress.delete(node);
      done.add(node);
      nodes.push(node);
      reached.push(node.outboundLayer.name);
    };
    for (const t of inputs) visit(t);
    for (const t of outputs) visit(t);
    this._nodes = nodes;
    const layers: Layer[] = [];
    for (const t of inputs) if (!layers.includes(t.sourceLayer)) layers.push(t.sourceLayer);
    for (const n of nodes) if (!layers.includes(n.outboundLayer)) layers.push(n.outboundLayer);
    const names = new Set<string>();
    for (const l of layers) {
      if (names.has(l.name)) throw new ValueError(`The name "${l.name}" is used 2 times in the model. All layer names should be unique.`);
      names.add(l.name);
    }
    this._graphLayers = layers;
    this.isGraphNetwork = true;
    this.built = true;
  }

  /** Whether the model is a graph of layers (functional or Sequential), not a subclassed model. */
  get isFunctional(): boolean {
    return this.isGraphNetwork;
  }

  /** Symbolic inputs. */
  get inputs(): SymbolicTensor[] {
    return this._inputs;
  }

  /** Symbolic outputs. */
  get outputs(): SymbolicTensor[] {
    return this._outputs;
  }

  /** Names of the outputs (their layers' names), used for multi-output losses and logs. */
  get outputNames(): string[] {
    if (this.isGraphNetwork) return this._outputs.map((t) => t.sourceLayer.name);
    return ['output'];
  }

  /** Names of the inputs. */
  get inputNames(): string[] {
    return this.inputs.map((t) => t.sourceLayer.name);
  }

  /** The model's layers (without input layers for Sequential). */
  get layers(): Layer[] {
    if (this.isGraphNetwork) return this._graphLayers;
    return trackedLayers(this);
  }

  override sublayers(): Layer[] {
    return this.layers;
  }

  /**
   * All weights, layer by layer (Keras 3's order, which does not change when a layer is frozen);
   * `getWeights`/`setWeights` use it.
   */
  override get weights(): LayerVariable[] {
    const seen = new Set<LayerVariable>();
    const out: LayerVariable[] = [];
    for (const l of this.layers) for (const w of l.weights) if (!seen.has(w)) (seen.add(w), out.push(w));
    return out;
  }

  /** The layer with this name, or at this index. */
  getLayer(nameOrIndex: string | number | { name?: string; index?: number }): Layer {
    const layers = this.layers;
    const q = typeof nameOrIndex === 'object' ? (nameOrIndex.name ?? nameOrIndex.index!) : nameOrIndex;
    if (typeof q === 'number') {
      if (q < 0 || q >= layers.length) throw new ValueError(`Was asked to retrieve layer at index ${q} but model only has ${layers.length} layers.`);
      return layers[q]!;
    }
    const l = layers.find((x) => x.name === q);
    if (!l) throw new ValueError(`No such layer: ${q}. Existing layers are: [${layers.map((x) => x.name).join(', ')}].`);
    return l;
  }

  // ---------------- forward ----------------

  override build(inputShape: Shape | Shape[]): void {
    if (this.isGraphNetwork) {
      this.built = true;
      return;
    }
    // A subclassed model builds its layers by running once on zeros (batch 1).
    const shapes = Array.isArray(inputShape[0]) ? (inputShape as Shape[]) : [inputShape as Shape];
    noGrad(() => {
      const xs = shapes.map((s) => zeros(s.map((d) => d ?? 1)));
      try {
        this.built = true;
        this.callConcrete(singletonOrList(xs), { training: false });
      } finally {
        for (const x of xs) x.dispose();
      }
    });
  }

  call(inputs: Tensor | Tensor[], kwargs: CallKwargs): Tensor | Tensor[] {
    if (!this.isGraphNetwork) {
      throw new ValueError(`Model '${this.name}' has no graph: a subclassed model must override call(inputs, kwargs).`);
    }
    return singletonOrList(this.runGraph(toList(inputs), kwargs));
  }

  /** @internal Runs the graph on concrete inputs. */
  runGraph(inputs: Tensor[], kwargs: CallKwargs): Tensor[] {
    if (inputs.length !== this._inputs.length) {
      throw new ValueError(`Model '${this.name}' expects ${this._inputs.length} input(s), but it received ${inputs.length} input tensors.`);
    }
    const values = new Map<number, Tensor>();
    this._inputs.forEach((t, i) => {
      const x = inputs[i]!;
      checkInputShape(this.name, t, x, i);
      values.set(t.id, x);
    });
    for (const node of this._nodes) {
      if (node.outputTensors.every((t) => values.has(t.id))) continue;
      const nPos = node.inputTensors.length - node.tensorKwargNames.length;
      const args = node.inputTensors.slice(0, nPos).map((t) => values.get(t.id)!);
      const kw: CallKwargs = { ...node.callKwargs, ...kwargs };
      node.tensorKwargNames.forEach((k, i) => (kw[k] = values.get(node.inputTensors[nPos + i]!.id)!));
      const out = toList(node.outboundLayer.callConcrete(node.inputIsList ? args : args[0]!, kw));
      node.outputTensors.forEach((t, i) => values.set(t.id, out[i]!));
    }
    return this._outputs.map((t) => values.get(t.id)!);
  }

  override computeOutputShape(inputShape: Shape | Shape[]): Shape | Shape[] {
    if (!this.isGraphNetwork) throw new ValueError(`Cannot infer the output shape of subclassed model '${this.name}'`);
    const shapes = new Map<number, Shape>();
    const given = this._inputs.length === 1 && !Array.isArray(inputShape[0]) ? [inputShape as Shape] : (inputShape as Shape[]);
    this._inputs.forEach((t, i) => shapes.set(t.id, given[i] ?? t.shape));
    for (const node of this._nodes) {
      if (node.outputTensors.every((t) => shapes.has(t.id))) continue;
      const nPos = node.inputTensors.length - node.tensorKwargNames.length;
      const ins = node.inputTensors.slice(0, nPos).map((t) => shapes.get(t.id)!);
      const out = node.outboundLayer.computeOutputShape(node.inputIsList ? ins : ins[0]!);
      const outs = node.outputTensors.length > 1 ? (out as Shape[]) : [out as Shape];
      node.outputTensors.forEach((t, i) => shapes.set(t.id, outs[i]!));
    }
    return singletonOrList(this._outputs.map((t) => shapes.get(t.id)!));
  }

  /** @internal The graph's nodes in topological order. */
  get nodes(): Node[] {
    return this._nodes;
  }

  // ---------------- summary ----------------

  /**
   * Prints Keras's table of layers, output shapes and parameter counts.
   * `printFn` receives each line (console.log by default).
   */
  summary(lineLengthOrOptions?: number | SummaryOptions, _positions?: number[], printFn?: (line: string) => void): void {
    const opts: SummaryOptions = typeof lineLengthOrOptions === 'object' ? lineLengthOrOptions : { ...(lineLengthOrOptions !== undefined ? { lineLength: lineLengthOrOptions } : {}), ...(printFn ? { printFn } : {}) };
    const print = opts.printFn ?? ((l: string) => console.log(l));
    for (const line of summaryLines(this)) print(line);
  }

  // ---------------- weights ----------------

  /** @internal every variable, deduplicated, in `weights` order */
  get allVariables(): LayerVariable[] {
    return this.weights;
  }

  override getConfig(): LayerConfig {
    if (!this.isGraphNetwork) return { name: this.name, trainable: this.trainable };
    return { name: this.name, trainable: this.trainable, ...graphConfig(this) };
  }

  override dispose(): void {
    for (const l of this.layers) l.dispose();
    this.optimizer?.dispose();
  }

  // ---------------- training (training.ts) ----------------

  /** Configures training: optimizer, loss(es) and metrics, by name or object. */
  compile(args: CompileArgs): void {
    training.compile(this, args);
  }

  /** Trains for `epochs` epochs; returns the History. Also accepts a dataset/DataLoader as `x`. */
  fit(x: ModelData | DatasetLike, y?: ModelData | FitArgs, args?: FitArgs): Promise<History> {
    return training.fit(this, x, y, args);
  }

  /** Trains on a dataset of `[x, y]` batches (TF.js's `fitDataset`). */
  fitDataset(dataset: DatasetLike, args: FitDatasetArgs): Promise<History> {
    return training.fitDataset(this, dataset, args);
  }

  /** Loss and metrics on data, as scalar tensors (a list when there are metrics). */
  evaluate(x: ModelData, y: ModelData, args: EvaluateArgs = {}): Tensor | Tensor[] {
    return training.evaluate(this, x, y, args);
  }

  /** `evaluate` over a dataset of `[x, y]` batches. */
  evaluateDataset(dataset: DatasetLike, args: { batches?: number; verbose?: number } = {}): Promise<Tensor | Tensor[]> {
    return training.evaluateDataset(this, dataset, args);
  }

  /** Outputs for `x`, computed in batches without gradients and in inference mode. */
  predict(x: ModelData, args: PredictArgs = {}): Tensor | Tensor[] {
    return training.predict(this, x, args);
  }

  /** Outputs for one batch. */
  predictOnBatch(x: ModelData): Tensor | Tensor[] {
    return training.predict(this, x, { batchSize: Number.MAX_SAFE_INTEGER });
  }

  /** One optimizer step on one batch; resolves to the loss (and metrics). */
  trainOnBatch(x: ModelData, y: ModelData, args: { sampleWeight?: Tensor; classWeight?: Record<number, number> } = {}): Promise<number | number[]> {
    return training.trainOnBatch(this, x, y, args);
  }

  /** Loss (and metrics) on one batch, as scalar tensors. */
  testOnBatch(x: ModelData, y: ModelData): Tensor | Tensor[] {
    return training.testOnBatch(this, x, y);
  }

  /**
   * Saves the model: `'model.keras'` (Keras 3), `'x.weights.h5'`, `'file://dir'` or a folder (TF.js's
   * model.json + weights.bin), or a TF.js-style IO handler. Writes are atomic.
   */
  save(target: string | import('../io/tfjs.js').IOHandler, options: { includeOptimizer?: boolean } = {}): Promise<import('../io/tfjs.js').SaveResult> {
    if (!ioHooks.save) throw new ValueError('Saving is not available (import @tessera/layers)');
    return ioHooks.save(this, target, options) as Promise<import('../io/tfjs.js').SaveResult>;
  }

  /** Saves the weights (and optimizer state) as a Keras `.weights.h5` file. */
  saveWeights(path: string, options: { includeOptimizer?: boolean } = {}): Promise<void> {
    if (!ioHooks.saveWeights) throw new ValueError('Saving is not available (import @tessera/layers)');
    return ioHooks.saveWeights(this, path, options);
  }

  /** Loads weights (and optimizer state, when compiled) from a `.weights.h5` or `.keras` file. */
  loadWeights(path: string, options: { skipOptimizer?: boolean } = {}): Promise<void> {
    if (!ioHooks.loadWeights) throw new ValueError('Loading is not available (import @tessera/layers)');
    return ioHooks.loadWeights(this, path, options);
  }

  /** Names of the values `evaluate` returns: `loss` then the metrics. */
  get metricsNames(): string[] {
    return training.metricsNames(this);
  }
}

function defaultName(ctor: unknown): string {
  const c = ctor as { className?: string; name?: string };
  if (c && c.className && c.className !== 'Functional' && c.className !== 'Model') return c.className.toLowerCase();
  const n = c?.name;
  if (n && n !== 'LayersModel' && n !== 'Model') return n.replace(/([a-z0-9])([A-Z])/g, '$1_$2').toLowerCase();
  return 'model';
}

/** Layers held in the fields of a subclassed model (Keras's attribute tracking). */
function trackedLayers(owner: object): Layer[] {
  const out: Layer[] = [];
  const add = (v: unknown): void => {
    if (v instanceof Layer) {
      if (!out.includes(v) && v !== owner) out.push(v);
    } else if (Array.isArray(v)) for (const x of v) if (x instanceof Layer) add(x);
  };
  for (const [k, v] of Object.entries(owner)) {
    if (k === 'inboundNodes' || k === 'outboundNodes' || k === 'optimizer') continue;
    add(v);
  }
  return out;
}

function checkInputShape(model: string, expected: SymbolicTensor, x: Tensor, i: number): void {
  const s = expected.shape;
  const ok = s.length === x.ndim && s.every((d, k) => d === null || d === x.shape[k]);
  if (!ok) {
    throw new ValueError(
      `Input ${i} of model "${model}" is incompatible: expected shape=${fmtShape(s)}, found shape=${fmtShape(x.shape)}`,
    );
  }
}

// ---------------- functional config (TF.js/Keras 2 layout; io/keras.ts converts to Keras 3's) ----------------

/** A node reference: [layer name, node index, tensor index, kwargs]. */
export type NodeRef = [string, number, number, Record<string, unknown>?];

/** The part of a functional model's config that describes its graph. */
export function graphConfig(model: LayersModel): { layers: LayerConfig[]; inputLayers: [string, number, number][]; outputLayers: [string, number, number][] } {
  const nodeSet = new Set(model.nodes);
  // Keras re-indexes each layer's nodes to those that belong to this model.
  const nodeIndex = (layer: Layer, index: number): number => {
    const own = layer.inboundNodes.filter((n) => nodeSet.has(n) || n.inputTensors.length === 0);
    return own.indexOf(layer.inboundNodes[index]!);
  };
  const layers: LayerConfig[] = model.layers.map((layer) => {
    const inbound = layer.inboundNodes
      .filter((n) => nodeSet.has(n) && n.inputTensors.length > 0)
      .map((n) => {
        const nPos = n.inputTensors.length - n.tensorKwargNames.length;
        const refs = n.inputTensors.slice(0, nPos).map((t) => [t.sourceLayer.name, nodeIndex(t.sourceLayer, t.nodeIndex), t.tensorIndex, {}] as NodeRef);
        const kw: Record<string, unknown> = { ...serializableKwargs(n.callKwargs) };
        n.tensorKwargNames.forEach((k, i) => {
          const t = n.inputTensors[nPos + i]!;
          kw[k] = [t.sourceLayer.name, nodeIndex(t.sourceLayer, t.nodeIndex), t.tensorIndex];
        });
        if (Object.keys(kw).length > 0 && refs[0]) refs[0][3] = kw;
        return refs;
      });
    return { className: layer.getClassName(), config: layer.getConfig(), name: layer.name, inboundNodes: inbound, _layer: layer };
  });
  const ref = (t: SymbolicTensor): [string, number, number] => [t.sourceLayer.name, nodeIndex(t.sourceLayer, t.nodeIndex), t.tensorIndex];
  return { layers, inputLayers: model.inputs.map(ref), outputLayers: model.outputs.map(ref) };
}

function serializableKwargs(kw: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(kw)) if (k !== 'training' && (typeof v !== 'object' || v === null || Array.isArray(v))) out[k] = v;
  return out;
}

// ---------------- summary table (Keras 3) ----------------

function fmtNumber(n: number): string {
  return n.toLocaleString('en-US');
}

function fmtBytes(n: number): string {
  const units = ['B', 'KB', 'MB', 'GB', 'TB'];
  let i = 0;
  let v = n;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  return `${v.toFixed(2)} ${units[i]}`;
}

function shapeText(s: Shape | Shape[] | null): string {
  if (s === null) return '?';
  if (s.length > 0 && Array.isArray(s[0])) return (s as Shape[]).map(fmtShape).join(', ');
  return fmtShape(s as Shape);
}

function safeParams(l: Layer): string {
  if (!l.built) return '0 (unbuilt)';
  return fmtNumber(l.countParams());
}

function countOf(ws: LayerVariable[]): number {
  return ws.reduce((n, w) => n + w.shape.reduce((a, b) => a * b, 1), 0);
}

function bytesOf(ws: LayerVariable[]): number {
  return ws.reduce((n, w) => n + w.shape.reduce((a, b) => a * b, 1) * (w.dtype === 'float64' ? 8 : 4), 0);
}

/** The lines of Keras 3's model summary. */
export function summaryLines(model: LayersModel): string[] {
  const functional = model.isFunctional && model.getClassName() !== 'Sequential';
  const rows: string[][] = [];
  const shapes = model.getClassName() === 'Sequential' ? sequentialShapes(model) : null;
  const nodeSet = new Set(model.nodes);
  model.layers.forEach((layer, i) => {
    let shape: Shape | Shape[] | null = null;
    if (shapes) shape = shapes[i] ?? null;
    else {
      const node = layer.inboundNodes.find((n) => nodeSet.has(n));
      if (node) shape = singletonOrList(node.outputTensors.map((t) => t.shape));
    }
    const row = [`${layer.name} (${layer.getClassName()})`, shapeText(shape), safeParams(layer)];
    if (functional) {
      const node = layer.inboundNodes.find((n) => nodeSet.has(n));
      const conn = node && node.inputTensors.length > 0 ? node.inputTensors.map((t) => `${t.sourceLayer.name}[${t.nodeIndex}][${t.tensorIndex}]`).join(', ') : '-';
      row.push(conn);
    }
    rows.push(row);
  });
  const headers = functional ? ['Layer (type)', 'Output Shape', 'Param #', 'Connected to'] : ['Layer (type)', 'Output Shape', 'Param #'];
  const widths = headers.map((h, c) => Math.max(h.length, ...rows.map((r) => r[c]!.length)) + 2);
  widths[0] = Math.max(widths[0]!, 33);
  widths[1] = Math.max(widths[1]!, 24);
  widths[2] = Math.max(widths[2]!, 15);
  const cell = (text: string, c: number): string => (c === 2 ? ` ${text.padStart(widths[c]! - 2)} ` : ` ${text.padEnd(widths[c]! - 2)} `);
  const line = (l: string, m: string, r: string, ch: string): string => l + widths.map((w) => ch.repeat(w)).join(m) + r;
  const out: string[] = [];
  out.push(`Model: "${model.name}"`);
  out.push(line('┏', '┳', '┓', '━'));
  out.push('┃' + headers.map((h, c) => cell(h, c)).join('┃') + '┃');
  out.push(line('┡', '╇', '┩', '━'));
  rows.forEach((r, i) => {
    out.push('│' + r.map((t, c) => cell(t, c)).join('│') + '│');
    if (i < rows.length - 1) out.push(line('├', '┼', '┤', '─'));
  });
  out.push(line('└', '┴', '┘', '─'));
  const built = model.layers.every((l) => l.built);
  const tw = built ? model.trainableWeights : [];
  const nw = built ? model.nonTrainableWeights : [];
  const optVars = model.optimizer ? model.optimizer.stateSize() : 0;
  out.push(` Total params: ${fmtNumber(countOf(tw) + countOf(nw) + optVars)} (${fmtBytes(bytesOf(tw) + bytesOf(nw) + optVars * 4)})`);
  out.push(` Trainable params: ${fmtNumber(countOf(tw))} (${fmtBytes(bytesOf(tw))})`);
  out.push(` Non-trainable params: ${fmtNumber(countOf(nw))} (${fmtBytes(bytesOf(nw))})`);
  if (optVars > 0) out.push(` Optimizer params: ${fmtNumber(optVars)} (${fmtBytes(optVars * 4)})`);
  return out;
}

function sequentialShapes(model: LayersModel): (Shape | Shape[] | null)[] {
  let shape: Shape | Shape[] | null = model.batchInputShape;
  return model.layers.map((l) => {
    if (shape === null || !l.built) return (shape = null);
    try {
      shape = l.computeOutputShape(shape);
    } catch {
      shape = null;
    }
    return shape;
  });
}

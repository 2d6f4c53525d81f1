/** `Sequential`: a linear stack of layers (`sequential({layers})`, `add`, `pop`). */
import type { Tensor } from '@tessera/core';
import { uniqueName, ValueError } from '../common.js';
import type { Shape } from '../common.js';
import { LayersModel } from './container.js';
import { input, InputLayer, isSymbolic, Layer, SymbolicTensor, type CallKwargs, type LayerConfig } from './topology.js';

export interface SequentialArgs {
  /** The layers, first to last (the first one should give `inputShape`). */
  layers?: (Layer | SymbolicTensor)[];
  name?: string;
}

/**
 * A stack of layers where each takes the previous one's output.
 *
 * @example
 * const model = sequential({ layers: [
 *   layers.dense({ units: 64, activation: 'relu', inputShape: [10] }),
 *   layers.dense({ units: 1 }),
 * ]});
 */
export class Sequential extends LayersModel {
  static override readonly className: string = 'Sequential';
  private stack: Layer[] = [];
  private inputLayer: InputLayer | null = null;
  private symbolicCache: { inputs: SymbolicTensor[]; outputs: SymbolicTensor[] } | null = null;

  constructor(args: SequentialArgs = {}) {
    super({ name: args.name ?? uniqueName('sequential') });
    for (const l of args.layers ?? []) this.add(l);
  }

  /** Appends a layer (or a Keras-style `input()` tensor as the first entry). */
  add(layer: Layer | SymbolicTensor): void {
    if (isSymbolic(layer)) {
      if (!(layer.sourceLayer instanceof InputLayer) || this.stack.length > 0 || this.inputLayer) {
        throw new ValueError('Sequential.add: a symbolic tensor is only accepted as the first entry, and it must come from input()');
      }
      layer = layer.sourceLayer;
    }
    if (!(layer instanceof Layer)) throw new ValueError(`Sequential.add expects a Layer, got ${typeof layer}`);
    if (layer instanceof InputLayer) {
      if (this.stack.length > 0 || this.inputLayer) throw new ValueError('Sequential.add: an InputLayer can only be the first layer');
      this.inputLayer = layer;
      this.batchInputShape = layer.batchInputShape;
      this.inputShapeGiven = true;
      this.symbolicCache = null;
      return;
    }
    if (this.stack.includes(layer)) throw new ValueError(`Layer '${layer.name}' is already in the model`);
    if (this.stack.some((l) => l.name === layer.name)) {
      throw new ValueError(`All layers added to a Sequential model should have unique names. Name "${layer.name}" is already the name of a layer in this model.`);
    }
    if (this.stack.length === 0 && !this.inputLayer && layer.batchInputShape) {
      this.batchInputShape = [...layer.batchInputShape];
      this.inputShapeGiven = true;
    }
    this.stack.push(layer);
    this.symbolicCache = null;
    if (this.batchInputShape) this.buildStack(this.batchInputShape);
  }

  /** Removes the last layer. */
  pop(): void {
    if (this.stack.length === 0) throw new TypeError('There are no layers in the model.');
    this.stack.pop();
    this.symbolicCache = null;
  }

  override get layers(): Layer[] {
    return [...this.stack];
  }

  override get isFunctional(): boolean {
    return true;
  }

  override get outputNames(): string[] {
    const last = this.stack[this.stack.length - 1];
    return [last ? last.name : 'output'];
  }

  private buildStack(shape: Shape): void {
    let s: Shape | Shape[] = shape;
    for (const l of this.stack) {
      l.maybeBuild(s);
      s = l.computeOutputShape(s);
    }
    this.built = true;
  }

  override build(inputShape: Shape | Shape[]): void {
    if (Array.isArray(inputShape[0])) throw new ValueError('A Sequential model takes a single input');
    if (!this.batchInputShape) this.batchInputShape = [null, ...(inputShape as Shape).slice(1)];
    this.buildStack(inputShape as Shape);
  }

  override call(inputs: Tensor | Tensor[], kwargs: CallKwargs): Tensor | Tensor[] {
    if (this.stack.length === 0) throw new ValueError('Sequential model is empty: add layers before calling it');
    let x: Tensor | Tensor[] = inputs;
    for (const l of this.stack) x = l.callConcrete(x, { ...kwargs });
    return x;
  }

  override computeOutputShape(inputShape: Shape | Shape[]): Shape | Shape[] {
    let s = inputShape;
    for (const l of this.stack) s = l.computeOutputShape(s);
    return s;
  }

  private symbolic(): { inputs: SymbolicTensor[]; outputs: SymbolicTensor[] } {
    if (this.symbolicCache) return this.symbolicCache;
    if (!this.batchInputShape) throw new ValueError(`Sequential model '${this.name}' has no input shape yet: give the first layer an inputShape, or call the model on data first.`);
    const x = this.inputLayer ? (this.inputLayer.inboundNodes[0]!.outputTensors[0]!) : input({ batchShape: this.batchInputShape, name: `${this.name}_input` });
    let y: SymbolicTensor | SymbolicTensor[] = x;
    for (const l of this.stack) y = l.apply(y) as SymbolicTensor | SymbolicTensor[];
    this.symbolicCache = { inputs: [x], outputs: Array.isArray(y) ? y : [y] };
    return this.symbolicCache;
  }

  override get inputs(): SymbolicTensor[] {
    return this.symbolic().inputs;
  }

  override get outputs(): SymbolicTensor[] {
    return this.symbolic().outputs;
  }

  override getConfig(): LayerConfig {
    return {
      name: this.name,
      layers: this.stack.map((l) => ({ className: l.getClassName(), config: l.getConfig(), _layer: l })),
      ...(this.batchInputShape ? { buildInputShape: this.batchInputShape } : {}),
      ...(this.inputLayer ? { _inputLayer: this.inputLayer } : {}),
    };
  }
}

/** Creates a Sequential model (`tf.sequential`). */
export function sequential(args: SequentialArgs = {}): Sequential {
  return new Sequential(args);
}

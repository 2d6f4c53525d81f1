/**
 * `@tessera/layers`: the Keras layers API on Tessera, with TF.js's names.
 *
 * @example
 * import * as tk from '@tessera/layers';
 * const model = tk.sequential({ layers: [
 *   tk.layers.flatten({ inputShape: [28, 28] }),
 *   tk.layers.dense({ units: 128, activation: 'relu' }),
 *   tk.layers.dense({ units: 10, activation: 'softmax' }),
 * ]});
 * model.compile({ optimizer: 'adam', loss: 'sparse_categorical_crossentropy', metrics: ['accuracy'] });
 * await model.fit(xTrain, yTrain, { epochs: 5 });
 */
import '@tessera/autograd';
import { ioHooks, LayersModel, type ContainerArgs } from './engine/container.js';
import { loadLayersModel, loadWeights, saveModel, saveWeights, type LoadOptions } from './io/index.js';
import './layers/index.js';
import { registerClass } from './serialization.js';

export * as layers from './layers/index.js';
export * as initializers from './initializers.js';
export * as regularizers from './regularizers.js';
export * as constraints from './constraints.js';
export * as activations from './activations.js';
export * as losses from './losses.js';
export * as metrics from './metrics.js';
export * as optimizers from './optimizers.js';
export * as callbacks from './callbacks.js';
export { train } from './optimizers.js';

export { Layer, InputLayer, SymbolicTensor, Node, input, type LayerArgs, type CallKwargs, type LayerConfig } from './engine/topology.js';
export { LayerVariable } from './engine/variable.js';
export { LayersModel, type ContainerArgs, type SummaryOptions } from './engine/container.js';
export { Sequential, sequential, type SequentialArgs } from './engine/sequential.js';
export type { CompileArgs, FitArgs, FitDatasetArgs, EvaluateArgs, PredictArgs, ModelData, DatasetLike } from './engine/training.js';
export { History, Callback, type CallbackLike, type Logs } from './callbacks.js';
export { clearSession, ValueError, NotImplementedError, type Shape } from './common.js';
export { registerClass, registeredClassNames } from './serialization.js';
export { loadLayersModel, type LoadOptions, type SaveOptions } from './io/index.js';
export * as io from './io/public.js';

ioHooks.save = (m, target, options) => saveModel(m, target as string, options as never);
ioHooks.saveWeights = (m, path, options) => saveWeights(m, path, options as never);
ioHooks.loadWeights = (m, path, options) => loadWeights(m, path, options as never);

/** TF.js's `serialization` namespace: register your own layer classes for loading. */
export const serialization = { registerClass };

/** Keras's `keras.models` namespace. */
export const models = {
  /** Loads a `.keras` file, a TF.js `model.json` (path or URL) or an IO handler. */
  loadModel: (source: Parameters<typeof loadLayersModel>[0], options?: LoadOptions): Promise<LayersModel> => loadLayersModel(source, options),
};

/** Keras's name for `LayersModel` (subclass it, or call `model()` for the functional API). */
export const Model = LayersModel;
export type Model = LayersModel;

/**
 * A functional model from symbolic inputs to outputs (`tf.model` / `keras.Model(inputs, outputs)`).
 *
 * @example
 * const x = input({ shape: [784] });
 * const y = layers.dense({ units: 10, activation: 'softmax' }).apply(x);
 * const m = model({ inputs: x, outputs: y });
 */
export function model(args: ContainerArgs): LayersModel {
  return new LayersModel(args);
}

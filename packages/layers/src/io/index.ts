/**
 * Saving and loading, dispatched on the target:
 * - `'x.keras'`: Keras 3's zip format (config, metadata, weights and optimizer state);
 * - `'x.weights.h5'`: Keras 3's weights file;
 * - `'file://dir'` or a folder path: TF.js's `model.json` + `weights.bin`;
 * - `'http(s)://.../model.json'` (loading): TF.js's format over `fetch`;
 * - an IO handler (`io.withSaveHandler`, `io.fromMemory`, or TF.js's own `tf.io.*` handlers).
 */
import { ValueError } from '../common.js';
import type { LayersModel } from '../engine/container.js';
import type { LayerClass } from '../engine/topology.js';
import { filePath, readFileBytes, writeFileAtomic } from './files.js';
import { kerasFileBytes, loadKerasWeights, modelFromKerasBytes, weightDatasets } from './keras.js';
import { writeH5 } from './h5.js';
import { fileSystemHandler, httpHandler, modelArtifacts, modelFromArtifacts, type IOHandler, type SaveResult } from './tfjs.js';

export interface SaveOptions {
  /** Save the optimizer state too (default true), so training can resume. */
  includeOptimizer?: boolean;
}

export interface LoadOptions {
  /** Fail when weights do not match the model (default true). */
  strict?: boolean;
  /** Your own layer classes, by class name. */
  customObjects?: Record<string, LayerClass>;
  /** Compile from the file's training config when it has one (default true). */
  compile?: boolean;
}

function isHandler(x: unknown): x is IOHandler {
  return !!x && typeof x === 'object' && (typeof (x as IOHandler).save === 'function' || typeof (x as IOHandler).load === 'function');
}

export async function saveModel(model: LayersModel, target: string | IOHandler, options: SaveOptions = {}): Promise<SaveResult> {
  if (!model.isFunctional && !(typeof target === 'string' && filePath(target).endsWith('.weights.h5'))) {
    throw new ValueError(
      `Model '${model.name}' is a subclassed model: its architecture is code, not a config, so it cannot be saved as a whole model. Save its weights with model.saveWeights('x.weights.h5') and rebuild the model in code to load them.`,
    );
  }
  if (isHandler(target)) {
    if (!target.save) throw new ValueError('This IO handler cannot save');
    return target.save(await modelArtifacts(model, options));
  }
  if (typeof target !== 'string') throw new ValueError('save() expects a path, a URL or an IO handler');
  if (/^(localstorage|indexeddb|downloads):\/\//.test(target)) throw new ValueError(`'${target.split(':')[0]}://' URLs are not supported; save to a file, or use io.withSaveHandler`);
  if (/^https?:\/\//.test(target)) throw new ValueError('Saving over HTTP is not supported; use io.withSaveHandler to send the artifacts yourself');
  const p = filePath(target);
  if (p.endsWith('.keras')) {
    const bytes = await kerasFileBytes(model, options);
    await writeFileAtomic(p, bytes);
    return info(bytes.byteLength);
  }
  if (p.endsWith('.h5') && !p.endsWith('.weights.h5')) throw new ValueError("The legacy Keras 2 '.h5' whole-model format is not supported for saving; use '.keras' or '.weights.h5'");
  if (p.endsWith('.weights.h5')) {
    await saveWeights(model, p);
    return info(0);
  }
  return fileSystemHandler(p).save!(await modelArtifacts(model, options));
}

function info(bytes: number): SaveResult {
  return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON', modelTopologyBytes: 0, weightSpecsBytes: 0, weightDataBytes: bytes } };
}

/**
 * Loads a model saved by Tessera, TF.js (`model.json`) or Keras 3 (`.keras`). Loading builds only
 * registered layer classes and never runs code from the file.
 *
 * @example
 * const m = await loadLayersModel('file://./my-model/model.json');
 * const k = await loadLayersModel('./model.keras');
 */
export async function loadLayersModel(source: string | IOHandler, options: LoadOptions = {}): Promise<LayersModel> {
  if (isHandler(source)) {
    if (!source.load) throw new ValueError('This IO handler cannot load');
    return modelFromArtifacts(await source.load(), options);
  }
  if (typeof source !== 'string') throw new ValueError('loadLayersModel() expects a path, a URL or an IO handler');
  if (/^https?:\/\//.test(source)) {
    if (source.endsWith('.keras')) {
      const res = await fetch(source);
      if (!res.ok) throw new ValueError(`Request for ${source} failed with status ${res.status}`);
      return modelFromKerasBytes(new Uint8Array(await res.arrayBuffer()), options);
    }
    return modelFromArtifacts(await httpHandler(source).load!(), options);
  }
  const p = filePath(source);
  if (p.endsWith('.keras')) return modelFromKerasBytes(await readFileBytes(p), options);
  if (p.endsWith('.h5')) throw new ValueError("The legacy Keras 2 '.h5' whole-model format is not supported; re-save the model as '.keras' (model.save('model.keras'))");
  return modelFromArtifacts(await fileSystemHandler(p).load!(), options);
}

/** Writes the weights (and optimizer state) as a Keras 3 `.weights.h5` file. */
export async function saveWeights(model: LayersModel, path: string, options: SaveOptions = {}): Promise<void> {
  const { datasets, groups } = weightDatasets(model, options.includeOptimizer ?? true);
  await writeFileAtomic(filePath(path), await writeH5(datasets, groups));
}

/** Reads weights into the model from a `.weights.h5` or `.keras` file (layers matched by structure). */
export async function loadWeights(model: LayersModel, path: string, options: { skipOptimizer?: boolean } = {}): Promise<void> {
  const p = filePath(path);
  const bytes = await readFileBytes(p);
  if (p.endsWith('.keras')) {
    const { unzipSync } = await import('fflate');
    const w = unzipSync(bytes)['model.weights.h5'];
    if (!w) throw new ValueError(`'${p}' holds no model.weights.h5`);
    return loadKerasWeights(model, w, options);
  }
  return loadKerasWeights(model, bytes, options);
}

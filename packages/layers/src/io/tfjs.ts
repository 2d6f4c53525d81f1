/**
 * The TensorFlow.js layers-model format: `model.json` (Keras topology + weights manifest) and
 * binary weight shards. Models saved by `@tensorflow/tfjs-layers` load here with the same
 * predictions, and models saved here load in TF.js. IO handlers follow TF.js's interface, so
 * `tf.io.*` handlers work too.
 */
import { tensor, type DType, type Tensor } from '@tessera/core';
import { ValueError } from '../common.js';
import type { LayersModel } from '../engine/container.js';
import type { LayerVariable } from '../engine/variable.js';
import type { LayerClass } from '../engine/topology.js';
import { getOptimizer } from '../optimizers.js';
import { fromPythonic, modelFromSpec, modelSpec, toPythonic, type Json, type Spec } from './config.js';
import { filePath, nodeFs, readFileBytes, writeFileAtomic } from './files.js';

export interface WeightsManifestEntry {
  name: string;
  shape: number[];
  dtype: 'float32' | 'int32' | 'bool' | 'string' | 'complex64';
  quantization?: { dtype: 'uint8' | 'uint16' | 'float16'; scale?: number; min?: number; original_dtype?: string };
  group?: string;
}

export interface WeightsManifestGroupConfig {
  paths: string[];
  weights: WeightsManifestEntry[];
}

/** TF.js's `ModelArtifacts`. */
export interface ModelArtifacts {
  modelTopology?: Json | ArrayBuffer;
  format?: string;
  generatedBy?: string;
  convertedBy?: string | null;
  weightSpecs?: WeightsManifestEntry[];
  weightData?: ArrayBuffer | ArrayBuffer[];
  trainingConfig?: Json;
  userDefinedMetadata?: Record<string, unknown>;
  weightsManifest?: WeightsManifestGroupConfig[];
}

export interface SaveResult {
  modelArtifactsInfo: { dateSaved: Date; modelTopologyType: 'JSON'; modelTopologyBytes: number; weightSpecsBytes: number; weightDataBytes: number };
}

/** TF.js's `IOHandler`. */
export interface IOHandler {
  save?(artifacts: ModelArtifacts): Promise<SaveResult>;
  load?(): Promise<ModelArtifacts>;
}

export const GENERATED_BY = 'Tessera layers';

// ---------------- weights <-> bytes ----------------

/** Encodes named tensors as TF.js does (little-endian, concatenated in order). */
export async function encodeWeights(named: { name: string; tensor: Tensor }[]): Promise<{ data: ArrayBuffer; specs: WeightsManifestEntry[] }> {
  const specs: WeightsManifestEntry[] = [];
  const chunks: Uint8Array[] = [];
  for (const { name, tensor: t } of named) {
    const values = await t.data();
    let bytes: Uint8Array;
    let dtype: WeightsManifestEntry['dtype'];
    if (t.dtype === 'int32' || t.dtype === 'uint8') {
      bytes = new Uint8Array(Int32Array.from(values).buffer);
      dtype = 'int32';
    } else if (t.dtype === 'bool') {
      bytes = Uint8Array.from(values);
      dtype = 'bool';
    } else {
      bytes = new Uint8Array(Float32Array.from(values).buffer);
      dtype = 'float32';
    }
    specs.push({ name, shape: [...t.shape], dtype });
    chunks.push(bytes);
  }
  const total = chunks.reduce((n, c) => n + c.byteLength, 0);
  const out = new Uint8Array(total);
  let at = 0;
  for (const c of chunks) {
    out.set(c, at);
    at += c.byteLength;
  }
  return { data: out.buffer, specs };
}

function half2float(h: number): number {
  const s = (h & 0x8000) >> 15;
  const e = (h & 0x7c00) >> 10;
  const f = h & 0x03ff;
  if (e === 0) return (s ? -1 : 1) * 2 ** -14 * (f / 1024);
  if (e === 0x1f) return f ? NaN : (s ? -1 : 1) * Infinity;
  return (s ? -1 : 1) * 2 ** (e - 15) * (1 + f / 1024);
}

/** Decodes weight data by its manifest (dequantizing quantized weights). */
export function decodeWeights(data: ArrayBuffer, specs: WeightsManifestEntry[]): Map<string, Tensor> {
  const out = new Map<string, Tensor>();
  let offset = 0;
  for (const spec of specs) {
    const n = spec.shape.reduce((a, b) => a * b, 1);
    const q = spec.quantization;
    let values: Float32Array | Int32Array | Uint8Array;
    let dtype: DType;
    if (q) {
      const bytesPer = q.dtype === 'uint8' ? 1 : 2;
      const raw = data.slice(offset, offset + n * bytesPer);
      offset += n * bytesPer;
      const f = new Float32Array(n);
      if (q.dtype === 'float16') {
        const u = new Uint16Array(raw);
        for (let i = 0; i < n; i++) f[i] = half2float(u[i]!);
      } else {
        const u = q.dtype === 'uint8' ? new Uint8Array(raw) : new Uint16Array(raw);
        for (let i = 0; i < n; i++) f[i] = u[i]! * (q.scale ?? 1) + (q.min ?? 0);
      }
      if (spec.dtype === 'int32') {
        values = Int32Array.from(f, Math.round);
        dtype = 'int32';
      } else {
        values = f;
        dtype = 'float32';
      }
    } else if (spec.dtype === 'float32') {
      values = new Float32Array(data.slice(offset, offset + 4 * n));
      offset += 4 * n;
      dtype = 'float32';
    } else if (spec.dtype === 'int32') {
      values = new Int32Array(data.slice(offset, offset + 4 * n));
      offset += 4 * n;
      dtype = 'int32';
    } else if (spec.dtype === 'bool') {
      values = new Uint8Array(data.slice(offset, offset + n));
      offset += n;
      dtype = 'bool';
    } else {
      throw new ValueError(`Unsupported weight dtype '${spec.dtype}' for weight '${spec.name}'`);
    }
    out.set(spec.name, tensor(values, { shape: spec.shape, dtype }));
  }
  if (offset > data.byteLength) throw new ValueError(`The weight data is too short: the manifest needs ${offset} bytes, the files hold ${data.byteLength}`);
  return out;
}

function concatBuffers(parts: ArrayBuffer | ArrayBuffer[] | undefined): ArrayBuffer {
  if (!parts) return new ArrayBuffer(0);
  if (!Array.isArray(parts)) return parts;
  const total = parts.reduce((n, p) => n + p.byteLength, 0);
  const out = new Uint8Array(total);
  let at = 0;
  for (const p of parts) {
    out.set(new Uint8Array(p), at);
    at += p.byteLength;
  }
  return out.buffer;
}

// ---------------- model <-> artifacts ----------------

/** The topology JSON TF.js writes (`class_name: "Model"` for functional models). */
export function modelTopology(model: LayersModel): Json {
  const spec = modelSpec(model);
  const renamed = renameFunctional(spec, 'Model');
  return { class_name: renamed.className, config: toPythonic(renamed.config), keras_version: 'tfjs-layers 4.22.0', backend: 'tensor_flow.js' } as Json;
}

function renameFunctional(spec: Spec, to: string): Spec {
  const className = spec.className === 'Functional' ? to : spec.className;
  const config = { ...spec.config };
  if (Array.isArray(config['layers'])) {
    config['layers'] = (config['layers'] as Spec[]).map((l) => (l.className === 'Functional' || l.className === 'Sequential' ? { ...l, ...renameFunctional(l, to) } : l));
  }
  return { className, config };
}

function trainingConfig(model: LayersModel): Json | undefined {
  const c = model._compileArgs;
  if (!c || !model.optimizer) return undefined;
  const lossName = (l: unknown): Json => (typeof l === 'string' ? l : (model._lossFns[0]?.lossName ?? 'mean_squared_error'));
  const loss: Json = Array.isArray(c.loss) ? c.loss.map(lossName) : typeof c.loss === 'object' && typeof c.loss !== 'function' && !('className' in (c.loss as object)) ? (Object.fromEntries(Object.entries(c.loss).map(([k, v]) => [k, lossName(v)])) as Json) : lossName(c.loss);
  const metrics: Json = Array.isArray(c.metrics) ? (c.metrics.filter((m) => typeof m === 'string') as Json) : typeof c.metrics === 'string' ? [c.metrics] : null;
  return { loss, metrics, optimizer_config: { class_name: model.optimizer.className, config: toPythonic(model.optimizer.getConfig()) } } as Json;
}

/** A model's artifacts: topology, weights manifest and data (and the training config). */
export async function modelArtifacts(model: LayersModel, options: { includeOptimizer?: boolean } = {}): Promise<ModelArtifacts> {
  const named = model.weights.map((w) => ({ name: w.originalName, tensor: w.read() }));
  const { data, specs } = await encodeWeights(named);
  const artifacts: ModelArtifacts = {
    modelTopology: modelTopology(model),
    format: 'layers-model',
    generatedBy: GENERATED_BY,
    convertedBy: null,
    weightSpecs: specs,
    weightData: data,
  };
  const tc = trainingConfig(model);
  if (tc && options.includeOptimizer !== false) artifacts.trainingConfig = tc;
  return artifacts;
}

/** Assigns weights by name (TF.js's rule, with its shortened-name fallback), else by order. */
export function assignWeights(model: LayersModel, weights: Map<string, Tensor>, strict = true): void {
  const vars = model.weights;
  const byName = new Map<string, LayerVariable>();
  for (const v of vars) byName.set(v.originalName, v);
  for (const v of vars) if (!byName.has(v.name)) byName.set(v.name, v);
  const assigned = new Set<LayerVariable>();
  const unmatched: string[] = [];
  for (const [name, t] of weights) {
    let v = byName.get(name);
    if (!v) {
      const tokens = name.split('/');
      v = byName.get([...tokens.slice(0, -2), tokens[tokens.length - 1]].join('/'));
    }
    if (v && !assigned.has(v)) {
      v.write(t.dtype === v.dtype ? t : t.cast(v.dtype));
      assigned.add(v);
    } else unmatched.push(name);
  }
  if (unmatched.length > 0 || assigned.size !== vars.length) {
    // Names differ (e.g. another naming scheme): fall back to order when the counts agree.
    const values = [...weights.values()];
    if (values.length === vars.length && values.every((t, i) => t.shape.join() === vars[i]!.shape.join())) {
      vars.forEach((v, i) => v.write(values[i]!));
      return;
    }
    if (strict) {
      const missing = vars.filter((v) => !assigned.has(v)).map((v) => v.name);
      throw new ValueError(`The weights do not match the model: no target for [${unmatched.join(', ')}]; not set: [${missing.join(', ')}]`);
    }
  }
}

/** Builds a model from artifacts (compiling it when they hold a training config). */
export function modelFromArtifacts(artifacts: ModelArtifacts, options: { strict?: boolean; customObjects?: Record<string, LayerClass> } = {}): LayersModel {
  let topo = artifacts.modelTopology as Record<string, unknown> | undefined;
  if (!topo) throw new ValueError('The model artifacts have no modelTopology');
  if (topo instanceof ArrayBuffer) throw new ValueError('A binary (GraphDef) topology is a TF.js graph model, not a layers model');
  if ('model_config' in topo) topo = topo['model_config'] as Record<string, unknown>;
  const spec = fromPythonic(topo) as Spec;
  const model = modelFromSpec({ className: spec.className, config: spec.config }, options.customObjects);
  const specs = artifacts.weightSpecs ?? [];
  if (specs.length > 0) {
    const weights = decodeWeights(concatBuffers(artifacts.weightData), specs);
    try {
      assignWeights(model, weights, options.strict ?? true);
    } finally {
      for (const t of weights.values()) t.dispose();
    }
  }
  const tc = artifacts.trainingConfig as Record<string, unknown> | undefined;
  if (tc && tc['optimizer_config'] && tc['loss']) {
    try {
      const oc = tc['optimizer_config'] as { class_name: string; config: Record<string, unknown> };
      model.compile({ optimizer: getOptimizer({ className: oc.class_name, config: oc.config ?? {} }), loss: tc['loss'] as string, metrics: (tc['metrics'] as string[] | null) ?? [] });
    } catch {
      // A training config we cannot rebuild (e.g. a custom loss) leaves the model uncompiled, as TF.js does.
    }
  }
  return model;
}

// ---------------- handlers ----------------

/** A handler that hands the artifacts to `fn` (TF.js's `io.withSaveHandler`). */
export function withSaveHandler(fn: (artifacts: ModelArtifacts) => Promise<SaveResult | void> | SaveResult | void): IOHandler {
  return {
    save: async (a) => (await fn(a)) ?? saveResult(a),
  };
}

/** A handler that loads the given artifacts (TF.js's `io.fromMemory`). */
export function fromMemory(modelArtifacts: ModelArtifacts | Json, weightSpecs?: WeightsManifestEntry[], weightData?: ArrayBuffer, trainingConfig?: Json): IOHandler {
  const a = (modelArtifacts as ModelArtifacts).modelTopology !== undefined ? (modelArtifacts as ModelArtifacts) : ({ modelTopology: modelArtifacts as Json, weightSpecs, weightData, trainingConfig } as ModelArtifacts);
  return { load: async () => a };
}

export function saveResult(a: ModelArtifacts): SaveResult {
  const data = a.weightData;
  const bytes = data === undefined ? 0 : Array.isArray(data) ? data.reduce((n, d) => n + d.byteLength, 0) : data.byteLength;
  return {
    modelArtifactsInfo: {
      dateSaved: new Date(),
      modelTopologyType: 'JSON',
      modelTopologyBytes: JSON.stringify(a.modelTopology ?? null).length,
      weightSpecsBytes: JSON.stringify(a.weightSpecs ?? []).length,
      weightDataBytes: bytes,
    },
  };
}

/** The `model.json` document for artifacts whose weights are in `paths`. */
export function modelJson(a: ModelArtifacts, paths: string[]): Json {
  const doc: Record<string, Json> = {
    modelTopology: a.modelTopology as Json,
    format: a.format ?? 'layers-model',
    generatedBy: a.generatedBy ?? GENERATED_BY,
    convertedBy: a.convertedBy ?? null,
    weightsManifest: [{ paths, weights: (a.weightSpecs ?? []) as unknown as Json }],
  };
  if (a.trainingConfig) doc['trainingConfig'] = a.trainingConfig;
  if (a.userDefinedMetadata) doc['userDefinedMetadata'] = a.userDefinedMetadata as Json;
  return doc;
}

/** Saves to a folder as `model.json` + `weights.bin` (what `file://` URLs mean in tfjs-node). */
export function fileSystemHandler(dirOrJson: string): IOHandler {
  const p = filePath(dirOrJson);
  return {
    async save(a) {
      const { path } = await nodeFs();
      const dir = p.endsWith('.json') ? path.dirname(p) : p;
      const jsonFile = p.endsWith('.json') ? p : path.join(dir, 'model.json');
      // Weights first, then model.json: a reader never sees a model.json whose weights are missing.
      const data = new Uint8Array(concatBuffers(a.weightData));
      await writeFileAtomic(path.join(dir, 'weights.bin'), data);
      await writeFileAtomic(jsonFile, JSON.stringify(modelJson(a, ['weights.bin'])));
      return saveResult(a);
    },
    async load() {
      const { fs, path } = await nodeFs();
      let jsonFile = p;
      try {
        if ((await fs.stat(p)).isDirectory()) jsonFile = path.join(p, 'model.json');
      } catch {
        throw new ValueError(`No model found at '${p}'`);
      }
      const doc = JSON.parse(new TextDecoder().decode(await readFileBytes(jsonFile))) as Record<string, unknown>;
      const dir = path.dirname(jsonFile);
      return artifactsFromModelJson(doc, async (rel) => (await readFileBytes(path.join(dir, rel))).slice().buffer);
    },
  };
}

/** Loads `model.json` and its shards over HTTP(S) with `fetch`. */
export function httpHandler(url: string, init?: RequestInit): IOHandler {
  return {
    async load() {
      const res = await fetch(url, init);
      if (!res.ok) throw new ValueError(`Request for ${url} failed with status ${res.status}`);
      const doc = (await res.json()) as Record<string, unknown>;
      const base = url.slice(0, url.lastIndexOf('/') + 1);
      return artifactsFromModelJson(doc, async (rel) => {
        const r = await fetch(new URL(rel, base).toString(), init);
        if (!r.ok) throw new ValueError(`Request for weights ${rel} failed with status ${r.status}`);
        return r.arrayBuffer();
      });
    },
  };
}

export async function artifactsFromModelJson(doc: Record<string, unknown>, read: (path: string) => Promise<ArrayBuffer>): Promise<ModelArtifacts> {
  const manifest = (doc['weightsManifest'] ?? []) as WeightsManifestGroupConfig[];
  const specs: WeightsManifestEntry[] = [];
  const buffers: ArrayBuffer[] = [];
  for (const group of manifest) {
    specs.push(...group.weights);
    for (const p of group.paths) buffers.push(await read(p));
  }
  return {
    modelTopology: doc['modelTopology'] as Json,
    format: doc['format'] as string,
    generatedBy: doc['generatedBy'] as string,
    convertedBy: (doc['convertedBy'] as string | null) ?? null,
    weightSpecs: specs,
    weightData: concatBuffers(buffers),
    ...(doc['trainingConfig'] ? { trainingConfig: doc['trainingConfig'] as Json } : {}),
    ...(doc['userDefinedMetadata'] ? { userDefinedMetadata: doc['userDefinedMetadata'] as Record<string, unknown> } : {}),
  };
}

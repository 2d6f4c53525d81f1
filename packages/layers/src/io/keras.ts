/**
 * Keras 3's `.keras` format: a zip of `config.json` (the model's config), `metadata.json` and
 * `model.weights.h5` (variables under `layers/<name>/vars/<i>`, and the optimizer's under
 * `optimizer/vars/<i>`). Also `.weights.h5` files alone (`saveWeights` / `loadWeights`).
 *
 * Loading builds only registered layer classes: a file naming `Lambda` or an unknown class is
 * refused, so loading never runs code from a file.
 */
import { tensor, type Tensor } from '@tessera/core';
import { toSnakeCase, ValueError } from '../common.js';
import { LayersModel } from '../engine/container.js';
import type { Layer, LayerClass } from '../engine/topology.js';
import type { LayerVariable } from '../engine/variable.js';
import { getOptimizer } from '../optimizers.js';
import { fromPythonic, modelFromSpec, modelSpec, toPythonic, type Json, type Spec } from './config.js';
import { readH5, writeH5, type H5Dataset } from './h5.js';

export const KERAS_VERSION = '3.5.0';

// ---------------- weight paths ----------------

/** Each variable of `layer` with its path in `model.weights.h5` (Keras 3's naming by class). */
export function kerasVariablePaths(layer: Layer, prefix = ''): { variable: LayerVariable; path: string }[] {
  if (layer instanceof LayersModel) {
    const children = layer.getClassName() === 'Sequential' ? layer.layers : layer.layers;
    const used = new Map<string, number>();
    return children.flatMap((child) => {
      let key = toSnakeCase(child.getClassName());
      const n = used.get(key);
      if (n === undefined) used.set(key, 0);
      else {
        used.set(key, n + 1);
        key = `${key}_${n + 1}`;
      }
      return kerasVariablePaths(child, `${prefix}${prefix ? '/' : ''}layers/${key}`);
    });
  }
  const vars = layer.creationOrderWeights();
  const paths = layer.kerasWeightPaths();
  return vars.map((variable, i) => ({ variable, path: `${prefix}/${paths[i] ?? `vars/${i}`}` }));
}

/** Groups Keras writes for every layer, even those without variables. */
function kerasGroups(layer: Layer, prefix = ''): string[] {
  if (!(layer instanceof LayersModel)) return [`${prefix}/vars`];
  const used = new Map<string, number>();
  const out = [prefix ? `${prefix}/vars` : 'vars'];
  for (const child of layer.layers) {
    let key = toSnakeCase(child.getClassName());
    const n = used.get(key);
    if (n === undefined) used.set(key, 0);
    else {
      used.set(key, n + 1);
      key = `${key}_${n + 1}`;
    }
    out.push(...kerasGroups(child, `${prefix}${prefix ? '/' : ''}layers/${key}`));
  }
  return out;
}

function toH5(t: Tensor, path: string): H5Dataset {
  const d = t.dataSync();
  const data = t.dtype === 'int32' ? Int32Array.from(d) : t.dtype === 'float64' ? Float64Array.from(d) : Float32Array.from(d);
  return { path, shape: [...t.shape], data };
}

/** The datasets of `model.weights.h5` for a model (and its optimizer state). */
export function weightDatasets(model: LayersModel, includeOptimizer = true): { datasets: H5Dataset[]; groups: string[] } {
  const datasets = kerasVariablePaths(model).map(({ variable, path }) => toH5(variable.read(), path));
  const groups = kerasGroups(model);
  const opt = model.optimizer;
  if (includeOptimizer && opt) {
    groups.push('optimizer/vars');
    const state = opt.getWeights();
    state.forEach((s, i) => {
      // The step count as int64 and the learning rate as float64, so a resumed run is exact.
      if (i === 0) datasets.push({ path: 'optimizer/vars/0', shape: [], data: new BigInt64Array([BigInt(opt.iterations)]) });
      else if (i === 1) datasets.push({ path: 'optimizer/vars/1', shape: [], data: new Float64Array([opt.learningRate]) });
      else datasets.push(toH5(s.tensor, `optimizer/vars/${i}`));
      s.tensor.dispose();
    });
  }
  return { datasets, groups };
}

function tensorOf(d: H5Dataset): Tensor {
  const data = d.data instanceof BigInt64Array ? Float64Array.from(d.data, Number) : d.data;
  const f = data instanceof Float32Array ? data : Float32Array.from(data as ArrayLike<number>);
  return tensor(f, { shape: d.shape });
}

/** Sets a model's weights (and optimizer state, when present and compatible) from a Keras weights file. */
export async function loadKerasWeights(model: LayersModel, bytes: Uint8Array, options: { skipOptimizer?: boolean } = {}): Promise<void> {
  const { datasets } = await readH5(bytes);
  const pairs = kerasVariablePaths(model);
  const missing: string[] = [];
  for (const { variable, path } of pairs) {
    const d = datasets.get(path) ?? datasets.get(path.replace(/\/_(\w+_dense)\//, '/$1/'));
    if (!d) {
      missing.push(`${variable.name} (${path})`);
      continue;
    }
    if (d.shape.join() !== variable.shape.join()) {
      throw new ValueError(`Shape mismatch for '${variable.name}' at '${path}': the model has [${variable.shape.join(', ')}], the file has [${d.shape.join(', ')}]`);
    }
    const t = tensorOf(d);
    try {
      variable.write(t);
    } finally {
      t.dispose();
    }
  }
  if (missing.length > 0) throw new ValueError(`The weights file does not hold these variables of the model: ${missing.join(', ')}`);
  const opt = model.optimizer;
  if (!options.skipOptimizer && opt) {
    const optVars = [...datasets.keys()].filter((k) => /^optimizer\/vars\/\d+$/.test(k)).sort((a, b) => Number(a.split('/')[2]) - Number(b.split('/')[2]));
    const trainable = model.trainableWeights;
    if (optVars.length >= 2 && optVars.length - 2 === opt.slotNames().length * trainable.length) {
      const scalar = (k: string): number => Number(datasets.get(k)!.data[0]!);
      const ts = optVars.slice(2).map((k) => tensorOf(datasets.get(k)!));
      try {
        opt._restore(scalar(optVars[0]!), scalar(optVars[1]!), ts, trainable);
      } finally {
        for (const t of ts) t.dispose();
      }
    }
  }
}

// ---------------- config ----------------

const INIT_MODULE = 'keras.initializers';

/** My config tree -> Keras 3's config.json structure. */
function toKeras3(spec: Spec, model: LayersModel | null): Record<string, Json> {
  const cls = spec.className;
  const cfg = toPythonic(spec.config) as Record<string, Json>;
  const decorate = (v: Json, key?: string): Json => {
    if (Array.isArray(v)) return v.map((x) => decorate(x));
    if (v && typeof v === 'object') {
      const o = { ...(v as Record<string, Json>) };
      if (typeof o['class_name'] === 'string' && o['config'] !== undefined && key !== 'layers') {
        const isInit = /initializer$/.test(key ?? '');
        const isReg = /regularizer$/.test(key ?? '');
        const isCon = /constraint$/.test(key ?? '');
        return { module: isInit ? INIT_MODULE : isReg ? 'keras.regularizers' : isCon ? 'keras.constraints' : 'keras.layers', class_name: o['class_name'], config: decorate(o['config']), registered_name: null };
      }
      for (const k of Object.keys(o)) o[k] = decorate(o[k]!, k);
      // TF.js spells data formats 'channelsLast'; Keras 'channels_last'.
      if (typeof o['data_format'] === 'string') o['data_format'] = toSnakeCase(o['data_format'] as string);
      return o;
    }
    return v;
  };
  const dtype = (d: Json): Json => ({ module: 'keras', class_name: 'DTypePolicy', config: { name: (d as string) ?? 'float32' }, registered_name: null });
  const layerEntry = (ls: Spec & { name?: string; inboundNodes?: unknown }, sub: LayersModel | null): Record<string, Json> => {
    if (ls.className === 'Sequential' || ls.className === 'Functional') return toKeras3(ls, sub);
    const c = decorate(toPythonic(ls.config), '') as Record<string, Json>;
    if (ls.className === 'InputLayer') {
      c['batch_shape'] = c['batch_input_shape'] ?? null;
      delete c['batch_input_shape'];
      c['dtype'] = (c['dtype'] as string) ?? 'float32';
    } else {
      if (typeof c['dtype'] === 'string' || c['dtype'] === undefined) c['dtype'] = dtype(c['dtype'] ?? 'float32');
      delete c['batch_input_shape'];
      if (c['activation'] === 'hard_sigmoid_v3') c['activation'] = 'hard_sigmoid';
      if (c['recurrent_activation'] === 'hard_sigmoid_v3') c['recurrent_activation'] = 'hard_sigmoid';
      if (ls.className === 'LeakyReLU') {
        c['negative_slope'] = c['alpha'] as Json;
        delete c['alpha'];
      }
    }
    return { module: 'keras.layers', class_name: ls.className, config: c, registered_name: null };
  };
  if (cls === 'Sequential') {
    const layers = (spec.config['layers'] as Spec[]).map((ls, i) => layerEntry(ls, sub(model, i)));
    const bis = spec.config['buildInputShape'] as Json;
    if (bis) layers.unshift({ module: 'keras.layers', class_name: 'InputLayer', config: { batch_shape: bis, dtype: 'float32', sparse: false, name: 'input_layer' }, registered_name: null });
    return {
      module: 'keras',
      class_name: 'Sequential',
      config: { name: cfg['name'] ?? 'sequential', trainable: true, dtype: dtype('float32'), layers, ...(bis ? { build_input_shape: bis } : {}) },
      registered_name: null,
      ...(bis ? { build_config: { input_shape: bis } } : {}),
    };
  }
  // Functional: node references become {args, kwargs} with __keras_tensor__ entries.
  const shapes = model ? tensorShapes(model) : new Map<string, Json>();
  const kt = (ref: unknown[]): Json => ({ class_name: '__keras_tensor__', config: { shape: shapes.get(`${ref[0]}/${ref[1]}/${ref[2]}`) ?? null, dtype: 'float32', keras_history: [ref[0] as string, ref[1] as number, ref[2] as number] } });
  const layerSpecs = spec.config['layers'] as (Spec & { name: string; inboundNodes: unknown[][] })[];
  const layers = layerSpecs.map((ls) => {
    const subModel = model ? (model.layers.find((l) => l.name === ls.name) as LayersModel | undefined) : undefined;
    const entry = layerEntry(ls, subModel instanceof LayersModel ? subModel : null);
    entry['name'] = ls.name;
    entry['inbound_nodes'] = (ls.inboundNodes ?? []).map((refs) => {
      const tensors = refs.map((r) => kt(r as unknown[]));
      const kw = { ...((refs[0] as unknown[])?.[3] as Record<string, unknown> | undefined) };
      const kwargs: Record<string, Json> = {};
      for (const [k, v] of Object.entries(kw)) kwargs[toSnakeCase(k)] = Array.isArray(v) && typeof v[0] === 'string' ? kt(v) : (v as Json);
      const merge = ['Add', 'Subtract', 'Multiply', 'Average', 'Maximum', 'Minimum', 'Concatenate', 'Dot'].includes(ls.className);
      return { args: merge ? [tensors] : tensors, kwargs } as Json;
    });
    return entry;
  });
  const refs = (v: unknown): Json => (v as unknown[][]).map((r) => [r[0], r[1], r[2]] as Json);
  return {
    module: 'keras.src.models.functional',
    class_name: 'Functional',
    config: { name: cfg['name'] ?? 'functional', trainable: true, layers, input_layers: refs(spec.config['inputLayers']), output_layers: refs(spec.config['outputLayers']) },
    registered_name: 'Functional',
    build_config: { input_shape: null },
  };
}

function sub(model: LayersModel | null, i: number): LayersModel | null {
  const l = model?.layers[i];
  return l instanceof LayersModel ? l : null;
}

/** Shapes of every node output of a functional model, keyed `layer/node/tensor` (re-indexed like the config). */
function tensorShapes(model: LayersModel): Map<string, Json> {
  const nodeSet = new Set(model.nodes);
  const out = new Map<string, Json>();
  for (const layer of model.layers) {
    const own = layer.inboundNodes.filter((n) => nodeSet.has(n) || n.inputTensors.length === 0);
    own.forEach((node, ni) => node.outputTensors.forEach((t, ti) => out.set(`${layer.name}/${ni}/${ti}`, t.shape as Json)));
  }
  return out;
}

/** Keras 3's config.json structure -> my config tree (Keras 2 style node references). */
function fromKeras3(raw: Record<string, unknown>): Spec {
  const registered = raw['registered_name'] as string | null | undefined;
  // A custom class saved by Keras carries its registered name ('package>Class'): it is looked up
  // by that name among the classes you registered (or passed in customObjects), never imported.
  const custom = Boolean(registered && registered !== raw['class_name'] && registered !== 'Functional' && !registered.startsWith('keras'));
  const className = (custom ? registered : raw['class_name']) as string;
  const cfg = (raw['config'] ?? {}) as Record<string, unknown>;
  if (className === 'Sequential' || className === 'Functional' || className === 'Model') {
    const layers = ((cfg['layers'] ?? []) as Record<string, unknown>[]).map((l) => {
      const inner = fromKeras3(l);
      if (className === 'Sequential') return inner;
      const nodes = ((l['inbound_nodes'] ?? []) as unknown[]).map((n) => keras3NodeToRefs(n));
      return { ...inner, name: (l['name'] as string) ?? (inner.config['name'] as string), inboundNodes: nodes };
    });
    const out: Record<string, unknown> = { ...(fromPythonic({ ...cfg, layers: [] }) as Record<string, unknown>), layers };
    if (cfg['input_layers']) out['inputLayers'] = cfg['input_layers'];
    if (cfg['output_layers']) out['outputLayers'] = cfg['output_layers'];
    return { className: className === 'Model' ? 'Functional' : className, config: out };
  }
  const config = fromPythonic(cfg) as Record<string, unknown>;
  for (const k of ['activation', 'recurrentActivation']) if (config[k] === 'hard_sigmoid') config[k] = 'hard_sigmoid_v3';
  return { className, config: stripModules(config) as Record<string, unknown> };
}

/** Nested `{module, className, config, registeredName}` objects lose their module keys. */
function stripModules(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(stripModules);
  if (v && typeof v === 'object') {
    const o = v as Record<string, unknown>;
    if (typeof o['className'] === 'string' && 'config' in o) {
      const reg = o['registeredName'] as string | null | undefined;
      if (reg && reg !== o['className'] && !String(reg).startsWith('keras')) {
        throw new ValueError(`Refusing to load custom object '${reg}': loading a model never runs code from the file.`);
      }
      if (o['className'] === 'DTypePolicy') return ((o['config'] as { name?: string })?.name ?? 'float32');
      return { className: o['className'], config: stripModules(o['config']) };
    }
    const out: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(o)) if (k !== 'module' && k !== 'registeredName') out[k] = stripModules(x);
    return out;
  }
  return v;
}

/** A Keras 3 node `{args, kwargs}` -> `[[name, node, tensor, kwargs], ...]`. */
function keras3NodeToRefs(node: unknown): unknown[] {
  if (Array.isArray(node)) return node; // already Keras 2 style
  const n = node as { args?: unknown[]; kwargs?: Record<string, unknown> };
  const isKT = (x: unknown): boolean => !!x && typeof x === 'object' && (x as { class_name?: string }).class_name === '__keras_tensor__';
  const ref = (x: unknown): unknown[] => {
    const h = (x as { config: { keras_history: unknown[] } }).config.keras_history;
    return [h[0], h[1], h[2]];
  };
  const args = n.args ?? [];
  const tensors: unknown[] = [];
  for (const a of args) {
    if (isKT(a)) tensors.push(a);
    else if (Array.isArray(a) && a.every(isKT)) tensors.push(...a);
  }
  const kwargs: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(n.kwargs ?? {})) {
    const key = k.replace(/_([a-z])/g, (_, c: string) => c.toUpperCase());
    kwargs[key] = isKT(v) ? ref(v) : v;
  }
  const refs = tensors.map(ref);
  if (refs.length > 0) refs[0] = [...refs[0]!, kwargs];
  return refs;
}

// ---------------- whole files ----------------

function compileConfig(model: LayersModel): Json | null {
  const c = model._compileArgs;
  const opt = model.optimizer;
  if (!c || !opt) return null;
  const oc = toPythonic(opt.getConfig()) as Record<string, Json>;
  for (const [a, b] of [['beta1', 'beta_1'], ['beta2', 'beta_2']] as const) {
    if (a in oc) {
      oc[b] = oc[a]!;
      delete oc[a];
    }
  }
  const lossName = (l: unknown): Json => (typeof l === 'string' ? l : (model._lossFns[0]?.lossName ?? null));
  return {
    optimizer: { module: 'keras.optimizers', class_name: opt.className, config: oc, registered_name: null },
    loss: Array.isArray(c.loss) ? c.loss.map(lossName) : lossName(c.loss),
    loss_weights: null,
    metrics: Array.isArray(c.metrics) ? (c.metrics.filter((m) => typeof m === 'string') as Json) : typeof c.metrics === 'string' ? [c.metrics] : null,
    weighted_metrics: null,
    run_eagerly: false,
    steps_per_execution: 1,
    jit_compile: false,
  };
}

/** The bytes of a `.keras` file for `model`. */
export async function kerasFileBytes(model: LayersModel, options: { includeOptimizer?: boolean } = {}): Promise<Uint8Array> {
  const { zipSync, strToU8 } = await import('fflate');
  const config = toKeras3(modelSpec(model), model);
  const cc = compileConfig(model);
  if (cc) config['compile_config'] = cc;
  const { datasets, groups } = weightDatasets(model, options.includeOptimizer ?? true);
  const h5 = await writeH5(datasets, groups);
  const metadata = { keras_version: KERAS_VERSION, date_saved: new Date().toISOString().replace('T', '@').slice(0, 19), saved_by: 'Tessera layers' };
  return zipSync(
    {
      'metadata.json': strToU8(JSON.stringify(metadata)),
      'config.json': strToU8(JSON.stringify(config)),
      'model.weights.h5': [h5, { level: 0 }],
    },
    { level: 6 },
  );
}

/** A model from the bytes of a `.keras` file (compiled when it holds a compile config). */
export async function modelFromKerasBytes(bytes: Uint8Array, options: { customObjects?: Record<string, LayerClass>; compile?: boolean } = {}): Promise<LayersModel> {
  const { unzipSync, strFromU8 } = await import('fflate');
  let files: Record<string, Uint8Array>;
  try {
    files = unzipSync(bytes);
  } catch (e) {
    throw new ValueError(`Not a .keras file (not a zip archive): ${(e as Error).message}`);
  }
  const cfgBytes = files['config.json'];
  if (!cfgBytes) throw new ValueError(`Not a .keras file: config.json is missing (found ${Object.keys(files).join(', ')})`);
  const raw = JSON.parse(strFromU8(cfgBytes)) as Record<string, unknown>;
  const spec = fromKeras3(raw);
  const model = modelFromSpec(spec, options.customObjects);
  if (!model.built && model.layers.length > 0) {
    const bc = raw['build_config'] as { input_shape?: (number | null)[] } | undefined;
    if (bc?.input_shape) model.build(bc.input_shape);
  }
  const cc = raw['compile_config'] as Record<string, unknown> | undefined;
  if (cc && options.compile !== false && cc['optimizer'] && cc['loss']) {
    const o = cc['optimizer'] as { class_name: string; config: Record<string, unknown> } | string;
    try {
      model.compile({
        optimizer: typeof o === 'string' ? o : getOptimizer({ className: o.class_name, config: o.config ?? {} }),
        loss: cc['loss'] as string,
        metrics: (cc['metrics'] as string[] | null) ?? [],
      });
    } catch {
      // An uncompilable config (e.g. a custom loss) leaves the model uncompiled.
    }
  }
  const weights = files['model.weights.h5'];
  if (weights) await loadKerasWeights(model, weights);
  return model;
}

/**
 * Model configs: a model to a plain `{className, config}` tree (camelCase keys) and back, plus the
 * conversions to and from the snake_case JSON of model files. Both file formats (TF.js's
 * `model.json` and Keras 3's `config.json`) go through here. Only registered classes are built.
 */
import { toCamelCase, toList, toSnakeCase, ValueError } from '../common.js';
import { LayersModel } from '../engine/container.js';
import { Sequential } from '../engine/sequential.js';
import { InputLayer, isSymbolic, Layer, type SymbolicTensor } from '../engine/topology.js';
import { deserializeLayer } from '../serialization.js';
import type { LayerClass } from '../engine/topology.js';

export type Json = null | boolean | number | string | Json[] | { [k: string]: Json };
export type Spec = { className: string; config: Record<string, unknown> };

/** A node reference in a functional config: [layer name, node index, tensor index, kwargs?]. */
type Ref = [string, number, number, Record<string, unknown>?];

/** Drops internal keys (`_layer`) from a config tree. */
function clean(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(clean);
  if (v && typeof v === 'object' && Object.getPrototypeOf(v) === Object.prototype) {
    const out: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(v)) if (!k.startsWith('_')) out[k] = clean(x);
    return out;
  }
  return v;
}

/** The model's config tree with camelCase keys. */
export function modelSpec(model: LayersModel): Spec {
  return { className: model.getClassName(), config: clean(model.getConfig()) as Record<string, unknown> };
}

/** camelCase keys -> snake_case keys (`className` -> `class_name`), recursively. */
export function toPythonic(v: unknown): Json {
  if (Array.isArray(v)) return v.map(toPythonic);
  if (v && typeof v === 'object') {
    const out: Record<string, Json> = {};
    for (const [k, x] of Object.entries(v)) if (x !== undefined) out[k === 'className' ? 'class_name' : toSnakeCase(k)] = toPythonic(x);
    return out;
  }
  if (typeof v === 'number' && !Number.isFinite(v)) return null;
  return v as Json;
}

/** snake_case keys -> camelCase keys, recursively. */
export function fromPythonic(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(fromPythonic);
  if (v && typeof v === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(v)) out[k === 'class_name' ? 'className' : toCamelCase(k)] = fromPythonic(x);
    return out;
  }
  return v;
}

/** Normalizes a layer config from a file into constructor arguments. */
export function layerArgs(config: Record<string, unknown>): Record<string, unknown> {
  const c: Record<string, unknown> = { ...config };
  // Keras 3 writes a DTypePolicy object; Tessera layers compute in float32.
  const dt = c['dtype'];
  if (dt && typeof dt === 'object') {
    const name = ((dt as { config?: { name?: string } }).config?.name ?? 'float32') as string;
    c['dtype'] = name.includes('float64') ? 'float64' : name === 'int32' ? 'int32' : 'float32';
  } else if (typeof dt === 'string' && !['float32', 'float64', 'int32', 'bool'].includes(dt)) c['dtype'] = 'float32';
  if (c['batchShape'] !== undefined && c['batchInputShape'] === undefined) c['batchInputShape'] = c['batchShape'];
  delete c['batchShape'];
  return c;
}

function layerFromSpec(spec: Spec, customObjects: Record<string, LayerClass>): Layer {
  const name = spec.className;
  if (name === 'Sequential' || name === 'Functional' || name === 'Model') return modelFromSpec(spec, customObjects);
  if (name === 'InputLayer') return new InputLayer(layerArgs(spec.config) as never);
  return deserializeLayer({ className: name, config: layerArgs(spec.config) }, customObjects);
}

/**
 * Builds a model from its config tree (camelCase keys). Functional configs use Keras 2 / TF.js
 * node references (`inboundNodes: [[[name, node, tensor, kwargs]]]`).
 */
export function modelFromSpec(spec: Spec, customObjects: Record<string, LayerClass> = {}): LayersModel {
  const cfg = spec.config as Record<string, unknown>;
  if (spec.className === 'Sequential') {
    // Old Keras wrote a Sequential config as the bare list of layers.
    const layerSpecs = (Array.isArray(cfg) ? cfg : (cfg['layers'] as Spec[])) as Spec[];
    const name = Array.isArray(cfg) ? undefined : (cfg['name'] as string | undefined);
    const model = new Sequential(name ? { name } : {});
    for (const ls of layerSpecs) model.add(layerFromSpec(ls, customObjects));
    const bis = Array.isArray(cfg) ? undefined : (cfg['buildInputShape'] as (number | null)[] | undefined);
    if (!model.built && bis && model.layers.length > 0) model.build(bis);
    return model;
  }
  if (spec.className !== 'Functional' && spec.className !== 'Model') throw new ValueError(`Unsupported model class '${spec.className}'`);
  const layerSpecs = cfg['layers'] as (Spec & { name: string; inboundNodes: unknown[] })[];
  const created = new Map<string, Layer>();
  for (const ls of layerSpecs) {
    const layer = layerFromSpec({ className: ls.className, config: ls.config }, customObjects);
    layer.name = ls.name ?? layer.name;
    created.set(layer.name, layer);
  }
  // Output tensors of each layer's nodes, in the order the file lists the nodes.
  const outputs = new Map<string, SymbolicTensor[][]>();
  for (const [name, layer] of created) if (layer instanceof InputLayer) outputs.set(name, [layer.inboundNodes[0]!.outputTensors]);
  const pending: { layer: Layer; refs: Ref[]; raw: unknown }[] = [];
  for (const ls of layerSpecs) {
    const layer = created.get(ls.name)!;
    for (const node of (ls.inboundNodes ?? []) as unknown[]) pending.push({ layer, refs: normalizeRefs(node), raw: node });
  }
  const resolve = (r: unknown): SymbolicTensor | null => {
    const [n, ni, ti] = r as Ref;
    return outputs.get(n)?.[ni]?.[ti] ?? null;
  };
  let progress = true;
  while (pending.length > 0 && progress) {
    progress = false;
    for (let i = 0; i < pending.length; i++) {
      const { layer, refs } = pending[i]!;
      const ins = refs.map(resolve);
      const kw = { ...(refs[0]?.[3] ?? {}) } as Record<string, unknown>;
      let ready = ins.every((t) => t !== null);
      for (const [k, v] of Object.entries(kw)) {
        if (isRef(v)) {
          const t = resolve(v);
          if (!t) ready = false;
          else kw[k] = t;
        }
      }
      if (!ready) continue;
      const list = ins as SymbolicTensor[];
      const out = layer.apply(list.length === 1 && !isListLayer(layer) ? list[0]! : list, kw);
      const arr = toList(out as SymbolicTensor | SymbolicTensor[]).filter(isSymbolic);
      const prev = outputs.get(layer.name) ?? [];
      prev.push(arr);
      outputs.set(layer.name, prev);
      pending.splice(i, 1);
      i--;
      progress = true;
    }
  }
  if (pending.length > 0) throw new ValueError(`Could not rebuild the model graph: the inputs of layer(s) ${[...new Set(pending.map((p) => p.layer.name))].join(', ')} are missing`);
  const refList = (v: unknown): Ref[] => normalizeTopRefs(v);
  const ins = refList(cfg['inputLayers']).map((r) => resolve(r)!);
  const outs = refList(cfg['outputLayers']).map((r) => {
    const t = resolve(r);
    if (!t) throw new ValueError(`Unknown output ${JSON.stringify(r)}`);
    return t;
  });
  return new LayersModel({ inputs: ins, outputs: outs, name: cfg['name'] as string });
}

function isRef(v: unknown): boolean {
  return Array.isArray(v) && v.length >= 3 && typeof v[0] === 'string' && typeof v[1] === 'number' && typeof v[2] === 'number';
}

function isListLayer(layer: Layer): boolean {
  return ['Add', 'Subtract', 'Multiply', 'Average', 'Maximum', 'Minimum', 'Concatenate', 'Dot'].includes(layer.getClassName());
}

/** A node's refs: `[[name, n, t, kw], ...]`. */
function normalizeRefs(node: unknown): Ref[] {
  if (!Array.isArray(node)) throw new ValueError(`Unsupported inbound node format: ${JSON.stringify(node)}`);
  if (isRef(node)) return [node as Ref];
  return node as Ref[];
}

/** `inputLayers`: `[[name, n, t], ...]`, a single `[name, n, t]`, or a map by name. */
function normalizeTopRefs(v: unknown): Ref[] {
  if (isRef(v)) return [v as Ref];
  if (Array.isArray(v)) return v.flatMap((x) => normalizeTopRefs(x));
  if (v && typeof v === 'object') return Object.values(v).flatMap((x) => normalizeTopRefs(x));
  throw new ValueError(`Invalid input/output layer list: ${JSON.stringify(v)}`);
}

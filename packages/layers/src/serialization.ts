/**
 * The registry of layer classes that model files may name. Loading a model builds layers only
 * from this registry: a file cannot make it run code. A `Lambda` layer (whose config is Python
 * bytecode or source) is refused with a clear error, and so is any class nobody registered.
 */
import { normalizeId, ValueError } from './common.js';
import type { Layer, LayerClass } from './engine/topology.js';

const registry = new Map<string, LayerClass>();

/**
 * Registers a layer class under its `className` (and aliases) so model files can name it
 * (TF.js's `serialization.registerClass`).
 *
 * @example
 * class MyLayer extends Layer { static override readonly className = 'MyLayer'; ... }
 * registerClass(MyLayer);
 */
export function registerClass(cls: LayerClass, ...aliases: string[]): void {
  for (const n of [cls.className, ...aliases]) registry.set(normalizeId(n), cls);
}

export function getRegisteredClass(className: string): LayerClass | undefined {
  return registry.get(normalizeId(className));
}

/** Names of the registered layer classes. */
export function registeredClassNames(): string[] {
  return [...new Set([...registry.values()].map((c) => c.className))].sort();
}

/** A layer from `{className, config}` with camelCase config keys. */
export function deserializeLayer(spec: { className: string; config: Record<string, unknown> }, customObjects: Record<string, LayerClass> = {}): Layer {
  const { className } = spec;
  if (normalizeId(className) === 'lambda' || normalizeId(className) === 'tfoplambda' || normalizeId(className) === 'slicingopslambda') {
    throw new ValueError(
      `Refusing to load a '${className}' layer: its config holds code (Python bytecode or source), and loading a model never runs code from a file. Rebuild that part of the model in code, or implement it as a registered custom layer.`,
    );
  }
  const cls = customObjects[className] ?? registry.get(normalizeId(className));
  if (!cls) {
    throw new ValueError(
      `Unknown layer: '${className}'. It is not a built-in layer and no class was registered under that name; loading a model never runs code from the file. If it is your own layer, register it first with registerClass(${className}) (or pass it in customObjects).`,
    );
  }
  return new (cls as unknown as new (args: Record<string, unknown>) => Layer)(spec.config);
}

import { engine } from './engine.js';
import { Tensor } from './tensor.js';

/** Anything `tidy` can return: tensors nested in arrays and plain objects are kept alive. */
export type TensorContainer = Tensor | TensorContainer[] | { [key: string]: TensorContainer } | number | string | boolean | null | undefined | void;

/**
 * Runs `fn` and disposes every tensor created inside it that is not part of its result
 * (nor passed to `keep`). Scopes nest; the kept tensors belong to the enclosing scope.
 *
 * @example
 * const y = tidy(() => x.mul(2).add(1)); // the intermediate x*2 is freed
 */
export function tidy<T extends TensorContainer>(fn: () => T): T {
  const scope = new Set<Tensor>();
  engine.scopes.push(scope);
  let result: T;
  try {
    result = fn();
  } catch (e) {
    engine.scopes.pop();
    for (const t of scope) if (!t._kept) t.dispose();
    throw e;
  }
  engine.scopes.pop();
  if (result instanceof Promise) throw new Error('tidy: the function must be synchronous (it returned a Promise)');
  const survivors = new Set<Tensor>();
  collect(result, survivors);
  const parent = engine.scopes[engine.scopes.length - 1];
  for (const t of scope) {
    if (survivors.has(t) || t._kept) {
      if (parent && !t._kept) parent.add(t);
    } else t.dispose();
  }
  return result;
}

function collect(x: unknown, out: Set<Tensor>): void {
  if (x instanceof Tensor) out.add(x);
  else if (Array.isArray(x)) for (const v of x) collect(v, out);
  else if (x !== null && typeof x === 'object' && Object.getPrototypeOf(x) === Object.prototype) {
    for (const v of Object.values(x)) collect(v, out);
  }
}

/** Marks a tensor so that no enclosing `tidy` disposes it; returns it. */
export function keep<T extends Tensor>(t: T): T {
  t._kept = true;
  for (const s of engine.scopes) s.delete(t);
  return t;
}

/** Disposes tensors found in any (nested) container. */
export function dispose(x: TensorContainer): void {
  const found = new Set<Tensor>();
  collect(x, found);
  for (const t of found) t.dispose();
}

/** Live tensor handles and bytes of one device. */
export interface DeviceMemory {
  tensors: number;
  bytes: number;
  buffers: number;
}

/** Memory report: totals and per device. */
export interface MemoryReport {
  numTensors: number;
  numBytes: number;
  devices: Record<string, DeviceMemory>;
}

/** Reports live tensor handles and the bytes they hold, in total and per device. */
export function memory(): MemoryReport {
  const devices: Record<string, DeviceMemory> = {};
  let numTensors = 0;
  let numBytes = 0;
  for (const [name, backend] of engine.backends) {
    const c = engine.counters.get(name);
    const tensors = c?.tensors ?? 0;
    const bytes = c?.bytes ?? 0;
    devices[name] = { tensors, bytes, buffers: backend.memory().buffers };
    numTensors += tensors;
    numBytes += bytes;
  }
  return { numTensors, numBytes, devices };
}

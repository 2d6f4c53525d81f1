/**
 * How an op runs: `runOp` picks a backend's fused kernel or core's composition, and lets autograd
 * record the call. Helpers here turn tensors into kernel views and kernel results into tensors.
 */
import type { Backend, DataId, View } from '../backend.js';
import type { DType } from '../dtype.js';
import { engine, getBackend, getKernel } from '../engine.js';
import { contiguousStrides, numelOf } from '../shape.js';
import { Storage } from '../storage.js';
import { Tensor } from '../tensor.js';

export type Attrs = Readonly<Record<string, unknown>>;

/**
 * Runs op `name`. With autograd active and an input requiring grad, an op that has a gradient
 * rule is recorded as one node (its internals are not recorded); an op without a rule runs its
 * composition so that each inner op is recorded. Otherwise a fused kernel registered for the
 * device replaces the composition.
 */
export function runOp<T extends Tensor | Tensor[]>(name: string, inputs: readonly Tensor[], attrs: Attrs, composite: () => T): T {
  const rec = engine.recorder;
  const first = inputs[0];
  if (rec === null || !engine.gradEnabled || engine.recordingSuppressed > 0 || !anyRequiresGrad(inputs)) {
    const k = first === undefined ? undefined : getKernel(first.device, name);
    return k ? (k(inputs, attrs) as T) : composite();
  }
  if (!rec.hasRule(name)) return composite();
  engine.recordingSuppressed++;
  let out: T;
  try {
    const k = first === undefined ? undefined : getKernel(first.device, name);
    out = k ? (k(inputs, attrs) as T) : composite();
  } finally {
    engine.recordingSuppressed--;
  }
  rec.record(name, inputs, attrs, Array.isArray(out) ? out : [out]);
  return out;
}

function anyRequiresGrad(inputs: readonly Tensor[]): boolean {
  for (const t of inputs) if (t.requiresGrad) return true;
  return false;
}

/** The kernel view of a tensor. */
export function viewOf(t: Tensor): View {
  t.assertAlive();
  return { data: t.storage.data, dtype: t.dtype, shape: t.shape, strides: t.strides, offset: t.offset };
}

/** A kernel view of `t` broadcast to `shape` (stride 0 on broadcast dims). */
export function broadcastView(t: Tensor, shape: readonly number[]): View {
  t.assertAlive();
  const nd = shape.length;
  const ts = t.shape;
  const off = nd - ts.length;
  let same = off === 0;
  for (let i = 0; same && i < nd; i++) same = ts[i] === shape[i];
  if (same) return { data: t.storage.data, dtype: t.dtype, shape: ts, strides: t.strides, offset: t.offset };
  const strides = new Array<number>(nd);
  for (let i = 0; i < nd; i++) {
    const j = i - off;
    strides[i] = j < 0 || ts[j] === 1 ? 0 : t.strides[j]!;
  }
  return { data: t.storage.data, dtype: t.dtype, shape, strides, offset: t.offset };
}

/** Wraps a freshly allocated contiguous kernel result as a tensor. */
export function fromData(backend: Backend, data: DataId, dtype: DType, shape: readonly number[]): Tensor {
  const storage = new Storage(backend, data, dtype, numelOf(shape));
  return Tensor._make(storage, shape.slice(), contiguousStrides(shape), 0, dtype);
}

/** Throws when tensors live on different devices, naming the op and both devices. */
export function sameBackend(op: string, tensors: readonly Tensor[]): Backend {
  const first = tensors[0]!;
  for (const t of tensors) {
    if (t.device !== first.device) {
      throw new Error(`${op}: expected all tensors to be on the same device, but found '${first.device}' and '${t.device}'`);
    }
  }
  return first.backend;
}

export { getBackend };

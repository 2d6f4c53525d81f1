/** Turning a list of items into a batch, and walking the tensors of a batch. */
import { stack, tensor, Tensor } from '@tessera/core';

/** What the default collate makes of an item type: tensors and numbers become batched tensors. */
export type Collated<T> = T extends Tensor
  ? Tensor
  : T extends number | boolean
    ? Tensor
    : T extends string
      ? string[]
      : T extends readonly unknown[]
        ? { -readonly [K in keyof T]: Collated<T[K]> }
        : T extends object
          ? { [K in keyof T]: Collated<T[K]> }
          : T[];

/**
 * PyTorch's `default_collate`: tensors are stacked along a new first dimension; numbers become a
 * tensor (int32 when all are integers, else float32), booleans a bool tensor; arrays and plain
 * objects are collated field by field; strings are kept as a list.
 *
 * @example
 * defaultCollate([[tensor([1, 2]), 0], [tensor([3, 4]), 1]]); // [Tensor [2, 2], Tensor int32 [2]]
 */
export function defaultCollate<T>(items: readonly T[]): Collated<T> {
  if (items.length === 0) throw new RangeError('defaultCollate: cannot collate an empty list of items');
  const first = items[0] as unknown;
  if (first instanceof Tensor) {
    items.forEach((t, i) => {
      if (!(t instanceof Tensor)) throw new TypeError(`defaultCollate: item ${i} is not a Tensor while item 0 is`);
    });
    return stack(items as unknown as Tensor[], 0) as Collated<T>;
  }
  if (typeof first === 'number') {
    const values = items as unknown as number[];
    const ints = values.every((v) => Number.isInteger(v) && Math.abs(v) <= 0x7fffffff);
    return tensor(ints ? Int32Array.from(values) : Float32Array.from(values)) as Collated<T>;
  }
  if (typeof first === 'boolean') return tensor(items as unknown as boolean[]) as Collated<T>;
  if (typeof first === 'string') return [...items] as Collated<T>;
  if (Array.isArray(first)) {
    const width = first.length;
    items.forEach((it, i) => {
      if (!Array.isArray(it) || it.length !== width) throw new RangeError(`defaultCollate: item ${i} is not an array of ${width} fields like item 0`);
    });
    return first.map((_, k) => defaultCollate((items as unknown as unknown[][]).map((it) => it[k]))) as Collated<T>;
  }
  if (typeof first === 'object' && first !== null && Object.getPrototypeOf(first) === Object.prototype) {
    const out: Record<string, unknown> = {};
    for (const key of Object.keys(first)) out[key] = defaultCollate((items as unknown as Record<string, unknown>[]).map((it) => it[key]));
    return out as Collated<T>;
  }
  return [...items] as Collated<T>;
}

/** Every tensor in a (nested) batch. */
export function tensorsIn(x: unknown, out: Set<Tensor> = new Set()): Set<Tensor> {
  if (x instanceof Tensor) out.add(x);
  else if (Array.isArray(x)) for (const v of x) tensorsIn(v, out);
  else if (x !== null && typeof x === 'object' && Object.getPrototypeOf(x) === Object.prototype) {
    for (const v of Object.values(x)) tensorsIn(v, out);
  }
  return out;
}

/** Rebuilds a (nested) batch with `f` applied to each tensor. */
export async function mapTensors<B>(x: B, f: (t: Tensor) => Tensor | Promise<Tensor>): Promise<B> {
  if (x instanceof Tensor) return (await f(x)) as B;
  if (Array.isArray(x)) return (await Promise.all(x.map((v) => mapTensors(v, f)))) as B;
  if (x !== null && typeof x === 'object' && Object.getPrototypeOf(x) === Object.prototype) {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(x)) out[k] = await mapTensors(v, f);
    return out as B;
  }
  return x;
}

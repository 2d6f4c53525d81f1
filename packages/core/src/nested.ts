import { allocArray, type DType, type TypedArray } from './dtype.js';

/** Nested JavaScript arrays of numbers or booleans, e.g. `[[1, 2], [3, 4]]`. */
export type NestedArray = number | boolean | NestedArray[];

/** Infers the shape of nested arrays, rejecting ragged input with the path where it breaks. */
export function inferShape(op: string, values: unknown): number[] {
  const shape: number[] = [];
  let cur: unknown = values;
  while (Array.isArray(cur)) {
    shape.push(cur.length);
    if (cur.length === 0) break;
    cur = cur[0];
  }
  checkRagged(op, values, shape, 0, []);
  return shape;
}

function checkRagged(op: string, v: unknown, shape: number[], depth: number, path: number[]): void {
  if (depth === shape.length) {
    if (Array.isArray(v)) throw new RangeError(`${op}: ragged nested array at [${path.join('][')}] (expected a number, found an array)`);
    if (typeof v !== 'number' && typeof v !== 'boolean') {
      throw new TypeError(`${op}: expected numbers or booleans, found ${v === null ? 'null' : typeof v} at [${path.join('][')}]`);
    }
    return;
  }
  if (!Array.isArray(v) || v.length !== shape[depth]) {
    const got = Array.isArray(v) ? `length ${v.length}` : 'a scalar';
    throw new RangeError(`${op}: ragged nested array at [${path.join('][')}]: expected length ${shape[depth]}, found ${got}`);
  }
  for (let i = 0; i < v.length; i++) checkRagged(op, v[i], shape, depth + 1, [...path, i]);
}

/** Whether nested values contain only booleans (so the default dtype is `bool`). */
export function allBooleans(values: unknown): boolean {
  if (Array.isArray(values)) return values.length > 0 && values.every(allBooleans);
  return typeof values === 'boolean';
}

/** Flattens nested arrays into a typed array of `dtype`. */
export function flattenNested(values: NestedArray, dtype: DType, size: number): TypedArray {
  const out = allocArray(dtype, size);
  let i = 0;
  const walk = (v: NestedArray): void => {
    if (Array.isArray(v)) for (const x of v) walk(x);
    else out[i++] = typeof v === 'boolean' ? (v ? 1 : 0) : dtype === 'bool' ? (v !== 0 ? 1 : 0) : v;
  };
  walk(values);
  return out;
}

/** Builds nested arrays from row-major data (0-d gives a bare number/boolean). */
export function toNested(data: TypedArray, shape: readonly number[], dtype: DType): NestedArray {
  const conv = dtype === 'bool' ? (x: number) => x !== 0 : (x: number) => x;
  if (shape.length === 0) return conv(data[0]!);
  let pos = 0;
  const build = (d: number): NestedArray[] => {
    const n = shape[d]!;
    const out = new Array<NestedArray>(n);
    if (d === shape.length - 1) {
      for (let i = 0; i < n; i++) out[i] = conv(data[pos++]!);
    } else {
      for (let i = 0; i < n; i++) out[i] = build(d + 1);
    }
    return out;
  };
  return build(0);
}

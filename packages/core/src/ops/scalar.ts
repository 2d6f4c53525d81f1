import type { Backend } from '../backend.js';
import { allocArray, promoteTypes, promoteWithScalar, type DType } from '../dtype.js';
import { Tensor, type TensorLike } from '../tensor.js';
import { fromData } from './dispatch.js';

/** A 0-d tensor holding `value` on `backend`. */
export function scalarOn(backend: Backend, value: number | boolean, dtype: DType): Tensor {
  const arr = allocArray(dtype, 1);
  arr[0] = typeof value === 'boolean' ? (value ? 1 : 0) : dtype === 'bool' ? (value !== 0 ? 1 : 0) : value;
  return fromData(backend, backend.upload(arr, dtype), dtype, []);
}

/** Checks an operand is a tensor or a finite-or-special JS number/boolean. */
export function checkOperand(op: string, x: unknown, name: string): asserts x is TensorLike {
  if (x instanceof Tensor) {
    x.assertAlive();
    return;
  }
  if (typeof x === 'number' || typeof x === 'boolean') return;
  throw new TypeError(`${op}: ${name} must be a Tensor, number or boolean, got ${describe(x)}`);
}

export function describe(x: unknown): string {
  if (x === null) return 'null';
  if (Array.isArray(x)) return `an array (wrap it with tensor(...))`;
  return typeof x;
}

/** The dtype two operands promote to (a scalar lifts only the category, as in PyTorch). */
export function resultType(a: TensorLike, b: TensorLike): DType {
  if (a instanceof Tensor && b instanceof Tensor) {
    // A 0-d tensor does not widen a dimensioned tensor of the same category (PyTorch rule).
    if (a.ndim === 0 && b.ndim > 0 && sameCategory(a.dtype, b.dtype)) return b.dtype;
    if (b.ndim === 0 && a.ndim > 0 && sameCategory(a.dtype, b.dtype)) return a.dtype;
    return promoteTypes(a.dtype, b.dtype);
  }
  if (a instanceof Tensor) return promoteWithScalar(a.dtype, b as number | boolean);
  if (b instanceof Tensor) return promoteWithScalar(b.dtype, a as number | boolean);
  // Two scalars (only `where` gets here): bools stay bool, integers give int32 (PyTorch: int64).
  if (typeof a === 'boolean' && typeof b === 'boolean') return 'bool';
  return Number.isInteger(Number(a)) && Number.isInteger(Number(b)) ? 'int32' : 'float32';
}

function sameCategory(a: DType, b: DType): boolean {
  const cat = (d: DType): number => (d === 'bool' ? 0 : d === 'float32' || d === 'float64' ? 2 : 1);
  return cat(a) === cat(b);
}

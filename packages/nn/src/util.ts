/** Small helpers shared by layers and functional ops. */
import type { Tensor } from '@tessera/core';

/** Formats a shape as error messages print it: `[32, 28, 28]`. */
export function fmt(shape: readonly number[]): string {
  return `[${shape.join(', ')}]`;
}

/** Resolves a number-or-tuple argument into `n` numbers. */
export function tuple(name: string, v: number | readonly number[], n: number): number[] {
  if (typeof v === 'number') return new Array<number>(n).fill(v);
  if (v.length !== n) throw new RangeError(`${name}: expected ${n} values, got ${JSON.stringify(v)}`);
  return [...v];
}

/** Throws a TypeError naming `layer` unless `x` is a floating point tensor. */
export function checkFloat(layer: string, x: Tensor): void {
  if (x.dtype !== 'float32' && x.dtype !== 'float64') {
    throw new TypeError(`${layer}: expected a floating point input, got ${x.dtype} ${fmt(x.shape)}`);
  }
}

/** Throws a TypeError naming `op` unless `x` holds integers (int32 or uint8). */
export function checkIndices(op: string, x: Tensor): void {
  if (x.dtype !== 'int32' && x.dtype !== 'uint8') {
    throw new TypeError(`${op}: expected integer indices (int32 or uint8), got ${x.dtype} ${fmt(x.shape)}`);
  }
}

/** Product of the entries. */
export function prod(xs: readonly number[]): number {
  let p = 1;
  for (const x of xs) p *= x;
  return p;
}

/** Python's spelling of a boolean, for PyTorch-style printouts. */
export function py(b: boolean): string {
  return b ? 'True' : 'False';
}

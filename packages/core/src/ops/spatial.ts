/**
 * Argument checks shared by convolution and pooling: sizes given as one number or one per
 * spatial dim, and how they print in error messages. Not part of the public API.
 */

/** One number for every spatial dim, or one per dim. */
export type SizeArg = number | readonly number[];

/**
 * Resolves `v` (a number, or an array with one entry per spatial dim) into `dims` validated
 * integers of at least `min`; `dflt` fills in when `v` is undefined (required when there is none).
 */
export function sizes(op: string, name: string, v: SizeArg | undefined | null, dims: number, dflt: number | undefined, min: number): number[] {
  const what = `${min > 0 ? 'a positive' : 'a non-negative'} integer${dims > 1 ? ` or ${dims} of them` : ''}`;
  let out: number[];
  if (v === undefined || v === null) {
    if (dflt === undefined) throw new RangeError(`${op}: ${name} is required (${what})`);
    out = new Array<number>(dims).fill(dflt);
  } else if (typeof v === 'number') out = new Array<number>(dims).fill(v);
  else if (Array.isArray(v) && v.length === dims) out = [...(v as readonly number[])];
  else throw new RangeError(`${op}: ${name} must be ${what}, got ${JSON.stringify(v)}`);
  if (out.some((x) => typeof x !== 'number' || !Number.isInteger(x) || x < min)) {
    throw new RangeError(`${op}: ${name} must be ${what}, got ${JSON.stringify(v)}`);
  }
  return out;
}

/** Spatial sizes as they print in messages: `3x3`, or `5` for one dim. */
export function fmtDims(v: readonly number[]): string {
  return v.join('x');
}

/** Names of the spatial dims in shape messages: `H, W` or `L`. */
export function spatialNames(dims: number): string {
  return dims === 2 ? 'H, W' : 'L';
}

/** Shapes, names and identifier spellings shared by the whole package. */
import type { Tensor } from '@tessera/core';

/** A shape whose dims may be unknown (`null`), as in Keras: `[null, 28, 28]`. */
export type Shape = (number | null)[];

/** A Keras/TF.js shape error, named like TF.js's so catch blocks that test the name keep working. */
export class ValueError extends Error {
  override name = 'ValueError';
}

/** An error for features that are named but not supported. */
export class NotImplementedError extends Error {
  override name = 'NotImplementedError';
}

export function fmtShape(s: readonly (number | null)[]): string {
  return `(${s.map((d) => (d === null ? 'None' : String(d))).join(', ')}${s.length === 1 ? ',' : ''})`;
}

/** `fooBar` -> `foo_bar` (Keras keeps snake_case config keys). */
export function toSnakeCase(name: string): string {
  // Keras's `to_snake_case`: Conv2D -> conv2d, SimpleRNN -> simple_rnn, kernelSize -> kernel_size.
  return name
    .replace(/\W+/g, '')
    .replace(/(.)([A-Z][a-z]+)/g, '$1_$2')
    .replace(/([a-z])([A-Z])/g, '$1_$2')
    .toLowerCase();
}

/** `foo_bar` -> `fooBar`. */
export function toCamelCase(name: string): string {
  return name.replace(/_([a-z0-9])/g, (_, c: string) => c.toUpperCase());
}

/**
 * The key every spelling of an identifier maps to: `glorot_uniform`, `glorotUniform` and
 * `GlorotUniform` all give `glorotuniform`.
 */
export function normalizeId(name: string): string {
  return name.replace(/[_\s-]/g, '').toLowerCase();
}

const nameCounters = new Map<string, number>();

/** A unique Keras-style name: `dense`, `dense_1`, `dense_2`, ... */
export function uniqueName(prefix: string): string {
  const n = nameCounters.get(prefix) ?? 0;
  nameCounters.set(prefix, n + 1);
  return n === 0 ? prefix : `${prefix}_${n}`;
}

/** Resets the name counters (Keras's `clear_session()`). */
export function clearSession(): void {
  nameCounters.clear();
}

export function toList<T>(x: T | readonly T[]): T[] {
  return Array.isArray(x) ? [...(x as T[])] : [x as T];
}

export function singletonOrList<T>(xs: T[]): T | T[] {
  return xs.length === 1 ? xs[0]! : xs;
}

/** Normalizes `n` or `[a, b]` to a tuple of length `rank`. */
export function normalizeTuple(value: number | readonly number[], rank: number, name: string): number[] {
  if (typeof value === 'number') return new Array<number>(rank).fill(value);
  if (value.length !== rank) throw new ValueError(`The ${name} argument must be a tuple of ${rank} integers. Received: [${value.join(', ')}]`);
  return [...value];
}

export function prod(xs: readonly number[]): number {
  return xs.reduce((a, b) => a * b, 1);
}

/** Whether `x` is a Tensor (works across loaded copies of core). */
export function isTensor(x: unknown): x is Tensor {
  return typeof x === 'object' && x !== null && (x as Record<symbol, unknown>)[Symbol.for('tessera.tensor')] === true;
}

/** Output length of a convolution or pooling window along one dim (TensorFlow's rule). */
export function convOutputLength(length: number | null, kernel: number, padding: string, stride: number, dilation = 1): number | null {
  if (length === null) return null;
  const dilated = (kernel - 1) * dilation + 1;
  let out: number;
  if (padding === 'same') out = length;
  else if (padding === 'valid') out = length - dilated + 1;
  else if (padding === 'causal') out = length;
  else if (padding === 'full') out = length + dilated - 1;
  else throw new ValueError(`Unknown padding '${padding}'`);
  return Math.floor((out + stride - 1) / stride);
}

/** Padding before/after for TensorFlow's 'same' (the extra pixel goes after). */
export function samePadding(length: number, kernel: number, stride: number, dilation = 1): [number, number] {
  const dilated = (kernel - 1) * dilation + 1;
  const out = Math.ceil(length / stride);
  const total = Math.max((out - 1) * stride + dilated - length, 0);
  const before = Math.floor(total / 2);
  return [before, total - before];
}

/** Accepts Keras's 'channels_last' and TF.js's 'channelsLast'. */
export function normalizeDataFormat(value: string | undefined): 'channelsLast' | 'channelsFirst' {
  if (value === undefined || value === null) return 'channelsLast';
  const k = normalizeId(value);
  if (k === 'channelslast') return 'channelsLast';
  if (k === 'channelsfirst') return 'channelsFirst';
  throw new ValueError(`data_format must be 'channels_last' or 'channels_first', got '${value}'`);
}

export function normalizePadding(value: string | undefined, allowed: string[] = ['valid', 'same']): string {
  const p = (value ?? 'valid').toLowerCase();
  if (!allowed.includes(p)) throw new ValueError(`padding must be one of ${allowed.map((a) => `'${a}'`).join(', ')}, got '${value}'`);
  return p;
}

/** Accepts Keras's snake_case option names too: `{input_dim: 10}` is `{inputDim: 10}` (shallow). */
export function kerasArgs<T>(args: T): T {
  if (!args || typeof args !== 'object' || Array.isArray(args)) return args;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(args)) out[k.includes('_') ? toCamelCase(k) : k] = v;
  return out as T;
}

import { allocArray, assertDType, dtypeOfArray, isFloat, type DType, type TypedArray } from '../dtype.js';
import { getBackend, getDefaultDevice } from '../engine.js';
import { allBooleans, flattenNested, inferShape, type NestedArray } from '../nested.js';
import { getDefaultGenerator, type Generator } from '../random.js';
import { checkShape, numelOf } from '../shape.js';
import { Tensor } from '../tensor.js';
import { fromData } from './dispatch.js';

/** Options shared by the creation functions. */
export interface CreateOptions {
  /** Element type (default float32, or inferred from the values). */
  dtype?: DType;
  /** Device name (default: `getDefaultDevice()`). */
  device?: string;
  /** Whether autograd should track this tensor (floating dtypes only). */
  requiresGrad?: boolean;
}

/** Options of the random creation functions. */
export interface RandomOptions extends CreateOptions {
  /** Stream to draw from (default: the generator seeded by `manualSeed`). */
  generator?: Generator;
}

/**
 * Creates a tensor from nested arrays, a typed array or a number.
 * Numbers default to float32, booleans to bool, typed arrays to their own type.
 *
 * @example
 * tensor([[1, 2], [3, 4]]);                 // float32 [2, 2]
 * tensor([1, 2, 3], { dtype: 'int32' });
 * tensor(new Float64Array([1, 2]), { shape: [2, 1] });
 */
export function tensor(values: NestedArray | TypedArray, options: CreateOptions & { shape?: readonly number[] } = {}): Tensor {
  if (values instanceof Tensor) throw new TypeError('tensor: got a Tensor; use t.clone() or t.detach() instead');
  const isTyped = ArrayBuffer.isView(values);
  let dtype: DType;
  if (options.dtype !== undefined) dtype = assertDType('tensor', options.dtype);
  else if (isTyped) dtype = dtypeOfArray(values as TypedArray);
  else dtype = allBooleans(values) ? 'bool' : 'float32';
  let shape: number[];
  let data: TypedArray;
  if (isTyped) {
    const arr = values as TypedArray;
    shape = options.shape ? checkShape('tensor', options.shape) : [arr.length];
    if (numelOf(shape) !== arr.length) {
      throw new RangeError(`tensor: shape [${shape.join(',')}] needs ${numelOf(shape)} values but the typed array has ${arr.length}`);
    }
    data = convertArray(arr, dtype);
  } else {
    shape = inferShape('tensor', values);
    data = flattenNested(values as NestedArray, dtype, numelOf(shape));
    if (options.shape) {
      const target = checkShape('tensor', options.shape);
      if (numelOf(target) !== data.length) {
        throw new RangeError(`tensor: shape [${target.join(',')}] needs ${numelOf(target)} values but ${data.length} were given`);
      }
      shape = target;
    }
  }
  return finish(data, dtype, shape, options);
}

function convertArray(arr: TypedArray, dtype: DType): TypedArray {
  const out = allocArray(dtype, arr.length);
  if (dtype === 'bool') for (let i = 0; i < arr.length; i++) out[i] = arr[i] !== 0 ? 1 : 0;
  else out.set(arr);
  return out;
}

function finish(data: TypedArray, dtype: DType, shape: readonly number[], options: CreateOptions): Tensor {
  const backend = getBackend(options.device ?? getDefaultDevice());
  if (!backend.dtypes.includes(dtype)) throw new TypeError(`tensor: device '${backend.name}' does not support dtype ${dtype}`);
  const t = fromData(backend, backend.upload(data, dtype), dtype, shape);
  if (options.requiresGrad) t.requiresGrad_(true);
  return t;
}

type ShapeArgs = [readonly number[], CreateOptions?] | number[];

function parseShapeArgs(op: string, args: readonly unknown[]): [number[], CreateOptions] {
  if (Array.isArray(args[0])) return [checkShape(op, args[0] as number[]), (args[1] as CreateOptions | undefined) ?? {}];
  const last = args[args.length - 1];
  const opts = typeof last === 'object' && last !== null ? (last as CreateOptions) : {};
  const dims = (typeof last === 'object' ? args.slice(0, -1) : args) as number[];
  return [checkShape(op, dims), opts];
}

/** A tensor filled with `value` (bool for a boolean value, else float32 unless `dtype` says otherwise). */
export function full(shape: readonly number[], value: number | boolean, options: CreateOptions = {}): Tensor {
  const s = checkShape('full', shape);
  const dtype = options.dtype !== undefined ? assertDType('full', options.dtype) : typeof value === 'boolean' ? 'bool' : 'float32';
  const data = allocArray(dtype, numelOf(s));
  const v = typeof value === 'boolean' ? (value ? 1 : 0) : dtype === 'bool' ? (value !== 0 ? 1 : 0) : value;
  if (v !== 0) data.fill(v);
  return finish(data, dtype, s, options);
}

/** Zeros of the given shape: `zeros([2, 3])` or `zeros(2, 3)`. */
export function zeros(shape: readonly number[], options?: CreateOptions): Tensor;
export function zeros(...sizes: number[]): Tensor;
export function zeros(...args: ShapeArgs): Tensor {
  const [s, o] = parseShapeArgs('zeros', args);
  return full(s, 0, o);
}

/** Ones of the given shape: `ones([2, 3])` or `ones(2, 3)`. */
export function ones(shape: readonly number[], options?: CreateOptions): Tensor;
export function ones(...sizes: number[]): Tensor;
export function ones(...args: ShapeArgs): Tensor {
  const [s, o] = parseShapeArgs('ones', args);
  return full(s, 1, o);
}

function likeOptions(x: Tensor, options: CreateOptions): CreateOptions {
  return { dtype: x.dtype, device: x.device, ...options };
}

/** Zeros with the shape, dtype and device of `x`. */
export function zerosLike(x: Tensor, options: CreateOptions = {}): Tensor {
  return full(x.shape, 0, likeOptions(x, options));
}

/** Ones with the shape, dtype and device of `x`. */
export function onesLike(x: Tensor, options: CreateOptions = {}): Tensor {
  return full(x.shape, 1, likeOptions(x, options));
}

/** `value` with the shape, dtype and device of `x`. */
export function fullLike(x: Tensor, value: number | boolean, options: CreateOptions = {}): Tensor {
  return full(x.shape, value, likeOptions(x, options));
}

/**
 * Values from `start` to `end` (exclusive) by `step`: `arange(5)`, `arange(1, 4)`, `arange(0, 1, 0.25)`.
 * int32 when every argument is an integer (as PyTorch gives integers), else float32.
 */
export function arange(end: number, options?: CreateOptions): Tensor;
export function arange(start: number, end: number, options?: CreateOptions): Tensor;
export function arange(start: number, end: number, step: number, options?: CreateOptions): Tensor;
export function arange(...args: (number | CreateOptions | undefined)[]): Tensor {
  const nums = args.filter((a): a is number => typeof a === 'number');
  const options = (args.find((a) => typeof a === 'object' && a !== null) as CreateOptions | undefined) ?? {};
  let [start, end, step] = nums.length === 1 ? [0, nums[0]!, 1] : [nums[0]!, nums[1]!, nums[2] ?? 1];
  for (const v of [start, end, step]) if (!Number.isFinite(v)) throw new RangeError(`arange: arguments must be finite, got ${v}`);
  if (step === 0) throw new RangeError('arange: step must be nonzero');
  if ((end - start) / step < 0) {
    throw new RangeError(`arange: upper bound and larger bound inconsistent with step sign (start=${start}, end=${end}, step=${step})`);
  }
  const n = Math.max(0, Math.ceil((end - start) / step));
  const dtype = options.dtype ?? ([start, end, step].every(Number.isInteger) ? 'int32' : 'float32');
  const data = allocArray(dtype, n);
  for (let i = 0; i < n; i++) data[i] = start + i * step;
  return finish(data, dtype, [n], options);
}

/** `steps` evenly spaced values from `start` to `end` inclusive. */
export function linspace(start: number, end: number, steps: number, options: CreateOptions = {}): Tensor {
  if (!Number.isInteger(steps) || steps < 0) throw new RangeError(`linspace: number of steps must be a non-negative integer, got ${steps}`);
  const dtype = options.dtype ?? 'float32';
  const data = allocArray(dtype, steps);
  const delta = steps > 1 ? (end - start) / (steps - 1) : 0;
  // Fill symmetric halves from both ends (as PyTorch does) so the last value is exactly `end`.
  const half = Math.floor(steps / 2);
  for (let i = 0; i < steps; i++) data[i] = i < half ? start + delta * i : end - delta * (steps - 1 - i);
  if (steps === 1) data[0] = start; // PyTorch: a single step is `start`
  return finish(data, dtype, [steps], options);
}

/** An `n x m` identity matrix (m defaults to n). */
export function eye(n: number, m: number = n, options: CreateOptions = {}): Tensor {
  checkShape('eye', [n, m]);
  const dtype = options.dtype ?? 'float32';
  const data = allocArray(dtype, n * m);
  for (let i = 0; i < Math.min(n, m); i++) data[i * m + i] = 1;
  return finish(data, dtype, [n, m], options);
}

function randomFloat(op: string, shape: readonly number[], options: RandomOptions, sample: (g: Generator) => number): Tensor {
  const s = checkShape(op, shape);
  const dtype = options.dtype ?? 'float32';
  if (!isFloat(dtype)) throw new TypeError(`${op}: dtype must be float32 or float64, got ${dtype}`);
  const g = options.generator ?? getDefaultGenerator();
  const data = allocArray(dtype, numelOf(s));
  for (let i = 0; i < data.length; i++) data[i] = sample(g);
  return finish(data, dtype, s, options);
}

/** Uniform samples in [0, 1). */
export function rand(shape: readonly number[], options: RandomOptions = {}): Tensor {
  return randomFloat('rand', shape, options, (g) => g.random());
}

/** Standard normal samples. */
export function randn(shape: readonly number[], options: RandomOptions = {}): Tensor {
  return randomFloat('randn', shape, options, (g) => g.normal());
}

/** Uniform integers in [low, high) (int32 by default). */
export function randint(low: number, high: number, shape: readonly number[], options: RandomOptions = {}): Tensor {
  if (!Number.isInteger(low) || !Number.isInteger(high) || high <= low) {
    throw new RangeError(`randint: expected integers low < high, got low=${low}, high=${high}`);
  }
  const s = checkShape('randint', shape);
  const dtype = options.dtype ?? 'int32';
  const g = options.generator ?? getDefaultGenerator();
  const data = allocArray(dtype, numelOf(s));
  for (let i = 0; i < data.length; i++) data[i] = g.integer(low, high);
  return finish(data, dtype, s, options);
}

/** A random permutation of `0..n-1` (int32 by default). */
export function randperm(n: number, options: RandomOptions = {}): Tensor {
  if (!Number.isInteger(n) || n < 0) throw new RangeError(`randperm: n must be a non-negative integer, got ${n}`);
  const dtype = options.dtype ?? 'int32';
  const g = options.generator ?? getDefaultGenerator();
  const data = allocArray(dtype, n);
  for (let i = 0; i < n; i++) data[i] = i;
  for (let i = n - 1; i > 0; i--) {
    const j = g.integer(0, i + 1);
    const t = data[i]!;
    data[i] = data[j]!;
    data[j] = t;
  }
  return finish(data, dtype, [n], options);
}

/** Uniform samples shaped like `x`. */
export function randLike(x: Tensor, options: RandomOptions = {}): Tensor {
  return rand(x.shape, { dtype: x.dtype, device: x.device, ...options });
}

/** Normal samples shaped like `x`. */
export function randnLike(x: Tensor, options: RandomOptions = {}): Tensor {
  return randn(x.shape, { dtype: x.dtype, device: x.device, ...options });
}

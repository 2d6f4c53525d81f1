/**
 * What the fused kernels share: resolving input tensors to typed arrays, allocating and wrapping
 * outputs, and walking the 1-D lanes of a tensor along one dim.
 */
import { fromData, isFloat, viewOf, type Backend, type DType, type Tensor, type TypedArray } from '@tessera/core';
import { arrayView } from '../backend.js';
import { allocValues } from '../storage.js';
import { numelOf, type ArrayView } from '../kernels/strided.js';

/** The strided host view of a (live) CPU tensor. */
export function hostView(t: Tensor): ArrayView {
  return arrayView(viewOf(t));
}

interface Producer {
  produce(dtype: DType, size: number, kernel: (out: TypedArray) => void): object;
}

/**
 * A new contiguous tensor of `shape` whose every element `fill` writes. Uses the CPU backend's
 * uninitialised (pooled) allocation when available; the output is freed if `fill` throws.
 */
export function produce(backend: Backend, dtype: DType, shape: readonly number[], fill: (out: TypedArray) => void): Tensor {
  const size = numelOf(shape);
  const p = backend as Partial<Producer>;
  let data: object;
  if (typeof p.produce === 'function') {
    data = p.produce(dtype, size, fill);
  } else {
    const values = allocValues(dtype, size);
    fill(values);
    data = backend.upload(values, dtype);
  }
  return fromData(backend, data, dtype, shape);
}

/** The dtype float ops compute in: the input's if floating, else float32 (as core casts). */
export function floatDtype(dtype: DType): DType {
  return isFloat(dtype) ? dtype : 'float32';
}

/** `shape` with the reduced `axes` dropped, or kept as size 1. */
export function reducedShape(shape: readonly number[], axes: readonly number[], keepdim: boolean): number[] {
  const out: number[] = [];
  for (let d = 0; d < shape.length; d++) {
    if (!axes.includes(d)) out.push(shape[d]!);
    else if (keepdim) out.push(1);
  }
  return out;
}

/**
 * The 1-D lanes of a strided view along `dim`, in row-major order of the other dims.
 *
 * `offset` is the current lane's start in the input (stepping by `step`); `out` is where the lane
 * goes in a contiguous output of the same shape (stepping by `inner`); the lane's index is also
 * its position in a contiguous output with `dim` reduced away. A 0-d view is one lane of length 1.
 */
export class Lanes {
  /** Lane length. */
  readonly n: number;
  /** Number of lanes. */
  readonly count: number;
  /** Input stride along the lane. */
  readonly step: number;
  /** Product of the dims after `dim`: the output stride along the lane. */
  readonly inner: number;
  /** Input offset of the current lane. */
  offset: number;
  /** Output offset of the current lane (same-shape contiguous output). */
  out = 0;
  private readonly dims: number[];
  private readonly strides: number[];
  private readonly counter: number[];
  private i = 0;

  constructor(x: ArrayView, dim: number) {
    const nd = x.shape.length;
    this.offset = x.offset;
    if (nd === 0) {
      this.n = 1;
      this.count = 1;
      this.step = 0;
      this.inner = 1;
      this.dims = [];
      this.strides = [];
      this.counter = [];
      return;
    }
    this.n = x.shape[dim]!;
    this.step = x.strides[dim]!;
    let inner = 1;
    for (let d = dim + 1; d < nd; d++) inner *= x.shape[d]!;
    this.inner = inner;
    this.dims = [];
    this.strides = [];
    for (let d = 0; d < nd; d++) {
      if (d === dim) continue;
      this.dims.push(x.shape[d]!);
      this.strides.push(x.strides[d]!);
    }
    this.counter = new Array<number>(this.dims.length).fill(0);
    this.count = numelOf(this.dims);
  }

  /** Moves to the next lane. */
  next(): void {
    if (++this.i === this.inner) {
      this.i = 0;
      this.out += (this.n - 1) * this.inner + 1;
    } else {
      this.out++;
    }
    const dims = this.dims;
    for (let d = dims.length - 1; d >= 0; d--) {
      if (++this.counter[d]! < dims[d]!) {
        this.offset += this.strides[d]!;
        return;
      }
      this.counter[d] = 0;
      this.offset -= this.strides[d]! * (dims[d]! - 1);
    }
  }
}

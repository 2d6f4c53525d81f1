/** Helpers shared by gradient rules (all written in core ops, so they are differentiable too). */
import { expand, reshape, sum, type Tensor } from '@tessera/core';

/**
 * Undoes broadcasting: sums `g` over the dims that broadcasting added or stretched, so that the
 * result has `shape`. Returns `g` itself when the shapes already match.
 */
export function sumToShape(g: Tensor, shape: readonly number[]): Tensor {
  if (g.ndim === shape.length && g.shape.every((d, i) => d === shape[i])) return g;
  const lead = g.ndim - shape.length;
  const dims: number[] = [];
  for (let i = 0; i < lead; i++) dims.push(i);
  shape.forEach((d, i) => {
    if (d === 1 && g.shape[lead + i] !== 1) dims.push(lead + i);
  });
  const s = dims.length === 0 ? g : sum(g, dims, true);
  return s.ndim === shape.length && s.shape.every((d, i) => d === shape[i]) ? s : reshape(s, shape);
}

/** The shape of a reduction's output with the reduced dims kept as size 1. */
export function keptShape(shape: readonly number[], dims: readonly number[]): number[] {
  return shape.map((d, i) => (dims.includes(i) ? 1 : d));
}

/**
 * A reduction's output (or its gradient) viewed with the reduced dims kept: reshaped when the
 * reduction dropped them. Broadcasts against the reduction's input.
 */
export function unreduce(g: Tensor, inputShape: readonly number[], dims: readonly number[], keepdim: boolean): Tensor {
  return keepdim ? g : reshape(g, keptShape(inputShape, dims));
}

/** `g` of a reduction's output broadcast back to the input's shape (a stride-0 view, no copy). */
export function expandReduced(g: Tensor, inputShape: readonly number[], dims: readonly number[], keepdim: boolean): Tensor {
  return expand(unreduce(g, inputShape, dims, keepdim), inputShape);
}

export const isFloatDtype = (d: string): boolean => d === 'float32' || d === 'float64';

/**
 * In-place updates. They write into the tensor's own memory (views write through to their base),
 * so optimizers can update parameters without creating new parameter tensors. Autograd forbids
 * them on leaves that require grad while grad mode is on, as PyTorch does.
 */
import { engine } from '../engine.js';
import { broadcastShapes, fmtShape, shapesEqual } from '../shape.js';
import { Tensor, type TensorLike } from '../tensor.js';
import { cast } from './cast.js';
import * as E from './elementwise.js';
import { scalarOn } from './scalar.js';
import { copyInto, expand } from './views.js';

/** @internal throws when `x` can't be written in place (a leaf requiring grad under grad mode, an expanded tensor). */
export function checkInPlace(op: string, x: Tensor): void {
  x.assertAlive();
  if (engine.gradEnabled && engine.recorder !== null && x.requiresGrad) {
    throw new Error(`${op}: a leaf tensor that requires grad is being used in an in-place operation (wrap the update in noGrad)`);
  }
  if (x.strides.some((s, i) => s === 0 && x.shape[i]! > 1)) {
    throw new Error(`${op}: cannot write into an expanded tensor of shape ${fmtShape(x.shape)} (several elements share one memory location)`);
  }
}

/** Copies `src` (broadcast to `x`'s shape, cast to its dtype) into `x`; returns `x`. */
export function copy_(x: Tensor, src: TensorLike): Tensor {
  checkInPlace('copy_', x);
  if (!(src instanceof Tensor)) return fill_(x, src);
  const shape = broadcastShapes('copy_', x.shape, src.shape);
  if (!shapesEqual(shape, x.shape)) throw new RangeError(`copy_: source of shape ${fmtShape(src.shape)} cannot be broadcast to ${fmtShape(x.shape)}`);
  if (src.device !== x.device) throw new Error(`copy_: expected the source on device '${x.device}', but found '${src.device}'`);
  const c = src.dtype === x.dtype ? src : cast(src, x.dtype);
  const e = shapesEqual(c.shape, x.shape) ? c : expand(c, x.shape);
  try {
    copyInto(x, e);
  } finally {
    if (e !== c) e.dispose();
    if (c !== src) c.dispose();
  }
  return x;
}

/** Fills `x` with `value`; returns `x`. */
export function fill_(x: Tensor, value: number | boolean): Tensor {
  checkInPlace('fill_', x);
  const v = scalarOn(x.backend, value, x.dtype);
  const spread = v._share([...x.shape], x.shape.map(() => 0), v.offset);
  try {
    copyInto(x, spread);
  } finally {
    spread.dispose();
    v.dispose();
  }
  return x;
}

/** Applies `f` out of place and writes the result back into `x`. */
function update(op: string, x: Tensor, f: () => Tensor): Tensor {
  checkInPlace(op, x);
  const r = f();
  try {
    if (!shapesEqual(r.shape, x.shape)) throw new RangeError(`${op}: result shape ${fmtShape(r.shape)} doesn't match the in-place tensor's shape ${fmtShape(x.shape)}`);
    copy_(x, r);
  } finally {
    r.dispose();
  }
  return x;
}

/** `x += alpha * other` in place. */
export const add_ = (x: Tensor, other: TensorLike, alpha?: number): Tensor => update('add_', x, () => E.add(x, other, alpha));
/** `x -= alpha * other` in place. */
export const sub_ = (x: Tensor, other: TensorLike, alpha?: number): Tensor => update('sub_', x, () => E.sub(x, other, alpha));
/** `x *= other` in place. */
export const mul_ = (x: Tensor, other: TensorLike): Tensor => update('mul_', x, () => E.mul(x, other));
/** `x /= other` in place. */
export const div_ = (x: Tensor, other: TensorLike): Tensor => update('div_', x, () => E.div(x, other));
/** Clamps `x` in place. */
export const clamp_ = (x: Tensor, min?: number | Tensor | null, max?: number | Tensor | null): Tensor =>
  update('clamp_', x, () => E.clamp(x, min, max));
/** Sets every element to zero; returns `x`. */
export const zero_ = (x: Tensor): Tensor => fill_(x, 0);

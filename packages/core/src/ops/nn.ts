/**
 * Neural-network building blocks as single ops, so that a training step dispatches (and autograd
 * records) one node each instead of their compositions: `linear` (`x W^T + b`) and
 * `crossEntropy` of logits against class indices (log-softmax and negative log-likelihood in
 * one), with `crossEntropyBackward`, the gradient its rule calls (`softmax − target distribution`),
 * and `reluBackward`, the gradient relu's rule calls.
 * A backend registers fused kernels for them; core's compositions run otherwise.
 */
import { isFloat } from '../dtype.js';
import { tidy } from '../memory.js';
import { fmtShape, shapesEqual } from '../shape.js';
import type { Tensor } from '../tensor.js';
import { cast } from './cast.js';
import { arange } from './creation.js';
import { runOp, sameBackend } from './dispatch.js';
import * as E from './elementwise.js';
import { gather } from './indexing.js';
import { matmul } from './linalg.js';
import { sum } from './reduce.js';
import { logSoftmax, softmax } from './softmax.js';
import { squeeze, t, unsqueeze } from './views.js';

/**
 * `x @ weight^T + bias` over the last dim of `x` (PyTorch's `F.linear`): `x` [..., K] (or [K]),
 * `weight` [N, K], `bias` [N]; the result is [..., N]. One op (and one autograd node).
 *
 * @example
 * linear(randn([32, 784]), randn([128, 784]), zeros([128])).shape; // [32, 128]
 */
export function linear(x: Tensor, weight: Tensor, bias?: Tensor | null): Tensor {
  x.assertAlive();
  weight.assertAlive();
  const K = weight.shape[1];
  if (weight.ndim !== 2) throw new RangeError(`linear: weight must be [out, in], got ${fmtShape(weight.shape)}`);
  if (x.ndim === 0 || x.shape[x.ndim - 1] !== K) {
    throw new RangeError(`linear: input ${fmtShape(x.shape)} has last dim ${x.shape[x.ndim - 1]}, expected ${K} (weight ${fmtShape(weight.shape)})`);
  }
  const b = bias ?? null;
  if (b) {
    b.assertAlive();
    if (b.ndim !== 1 || b.shape[0] !== weight.shape[0]) {
      throw new RangeError(`linear: bias must be [${weight.shape[0]}] for weight ${fmtShape(weight.shape)}, got ${fmtShape(b.shape)}`);
    }
  }
  const inputs = b ? [x, weight, b] : [x, weight];
  sameBackend('linear', inputs);
  return runOp('linear', inputs, {}, () =>
    tidy(() => {
      const y = matmul(x, t(weight));
      return b ? E.add(y, b) : y;
    }),
  );
}

/** How `crossEntropy` reduces the per-row losses. */
export type LossReduction = 'mean' | 'sum' | 'none';

/** Options of core's `crossEntropy`. */
export interface CrossEntropyOptions {
  /** `'mean'` over the rows not ignored (default), `'sum'`, or `'none'` (one loss per row). */
  reduction?: LossReduction;
  /** Rows whose target is this class contribute nothing (default -100, as in PyTorch). */
  ignoreIndex?: number;
  /** Mixes the one-hot target with the uniform distribution: `(1 − s)·onehot + s/C` (default 0). */
  labelSmoothing?: number;
}

/** The attrs `'crossEntropy'` and `'crossEntropyBackward'` kernels receive (every option resolved). */
export type CrossEntropyAttrs = {
  reduction: LossReduction;
  ignoreIndex: number;
  labelSmoothing: number;
};

function crossEntropyAttrs(op: string, logits: Tensor, target: Tensor, options: CrossEntropyOptions): CrossEntropyAttrs {
  logits.assertAlive();
  target.assertAlive();
  if (logits.ndim !== 2) throw new RangeError(`${op}: logits must be [N, C], got ${fmtShape(logits.shape)}`);
  if (target.ndim !== 1 || target.shape[0] !== logits.shape[0]) {
    throw new RangeError(`${op}: target must be [${logits.shape[0]}] (one class index per row), got ${fmtShape(target.shape)}`);
  }
  if (target.dtype !== 'int32' && target.dtype !== 'uint8') throw new TypeError(`${op}: target must hold class indices (int32), got ${target.dtype}`);
  const reduction = options.reduction ?? 'mean';
  if (reduction !== 'mean' && reduction !== 'sum' && reduction !== 'none') {
    throw new RangeError(`${op}: reduction must be one of 'mean', 'sum', 'none'; got ${JSON.stringify(reduction)}`);
  }
  const labelSmoothing = options.labelSmoothing ?? 0;
  if (!(labelSmoothing >= 0 && labelSmoothing <= 1)) throw new RangeError(`${op}: labelSmoothing must be between 0 and 1, got ${labelSmoothing}`);
  const ignoreIndex = options.ignoreIndex ?? -100;
  if (!Number.isInteger(ignoreIndex)) throw new RangeError(`${op}: ignoreIndex must be an integer, got ${ignoreIndex}`);
  return { reduction, ignoreIndex, labelSmoothing };
}

/** The rows' weights (1 for a counted row, 0 for an ignored one) and the targets with ignored rows set to class 0. */
function targetParts(target: Tensor, ignoreIndex: number, dtype: Tensor['dtype']): { valid: Tensor; safe: Tensor } {
  const ignored = E.eq(target, ignoreIndex);
  return { valid: cast(E.logicalNot(ignored), dtype), safe: cast(E.where(ignored, 0, target), 'int32') };
}

/** Throws for a class index outside [0, C) (other than `ignoreIndex`), where values can be read synchronously. */
function checkClasses(target: Tensor, C: number, ignoreIndex: number): void {
  if (!target.backend.supportsSyncRead || target.size === 0) return;
  const data = target.dataSync();
  for (let i = 0; i < data.length; i++) {
    const v = Number(data[i]);
    if (v !== ignoreIndex && (v < 0 || v >= C)) throw new RangeError(`crossEntropy: target ${v} is out of bounds for ${C} classes`);
  }
}

/**
 * Cross-entropy of `logits` [N, C] against class indices `target` [N] (int32), as PyTorch's
 * `F.cross_entropy` without class weights: `−(1 − s)·log p[target] − (s/C)·Σ log p`, averaged over
 * the rows whose target is not `ignoreIndex` (or summed, or per row). One op: its gradient is
 * `crossEntropyBackward` (`softmax − target distribution`), not the composition's.
 *
 * @example
 * crossEntropy(logits, tensor([3, 0, 1], { dtype: 'int32' })); // a scalar
 */
export function crossEntropy(logits: Tensor, target: Tensor, options: CrossEntropyOptions = {}): Tensor {
  const attrs = crossEntropyAttrs('crossEntropy', logits, target, options);
  sameBackend('crossEntropy', [logits, target]);
  return runOp('crossEntropy', [logits, target], attrs, () =>
    tidy(() => {
      const { reduction, ignoreIndex, labelSmoothing: ls } = attrs;
      checkClasses(target, logits.shape[1]!, ignoreIndex);
      const logp = logSoftmax(logits, 1);
      const { valid, safe } = targetParts(target, ignoreIndex, logp.dtype);
      let row = E.neg(squeeze(gather(logp, 1, unsqueeze(safe, 1)), 1));
      if (ls > 0) row = E.sub(E.mul(row, 1 - ls), E.mul(sum(logp, 1), ls / logits.shape[1]!));
      row = E.mul(row, valid);
      if (reduction === 'none') return row;
      const total = sum(row);
      return reduction === 'sum' ? total : E.div(total, sum(valid));
    }),
  );
}

/**
 * The gradient of `crossEntropy` with respect to `logits`, given the loss's gradient `gradOutput`
 * (a scalar, or [N] for `reduction: 'none'`): `(softmax(logits) − q)·w·gradOutput`, where `q` is
 * the (smoothed) one-hot target and `w` is 0 for ignored rows and `1/count` for the mean.
 */
export function crossEntropyBackward(logits: Tensor, target: Tensor, gradOutput: Tensor, options: CrossEntropyOptions = {}): Tensor {
  const attrs = crossEntropyAttrs('crossEntropyBackward', logits, target, options);
  gradOutput.assertAlive();
  const expected = attrs.reduction === 'none' ? [logits.shape[0]!] : [];
  if (gradOutput.ndim !== expected.length || gradOutput.shape.some((d, i) => d !== expected[i])) {
    throw new RangeError(`crossEntropyBackward: gradOutput must be ${fmtShape(expected)} for reduction '${attrs.reduction}', got ${fmtShape(gradOutput.shape)}`);
  }
  sameBackend('crossEntropyBackward', [logits, target, gradOutput]);
  return runOp('crossEntropyBackward', [logits, target, gradOutput], attrs, () =>
    tidy(() => {
      const { reduction, ignoreIndex, labelSmoothing: ls } = attrs;
      const f = isFloat(logits.dtype) ? logits : cast(logits, 'float32');
      const C = f.shape[1]!;
      const { valid, safe } = targetParts(target, ignoreIndex, f.dtype);
      const onehot = cast(E.eq(unsqueeze(safe, 1), arange(C, { dtype: 'int32', device: f.device })), f.dtype);
      const q = ls > 0 ? E.add(E.mul(onehot, 1 - ls), ls / C) : onehot;
      let w = E.mul(valid, gradOutput);
      if (reduction === 'mean') w = E.div(w, sum(valid));
      return E.mul(E.sub(softmax(f, 1), q), unsqueeze(w, 1));
    }),
  );
}

/**
 * The gradient of `relu` from its output `y` and the output gradient `g`: 0 where `y <= 0`, else
 * `g` (relu'(0) = 0, and a NaN output passes the gradient, as PyTorch's threshold_backward). One
 * op, so a backend can apply the mask in one pass.
 */
export function reluBackward(y: Tensor, g: Tensor): Tensor {
  y.assertAlive();
  g.assertAlive();
  if (!shapesEqual(y.shape, g.shape)) throw new RangeError(`reluBackward: gradient ${fmtShape(g.shape)} doesn't match the output ${fmtShape(y.shape)}`);
  sameBackend('reluBackward', [y, g]);
  return runOp('reluBackward', [y, g], {}, () => tidy(() => E.where(E.le(y, 0), 0, g)));
}

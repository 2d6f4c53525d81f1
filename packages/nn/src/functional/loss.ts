/**
 * Loss functions with PyTorch's semantics and reductions. Cross-entropy is `logSoftmax` followed
 * by the negative log-likelihood (log-sum-exp inside, never softmax then log).
 */
import * as T from '@tessera/core';
import { tidy, type Tensor } from '@tessera/core';
import { fmt } from '../util.js';

/** How a loss combines per-element values: their mean, their sum, or none (the per-element losses). */
export type Reduction = 'mean' | 'sum' | 'none';

function checkReduction(op: string, r: string, extra: readonly string[] = []): void {
  if (!['mean', 'sum', 'none', ...extra].includes(r)) {
    throw new RangeError(`${op}: reduction must be one of 'mean', 'sum', 'none'${extra.map((e) => `, '${e}'`).join('')}; got ${JSON.stringify(r)}`);
  }
}

function reduce(loss: Tensor, reduction: string): Tensor {
  if (reduction === 'sum') return T.sum(loss);
  if (reduction === 'mean') return T.mean(loss);
  return loss;
}

function sameShape(op: string, input: Tensor, target: Tensor): void {
  T.broadcastShapes(op, input.shape, target.shape);
}

/** Options shared by the elementwise losses. */
export interface ReductionOptions {
  reduction?: Reduction;
}

/** Mean squared error `(input - target)^2`. */
export function mseLoss(input: Tensor, target: Tensor, options: ReductionOptions = {}): Tensor {
  const r = options.reduction ?? 'mean';
  checkReduction('mseLoss', r);
  sameShape('mseLoss', input, target);
  return tidy(() => reduce(T.square(T.sub(input, target)), r));
}

/** Mean absolute error `|input - target|`. */
export function l1Loss(input: Tensor, target: Tensor, options: ReductionOptions = {}): Tensor {
  const r = options.reduction ?? 'mean';
  checkReduction('l1Loss', r);
  sameShape('l1Loss', input, target);
  return tidy(() => reduce(T.abs(T.sub(input, target)), r));
}

/** Quadratic below `beta` (`0.5 d^2 / beta`), linear above (`|d| - 0.5 beta`); `beta: 0` is L1. */
export function smoothL1Loss(input: Tensor, target: Tensor, options: ReductionOptions & { beta?: number } = {}): Tensor {
  const r = options.reduction ?? 'mean';
  const beta = options.beta ?? 1;
  checkReduction('smoothL1Loss', r);
  if (beta < 0) throw new RangeError(`smoothL1Loss: beta must be non-negative, got ${beta}`);
  sameShape('smoothL1Loss', input, target);
  return tidy(() => {
    const d = T.abs(T.sub(input, target));
    if (beta === 0) return reduce(d, r);
    return reduce(T.where(T.lt(d, beta), T.div(T.mul(T.square(d), 0.5), beta), T.sub(d, 0.5 * beta)), r);
  });
}

/** Quadratic up to `delta` (`0.5 d^2`), linear above (`delta (|d| - 0.5 delta)`). */
export function huberLoss(input: Tensor, target: Tensor, options: ReductionOptions & { delta?: number } = {}): Tensor {
  const r = options.reduction ?? 'mean';
  const delta = options.delta ?? 1;
  checkReduction('huberLoss', r);
  if (!(delta > 0)) throw new RangeError(`huberLoss: delta must be positive, got ${delta}`);
  sameShape('huberLoss', input, target);
  return tidy(() => {
    const d = T.abs(T.sub(input, target));
    return reduce(T.where(T.le(d, delta), T.mul(T.square(d), 0.5), T.mul(T.sub(d, 0.5 * delta), delta)), r);
  });
}

/** Options of `nllLoss` and `crossEntropy`. */
export interface ClassLossOptions extends ReductionOptions {
  /** Per-class weights [C]. */
  weight?: Tensor | null;
  /** Targets equal to this class contribute nothing (and are left out of the mean). Default -100. */
  ignoreIndex?: number;
}

/** Moves [C] / [] (unbatched) to [1, C] / [1]; returns whether it did. */
function batchify(input: Tensor, target: Tensor): [Tensor, Tensor, boolean] {
  if (input.ndim === 1) return [T.unsqueeze(input, 0), T.reshape(target, [1, ...target.shape]), true];
  return [input, target, false];
}

/** Checks the target's dtype and shape and, unless `values` is false, that every class index is in range. */
function checkClassTarget(op: string, input: Tensor, target: Tensor, ignoreIndex: number, values = true): void {
  if (target.dtype !== 'int32' && target.dtype !== 'uint8') {
    throw new TypeError(`${op}: expected class indices as an int32 target, got ${target.dtype} ${fmt(target.shape)}`);
  }
  const expected = input.ndim === 1 ? [] : [input.shape[0]!, ...input.shape.slice(2)];
  if (target.ndim !== expected.length || target.shape.some((d, i) => d !== expected[i])) {
    throw new RangeError(`${op}: input ${fmt(input.shape)} needs a target of shape ${fmt(expected)}, got ${fmt(target.shape)}`);
  }
  // Out-of-range classes would read garbage: check them where the values can be read cheaply.
  if (values && target.backend.supportsSyncRead && target.size > 0) {
    const C = input.ndim === 1 ? input.shape[0]! : input.shape[1]!;
    const data = target.dataSync();
    for (let i = 0; i < data.length; i++) {
      const v = data[i]!;
      if (v !== ignoreIndex && (v < 0 || v >= C)) throw new RangeError(`${op}: target ${v} is out of bounds for ${C} classes`);
    }
  }
}

/** Negative log-likelihood with the ignore mask and per-target weights, before reduction. */
function nllParts(logp: Tensor, target: Tensor, weight: Tensor | null | undefined, ignoreIndex: number): { loss: Tensor; w: Tensor; ignored: Tensor } {
  const ignored = T.eq(target, ignoreIndex);
  const safe = T.where(ignored, 0, target);
  const picked = T.squeeze(T.gather(logp, 1, T.unsqueeze(safe, 1)), 1);
  const notIgnored = T.cast(T.logicalNot(ignored), logp.dtype);
  const w = weight ? T.mul(T.reshape(T.indexSelect(weight, 0, T.reshape(safe, [safe.size])), safe.shape), notIgnored) : notIgnored;
  const loss = T.where(ignored, 0, T.mul(T.neg(picked), w));
  return { loss, w, ignored };
}

/**
 * Negative log-likelihood of class indices `target` [N, d1...] under log-probabilities `input`
 * [N, C, d1...] (or [C] with a 0-d target). The mean divides by the summed weights of the
 * targets that are not ignored, as in PyTorch.
 */
export function nllLoss(input: Tensor, target: Tensor, options: ClassLossOptions = {}): Tensor {
  const r = options.reduction ?? 'mean';
  const ignoreIndex = options.ignoreIndex ?? -100;
  checkReduction('nllLoss', r);
  checkClassTarget('nllLoss', input, target, ignoreIndex);
  return tidy(() => {
    const [x, t, unbatched] = batchify(input, target);
    const { loss, w } = nllParts(x, t, options.weight, ignoreIndex);
    if (r === 'none') return unbatched ? T.reshape(loss, []) : loss;
    if (r === 'sum') return T.sum(loss);
    return T.div(T.sum(loss), T.sum(w));
  });
}

/** Options of `crossEntropy`. */
export interface CrossEntropyOptions extends ClassLossOptions {
  /** Mixes the target with the uniform distribution: `(1 - s) * target + s / C`. Default 0. */
  labelSmoothing?: number;
}

/**
 * Cross-entropy between logits `input` [N, C, d1...] (or [C]) and either class indices (int32
 * [N, d1...]) or class probabilities (float, same shape as `input`), as PyTorch's `F.cross_entropy`.
 *
 * @example
 * crossEntropy(logits, tensor([3, 0, 1], { dtype: 'int32' }), { labelSmoothing: 0.1 });
 */
export function crossEntropy(input: Tensor, target: Tensor, options: CrossEntropyOptions = {}): Tensor {
  const r = options.reduction ?? 'mean';
  const ignoreIndex = options.ignoreIndex ?? -100;
  const ls = options.labelSmoothing ?? 0;
  checkReduction('crossEntropy', r);
  if (!(ls >= 0 && ls <= 1)) throw new RangeError(`crossEntropy: labelSmoothing must be between 0 and 1, got ${ls}`);
  if (input.ndim === 0) throw new RangeError('crossEntropy: input must have at least one dim (classes)');
  const classDim = input.ndim === 1 ? 0 : 1;
  const C = input.shape[classDim]!;
  const weight = options.weight;
  if (weight && (weight.ndim !== 1 || weight.shape[0] !== C)) {
    throw new RangeError(`crossEntropy: weight must be [${C}] for ${C} classes, got ${fmt(weight.shape)}`);
  }
  const wShape = input.shape.map((_, i) => (i === classDim ? C : 1));
  if (target.dtype === 'float32' || target.dtype === 'float64') {
    if (target.ndim !== input.ndim || target.shape.some((d, i) => d !== input.shape[i])) {
      throw new RangeError(`crossEntropy: probability targets must have the input's shape ${fmt(input.shape)}, got ${fmt(target.shape)}`);
    }
    return tidy(() => {
      const logp = T.logSoftmax(input, classDim);
      const t = ls > 0 ? T.add(T.mul(target, 1 - ls), ls / C) : target;
      let prod = T.mul(logp, t);
      if (weight) prod = T.mul(prod, T.reshape(weight, wShape));
      if (r === 'none') return T.neg(T.sum(prod, classDim));
      const total = T.neg(T.sum(prod));
      return r === 'sum' ? total : T.div(total, input.size / C);
    });
  }
  // [N, C] logits without class weights: core's one-op cross-entropy (its gradient is softmax minus
  // the target distribution, one op too; fused on the native backend). Core checks the class
  // indices' range itself (in its kernel or composition), without a read back here.
  if (input.ndim === 2 && !weight) {
    checkClassTarget('crossEntropy', input, target, ignoreIndex, false);
    return T.crossEntropy(input, target, { reduction: r, ignoreIndex, labelSmoothing: ls });
  }
  checkClassTarget('crossEntropy', input, target, ignoreIndex);
  return tidy(() => {
    const [x, t, unbatched] = batchify(input, target);
    const logp = T.logSoftmax(x, 1);
    const { loss, w, ignored } = nllParts(logp, t, weight, ignoreIndex);
    let nll: Tensor;
    if (r === 'none') nll = loss;
    else if (r === 'sum') nll = T.sum(loss);
    else nll = T.div(T.sum(loss), T.sum(w));
    if (ls > 0) {
      const lw = weight ? T.mul(logp, T.reshape(weight, x.shape.map((_, i) => (i === 1 ? C : 1)))) : logp;
      const smooth = T.where(ignored, 0, T.neg(T.sum(lw, 1)));
      let s: Tensor;
      if (r === 'none') s = smooth;
      else if (r === 'sum') s = T.sum(smooth);
      else s = T.div(T.sum(smooth), T.sum(w));
      nll = T.add(T.mul(nll, 1 - ls), T.mul(s, ls / C));
    }
    return unbatched && r === 'none' ? T.reshape(nll, []) : nll;
  });
}

/** Options of `binaryCrossEntropy`. */
export interface BCEOptions extends ReductionOptions {
  /** Weights broadcast against the elements. */
  weight?: Tensor | null;
}

/**
 * Binary cross-entropy of probabilities `input` against `target` in [0, 1]. Each log is clamped
 * to at least -100, as in PyTorch, so exact 0 and 1 give finite losses.
 */
export function binaryCrossEntropy(input: Tensor, target: Tensor, options: BCEOptions = {}): Tensor {
  const r = options.reduction ?? 'mean';
  checkReduction('binaryCrossEntropy', r);
  if (input.ndim !== target.ndim || input.shape.some((d, i) => d !== target.shape[i])) {
    throw new RangeError(`binaryCrossEntropy: target ${fmt(target.shape)} must have the input's shape ${fmt(input.shape)}`);
  }
  return tidy(() => {
    const logP = T.clamp(T.log(input), -100);
    const log1mP = T.clamp(T.log(T.sub(1, input)), -100);
    let loss = T.neg(T.add(T.mul(target, logP), T.mul(T.sub(1, target), log1mP)));
    if (options.weight) loss = T.mul(loss, options.weight);
    return reduce(loss, r);
  });
}

/** Options of `binaryCrossEntropyWithLogits`. */
export interface BCEWithLogitsOptions extends BCEOptions {
  /** Weight of the positive term, per class (broadcast against the last dim). */
  posWeight?: Tensor | null;
}

/**
 * Binary cross-entropy on logits, computed stably as
 * `(1 - y) x + (1 + (posWeight - 1) y) * softplus(-x)` (no sigmoid then log).
 */
export function binaryCrossEntropyWithLogits(input: Tensor, target: Tensor, options: BCEWithLogitsOptions = {}): Tensor {
  const r = options.reduction ?? 'mean';
  checkReduction('binaryCrossEntropyWithLogits', r);
  if (input.ndim !== target.ndim || input.shape.some((d, i) => d !== target.shape[i])) {
    throw new RangeError(`binaryCrossEntropyWithLogits: target ${fmt(target.shape)} must have the input's shape ${fmt(input.shape)}`);
  }
  return tidy(() => {
    // log(1 + e^-x) = max(-x, 0) + log1p(e^-|x|), finite for any x.
    const spNeg = T.add(T.relu(T.neg(input)), T.log1p(T.exp(T.neg(T.abs(input)))));
    const logWeight = options.posWeight ? T.add(T.mul(T.sub(options.posWeight, 1), target), 1) : null;
    let loss = T.add(T.mul(T.sub(1, target), input), logWeight ? T.mul(logWeight, spNeg) : spNeg);
    if (options.weight) loss = T.mul(loss, options.weight);
    return reduce(loss, r);
  });
}

/** Options of `klDiv`. */
export interface KLDivOptions {
  /** `'batchmean'` (sum / batch size) is the mathematically correct KL divergence. Default 'mean'. */
  reduction?: Reduction | 'batchmean';
  /** Whether `target` holds log-probabilities. Default false. */
  logTarget?: boolean;
}

/** Kullback-Leibler divergence `target * (log(target) - input)` with `input` as log-probabilities. */
export function klDiv(input: Tensor, target: Tensor, options: KLDivOptions = {}): Tensor {
  const r = options.reduction ?? 'mean';
  checkReduction('klDiv', r, ['batchmean']);
  sameShape('klDiv', input, target);
  return tidy(() => {
    let loss: Tensor;
    if (options.logTarget) loss = T.mul(T.exp(target), T.sub(target, input));
    else {
      // xlogy: 0 * log(0) = 0.
      const pos = T.gt(target, 0);
      const tLogT = T.where(pos, T.mul(target, T.log(T.where(pos, target, 1))), 0);
      loss = T.sub(tLogT, T.mul(target, input));
    }
    if (r === 'batchmean') return input.ndim === 0 ? T.sum(loss) : T.div(T.sum(loss), input.shape[0]!);
    return reduce(loss, r);
  });
}

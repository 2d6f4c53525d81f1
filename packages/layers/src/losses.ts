/**
 * Keras losses by name (`'mse'`, `'mean_squared_error'`, `'meanSquaredError'`,
 * `'sparse_categorical_crossentropy'`, ...) or as objects (`new losses.SparseCategoricalCrossentropy({fromLogits: true})`).
 * A loss maps `(yTrue, yPred)` to per-sample values; `fit` averages them over the batch.
 * Integer labels are accepted wherever Keras accepts them.
 *
 * Losses that `@tessera/nn` has are computed by its functional API (`F.mseLoss`, `F.l1Loss`,
 * `F.huberLoss`, `F.crossEntropy`, `F.nllLoss`, `F.binaryCrossEntropy(WithLogits)`, `F.klDiv`,
 * `F.normalize`) with `reduction: 'none'`; this file adds Keras's semantics around them: the mean
 * over the last axis, probability inputs clipped to `[1e-7, 1 − 1e-7]` before the log, classes on
 * the last axis (nn wants them on axis 1), and float labels cast to integers. Keras losses that nn
 * has no counterpart of (hinge, log-cosh, Poisson, ...) are composed from core ops here.
 */
import { cast, clamp, log, neg, permute, sum, type Tensor } from '@tessera/core';
import { F } from '@tessera/nn';
import { normalizeId, ValueError } from './common.js';
import { getLogits } from './engine/topology.js';

const EPSILON = 1e-7;

/** A loss: per-sample values for a batch. */
export interface LossFn {
  (yTrue: Tensor, yPred: Tensor): Tensor;
  /** Keras's snake_case name, used in logs and model files. */
  lossName?: string;
  /** Class name and config, for model files. */
  serialized?: { className: string; config: Record<string, unknown> };
}

function float(y: Tensor): Tensor {
  return y.dtype === 'float32' || y.dtype === 'float64' ? y : y.float();
}

function meanLast(x: Tensor): Tensor {
  return x.ndim === 0 ? x : x.mean(-1);
}

/** Moves the last (class) axis to axis 1, where nn's class losses expect it. */
function classesFirst(x: Tensor): Tensor {
  if (x.ndim <= 2) return x;
  const last = x.ndim - 1;
  return permute(x, [0, last, ...Array.from({ length: last - 1 }, (_, i) => i + 1)]);
}

/** Keras's clipping of probabilities before a log. */
function clipProbs(p: Tensor): Tensor {
  return clamp(p, EPSILON, 1 - EPSILON);
}

export function meanSquaredError(yTrue: Tensor, yPred: Tensor): Tensor {
  return meanLast(F.mseLoss(yPred, float(yTrue), { reduction: 'none' }));
}

export function meanAbsoluteError(yTrue: Tensor, yPred: Tensor): Tensor {
  return meanLast(F.l1Loss(yPred, float(yTrue), { reduction: 'none' }));
}

export function meanAbsolutePercentageError(yTrue: Tensor, yPred: Tensor): Tensor {
  const t = float(yTrue);
  return meanLast(t.sub(yPred).div(t.abs().clamp(EPSILON)).abs()).mul(100);
}

export function meanSquaredLogarithmicError(yTrue: Tensor, yPred: Tensor): Tensor {
  const a = yPred.clamp(EPSILON).add(1).log();
  const b = float(yTrue).clamp(EPSILON).add(1).log();
  return meanSquaredError(b, a);
}

export function hinge(yTrue: Tensor, yPred: Tensor): Tensor {
  const t = pmOne(float(yTrue));
  return meanLast(t.mul(yPred).neg().add(1).relu());
}

export function squaredHinge(yTrue: Tensor, yPred: Tensor): Tensor {
  const t = pmOne(float(yTrue));
  return meanLast(t.mul(yPred).neg().add(1).relu().square());
}

/** Keras converts {0, 1} labels to {-1, 1} for hinge losses. */
function pmOne(t: Tensor): Tensor {
  return t.mul(2).sub(1);
}

export function categoricalHinge(yTrue: Tensor, yPred: Tensor): Tensor {
  const t = float(yTrue);
  const pos = t.mul(yPred).sum(-1);
  const neg = t.neg().add(1).mul(yPred).max(-1);
  return neg.sub(pos).add(1).relu();
}

export function logcosh(yTrue: Tensor, yPred: Tensor): Tensor {
  const x = yPred.sub(float(yTrue));
  // log(cosh(x)) = x + softplus(-2x) - log(2)
  return meanLast(x.add(x.mul(-2).softplus()).sub(Math.LN2));
}

/** Keras's Huber loss is nn's `huberLoss` (quadratic up to `delta`, linear above). */
export function huber(yTrue: Tensor, yPred: Tensor, delta = 1): Tensor {
  return meanLast(F.huberLoss(yPred, float(yTrue), { delta, reduction: 'none' }));
}

/** `sum(t · log(t / p))` with both clipped to `[1e-7, 1]`: nn's `klDiv` on `log p`. */
export function kullbackLeiblerDivergence(yTrue: Tensor, yPred: Tensor): Tensor {
  const t = float(yTrue).clamp(EPSILON, 1);
  const logP = yPred.clamp(EPSILON, 1).log();
  return sum(F.klDiv(logP, t, { reduction: 'none' }), -1);
}

export function poisson(yTrue: Tensor, yPred: Tensor): Tensor {
  return meanLast(yPred.sub(float(yTrue).mul(yPred.add(EPSILON).log())));
}

/** Minus the cosine similarity along the last axis; vectors are L2-normalized as Keras does (norm at least 1e-6). */
export function cosineSimilarity(yTrue: Tensor, yPred: Tensor): Tensor {
  return F.normalize(float(yTrue), 2, -1, 1e-6).mul(F.normalize(yPred, 2, -1, 1e-6)).sum(-1).neg();
}

/** The logits behind a softmax output, when the caller says so or the model kept them. */
function softmaxLogits(yPred: Tensor, fromLogits: boolean): Tensor | null {
  if (fromLogits) return yPred;
  const l = getLogits(yPred);
  return l && l.kind === 'softmax' ? l.logits : null;
}

/** Log of probabilities renormalized over the last axis and clipped, as Keras does. */
function clippedLogProbs(yPred: Tensor): Tensor {
  return log(clipProbs(yPred.div(yPred.sum(-1, true))));
}

/**
 * Cross-entropy of one-hot (or soft) targets: nn's `crossEntropy` on the logits (exact, from
 * the softmax's input when the model kept it); on probabilities, Keras's clipped log.
 */
export function categoricalCrossentropy(yTrue: Tensor, yPred: Tensor, fromLogits = false, labelSmoothing = 0): Tensor {
  let t = float(yTrue);
  if (t.shape.length !== yPred.shape.length || t.shape[t.ndim - 1] !== yPred.shape[yPred.ndim - 1]) {
    throw new ValueError(`categorical_crossentropy expects one-hot targets of shape [${yPred.shape.join(', ')}], got [${yTrue.shape.join(', ')}]. For integer labels use 'sparse_categorical_crossentropy'.`);
  }
  const logits = softmaxLogits(yPred, fromLogits);
  if (logits) return F.crossEntropy(classesFirst(logits), classesFirst(t), { labelSmoothing, reduction: 'none' });
  if (labelSmoothing > 0) {
    const k = yPred.shape[yPred.ndim - 1]!;
    t = t.mul(1 - labelSmoothing).add(labelSmoothing / k);
  }
  return neg(t.mul(clippedLogProbs(yPred)).sum(-1));
}

/**
 * Cross-entropy of integer labels: nn's `crossEntropy` on the logits, or nn's `nllLoss` on
 * Keras's clipped log of the probabilities.
 */
export function sparseCategoricalCrossentropy(yTrue: Tensor, yPred: Tensor, fromLogits = false): Tensor {
  let labels = yTrue;
  if (labels.ndim === yPred.ndim && labels.shape[labels.ndim - 1] === 1) labels = labels.squeeze(-1);
  if (labels.ndim !== yPred.ndim - 1 || labels.shape.some((d, i) => d !== yPred.shape[i])) {
    throw new ValueError(`sparse_categorical_crossentropy: labels of shape [${yTrue.shape.join(', ')}] do not match predictions of shape [${yPred.shape.join(', ')}] (expected [${yPred.shape.slice(0, -1).join(', ')}])`);
  }
  const idx = labels.dtype === 'int32' ? labels : cast(labels, 'int32');
  const logits = softmaxLogits(yPred, fromLogits);
  if (logits) return F.crossEntropy(classesFirst(logits), idx, { reduction: 'none' });
  return F.nllLoss(classesFirst(clippedLogProbs(yPred)), idx, { reduction: 'none' });
}

/**
 * Binary cross-entropy averaged over the last axis: nn's `binaryCrossEntropyWithLogits` on the
 * logits (from the sigmoid's input when the model kept it), else nn's `binaryCrossEntropy` on
 * probabilities clipped as Keras does.
 */
export function binaryCrossentropy(yTrue: Tensor, yPred: Tensor, fromLogits = false, labelSmoothing = 0): Tensor {
  let t = float(yTrue);
  if (t.ndim === yPred.ndim - 1 && yPred.shape[yPred.ndim - 1] === 1) t = t.unsqueeze(-1);
  if (labelSmoothing > 0) t = t.mul(1 - labelSmoothing).add(0.5 * labelSmoothing);
  const l = fromLogits ? { logits: yPred, kind: 'sigmoid' as const } : getLogits(yPred);
  const x = l && l.kind === 'sigmoid' ? l.logits : clipProbs(yPred);
  // nn's binary losses need the target in the prediction's shape; Keras broadcasts.
  if (t.shape.length !== x.shape.length || t.shape.some((d, i) => d !== x.shape[i])) t = t.expand(x.shape);
  if (l && l.kind === 'sigmoid') return meanLast(F.binaryCrossEntropyWithLogits(x, t, { reduction: 'none' }));
  return meanLast(F.binaryCrossEntropy(x, t, { reduction: 'none' }));
}

// ---------------- names and objects ----------------

type Maker = (config: Record<string, unknown>) => LossFn;

function named(name: string, className: string, fn: (t: Tensor, p: Tensor) => Tensor, config: Record<string, unknown> = {}): LossFn {
  const f = ((t: Tensor, p: Tensor) => fn(t, p)) as LossFn;
  f.lossName = name;
  f.serialized = { className, config: { name, reduction: 'sum_over_batch_size', ...config } };
  return f;
}

const makers: Record<string, Maker> = {};
function reg(names: string[], className: string, make: Maker): void {
  for (const n of [...names, className]) makers[normalizeId(n)] = make;
}

reg(['mse', 'mean_squared_error'], 'MeanSquaredError', () => named('mean_squared_error', 'MeanSquaredError', meanSquaredError));
reg(['mae', 'mean_absolute_error'], 'MeanAbsoluteError', () => named('mean_absolute_error', 'MeanAbsoluteError', meanAbsoluteError));
reg(['mape', 'mean_absolute_percentage_error'], 'MeanAbsolutePercentageError', () => named('mean_absolute_percentage_error', 'MeanAbsolutePercentageError', meanAbsolutePercentageError));
reg(['msle', 'mean_squared_logarithmic_error'], 'MeanSquaredLogarithmicError', () => named('mean_squared_logarithmic_error', 'MeanSquaredLogarithmicError', meanSquaredLogarithmicError));
reg(['hinge'], 'Hinge', () => named('hinge', 'Hinge', hinge));
reg(['squared_hinge'], 'SquaredHinge', () => named('squared_hinge', 'SquaredHinge', squaredHinge));
reg(['categorical_hinge'], 'CategoricalHinge', () => named('categorical_hinge', 'CategoricalHinge', categoricalHinge));
reg(['logcosh', 'log_cosh'], 'LogCosh', () => named('log_cosh', 'LogCosh', logcosh));
reg(['huber', 'huber_loss'], 'Huber', (c) => {
  const delta = (c['delta'] as number | undefined) ?? 1;
  return named('huber_loss', 'Huber', (t, p) => huber(t, p, delta), { delta });
});
reg(['kld', 'kl_divergence', 'kullback_leibler_divergence'], 'KLDivergence', () => named('kl_divergence', 'KLDivergence', kullbackLeiblerDivergence));
reg(['poisson'], 'Poisson', () => named('poisson', 'Poisson', poisson));
reg(['cosine_similarity', 'cosine_proximity'], 'CosineSimilarity', () => named('cosine_similarity', 'CosineSimilarity', cosineSimilarity));
reg(['categorical_crossentropy'], 'CategoricalCrossentropy', (c) => {
  const fromLogits = Boolean(c['fromLogits'] ?? c['from_logits'] ?? false);
  const labelSmoothing = Number(c['labelSmoothing'] ?? c['label_smoothing'] ?? 0);
  return named('categorical_crossentropy', 'CategoricalCrossentropy', (t, p) => categoricalCrossentropy(t, p, fromLogits, labelSmoothing), { from_logits: fromLogits, label_smoothing: labelSmoothing });
});
reg(['sparse_categorical_crossentropy'], 'SparseCategoricalCrossentropy', (c) => {
  const fromLogits = Boolean(c['fromLogits'] ?? c['from_logits'] ?? false);
  return named('sparse_categorical_crossentropy', 'SparseCategoricalCrossentropy', (t, p) => sparseCategoricalCrossentropy(t, p, fromLogits), { from_logits: fromLogits });
});
reg(['binary_crossentropy'], 'BinaryCrossentropy', (c) => {
  const fromLogits = Boolean(c['fromLogits'] ?? c['from_logits'] ?? false);
  const labelSmoothing = Number(c['labelSmoothing'] ?? c['label_smoothing'] ?? 0);
  return named('binary_crossentropy', 'BinaryCrossentropy', (t, p) => binaryCrossentropy(t, p, fromLogits, labelSmoothing), { from_logits: fromLogits, label_smoothing: labelSmoothing });
});

export type LossIdentifier = string | LossFn | Loss | { className?: string; class_name?: string; config?: Record<string, unknown> };

/** Base of Keras-style loss objects (`new losses.CategoricalCrossentropy({fromLogits: true})`). */
export class Loss {
  readonly fn: LossFn;
  constructor(className: string, config: Record<string, unknown> = {}) {
    const make = makers[normalizeId(className)];
    if (!make) throw new ValueError(`Unknown loss: '${className}'`);
    this.fn = make(config);
  }
  /** The mean loss over the batch. */
  call(yTrue: Tensor, yPred: Tensor): Tensor {
    return this.fn(yTrue, yPred).mean();
  }
}

const lossClass = (className: string) =>
  class extends Loss {
    constructor(config: Record<string, unknown> = {}) {
      super(className, config);
    }
  };

export const MeanSquaredError = lossClass('MeanSquaredError');
export const MeanAbsoluteError = lossClass('MeanAbsoluteError');
export const MeanAbsolutePercentageError = lossClass('MeanAbsolutePercentageError');
export const MeanSquaredLogarithmicError = lossClass('MeanSquaredLogarithmicError');
export const CategoricalCrossentropy = lossClass('CategoricalCrossentropy');
export const SparseCategoricalCrossentropy = lossClass('SparseCategoricalCrossentropy');
export const BinaryCrossentropy = lossClass('BinaryCrossentropy');
export const Hinge = lossClass('Hinge');
export const SquaredHinge = lossClass('SquaredHinge');
export const CategoricalHinge = lossClass('CategoricalHinge');
export const Huber = lossClass('Huber');
export const LogCosh = lossClass('LogCosh');
export const KLDivergence = lossClass('KLDivergence');
export const Poisson = lossClass('Poisson');
export const CosineSimilarity = lossClass('CosineSimilarity');

/** Resolves a loss from any spelling, a config object, a Loss object or a function. */
export function getLoss(id: LossIdentifier): LossFn {
  if (typeof id === 'function') {
    const f = id as LossFn;
    if (!f.lossName) f.lossName = f.name || 'loss';
    return f;
  }
  if (id instanceof Loss) return id.fn;
  if (typeof id === 'string') {
    const make = makers[normalizeId(id)];
    if (!make) throw new ValueError(`Unknown loss: '${id}'. Known losses include 'mse', 'mae', 'categorical_crossentropy', 'sparse_categorical_crossentropy', 'binary_crossentropy', 'hinge', 'huber'.`);
    return make({});
  }
  const name = id.className ?? id.class_name;
  if (!name) throw new ValueError(`A loss config needs a className: ${JSON.stringify(id)}`);
  const make = makers[normalizeId(name)];
  if (!make) throw new ValueError(`Unknown loss: '${name}'`);
  return make(id.config ?? {});
}

/** Keras-normalized kind of a loss, for resolving 'accuracy'. */
export function lossKind(f: LossFn): 'sparse' | 'categorical' | 'binary' | 'other' {
  switch (f.lossName) {
    case 'sparse_categorical_crossentropy':
      return 'sparse';
    case 'categorical_crossentropy':
      return 'categorical';
    case 'binary_crossentropy':
      return 'binary';
    default:
      return 'other';
  }
}


/**
 * Metrics by name (`'accuracy'`/`'acc'`, `'mse'`, `'categorical_accuracy'`, ...) or function.
 * A metric maps `(yTrue, yPred)` to per-sample values; `fit` and `evaluate` report their mean over
 * the samples seen (Keras's stateful means).
 */
import type { Tensor } from '@tessera/core';
import { normalizeId, ValueError } from './common.js';
import * as L from './losses.js';
import type { LossFn } from './losses.js';

export interface MetricFn {
  (yTrue: Tensor, yPred: Tensor): Tensor;
  /** Name shown in logs (`accuracy`, `val_accuracy`). */
  metricName?: string;
}

function asFloat(x: Tensor): Tensor {
  return x.dtype === 'float32' ? x : x.float();
}

function meanNonBatch(x: Tensor): Tensor {
  return x.ndim <= 1 ? x : x.flatten(1).mean(-1);
}

export function binaryAccuracy(yTrue: Tensor, yPred: Tensor, threshold = 0.5): Tensor {
  let t = asFloat(yTrue);
  if (t.ndim === yPred.ndim - 1) t = t.unsqueeze(-1);
  return meanNonBatch(asFloat(yPred.gt(threshold)).eq(t).float());
}

export function categoricalAccuracy(yTrue: Tensor, yPred: Tensor): Tensor {
  return meanNonBatch(yTrue.argmax(-1).eq(yPred.argmax(-1)).float());
}

export function sparseCategoricalAccuracy(yTrue: Tensor, yPred: Tensor): Tensor {
  let labels = yTrue;
  if (labels.ndim === yPred.ndim && labels.shape[labels.ndim - 1] === 1) labels = labels.squeeze(-1);
  return meanNonBatch(yPred.argmax(-1).eq(labels.int()).float());
}

export function topKCategoricalAccuracy(yTrue: Tensor, yPred: Tensor, k = 5): Tensor {
  return sparseTopK(yTrue.argmax(-1), yPred, k);
}

function sparseTopK(labels: Tensor, yPred: Tensor, k: number): Tensor {
  const top = yPred.topk(Math.min(k, yPred.shape[yPred.ndim - 1]!), -1).indices;
  return top.eq(labels.int().unsqueeze(-1)).any(-1).float();
}

export function sparseTopKCategoricalAccuracy(yTrue: Tensor, yPred: Tensor, k = 5): Tensor {
  let labels = yTrue;
  if (labels.ndim === yPred.ndim && labels.shape[labels.ndim - 1] === 1) labels = labels.squeeze(-1);
  return sparseTopK(labels, yPred, k);
}

/** Exact equality (Keras 3's `Accuracy`). */
export function accuracy(yTrue: Tensor, yPred: Tensor): Tensor {
  return meanNonBatch(asFloat(yTrue).eq(yPred).float());
}

function named(name: string, fn: (t: Tensor, p: Tensor) => Tensor): MetricFn {
  const f = ((t: Tensor, p: Tensor) => fn(t, p)) as MetricFn;
  f.metricName = name;
  return f;
}

const table: Record<string, (name: string) => MetricFn> = {};
function reg(names: string[], make: (name: string) => MetricFn): void {
  for (const n of names) table[normalizeId(n)] = make;
}
reg(['binary_accuracy', 'BinaryAccuracy'], (n) => named(n, (t, p) => binaryAccuracy(t, p)));
reg(['categorical_accuracy', 'CategoricalAccuracy'], (n) => named(n, categoricalAccuracy));
reg(['sparse_categorical_accuracy', 'SparseCategoricalAccuracy'], (n) => named(n, sparseCategoricalAccuracy));
reg(['top_k_categorical_accuracy', 'TopKCategoricalAccuracy'], (n) => named(n, (t, p) => topKCategoricalAccuracy(t, p)));
reg(['sparse_top_k_categorical_accuracy', 'SparseTopKCategoricalAccuracy'], (n) => named(n, (t, p) => sparseTopKCategoricalAccuracy(t, p)));
reg(['mse', 'mean_squared_error', 'MeanSquaredError'], (n) => named(n, L.meanSquaredError));
reg(['mae', 'mean_absolute_error', 'MeanAbsoluteError'], (n) => named(n, L.meanAbsoluteError));
reg(['mape', 'mean_absolute_percentage_error'], (n) => named(n, L.meanAbsolutePercentageError));
reg(['msle', 'mean_squared_logarithmic_error'], (n) => named(n, L.meanSquaredLogarithmicError));
reg(['categorical_crossentropy', 'CategoricalCrossentropy'], (n) => named(n, (t, p) => L.categoricalCrossentropy(t, p)));
reg(['sparse_categorical_crossentropy', 'SparseCategoricalCrossentropy'], (n) => named(n, (t, p) => L.sparseCategoricalCrossentropy(t, p)));
reg(['binary_crossentropy', 'BinaryCrossentropy'], (n) => named(n, (t, p) => L.binaryCrossentropy(t, p)));
reg(['cosine_similarity', 'cosine_proximity', 'CosineSimilarity'], (n) => named(n, (t, p) => L.cosineSimilarity(t, p).neg()));
reg(['hinge'], (n) => named(n, L.hinge));
reg(['kl_divergence', 'kld'], (n) => named(n, L.kullbackLeiblerDivergence));
reg(['poisson'], (n) => named(n, L.poisson));

export type MetricIdentifier = string | MetricFn;

/**
 * Resolves a metric. `'accuracy'`/`'acc'` picks the accuracy that fits the loss, as Keras does:
 * sparse categorical for sparse cross-entropy, categorical for categorical cross-entropy, binary
 * for binary cross-entropy or a single output unit.
 */
export function getMetric(id: MetricIdentifier, loss: LossFn | null, outputShape: readonly (number | null)[] | null): MetricFn {
  if (typeof id === 'function') {
    if (!id.metricName) id.metricName = id.name || 'metric';
    return id;
  }
  const key = normalizeId(id);
  if (key === 'accuracy' || key === 'acc') {
    const kind = loss ? L.lossKind(loss) : 'other';
    const last = outputShape ? outputShape[outputShape.length - 1] : null;
    if (kind === 'sparse') return named(id, sparseCategoricalAccuracy);
    if (kind === 'categorical') return named(id, categoricalAccuracy);
    if (kind === 'binary' || last === 1) return named(id, (t, p) => binaryAccuracy(t, p));
    return named(id, categoricalAccuracy);
  }
  if (key === 'crossentropy' || key === 'ce') {
    const kind = loss ? L.lossKind(loss) : 'other';
    if (kind === 'sparse') return named(id, (t, p) => L.sparseCategoricalCrossentropy(t, p));
    if (kind === 'binary') return named(id, (t, p) => L.binaryCrossentropy(t, p));
    return named(id, (t, p) => L.categoricalCrossentropy(t, p));
  }
  const make = table[key];
  if (!make) throw new ValueError(`Unknown metric: '${id}'`);
  return make(id);
}

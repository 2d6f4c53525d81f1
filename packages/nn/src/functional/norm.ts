/** Normalisation: batch, layer and group norm, plus `normalize` and `cosineSimilarity`. */
import { noGrad } from '@tessera/autograd';
import * as T from '@tessera/core';
import { tidy, type Tensor } from '@tessera/core';
import { fmt } from '../util.js';

/** Options of `batchNorm`. */
export interface BatchNormOptions {
  weight?: Tensor | null;
  bias?: Tensor | null;
  /** Use the batch statistics (and update the running ones). Default false. */
  training?: boolean;
  /** Weight of the new batch in the running averages. Default 0.1. */
  momentum?: number;
  eps?: number;
}

/** [1, C, 1, ...] view of a per-channel vector for input of `ndim` dims. */
function perChannel(v: Tensor, ndim: number): Tensor {
  return T.reshape(v, [1, v.size, ...new Array<number>(Math.max(0, ndim - 2)).fill(1)]);
}

/**
 * Batch normalisation over dim 1 of `x` [N, C, ...] (PyTorch's `F.batch_norm`). While training it
 * normalises with the batch's mean and biased variance and updates `runningMean` / `runningVar`
 * in place (the variance with Bessel's correction); otherwise it uses the running statistics.
 */
export function batchNorm(x: Tensor, runningMean: Tensor | null, runningVar: Tensor | null, options: BatchNormOptions = {}): Tensor {
  const training = options.training ?? false;
  const momentum = options.momentum ?? 0.1;
  const eps = options.eps ?? 1e-5;
  if (x.ndim < 2) throw new RangeError(`batchNorm: expected input [N, C, ...], got ${fmt(x.shape)}`);
  const C = x.shape[1]!;
  for (const [name, t] of [['runningMean', runningMean], ['runningVar', runningVar], ['weight', options.weight], ['bias', options.bias]] as const) {
    if (t && t.size !== C) throw new RangeError(`batchNorm: ${name} has ${t.size} elements, expected ${C} (input ${fmt(x.shape)})`);
  }
  const dims = x.shape.map((_, i) => i).filter((i) => i !== 1);
  const count = x.size / C;
  if (training && count <= 1) throw new RangeError(`batchNorm: expected more than 1 value per channel when training, got input size ${fmt(x.shape)}`);
  return tidy(() => {
    let mean: Tensor;
    let variance: Tensor;
    if (training || !runningMean || !runningVar) {
      mean = T.mean(x, dims, true);
      variance = T.mean(T.square(T.sub(x, mean)), dims, true);
      if (training && runningMean && runningVar) {
        noGrad(() => {
          const m = T.reshape(mean.detach(), [C]);
          const v = T.mul(T.reshape(variance.detach(), [C]), count / (count - 1));
          runningMean.mul_(1 - momentum).add_(T.mul(m, momentum));
          runningVar.mul_(1 - momentum).add_(T.mul(v, momentum));
        });
      }
    } else {
      mean = perChannel(runningMean, x.ndim);
      variance = perChannel(runningVar, x.ndim);
    }
    let y = T.mul(T.sub(x, mean), T.rsqrt(T.add(variance, eps)));
    if (options.weight) y = T.mul(y, perChannel(options.weight, x.ndim));
    if (options.bias) y = T.add(y, perChannel(options.bias, x.ndim));
    return y;
  });
}

/**
 * Layer normalisation over the trailing dims `normalizedShape` (PyTorch's `F.layer_norm`).
 *
 * @example
 * layerNorm(randn([2, 10, 512]), [512]);
 */
export function layerNorm(x: Tensor, normalizedShape: number | readonly number[], weight?: Tensor | null, bias?: Tensor | null, eps = 1e-5): Tensor {
  const ns = typeof normalizedShape === 'number' ? [normalizedShape] : [...normalizedShape];
  const tail = x.shape.slice(x.ndim - ns.length);
  if (ns.length > x.ndim || tail.some((d, i) => d !== ns[i])) {
    throw new RangeError(`layerNorm: input ${fmt(x.shape)} does not end with the normalized shape ${fmt(ns)}`);
  }
  const dims = ns.map((_, i) => x.ndim - ns.length + i);
  return tidy(() => {
    const mean = T.mean(x, dims, true);
    const centered = T.sub(x, mean);
    const variance = T.mean(T.square(centered), dims, true);
    let y = T.mul(centered, T.rsqrt(T.add(variance, eps)));
    if (weight) y = T.mul(y, weight);
    if (bias) y = T.add(y, bias);
    return y;
  });
}

/** Group normalisation of `x` [N, C, ...] with C split into `numGroups` groups (PyTorch's `F.group_norm`). */
export function groupNorm(x: Tensor, numGroups: number, weight?: Tensor | null, bias?: Tensor | null, eps = 1e-5): Tensor {
  if (x.ndim < 2) throw new RangeError(`groupNorm: expected input [N, C, ...], got ${fmt(x.shape)}`);
  const [N, C] = x.shape as [number, number];
  if (C % numGroups !== 0) throw new RangeError(`groupNorm: ${C} channels are not divisible into ${numGroups} groups (input ${fmt(x.shape)})`);
  return tidy(() => {
    const g = T.reshape(x, [N, numGroups, -1]);
    const mean = T.mean(g, [2], true);
    const centered = T.sub(g, mean);
    const variance = T.mean(T.square(centered), [2], true);
    let y = T.reshape(T.mul(centered, T.rsqrt(T.add(variance, eps))), x.shape);
    if (weight) y = T.mul(y, perChannel(weight, x.ndim));
    if (bias) y = T.add(y, perChannel(bias, x.ndim));
    return y;
  });
}

/** Divides by the `p`-norm along `dim` (at least `eps`): PyTorch's `F.normalize`. */
export function normalize(x: Tensor, p = 2, dim = 1, eps = 1e-12): Tensor {
  return tidy(() => {
    let norm: Tensor;
    if (p === 2) norm = T.sqrt(T.sum(T.square(x), dim, true));
    else if (p === 1) norm = T.sum(T.abs(x), dim, true);
    else if (p === Infinity) norm = T.max(T.abs(x), dim, true);
    else norm = T.pow(T.sum(T.pow(T.abs(x), p), dim, true), 1 / p);
    return T.div(x, T.clamp(norm, eps));
  });
}

/** Cosine of the angle between `a` and `b` along `dim` (PyTorch's `F.cosine_similarity`). */
export function cosineSimilarity(a: Tensor, b: Tensor, dim = 1, eps = 1e-8): Tensor {
  return tidy(() => {
    const dot = T.sum(T.mul(a, b), dim);
    const n = T.mul(T.sum(T.square(a), dim), T.sum(T.square(b), dim));
    return T.div(dot, T.sqrt(T.clamp(n, eps * eps)));
  });
}

/**
 * Fused kernels: ops that core composes from primitives (see `@tessera/core`'s ops/*.ts), run
 * here in one pass each. Every kernel matches its composition's result dtype, shape and special
 * values; `test/fused/*.test.ts` compares each with the composition run on a second backend.
 */
import { registerKernel, type FusedKernel } from '@tessera/core';
import { argmaxKernel, argminKernel } from './argreduce.js';
import { conv2dBackwardInputKernel, conv2dKernel, convTranspose2dKernel } from './conv.js';
import { cumsumKernel } from './cumsum.js';
import { foldWindows2dKernel } from './fold.js';
import { logsumexpKernel, meanKernel, varKernel } from './moments.js';
import { avgPool2dBackwardKernel, avgPool2dKernel, maxPool2dBackwardKernel, maxPool2dKernel, maxPool2dWithIndicesKernel } from './pool.js';
import { logSoftmaxKernel, softmaxKernel } from './softmax.js';
import { sortKernel } from './sort.js';

/** Every fused kernel of this package, by core op name. */
export const FUSED_KERNELS: Readonly<Record<string, FusedKernel>> = {
  softmax: softmaxKernel,
  logSoftmax: logSoftmaxKernel,
  cumsum: cumsumKernel,
  argmax: argmaxKernel,
  argmin: argminKernel,
  sort: sortKernel,
  logsumexp: logsumexpKernel,
  mean: meanKernel,
  var: varKernel,
  conv2d: conv2dKernel,
  convTranspose2d: convTranspose2dKernel,
  foldWindows2d: foldWindows2dKernel,
  maxPool2d: maxPool2dKernel,
  avgPool2d: avgPool2dKernel,
  maxPool2dWithIndices: maxPool2dWithIndicesKernel,
  maxPool2dBackward: maxPool2dBackwardKernel,
  avgPool2dBackward: avgPool2dBackwardKernel,
  conv2dBackwardInput: conv2dBackwardInputKernel,
};

/** Registers every fused kernel for `device` (a device whose backend is a `CpuBackend`). */
export function registerFusedKernels(device: string): void {
  for (const [op, kernel] of Object.entries(FUSED_KERNELS)) registerKernel(device, op, kernel);
}

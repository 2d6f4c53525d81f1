/**
 * Functional forms of the layers and losses (PyTorch's `torch.nn.functional`, usually imported
 * as `F`). They hold no state: weights are passed in.
 *
 * @example
 * import { F } from '@tessera/nn';
 * const y = F.relu(F.linear(x, w, b));
 * const loss = F.crossEntropy(logits, labels, { labelSmoothing: 0.1 });
 */
export * from './activation.js';
export * from './linear.js';
export * from './conv.js';
export * from './norm.js';
export * from './embedding.js';
export * from './pad.js';
export * from './attention.js';
export * from './loss.js';

/**
 * `@tessera/optim`: PyTorch-style optimizers, learning-rate schedulers and gradient clipping.
 * Updates run as tensor ops on the parameters' device and write into the parameters in place.
 *
 * @example
 * import * as optim from '@tessera/optim';
 *
 * const optimizer = new optim.Adam(model.parameters(), { lr: 1e-3 });
 * const scheduler = new optim.lrScheduler.CosineAnnealingLR(optimizer, { tMax: 50 });
 * for (let epoch = 0; epoch < 50; epoch++) {
 *   optimizer.zeroGrad();
 *   criterion.forward(model.forward(x), y).backward();
 *   optim.clipGradNorm(model.parameters(), 1.0);
 *   optimizer.step();
 *   scheduler.step();
 * }
 */
export {
  Optimizer,
  type BaseHyperparameters,
  type OptimizerStateDict,
  type ParamGroup,
  type ParamGroupInput,
  type ParamState,
  type StateValue,
} from './optimizer.js';
export { SGD, type SGDHyperparameters, type SGDState } from './sgd.js';
export { Adam, AdamW, type AdamHyperparameters, type AdamState } from './adam.js';
export { RMSprop, type RMSpropHyperparameters, type RMSpropState } from './rmsprop.js';
export { Adagrad, type AdagradHyperparameters, type AdagradState } from './adagrad.js';
export { clipGradNorm, clipGradValue } from './clip_grad.js';
export * as lrScheduler from './lr_scheduler/index.js';
export {
  LRScheduler,
  StepLR,
  MultiStepLR,
  ExponentialLR,
  CosineAnnealingLR,
  LinearLR,
  OneCycleLR,
  ReduceLROnPlateau,
} from './lr_scheduler/index.js';

/**
 * Learning-rate schedulers (PyTorch's `torch.optim.lr_scheduler`), exported from the package as
 * the `lrScheduler` namespace.
 */
export { LRScheduler, type SchedulerOptions, type SchedulerStateDict } from './scheduler.js';
export { StepLR, type StepLROptions } from './step_lr.js';
export { MultiStepLR, type MultiStepLROptions } from './multi_step_lr.js';
export { ExponentialLR, type ExponentialLROptions } from './exponential_lr.js';
export { CosineAnnealingLR, type CosineAnnealingLROptions } from './cosine_annealing_lr.js';
export { LinearLR, type LinearLROptions } from './linear_lr.js';
export { OneCycleLR, type OneCycleLROptions } from './one_cycle_lr.js';
export { ReduceLROnPlateau, type ReduceLROnPlateauOptions } from './reduce_lr_on_plateau.js';

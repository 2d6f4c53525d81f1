/**
 * `@tessera/core`: tensors, dtypes, devices, memory, op dispatch and the backend interface.
 * Import a backend (e.g. `import '@tessera/backend-cpu'`) to run ops.
 */
export { Tensor, type TensorLike, type GradFn } from './tensor.js';
export type { DType, TypedArray } from './dtype.js';
export { DTYPES, bytesPerElement, isFloat, promoteTypes } from './dtype.js';
export type { Shape } from './shape.js';
export { broadcastShapes } from './shape.js';
export type { Backend, View, DataId, UnaryOp, BinaryOp, ReduceOp, MemoryInfo } from './backend.js';
export type { FusedKernel, GradRecorder } from './engine.js';
export {
  registerBackend,
  getBackend,
  listDevices,
  setDefaultDevice,
  getDefaultDevice,
  registerKernel,
  getKernel,
  setGradRecorder,
  engine,
} from './engine.js';
export { Storage } from './storage.js';
export { tidy, keep, dispose, memory, type TensorContainer, type MemoryReport, type DeviceMemory } from './memory.js';
export { Generator, manualSeed, getDefaultGenerator } from './random.js';
export type { NestedArray } from './nested.js';
export { formatTensor } from './format.js';

export * from './ops/creation.js';
export * from './ops/elementwise.js';
export * from './ops/activation.js';
export * from './ops/reduce.js';
export * from './ops/views.js';
export * from './ops/linalg.js';
export * from './ops/join.js';
export * from './ops/indexing.js';
export * from './ops/sort.js';
export * from './ops/softmax.js';
export * from './ops/windows.js';
export * from './ops/conv.js';
export * from './ops/pool.js';
export { cast, to, toDeviceAsync } from './ops/cast.js';
export { runOp, viewOf, broadcastView, fromData, sameBackend, type Attrs } from './ops/dispatch.js';
export { OP_NAMES, type OpName } from './ops/names.js';
export { copy_, fill_, add_, sub_, mul_, div_, clamp_, zero_ } from './ops/inplace.js';
export {
  adamStep,
  sgdStep,
  adamStepComposite,
  sgdStepComposite,
  type AdamStepOptions,
  type SgdStepOptions,
  type AdamStepAttrs,
  type SgdStepAttrs,
} from './ops/optim.js';
export { linear, crossEntropy, crossEntropyBackward, reluBackward, type CrossEntropyOptions, type CrossEntropyAttrs, type LossReduction } from './ops/nn.js';

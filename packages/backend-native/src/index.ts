/**
 * `@tessera/backend-native`: Tessera's native CPU backend, a Node-API C++ addon (SIMD kernels, a
 * thread pool) built from source when the package is installed. Importing it registers device
 * `'native'` above `'cpu'`, so it becomes the default device.
 *
 * @example
 * import '@tessera/backend-native';
 * import { randn } from '@tessera/core';
 * randn([512, 512]).matmul(randn([512, 512])); // on 'native'
 *
 * If the addon could not be built, importing this module throws an error saying why and how to fix
 * it; `bestDevice()` from `@tessera/backend-native/load` falls back to 'cpu' instead.
 */
import { registerNative } from './register.js';
import { nativeState } from './state.js';

const registered = registerNative();
if (!registered) throw nativeState().error!;

/** The registered native backend. */
export const nativeBackend = registered;

export { NativeBackend, NativeData } from './backend.js';
export type { AddonInfo } from './addon.js';
export { NATIVE_PRIORITY } from './register.js';
export { setNumThreads, getNumThreads, nativeInfo, emptyCache, type NativeInfo } from './runtime.js';
export {
  softmax,
  softmaxBackward,
  crossEntropy,
  biasActivation,
  activationBackward,
  linear,
  conv2d,
  conv2dBackwardInput,
  conv2dBackwardWeight,
  maxPool2d,
  maxPool2dBackward,
  avgPool2d,
  avgPool2dBackward,
  foldWindows2d,
  adamStep,
  sgdStep,
  type Activation,
  type CrossEntropyOptions,
  type Conv2dOptions,
  type Pool2dOptions,
  type MaxPool2dOptions,
  type AvgPool2dOptions,
  type AdamStepOptions,
  type SgdStepOptions,
} from './kernels.js';
export { loadNativeBackend, bestDevice } from './load.js';

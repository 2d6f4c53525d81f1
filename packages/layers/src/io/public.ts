/** The `io` namespace: TF.js-compatible IO handlers and the file formats' helpers. */
export { withSaveHandler, fromMemory, fileSystemHandler, httpHandler, modelArtifacts, modelFromArtifacts, encodeWeights, decodeWeights } from './tfjs.js';
export type { IOHandler, ModelArtifacts, SaveResult, WeightsManifestEntry, WeightsManifestGroupConfig } from './tfjs.js';
export { kerasFileBytes, modelFromKerasBytes } from './keras.js';
export { saveWeights, loadWeights } from './index.js';

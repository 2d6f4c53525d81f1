/**
 * `@tessera/nn`: PyTorch-style neural networks for Tessera. Modules find their parameters from
 * their fields; layers, losses, initialisers and weights interoperate with PyTorch (same
 * parameter names, same default initialisation, safetensors files).
 *
 * @example
 * import { tensor } from '@tessera/core';
 * import '@tessera/backend-cpu';
 * import * as nn from '@tessera/nn';
 *
 * class Net extends nn.Module {
 *   fc1 = new nn.Linear(4, 16);
 *   fc2 = new nn.Linear(16, 3);
 *   forward(x: Tensor) { return this.fc2.forward(nn.F.relu(this.fc1.forward(x))); }
 * }
 * const net = new Net();
 * const loss = new nn.CrossEntropyLoss().forward(net.forward(x), labels);
 * loss.backward();
 */
export { Module, cloneModule, type StateDict, type LoadResult, type LoadStateDictOptions } from './module.js';
export { Parameter, isParameter } from './parameter.js';
export { Sequential, ModuleList, ModuleDict } from './containers.js';

export { Linear, Bilinear, Identity, Flatten, Unflatten, type LinearOptions, type FactoryOptions } from './layers/linear.js';
export { Conv1d, Conv2d, ConvTranspose2d, type ConvOptions, type ConvTranspose2dOptions } from './layers/conv.js';
export {
  MaxPool1d,
  MaxPool2d,
  AvgPool1d,
  AvgPool2d,
  AdaptiveAvgPool1d,
  AdaptiveAvgPool2d,
  type MaxPool1dOptions,
  type MaxPool2dOptions,
  type AvgPool1dOptions,
  type AvgPool2dOptions,
} from './layers/pool.js';
export {
  BatchNorm1d,
  BatchNorm2d,
  LayerNorm,
  GroupNorm,
  type BatchNormOptions,
  type LayerNormOptions,
  type GroupNormOptions,
} from './layers/norm.js';
export { Dropout, Dropout1d, Dropout2d } from './layers/dropout.js';
export { Embedding, type EmbeddingOptions } from './layers/embedding.js';
export { RNN, LSTM, GRU, RNNCell, LSTMCell, GRUCell, type RNNOptions, type ElmanRNNOptions } from './layers/rnn.js';
export { MultiheadAttention, type MultiheadAttentionOptions } from './layers/attention.js';
export {
  TransformerEncoderLayer,
  TransformerEncoder,
  TransformerDecoderLayer,
  TransformerDecoder,
  type TransformerLayerOptions,
  type TransformerActivation,
  type EncoderLayerMasks,
  type DecoderLayerMasks,
} from './layers/transformer.js';
export {
  ReLU,
  ReLU6,
  LeakyReLU,
  ELU,
  GELU,
  SiLU,
  Mish,
  Sigmoid,
  Tanh,
  Hardtanh,
  Hardsigmoid,
  Hardswish,
  Softsign,
  Softmax,
  Softmin,
  LogSoftmax,
  Softplus,
  PReLU,
  GLU,
} from './layers/activation.js';
export {
  MSELoss,
  L1Loss,
  SmoothL1Loss,
  HuberLoss,
  CrossEntropyLoss,
  NLLLoss,
  BCELoss,
  BCEWithLogitsLoss,
  KLDivLoss,
} from './losses.js';

export * as functional from './functional/index.js';
export * as F from './functional/index.js';
export type { Reduction } from './functional/loss.js';
export * as init from './init.js';

export {
  serializeSafetensors,
  serializeSafetensorsSync,
  parseSafetensors,
  readSafetensorsHeader,
  type SafetensorsFile,
  type ParseOptions,
} from './safetensors.js';
export { save, load, loadWithMetadata } from './io.js';

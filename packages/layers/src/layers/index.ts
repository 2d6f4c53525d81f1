/**
 * Layer factories with TF.js's names (`layers.dense({units: 10})`, `layers.conv2d({...})`), and the
 * classes under Keras's names (`new layers.Dense({units: 10})`). Importing this module registers
 * every built-in class for model loading.
 */
import { InputLayer, type InputLayerArgs, type LayerArgs } from '../engine/topology.js';
import { registerClass } from '../serialization.js';
import { kerasArgs } from '../common.js';
import type { ActivationIdentifier } from '../activations.js';
import * as A from './attention.js';
import * as C from './core.js';
import * as V from './conv.js';
import * as E from './embeddings.js';
import * as M from './merge.js';
import * as N from './normalization.js';
import * as P from './pooling.js';
import * as R from './recurrent.js';
import * as S from './reshaping.js';
import * as W from './wrappers.js';
import { LayersModel } from '../engine/container.js';
import { Sequential } from '../engine/sequential.js';
import type { LayerClass } from '../engine/topology.js';

export * from './core.js';
export * from './conv.js';
export * from './pooling.js';
export * from './reshaping.js';
export * from './normalization.js';
export * from './embeddings.js';
export * from './recurrent.js';
export * from './wrappers.js';
export * from './attention.js';
export * from './merge.js';
export { InputLayer };
export { ActivationLayer as Activation } from './core.js';

type Args<T extends abstract new (...a: never[]) => unknown> = ConstructorParameters<T>[0];



// core
export const dense = (args: Args<typeof C.Dense>): C.Dense => new C.Dense(kerasArgs(args));
export const activation = (args: LayerArgs & { activation: ActivationIdentifier }): C.ActivationLayer => new C.ActivationLayer(kerasArgs(args));
export const reLU = (args: Args<typeof C.ReLU> = {}): C.ReLU => new C.ReLU(kerasArgs(args));
export const leakyReLU = (args: Args<typeof C.LeakyReLU> = {}): C.LeakyReLU => new C.LeakyReLU(kerasArgs(args));
export const elu = (args: Args<typeof C.ELU> = {}): C.ELU => new C.ELU(kerasArgs(args));
export const softmax = (args: Args<typeof C.Softmax> = {}): C.Softmax => new C.Softmax(kerasArgs(args));
export const prelu = (args: Args<typeof C.PReLU> = {}): C.PReLU => new C.PReLU(kerasArgs(args));
export const flatten = (args: Args<typeof C.Flatten> = {}): C.Flatten => new C.Flatten(kerasArgs(args));
export const reshape = (args: Args<typeof C.Reshape>): C.Reshape => new C.Reshape(kerasArgs(args));
export const permute = (args: Args<typeof C.Permute>): C.Permute => new C.Permute(kerasArgs(args));
export const repeatVector = (args: Args<typeof C.RepeatVector>): C.RepeatVector => new C.RepeatVector(kerasArgs(args));
export const rescaling = (args: Args<typeof C.Rescaling>): C.Rescaling => new C.Rescaling(kerasArgs(args));
export const dropout = (args: Args<typeof C.Dropout>): C.Dropout => new C.Dropout(kerasArgs(args));
export const spatialDropout1d = (args: Args<typeof C.Dropout>): C.SpatialDropout1D => new C.SpatialDropout1D(kerasArgs(args));
export const spatialDropout2d = (args: Args<typeof C.Dropout>): C.SpatialDropout2D => new C.SpatialDropout2D(kerasArgs(args));
export const gaussianNoise = (args: Args<typeof C.GaussianNoise>): C.GaussianNoise => new C.GaussianNoise(kerasArgs(args));
export const gaussianDropout = (args: Args<typeof C.GaussianDropout>): C.GaussianDropout => new C.GaussianDropout(kerasArgs(args));
export const inputLayer = (args: InputLayerArgs): InputLayer => new InputLayer(kerasArgs(args));
// convolution
export const conv1d = (args: Args<typeof V.Conv1D>): V.Conv1D => new V.Conv1D(kerasArgs(args));
export const conv2d = (args: Args<typeof V.Conv2D>): V.Conv2D => new V.Conv2D(kerasArgs(args));
export const conv2dTranspose = (args: Args<typeof V.Conv2DTranspose>): V.Conv2DTranspose => new V.Conv2DTranspose(kerasArgs(args));
export const depthwiseConv2d = (args: Args<typeof V.DepthwiseConv2D>): V.DepthwiseConv2D => new V.DepthwiseConv2D(kerasArgs(args));
export const separableConv2d = (args: Args<typeof V.SeparableConv2D>): V.SeparableConv2D => new V.SeparableConv2D(kerasArgs(args));
// pooling
export const maxPooling1d = (args: Args<typeof P.MaxPooling1D> = {}): P.MaxPooling1D => new P.MaxPooling1D(kerasArgs(args));
export const maxPooling2d = (args: Args<typeof P.MaxPooling2D> = {}): P.MaxPooling2D => new P.MaxPooling2D(kerasArgs(args));
export const averagePooling1d = (args: Args<typeof P.AveragePooling1D> = {}): P.AveragePooling1D => new P.AveragePooling1D(kerasArgs(args));
export const averagePooling2d = (args: Args<typeof P.AveragePooling2D> = {}): P.AveragePooling2D => new P.AveragePooling2D(kerasArgs(args));
export const globalAveragePooling1d = (args: Args<typeof P.GlobalAveragePooling1D> = {}): P.GlobalAveragePooling1D => new P.GlobalAveragePooling1D(kerasArgs(args));
export const globalAveragePooling2d = (args: Args<typeof P.GlobalAveragePooling2D> = {}): P.GlobalAveragePooling2D => new P.GlobalAveragePooling2D(kerasArgs(args));
export const globalMaxPooling1d = (args: Args<typeof P.GlobalMaxPooling1D> = {}): P.GlobalMaxPooling1D => new P.GlobalMaxPooling1D(kerasArgs(args));
export const globalMaxPooling2d = (args: Args<typeof P.GlobalMaxPooling2D> = {}): P.GlobalMaxPooling2D => new P.GlobalMaxPooling2D(kerasArgs(args));
// TF.js spellings
export const maxPool1d = maxPooling1d;
export const maxPool2d = maxPooling2d;
export const avgPool1d = averagePooling1d;
export const avgPool2d = averagePooling2d;
export const averagePool2d = averagePooling2d;
export const globalAvgPool2d = globalAveragePooling2d;
export const globalMaxPool2d = globalMaxPooling2d;
// reshaping
export const zeroPadding1d = (args: Args<typeof S.ZeroPadding1D> = {}): S.ZeroPadding1D => new S.ZeroPadding1D(kerasArgs(args));
export const zeroPadding2d = (args: Args<typeof S.ZeroPadding2D> = {}): S.ZeroPadding2D => new S.ZeroPadding2D(kerasArgs(args));
export const cropping1d = (args: Args<typeof S.Cropping1D> = {}): S.Cropping1D => new S.Cropping1D(kerasArgs(args));
export const cropping2d = (args: Args<typeof S.Cropping2D> = {}): S.Cropping2D => new S.Cropping2D(kerasArgs(args));
export const upSampling1d = (args: Args<typeof S.UpSampling1D> = {}): S.UpSampling1D => new S.UpSampling1D(kerasArgs(args));
export const upSampling2d = (args: Args<typeof S.UpSampling2D> = {}): S.UpSampling2D => new S.UpSampling2D(kerasArgs(args));
// normalization
export const batchNormalization = (args: Args<typeof N.BatchNormalization> = {}): N.BatchNormalization => new N.BatchNormalization(kerasArgs(args));
export const layerNormalization = (args: Args<typeof N.LayerNormalization> = {}): N.LayerNormalization => new N.LayerNormalization(kerasArgs(args));
// embeddings
export const embedding = (args: Args<typeof E.Embedding>): E.Embedding => new E.Embedding(kerasArgs(args));
// recurrent
export const simpleRNN = (args: Args<typeof R.SimpleRNN>): R.SimpleRNN => new R.SimpleRNN(kerasArgs(args));
export const lstm = (args: Args<typeof R.LSTM>): R.LSTM => new R.LSTM(kerasArgs(args));
export const gru = (args: Args<typeof R.GRU>): R.GRU => new R.GRU(kerasArgs(args));
export const rnn = (args: Args<typeof R.RNN>): R.RNN => new R.RNN(kerasArgs(args));
export const simpleRNNCell = (args: R.CellArgs): R.SimpleRNNCell => new R.SimpleRNNCell(kerasArgs(args));
export const lstmCell = (args: R.CellArgs): R.LSTMCell => new R.LSTMCell(kerasArgs(args));
export const gruCell = (args: R.CellArgs): R.GRUCell => new R.GRUCell(kerasArgs(args));
// wrappers
export const bidirectional = (args: Args<typeof W.Bidirectional>): W.Bidirectional => new W.Bidirectional(kerasArgs(args));
export const timeDistributed = (args: Args<typeof W.TimeDistributed>): W.TimeDistributed => new W.TimeDistributed(kerasArgs(args));
// attention
export const multiHeadAttention = (args: Args<typeof A.MultiHeadAttention>): A.MultiHeadAttention => new A.MultiHeadAttention(kerasArgs(args));
// merge
export const add = (args: LayerArgs = {}): M.Add => new M.Add(kerasArgs(args));
export const subtract = (args: LayerArgs = {}): M.Subtract => new M.Subtract(kerasArgs(args));
export const multiply = (args: LayerArgs = {}): M.Multiply => new M.Multiply(kerasArgs(args));
export const average = (args: LayerArgs = {}): M.Average => new M.Average(kerasArgs(args));
export const maximum = (args: LayerArgs = {}): M.Maximum => new M.Maximum(kerasArgs(args));
export const minimum = (args: LayerArgs = {}): M.Minimum => new M.Minimum(kerasArgs(args));
export const concatenate = (args: Args<typeof M.Concatenate> = {}): M.Concatenate => new M.Concatenate(kerasArgs(args));
export const dot = (args: Args<typeof M.Dot>): M.Dot => new M.Dot(kerasArgs(args));

const classes: [unknown, ...string[]][] = [
  [InputLayer], [LayersModel, 'Model'], [Sequential],
  [C.Dense], [C.ActivationLayer], [C.ReLU], [C.LeakyReLU], [C.ELU], [C.Softmax], [C.PReLU], [C.Flatten], [C.Reshape], [C.Permute],
  [C.RepeatVector], [C.Rescaling], [C.Dropout], [C.SpatialDropout1D], [C.SpatialDropout2D], [C.GaussianNoise], [C.GaussianDropout],
  [V.Conv1D, 'Convolution1D'], [V.Conv2D, 'Convolution2D'], [V.Conv2DTranspose, 'Convolution2DTranspose', 'Deconvolution2D'], [V.DepthwiseConv2D], [V.SeparableConv2D, 'SeparableConvolution2D'],
  [P.MaxPooling1D, 'MaxPool1D'], [P.MaxPooling2D, 'MaxPool2D'], [P.AveragePooling1D, 'AvgPool1D'], [P.AveragePooling2D, 'AvgPool2D'],
  [P.GlobalAveragePooling1D, 'GlobalAvgPool1D'], [P.GlobalAveragePooling2D, 'GlobalAvgPool2D'], [P.GlobalMaxPooling1D, 'GlobalMaxPool1D'], [P.GlobalMaxPooling2D, 'GlobalMaxPool2D'],
  [S.ZeroPadding1D], [S.ZeroPadding2D], [S.Cropping1D], [S.Cropping2D], [S.UpSampling1D], [S.UpSampling2D],
  [N.BatchNormalization], [N.LayerNormalization], [E.Embedding],
  [R.SimpleRNN], [R.LSTM], [R.GRU], [R.RNN], [R.SimpleRNNCell], [R.LSTMCell], [R.GRUCell],
  [W.Bidirectional], [W.TimeDistributed], [A.MultiHeadAttention],
  [M.Add], [M.Subtract], [M.Multiply], [M.Average], [M.Maximum], [M.Minimum], [M.Concatenate], [M.Dot],
];
for (const [cls, ...aliases] of classes) registerClass(cls as LayerClass, ...aliases);

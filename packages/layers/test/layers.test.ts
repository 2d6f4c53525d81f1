import { gradcheck } from '@tessera/autograd';
import { manualSeed, ones, randint, randn, tensor, zeros, type Tensor } from '@tessera/core';
import { describe, expect, it } from 'vitest';
import * as tk from '../src/index.js';
import { conv2dNHWC, conv2dTransposeNHWC, maxPool2dNHWC } from '../src/ops/conv.js';
import { expectClose } from './helpers.js';

const L = tk.layers;

function shapeOf(layer: tk.Layer, inputShape: (number | null)[]): (number | null)[] | (number | null)[][] {
  const x = tk.input({ shape: inputShape });
  const y = layer.apply(x) as tk.SymbolicTensor | tk.SymbolicTensor[];
  return Array.isArray(y) ? y.map((t) => t.shape) : y.shape;
}

function run(layer: tk.Layer, x: Tensor, training = false): Tensor {
  return layer.apply(x, { training }) as Tensor;
}

describe('layers: shapes and values', () => {
  it('Dense with Keras defaults (glorot uniform kernel, zero bias) and inputDim', () => {
    manualSeed(0);
    const d = L.dense({ units: 5, inputDim: 20 });
    expect(d.batchInputShape).toEqual([null, 20]);
    run(d, randn([2, 20]));
    const [k, b] = d.getWeights() as [Tensor, Tensor];
    const limit = Math.sqrt(6 / (20 + 5));
    expect(Math.max(...Array.from(k.dataSync()).map(Math.abs))).toBeLessThanOrEqual(limit);
    expectClose(b, [0, 0, 0, 0, 0], 0);
    expect(shapeOf(L.dense({ units: 3 }), [4, 7])).toEqual([null, 4, 3]);
  });

  it('activations by snake_case and camelCase, and activation layers', () => {
    const x = tensor([[-2, -0.5, 0, 1.5]]);
    expectClose(run(L.activation({ activation: 'leaky_relu' }), x), [-0.4, -0.1, 0, 1.5]);
    expectClose(run(L.activation({ activation: 'leakyRelu' }), x), [-0.4, -0.1, 0, 1.5]);
    expectClose(run(L.activation({ activation: 'hard_sigmoid' }), x), [0.1, 0.4, 0.5, 0.8]);
    expectClose(run(L.activation({ activation: 'hardSigmoid' }), x), [0.1, 0.4, 0.5, 0.8]);
    expectClose(run(L.activation({ activation: 'softsign' }), x), [-2 / 3, -1 / 3, 0, 0.6]);
    expectClose(run(L.reLU({ maxValue: 1 }), x), [0, 0, 0, 1]);
    expectClose(run(L.softmax(), tensor([[0, Math.log(3)]])), [0.25, 0.75]);
    expect(() => L.activation({ activation: 'nope' })).toThrow(/Unknown activation/);
  });

  it('initializers and regularizers by name, object and factory', () => {
    const d = L.dense({ units: 2, inputShape: [3], kernelInitializer: 'ones', biasInitializer: { className: 'Constant', config: { value: 0.5 } } });
    expectClose(run(d, ones([1, 3])), [3.5, 3.5]);
    const h = L.dense({ units: 4, inputShape: [4], kernelInitializer: tk.initializers.heNormal({ seed: 1 }) });
    run(h, ones([1, 4]));
    const o = L.dense({ units: 4, inputShape: [4], kernelInitializer: 'orthogonal' });
    run(o, ones([1, 4]));
    const k = o.getWeights()[0]!;
    expectClose(k.t().matmul(k), [1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1], 1e-5);
    expect(() => L.dense({ units: 1, kernelRegularizer: 'l3' })).toThrow(/Unknown regularizer/);
  });

  it('Flatten, Reshape, Permute, RepeatVector, Rescaling', () => {
    expect(shapeOf(L.flatten(), [3, 4, 5])).toEqual([null, 60]);
    expect(shapeOf(L.reshape({ targetShape: [-1, 2] }), [3, 4])).toEqual([null, 6, 2]);
    expect(shapeOf(L.permute({ dims: [2, 1] }), [3, 4])).toEqual([null, 4, 3]);
    expect(shapeOf(L.repeatVector({ n: 3 }), [4])).toEqual([null, 3, 4]);
    expectClose(run(L.rescaling({ scale: 1 / 255 }), tensor([[255, 0]])), [1, 0]);
    expectClose(run(L.permute({ dims: [2, 1] }), tensor([[[1, 2], [3, 4]]])), [1, 3, 2, 4]);
  });

  it('Dropout only in training, scaled by 1/(1-rate)', () => {
    const d = L.dropout({ rate: 0.5 });
    const x = ones([1000]).reshape([10, 100]);
    expectClose(run(d, x), x, 0);
    const y = run(d, x, true);
    const vals = Array.from(y.dataSync());
    expect(vals.every((v) => v === 0 || v === 2)).toBe(true);
    expect(vals.filter((v) => v === 0).length).toBeGreaterThan(350);
  });

  it('Conv1D (causal), Conv2D (same/valid, strides, channels_first), Conv2DTranspose, DepthwiseConv2D, SeparableConv2D', () => {
    expect(shapeOf(L.conv1d({ filters: 4, kernelSize: 3 }), [10, 2])).toEqual([null, 8, 4]);
    expect(shapeOf(L.conv1d({ filters: 4, kernelSize: 3, padding: 'causal', dilationRate: 2 }), [10, 2])).toEqual([null, 10, 4]);
    expect(shapeOf(L.conv2d({ filters: 8, kernelSize: 3, strides: 2, padding: 'same' }), [28, 28, 1])).toEqual([null, 14, 14, 8]);
    expect(shapeOf(L.conv2d({ filters: 8, kernelSize: [3, 5] }), [10, 12, 3])).toEqual([null, 8, 8, 8]);
    expect(shapeOf(L.conv2d({ filters: 8, kernelSize: 3, dataFormat: 'channels_first' }), [3, 10, 12])).toEqual([null, 8, 8, 10]);
    expect(shapeOf(L.conv2dTranspose({ filters: 2, kernelSize: 3, strides: 2, padding: 'same' }), [5, 5, 4])).toEqual([null, 10, 10, 2]);
    expect(shapeOf(L.conv2dTranspose({ filters: 2, kernelSize: 3, strides: 2 }), [5, 5, 4])).toEqual([null, 11, 11, 2]);
    expect(shapeOf(L.depthwiseConv2d({ kernelSize: 3, depthMultiplier: 2 }), [6, 6, 3])).toEqual([null, 4, 4, 6]);
    expect(shapeOf(L.separableConv2d({ filters: 5, kernelSize: 3, padding: 'same' }), [6, 6, 3])).toEqual([null, 6, 6, 5]);
    // causal: output t sees inputs <= t only
    const c = L.conv1d({ filters: 1, kernelSize: 2, padding: 'causal', kernelInitializer: 'ones', inputShape: [4, 1] });
    expectClose(run(c, tensor([1, 2, 3, 4], { shape: [1, 4, 1] })), [1, 3, 5, 7]);
    // channels_first equals channels_last on permuted data
    manualSeed(4);
    const cl = L.conv2d({ filters: 2, kernelSize: 3 });
    const x = randn([1, 5, 5, 3]);
    const yl = run(cl, x);
    const cf = L.conv2d({ filters: 2, kernelSize: 3, dataFormat: 'channels_first' });
    run(cf, x.permute([0, 3, 1, 2]));
    cf.setWeights(cl.getWeights());
    expectClose(run(cf, x.permute([0, 3, 1, 2])).permute([0, 2, 3, 1]), yl, 1e-5);
  });

  it('im2col convolutions and pooling are differentiable (gradcheck in float64)', () => {
    manualSeed(5);
    const x = randn([1, 5, 4, 2], { dtype: 'float64' }).requiresGrad_();
    const k = randn([3, 2, 2, 3], { dtype: 'float64' }).requiresGrad_();
    expect(gradcheck((a: Tensor, b: Tensor) => conv2dNHWC(a, b, { strides: [2, 1], padding: 'same', dilation: [1, 1] }), [x, k]).ok).toBe(true);
    const kt = randn([3, 3, 2, 2], { dtype: 'float64' }).requiresGrad_();
    expect(gradcheck((a: Tensor, b: Tensor) => conv2dTransposeNHWC(a, b, { strides: [2, 2], padding: 'same', dilation: [1, 1] }), [x, kt]).ok).toBe(true);
    expect(gradcheck((a: Tensor) => maxPool2dNHWC(a, { poolSize: [2, 2], strides: [1, 1], padding: 'valid' }), [x]).ok).toBe(true);
  });

  it('pooling layers', () => {
    expect(shapeOf(L.maxPooling2d({ poolSize: 2 }), [28, 28, 3])).toEqual([null, 14, 14, 3]);
    expect(shapeOf(L.averagePooling2d({ poolSize: 3, strides: 2, padding: 'same' }), [7, 7, 3])).toEqual([null, 4, 4, 3]);
    expect(shapeOf(L.maxPooling1d({ poolSize: 2 }), [9, 3])).toEqual([null, 4, 3]);
    expect(shapeOf(L.globalAveragePooling1d(), [9, 3])).toEqual([null, 3]);
    expect(shapeOf(L.globalMaxPooling2d({ keepdims: true }), [4, 4, 3])).toEqual([null, 1, 1, 3]);
    const x = tensor([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16], { shape: [1, 4, 4, 1] });
    expectClose(run(L.maxPooling2d({ poolSize: 2 }), x), [6, 8, 14, 16]);
    expectClose(run(L.averagePooling2d({ poolSize: 2 }), x), [3.5, 5.5, 11.5, 13.5]);
    expectClose(run(L.globalAveragePooling2d(), x), [8.5]);
  });

  it('ZeroPadding2D, Cropping2D, UpSampling2D', () => {
    expect(shapeOf(L.zeroPadding2d({ padding: 1 }), [4, 5, 2])).toEqual([null, 6, 7, 2]);
    expect(shapeOf(L.cropping2d({ cropping: [[1, 0], [2, 1]] }), [4, 5, 2])).toEqual([null, 3, 2, 2]);
    const x = tensor([1, 2, 3, 4], { shape: [1, 2, 2, 1] });
    expectClose(run(L.upSampling2d({ size: 2 }), x), [1, 1, 2, 2, 1, 1, 2, 2, 3, 3, 4, 4, 3, 3, 4, 4]);
    expectClose(run(L.zeroPadding2d({ padding: [[1, 0], [0, 1]] }), x), [0, 0, 0, 1, 2, 0, 3, 4, 0]);
  });

  it('BatchNormalization: batch statistics in training, moving averages in inference', () => {
    const bn = L.batchNormalization({ momentum: 0.5 });
    const x = tensor([[1, 10], [3, 30]]);
    expectClose(run(bn, x, true), [-1, -1, 1, 1], 1e-2);
    const [, , mm, mv] = bn.getWeights() as Tensor[];
    expectClose(mm!, [1, 10]);
    expectClose(mv!, [1, 50.5]);
    expectClose(run(bn, x), [0, 0, 2 / Math.sqrt(1.001), 20 / Math.sqrt(50.501)], 1e-4);
    expect(bn.trainableWeights.map((w) => w.name.split('/')[1])).toEqual(['gamma', 'beta']);
    expect(bn.nonTrainableWeights.map((w) => w.name.split('/')[1])).toEqual(['moving_mean', 'moving_variance']);
  });

  it('LayerNormalization', () => {
    expectClose(run(L.layerNormalization({ epsilon: 0 }), tensor([[1, 3], [2, 2.5]])), [-1, 1, -1, 1], 1e-5);
  });

  it('Embedding takes integer (or integer-valued float) indices', () => {
    const e = L.embedding({ inputDim: 5, outputDim: 3, inputLength: 4 });
    expect(e.batchInputShape).toEqual([null, 4]);
    const y = run(e, randint(0, 5, [2, 4]));
    expect(y.shape).toEqual([2, 4, 3]);
    const w = e.getWeights()[0]!;
    expectClose(run(e, tensor([[2]])), w.slice(0, 2, 3));
  });

  it('SimpleRNN, LSTM and GRU: returnSequences, returnState, initial state', () => {
    expect(shapeOf(L.simpleRNN({ units: 4 }), [7, 3])).toEqual([null, 4]);
    expect(shapeOf(L.lstm({ units: 4, returnSequences: true }), [7, 3])).toEqual([null, 7, 4]);
    expect(shapeOf(L.lstm({ units: 4, returnState: true }), [7, 3])).toEqual([[null, 4], [null, 4], [null, 4]]);
    expect(shapeOf(L.gru({ units: 5, returnSequences: true, returnState: true }), [7, 3])).toEqual([[null, 7, 5], [null, 5]]);
    const lstm = L.lstm({ units: 2, returnState: true });
    const [out, h, c] = lstm.apply(randn([3, 4, 2])) as Tensor[];
    expectClose(out!, h!);
    expect(c!.shape).toEqual([3, 2]);
    const bias = lstm.getWeights()[2]!;
    expectClose(bias, [0, 0, 1, 1, 0, 0, 0, 0]); // unit forget bias
    const gru = L.gru({ units: 2 });
    const y0 = gru.apply(randn([1, 3, 2]), { initialState: [zeros([1, 2])] }) as Tensor;
    expect(y0.shape).toEqual([1, 2]);
    expect(gru.getWeights()[2]!.shape).toEqual([2, 6]); // reset_after bias
    expect(L.gru({ units: 2, resetAfter: false, inputShape: [3, 2] }).apply(randn([1, 3, 2])) as Tensor).toBeTruthy();
  });

  it('LSTM learns a sequence task through backprop-through-time', async () => {
    manualSeed(6);
    // Is the sum of a sequence positive?
    const x = randn([128, 6, 1]);
    const y = x.sum([1, 2]).gt(0).int();
    const model = tk.sequential({ layers: [L.lstm({ units: 8, inputShape: [6, 1] }), L.dense({ units: 1, activation: 'sigmoid' })] });
    model.compile({ optimizer: tk.train.adam(0.02), loss: 'binary_crossentropy', metrics: ['accuracy'] });
    await model.fit(x, y, { epochs: 15, batchSize: 32, verbose: 0 });
    expect((model.evaluate(x, y, { verbose: 0 }) as Tensor[])[1]!.itemSync()).toBeGreaterThan(0.85);
  });

  it('Bidirectional (merge modes) and TimeDistributed', () => {
    expect(shapeOf(L.bidirectional({ layer: L.lstm({ units: 3 }) }), [5, 2])).toEqual([null, 6]);
    expect(shapeOf(L.bidirectional({ layer: L.gru({ units: 3, returnSequences: true }), mergeMode: 'sum' }), [5, 2])).toEqual([null, 5, 3]);
    expect(shapeOf(L.bidirectional({ layer: L.simpleRNN({ units: 3 }), mergeMode: null }), [5, 2])).toEqual([[null, 3], [null, 3]]);
    expect(shapeOf(L.timeDistributed({ layer: L.dense({ units: 4 }) }), [5, 2])).toEqual([null, 5, 4]);
    const bi = L.bidirectional({ layer: L.lstm({ units: 2 }) });
    bi.apply(randn([1, 3, 2]));
    expect(bi.weights.map((w) => w.name)).toEqual(
      ['forward', 'backward'].flatMap((d) => ['kernel', 'recurrent_kernel', 'bias'].map((n) => `${bi.name}/${d}_${bi.forwardLayer.name.replace('forward_', '')}/${n}`)),
    );
  });

  it('MultiHeadAttention: self-attention, cross-attention, masks, attention scores', () => {
    manualSeed(7);
    const mha = L.multiHeadAttention({ numHeads: 2, keyDim: 3 });
    const q = randn([2, 4, 5]);
    const v = randn([2, 6, 5]);
    expect((mha.apply([q, v]) as Tensor).shape).toEqual([2, 4, 5]);
    const [out, scores] = mha.apply(q, { value: v, returnAttentionScores: true }) as Tensor[];
    expect(out!.shape).toEqual([2, 4, 5]);
    expect(scores!.shape).toEqual([2, 2, 4, 6]);
    expectClose(scores!.sum(-1), ones([2, 2, 4]), 1e-5);
    const self = L.multiHeadAttention({ numHeads: 2, keyDim: 4, outputShape: 7 });
    const [, causal] = self.apply(q, { value: q, useCausalMask: true, returnAttentionScores: true }) as Tensor[];
    expect(causal!.select(2, 0).select(2, 3).sum().itemSync()).toBe(0); // position 0 cannot see 3
    const x = tk.input({ shape: [4, 5] });
    const y = self.apply(x, { value: x }) as tk.SymbolicTensor;
    expect(y.shape).toEqual([null, 4, 7]);
    expect(self.weights.map((w) => w.shape)).toEqual([[5, 2, 4], [2, 4], [5, 2, 4], [2, 4], [5, 2, 4], [2, 4], [2, 4, 7], [7]]);
  });

  it('merge layers', () => {
    const a = tensor([[1, 2]]);
    const b = tensor([[3, 5]]);
    expectClose(L.add().apply([a, b]) as Tensor, [4, 7]);
    expectClose(L.subtract().apply([a, b]) as Tensor, [-2, -3]);
    expectClose(L.multiply().apply([a, b]) as Tensor, [3, 10]);
    expectClose(L.average().apply([a, b]) as Tensor, [2, 3.5]);
    expectClose(L.maximum().apply([a, b]) as Tensor, [3, 5]);
    expectClose(L.minimum().apply([a, b]) as Tensor, [1, 2]);
    expectClose(L.concatenate().apply([a, b]) as Tensor, [1, 2, 3, 5]);
    expectClose(L.dot({ axes: 1 }).apply([a, b]) as Tensor, [13]);
    expect(() => L.add().apply(a)).toThrow(/list/);
  });
});

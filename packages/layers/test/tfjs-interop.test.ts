/**
 * The TF.js layers-model format, checked against the real @tensorflow/tfjs-layers 4.22.0: models
 * built and saved by TF.js load here with the same predictions, and models saved here load in TF.js
 * with the same predictions.
 */
import { mkdtempSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import * as tfl from '@tensorflow/tfjs-layers';
import { manualSeed, randn, tensor, type Tensor } from '@tessera/core';
import { beforeAll, describe, expect, it } from 'vitest';
import * as tk from '../src/index.js';
import type { ModelArtifacts } from '../src/io/tfjs.js';
import { expectClose } from './helpers.js';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

async function tfjsArtifacts(m: tfl.LayersModel): Promise<ModelArtifacts> {
  let artifacts: ModelArtifacts | null = null;
  await m.save(
    tf.io.withSaveHandler(async (a) => {
      artifacts = a as unknown as ModelArtifacts;
      return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
    }),
  );
  return artifacts!;
}

async function tesseraArtifacts(m: tk.LayersModel): Promise<ModelArtifacts> {
  let artifacts: ModelArtifacts | null = null;
  await m.save(tk.io.withSaveHandler(async (a) => void (artifacts = a)));
  return artifacts!;
}

const toTessera = (x: tf.Tensor): Tensor => tensor(x.dataSync() as Float32Array, { shape: x.shape });

/** Both directions for a TF.js-built model on input `x`. */
async function roundTrip(build: () => tfl.LayersModel, x: tf.Tensor, atol = 1e-5): Promise<void> {
  const m = build();
  const expected = (m.predict(x) as tf.Tensor).dataSync();
  const ours = await tk.loadLayersModel(tk.io.fromMemory(await tfjsArtifacts(m)));
  expectClose(ours.predict(toTessera(x)) as Tensor, expected, atol);
  const theirs = await tfl.loadLayersModel(tf.io.fromMemory((await tesseraArtifacts(ours)) as never));
  expectClose((theirs.predict(x) as tf.Tensor).dataSync(), expected, atol);
}

// TF.js's orthogonal initializer fails under tfjs-core in Node, so its RNNs here use glorotUniform.
const rec = { recurrentInitializer: 'glorotUniform' as const };

describe('TF.js layers-model format, with the real @tensorflow/tfjs-layers', () => {
  it('MLP', async () => {
    await roundTrip(
      () => tfl.sequential({ layers: [tfl.layers.dense({ units: 5, activation: 'relu', inputShape: [4] }), tfl.layers.dense({ units: 3, activation: 'softmax' })] }),
      tf.randomNormal([3, 4], 0, 1, 'float32', 1),
    );
  });

  it('convolutions, pooling, batch norm, transposed and depthwise convolutions, padding, upsampling', async () => {
    await roundTrip(
      () =>
        tfl.sequential({
          layers: [
            tfl.layers.conv2d({ filters: 4, kernelSize: 3, strides: 2, padding: 'same', activation: 'relu', inputShape: [9, 9, 2] }),
            tfl.layers.batchNormalization({ movingMeanInitializer: 'randomNormal', gammaInitializer: 'randomNormal' }),
            tfl.layers.maxPooling2d({ poolSize: 2, padding: 'same' }),
            tfl.layers.depthwiseConv2d({ kernelSize: 2, depthMultiplier: 2, padding: 'same' }),
            tfl.layers.averagePooling2d({ poolSize: 2, padding: 'same', strides: 1 }),
            tfl.layers.conv2dTranspose({ filters: 3, kernelSize: 3, strides: 2, padding: 'same' }),
            tfl.layers.conv2dTranspose({ filters: 2, kernelSize: 3, strides: 2, padding: 'valid' }),
            tfl.layers.zeroPadding2d({ padding: [[1, 2], [0, 1]] }),
            tfl.layers.upSampling2d({ size: [2, 1] }),
            tfl.layers.conv2d({ filters: 2, kernelSize: 3, dilationRate: 2 }),
            tfl.layers.globalAveragePooling2d({}),
            tfl.layers.dense({ units: 2 }),
          ],
        }),
      tf.randomNormal([2, 9, 9, 2], 0, 1, 'float32', 2),
      1e-4,
    );
  });

  it('recurrent layers, TimeDistributed and Bidirectional', async () => {
    await roundTrip(
      () =>
        tfl.sequential({
          layers: [
            tfl.layers.conv1d({ filters: 3, kernelSize: 3, inputShape: [7, 2], padding: 'same' }),
            tfl.layers.lstm({ units: 4, returnSequences: true, ...rec }),
            tfl.layers.gru({ units: 3, returnSequences: true, ...rec }),
            tfl.layers.simpleRNN({ units: 3, returnSequences: true, ...rec }),
            tfl.layers.timeDistributed({ layer: tfl.layers.dense({ units: 2 }) }),
            tfl.layers.bidirectional({ layer: tfl.layers.lstm({ units: 2, ...rec }), mergeMode: 'concat' }),
          ],
        }),
      tf.randomNormal([2, 7, 2], 0, 1, 'float32', 3),
    );
  });

  it('embedding and layer normalization', async () => {
    await roundTrip(
      () =>
        tfl.sequential({
          layers: [
            tfl.layers.embedding({ inputDim: 10, outputDim: 4, inputLength: 5 }),
            tfl.layers.layerNormalization({}),
            tfl.layers.flatten(),
            tfl.layers.dense({ units: 2, activation: 'sigmoid' }),
          ],
        }),
      tf.cast(tf.randomUniform([3, 5], 0, 10, 'int32', 4), 'float32'),
    );
  });

  it('functional model with two inputs, two outputs and merge layers', async () => {
    const a = tfl.input({ shape: [4] });
    const b = tfl.input({ shape: [4] });
    const h = tfl.layers.add().apply([tfl.layers.dense({ units: 3 }).apply(a) as tfl.SymbolicTensor, tfl.layers.dense({ units: 3 }).apply(b) as tfl.SymbolicTensor]) as tfl.SymbolicTensor;
    const c = tfl.layers.concatenate().apply([h, a]) as tfl.SymbolicTensor;
    const m = tfl.model({ inputs: [a, b], outputs: [tfl.layers.dense({ units: 2 }).apply(c) as tfl.SymbolicTensor, tfl.layers.multiply().apply([h, h]) as tfl.SymbolicTensor] });
    const xa = tf.randomNormal([2, 4], 0, 1, 'float32', 5);
    const xb = tf.randomNormal([2, 4], 0, 1, 'float32', 6);
    const [y1, y2] = m.predict([xa, xb]) as tf.Tensor[];
    const ours = await tk.loadLayersModel(tk.io.fromMemory(await tfjsArtifacts(m)));
    const [o1, o2] = ours.predict([toTessera(xa), toTessera(xb)]) as Tensor[];
    expectClose(o1!, y1!.dataSync());
    expectClose(o2!, y2!.dataSync());
    const theirs = await tfl.loadLayersModel(tf.io.fromMemory((await tesseraArtifacts(ours)) as never));
    const [z1, z2] = theirs.predict([xa, xb]) as tf.Tensor[];
    expectClose(z1!.dataSync(), y1!.dataSync());
    expectClose(z2!.dataSync(), y2!.dataSync());
  });

  it('a model trained here keeps its predictions in TF.js, through model.json + weights.bin on disk', async () => {
    manualSeed(3);
    const model = tk.sequential({
      layers: [tk.layers.dense({ units: 8, activation: 'relu', inputShape: [3] }), tk.layers.dropout({ rate: 0.2 }), tk.layers.dense({ units: 2, activation: 'softmax' })],
    });
    model.compile({ optimizer: 'adam', loss: 'sparse_categorical_crossentropy', metrics: ['accuracy'] });
    const x = randn([32, 3]);
    await model.fit(x, x.select(1, 0).gt(0).int(), { epochs: 2, verbose: 0 });
    const dir = mkdtempSync(join(tmpdir(), 'tk-tfjs-'));
    await model.save(`file://${dir}`);
    expect(readdirSync(dir).sort()).toEqual(['model.json', 'weights.bin']);
    const back = await tk.loadLayersModel(`file://${dir}/model.json`);
    expect(back.optimizer?.className).toBe('Adam');
    expectClose(back.predict(x) as Tensor, model.predict(x) as Tensor, 0);
    const theirs = await tfl.loadLayersModel(tf.io.fromMemory((await tesseraArtifacts(model)) as never));
    const xs = tf.tensor(Array.from(x.dataSync()), [32, 3]);
    expectClose((theirs.predict(xs) as tf.Tensor).dataSync(), model.predict(x) as Tensor, 1e-5);
  });
});

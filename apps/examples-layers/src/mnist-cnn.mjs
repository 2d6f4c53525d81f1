// A small MNIST convnet (Keras's "simple MNIST convnet"), channels-last. Target: >= 98.5% test
// accuracy after 2 epochs. On the pure-TypeScript CPU backend an epoch takes minutes.
//   pnpm --filter @tessera/examples-layers mnist-cnn
import { manualSeed } from '@tessera/core';
import * as tk from '@tessera/layers';
import { since, useBestBackend } from './backend.mjs';
import { loadMnist } from './mnist.mjs';

await useBestBackend();
manualSeed(Number(process.env.SEED ?? 0));
const [[xTrain, yTrain], [xTest, yTest]] = await loadMnist();
const prep = (x) => x.div(255).reshape([x.shape[0], 28, 28, 1]);
const model = tk.sequential({ layers: [
  tk.layers.conv2d({ filters: 32, kernelSize: 3, activation: 'relu', inputShape: [28, 28, 1] }),
  tk.layers.maxPooling2d({ poolSize: 2 }),
  tk.layers.conv2d({ filters: 64, kernelSize: 3, activation: 'relu' }),
  tk.layers.maxPooling2d({ poolSize: 2 }),
  tk.layers.flatten(),
  tk.layers.dropout({ rate: 0.5 }),
  tk.layers.dense({ units: 10, activation: 'softmax' }),
]});
model.summary();
model.compile({ optimizer: 'adam', loss: 'sparse_categorical_crossentropy', metrics: ['accuracy'] });
const epochs = Number(process.env.EPOCHS ?? 2);
const t0 = Date.now();
const seconds = [];
let last = Date.now();
await model.fit(prep(xTrain), yTrain, {
  epochs,
  batchSize: Number(process.env.BATCH ?? 32),
  callbacks: [{ onEpochEnd: () => { seconds.push((Date.now() - last) / 1000); last = Date.now(); } }],
});
const [loss, acc] = model.evaluate(prep(xTest), yTest);
console.log(`seconds per epoch: ${seconds.map((s) => s.toFixed(0)).join(', ')}`);
console.log(`test accuracy after ${epochs} epochs: ${(100 * acc.itemSync()).toFixed(2)}% (loss ${loss.itemSync().toFixed(4)}) in ${since(t0)}s`);

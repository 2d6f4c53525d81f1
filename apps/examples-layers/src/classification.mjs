// Multi-class classification with categorical cross-entropy: dense(64, relu, inputDim 100) -> dense(10, softmax).
import { manualSeed, oneHot, randn } from '@tessera/core';
import * as tk from '@tessera/layers';
import { since, useBestBackend } from './backend.mjs';

await useBestBackend();
manualSeed(0);
// 4000 samples of 100 features, labelled by a random linear teacher (one-hot, 10 classes).
const teacher = randn([100, 10]);
const make = (n) => {
  const x = randn([n, 100]);
  return [x, oneHot(x.matmul(teacher).argmax(1), 10).float()];
};
const [x, y] = make(4000);
const [xTest, yTest] = make(1000);
const model = tk.sequential({ layers: [
  tk.layers.dense({ units: 64, activation: 'relu', inputDim: 100 }),
  tk.layers.dense({ units: 10, activation: 'softmax' }),
]});
model.compile({ optimizer: 'rmsprop', loss: 'categorical_crossentropy', metrics: ['accuracy'] });
const t0 = Date.now();
await model.fit(x, y, { epochs: 20, batchSize: 32, validationSplit: 0.1 });
const [, acc] = model.evaluate(xTest, yTest);
console.log(`test accuracy: ${(100 * acc.itemSync()).toFixed(2)}% in ${since(t0)}s`);

// An LSTM on a sequence task: read a sequence of 20 digits and say whether the number of 7s
// exceeds the number of 3s (needs memory across the whole sequence).
import { manualSeed, randint } from '@tessera/core';
import * as tk from '@tessera/layers';
import { since, useBestBackend } from './backend.mjs';

await useBestBackend();
manualSeed(0);
const make = (n) => {
  const x = randint(0, 10, [n, 20]);
  const y = x.eq(7).int().sum(1).gt(x.eq(3).int().sum(1)).int();
  return [x, y];
};
const [x, y] = make(2000);
const [xTest, yTest] = make(500);
const model = tk.sequential({ layers: [
  tk.layers.embedding({ inputDim: 10, outputDim: 8, inputLength: 20 }),
  tk.layers.lstm({ units: 32 }),
  tk.layers.dense({ units: 1, activation: 'sigmoid' }),
]});
model.compile({ optimizer: 'adam', loss: 'binary_crossentropy', metrics: ['accuracy'] });
model.summary();
const t0 = Date.now();
await model.fit(x, y, { epochs: 10, batchSize: 32, validationSplit: 0.1 });
const [, acc] = model.evaluate(xTest, yTest);
console.log(`test accuracy: ${(100 * acc.itemSync()).toFixed(2)}% in ${since(t0)}s`);

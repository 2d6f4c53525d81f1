// The MNIST MLP of issue #6, as a Keras user writes it. Target: >= 97.5% test accuracy.
//   pnpm --filter @tessera/examples-layers mnist-mlp
import * as tk from '@tessera/layers';
import { since, useBestBackend } from './backend.mjs';
import { loadMnist } from './mnist.mjs';

await useBestBackend();
const t0 = Date.now();
const [[xTrain, yTrain], [xTest, yTest]] = await loadMnist();
const model = tk.sequential({ layers: [
  tk.layers.flatten({ inputShape: [28, 28] }),
  tk.layers.dense({ units: 128, activation: 'relu' }),
  tk.layers.dense({ units: 10, activation: 'softmax' }),
]});
model.compile({ optimizer: 'adam', loss: 'sparse_categorical_crossentropy', metrics: ['accuracy'] });
model.summary();
await model.fit(xTrain.div(255), yTrain, { epochs: 5 });
const [loss, acc] = await model.evaluate(xTest.div(255), yTest);
console.log(`test accuracy: ${(100 * acc.itemSync()).toFixed(2)}% (loss ${loss.itemSync().toFixed(4)}) in ${since(t0)}s`);

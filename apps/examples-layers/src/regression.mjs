// Regression: dense(64, relu, inputDim 10) -> dense(64, relu) -> dense(1), mean squared error, adam,
// 50 epochs on 100 x 10 data (Keras's "getting started" snippet).
import { manualSeed, randn } from '@tessera/core';
import * as tk from '@tessera/layers';
import { since, useBestBackend } from './backend.mjs';

await useBestBackend();
manualSeed(0);
const x = randn([100, 10]);
const y = x.matmul(randn([10, 1])).add(x.select(1, 0).square().unsqueeze(1)); // a nonlinear target
const model = tk.sequential({ layers: [
  tk.layers.dense({ units: 64, activation: 'relu', inputDim: 10 }),
  tk.layers.dense({ units: 64, activation: 'relu' }),
  tk.layers.dense({ units: 1 }),
]});
model.compile({ optimizer: 'adam', loss: 'mse' });
const t0 = Date.now();
const history = await model.fit(x, y, { epochs: 50, batchSize: 32, verbose: 0 });
const losses = history.history.loss;
console.log(`mse: epoch 1 ${losses[0].toFixed(4)} -> epoch 50 ${losses[49].toFixed(4)} in ${since(t0)}s`);

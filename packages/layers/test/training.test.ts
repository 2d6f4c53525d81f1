import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { full, manualSeed, memory, oneHot, randint, randn, tensor, type Tensor } from '@tessera/core';
import { describe, expect, it } from 'vitest';
import * as tk from '../src/index.js';
import { captureStdout, expectClose } from './helpers.js';

function regressionData(n = 100): { x: Tensor; y: Tensor } {
  manualSeed(0);
  const x = randn([n, 10]);
  const y = x.sum(1, true).mul(0.5).add(x.select(1, 0).square().unsqueeze(1));
  return { x, y };
}

function blobs(n = 200, classes = 3, dim = 4): { x: Tensor; y: Tensor } {
  manualSeed(1);
  const y = randint(0, classes, [n]);
  const centers = randn([classes, dim]).mul(3);
  const x = centers.indexSelect(0, y).add(randn([n, dim]).mul(0.5));
  return { x, y };
}

describe('compile and fit', () => {
  it('regression example: dense(64, relu, inputDim 10) -> dense(64, relu) -> dense(1), mse, adam', async () => {
    const { x, y } = regressionData();
    const model = tk.sequential({
      layers: [tk.layers.dense({ units: 64, activation: 'relu', inputDim: 10 }), tk.layers.dense({ units: 64, activation: 'relu' }), tk.layers.dense({ units: 1 })],
    });
    model.compile({ optimizer: 'adam', loss: 'mse' });
    const h = await model.fit(x, y, { epochs: 50, batchSize: 32, verbose: 0 });
    expect(h.epoch).toHaveLength(50);
    expect(h.history['loss']![49]!).toBeLessThan(h.history['loss']![0]! / 5);
  });

  it('accepts Keras and camelCase names for optimizers, losses and metrics', async () => {
    const { x, y } = blobs();
    for (const [optimizer, loss, metric] of [
      ['adam', 'sparse_categorical_crossentropy', 'accuracy'],
      ['rmsprop', 'sparseCategoricalCrossentropy', 'acc'],
      ['sgd', 'SparseCategoricalCrossentropy', 'sparse_categorical_accuracy'],
    ] as const) {
      const model = tk.sequential({ layers: [tk.layers.dense({ units: 8, activation: 'relu', inputShape: [4] }), tk.layers.dense({ units: 3, activation: 'softmax' })] });
      model.compile({ optimizer, loss, metrics: [metric] });
      const h = await model.fit(x, y, { epochs: 3, verbose: 0 });
      expect(Object.keys(h.history).sort()).toEqual([metric, 'loss'].sort());
    }
  });

  it('trains a classifier on integer labels (no float-label workaround) and on one-hot labels', async () => {
    const { x, y } = blobs();
    const sparse = tk.sequential({ layers: [tk.layers.dense({ units: 16, activation: 'relu', inputShape: [4] }), tk.layers.dense({ units: 3, activation: 'softmax' })] });
    sparse.compile({ optimizer: tk.train.adam(0.01), loss: 'sparse_categorical_crossentropy', metrics: ['accuracy'] });
    await sparse.fit(x, y, { epochs: 10, verbose: 0 });
    const [, acc] = sparse.evaluate(x, y, { verbose: 0 }) as Tensor[];
    expect(acc!.itemSync()).toBeGreaterThan(0.9);
    const cat = tk.sequential({ layers: [tk.layers.dense({ units: 16, activation: 'relu', inputDim: 4 }), tk.layers.dense({ units: 3, activation: 'softmax' })] });
    cat.compile({ optimizer: new tk.optimizers.Adam({ learningRate: 0.01 }), loss: 'categorical_crossentropy', metrics: ['accuracy'] });
    await cat.fit(x, oneHot(y, 3).float(), { epochs: 10, verbose: 0 });
    const [, acc2] = cat.evaluate(x, oneHot(y, 3).float(), { verbose: 0 }) as Tensor[];
    expect(acc2!.itemSync()).toBeGreaterThan(0.9);
  });

  it('categorical cross-entropy example: dense(64, relu, inputDim 100) -> dense(10, softmax)', async () => {
    manualSeed(2);
    const x = randn([256, 100]);
    const labels = x.slice(1, 0, 10).argmax(1);
    const y = oneHot(labels, 10).float();
    const model = tk.sequential({ layers: [tk.layers.dense({ units: 64, activation: 'relu', inputDim: 100 }), tk.layers.dense({ units: 10, activation: 'softmax' })] });
    model.compile({ optimizer: 'rmsprop', loss: 'categorical_crossentropy', metrics: ['accuracy'] });
    const h = await model.fit(x, y, { epochs: 10, batchSize: 32, verbose: 0 });
    expect(h.history['accuracy']![9]!).toBeGreaterThan(h.history['accuracy']![0]!);
  });

  it('binary cross-entropy with integer 0/1 labels', async () => {
    manualSeed(3);
    const x = randn([200, 2]);
    const y = x.select(1, 0).add(x.select(1, 1)).gt(0).int();
    const model = tk.sequential({ layers: [tk.layers.dense({ units: 1, activation: 'sigmoid', inputShape: [2] })] });
    model.compile({ optimizer: tk.train.adam(0.05), loss: 'binary_crossentropy', metrics: ['accuracy'] });
    await model.fit(x, y, { epochs: 20, verbose: 0 });
    expect((model.evaluate(x, y, { verbose: 0 }) as Tensor[])[1]!.itemSync()).toBeGreaterThan(0.9);
  });

  it('validationSplit takes the last samples, validationData is evaluated each epoch', async () => {
    const { x, y } = blobs(100);
    const model = tk.sequential({ layers: [tk.layers.dense({ units: 3, activation: 'softmax', inputShape: [4] })] });
    model.compile({ optimizer: 'adam', loss: 'sparse_categorical_crossentropy', metrics: ['accuracy'] });
    const seen: number[] = [];
    const h = await model.fit(x, y, { epochs: 2, batchSize: 10, validationSplit: 0.2, verbose: 0, callbacks: { onBatchEnd: (_b: number, logs?: tk.Logs) => void seen.push(logs!['loss']!) } });
    expect(seen).toHaveLength(16); // 80 samples / 10 per batch, 2 epochs
    expect(Object.keys(h.history).sort()).toEqual(['accuracy', 'loss', 'val_accuracy', 'val_loss']);
    const h2 = await model.fit(x, y, { epochs: 1, validationData: [x.slice(0, 0, 20), y.slice(0, 0, 20)], verbose: 0 });
    expect(h2.history['val_loss']).toHaveLength(1);
  });

  it('classWeight and sampleWeight scale the loss', async () => {
    const x = tensor([[1], [1]]);
    const y = tensor([0, 1], { dtype: 'int32' });
    const model = tk.sequential({ layers: [tk.layers.dense({ units: 2, activation: 'softmax', inputShape: [1], kernelInitializer: 'zeros' })] });
    model.compile({ optimizer: 'sgd', loss: 'sparse_categorical_crossentropy' });
    const plain = (model.testOnBatch(x, y) as Tensor).itemSync() as number;
    expect(plain).toBeCloseTo(Math.log(2), 5);
    const weighted = await model.trainOnBatch(x, y, { classWeight: { 0: 3, 1: 1 } });
    expect(weighted as number).toBeCloseTo((Math.log(2) * 4) / 2, 5);
  });

  it('initialEpoch, shuffle: false and batch sizes that do not divide the data', async () => {
    const { x, y } = regressionData(50);
    const model = tk.sequential({ layers: [tk.layers.dense({ units: 1, inputShape: [10] })] });
    model.compile({ optimizer: 'sgd', loss: 'mse' });
    const sizes: number[] = [];
    const h = await model.fit(x, y, { epochs: 3, initialEpoch: 1, batchSize: 16, shuffle: false, verbose: 0, callbacks: [{ onTrainBatchBegin: (_b: number, l?: tk.Logs) => void sizes.push(l!['size']!) }] });
    expect(h.epoch).toEqual([1, 2]);
    expect(sizes.slice(0, 4)).toEqual([16, 16, 16, 2]);
  });

  it('fit accepts a dataset of [x, y] batches (a DataLoader-like iterable) and fitDataset', async () => {
    const { x, y } = blobs(64);
    const batches = [0, 16, 32, 48].map((s) => [x.slice(0, s, s + 16), y.slice(0, s, s + 16)]);
    const model = tk.sequential({ layers: [tk.layers.dense({ units: 3, activation: 'softmax', inputShape: [4] })] });
    model.compile({ optimizer: 'adam', loss: 'sparse_categorical_crossentropy', metrics: ['accuracy'] });
    const h = await model.fit(batches, { epochs: 3, verbose: 0 });
    expect(h.history['loss']).toHaveLength(3);
    async function* gen(): AsyncGenerator<{ xs: Tensor; ys: Tensor }> {
      for (const [bx, by] of batches) yield { xs: bx!.clone(), ys: by!.clone() };
    }
    const h2 = await model.fitDataset({ [Symbol.asyncIterator]: gen }, { epochs: 2, verbose: 0 });
    expect(h2.history['accuracy']).toHaveLength(2);
    const r = (await model.evaluateDataset(batches, {})) as Tensor[];
    expect(r).toHaveLength(2);
  });

  it('predict is batched and returns the same values for any batch size', async () => {
    const { x } = blobs(70);
    const model = tk.sequential({ layers: [tk.layers.dense({ units: 5, activation: 'relu', inputShape: [4] }), tk.layers.dense({ units: 2 })] });
    expectClose(model.predict(x, { batchSize: 7 }) as Tensor, model.predict(x, { batchSize: 1000 }) as Tensor, 1e-6);
    expect((model.predict(x) as Tensor).shape).toEqual([70, 2]);
  });

  it('does not leak tensors across fit/evaluate/predict', async () => {
    const { x, y } = blobs(64);
    const model = tk.sequential({ layers: [tk.layers.dense({ units: 8, activation: 'relu', inputShape: [4] }), tk.layers.dropout({ rate: 0.5 }), tk.layers.dense({ units: 3, activation: 'softmax' })] });
    model.compile({ optimizer: 'adam', loss: 'sparse_categorical_crossentropy', metrics: ['accuracy'] });
    await model.fit(x, y, { epochs: 1, verbose: 0 });
    const sampleWeight = x.select(1, 0).abs();
    const before = memory().numTensors;
    await model.fit(x, y, { epochs: 2, verbose: 0, validationSplit: 0.25, classWeight: { 0: 2 } });
    await model.fit(x, y, { epochs: 1, verbose: 0, shuffle: false, sampleWeight, classWeight: { 1: 3 } });
    (model.predict(x) as Tensor).dispose();
    for (const t of model.evaluate(x, y, { verbose: 0 }) as Tensor[]) t.dispose();
    expect(memory().numTensors).toBe(before);
  });

  it('layer.trainable = false freezes weights; getWeights/setWeights', async () => {
    const { x, y } = blobs(32);
    const first = tk.layers.dense({ units: 4, inputShape: [4] });
    const model = tk.sequential({ layers: [first, tk.layers.dense({ units: 3, activation: 'softmax' })] });
    first.trainable = false;
    model.compile({ optimizer: 'adam', loss: 'sparse_categorical_crossentropy' });
    const before = first.getWeights();
    expect(model.trainableWeights).toHaveLength(2);
    expect(model.nonTrainableWeights).toHaveLength(2);
    await model.fit(x, y, { epochs: 2, verbose: 0 });
    expectClose(first.getWeights()[0]!, before[0]!, 0);
    const w = model.getWeights();
    const other = tk.sequential({ layers: [tk.layers.dense({ units: 4, inputShape: [4] }), tk.layers.dense({ units: 3, activation: 'softmax' })] });
    other.setWeights(w);
    expectClose(other.predict(x) as Tensor, model.predict(x) as Tensor, 1e-6);
  });

  it('a fully frozen model still trains without error (its weights stay)', async () => {
    const { x, y } = blobs(16);
    const model = tk.sequential({ layers: [tk.layers.dense({ units: 3, activation: 'softmax', inputShape: [4] })] });
    model.trainable = false;
    model.compile({ optimizer: 'adam', loss: 'sparse_categorical_crossentropy' });
    const before = model.getWeights();
    const h = await model.fit(x, y, { epochs: 1, verbose: 0 });
    expect(h.history['loss']).toHaveLength(1);
    expectClose(model.getWeights()[0]!, before[0]!, 0);
  });

  it('regularizers by name and object add to the loss', async () => {
    const x = tensor([[1, 1]]);
    const y = tensor([[0]]);
    const mk = (reg: unknown): tk.LayersModel => {
      const m = tk.sequential({ layers: [tk.layers.dense({ units: 1, inputShape: [2], kernelInitializer: 'ones', kernelRegularizer: reg as never })] });
      m.compile({ optimizer: 'sgd', loss: 'mse' });
      return m;
    };
    const base = (mk(null).testOnBatch(x, y) as Tensor).itemSync() as number;
    expect(base).toBeCloseTo(4, 5);
    expect((mk('l2').testOnBatch(x, y) as Tensor).itemSync()).toBeCloseTo(4 + 0.01 * 2, 5);
    expect((mk(tk.regularizers.l1({ l1: 0.5 })).testOnBatch(x, y) as Tensor).itemSync()).toBeCloseTo(4 + 1, 5);
    expect((mk({ className: 'L1L2', config: { l1: 0.1, l2: 0.1 } }).testOnBatch(x, y) as Tensor).itemSync()).toBeCloseTo(4 + 0.2 + 0.2, 5);
  });
});

describe('models', () => {
  it('sequential add/pop and deferred build from data', async () => {
    const model = tk.sequential();
    model.add(tk.layers.dense({ units: 4, activation: 'relu' }));
    model.add(tk.layers.dense({ units: 2 }));
    model.add(tk.layers.dense({ units: 7 }));
    model.pop();
    expect(model.layers).toHaveLength(2);
    expect(model.built).toBe(false);
    const y = model.predict(randn([3, 5])) as Tensor;
    expect(y.shape).toEqual([3, 2]);
    expect(model.countParams()).toBe(5 * 4 + 4 + 4 * 2 + 2);
  });

  it('keras.Input as first entry of a Sequential', () => {
    const model = tk.sequential({ layers: [tk.input({ shape: [3] }), tk.layers.dense({ units: 2 })] });
    expect(model.outputs[0]!.shape).toEqual([null, 2]);
  });

  it('functional API: multi-input, multi-output, shared layers, losses by output name', async () => {
    const a = tk.input({ shape: [4], name: 'a' });
    const b = tk.input({ shape: [4], name: 'b' });
    const shared = tk.layers.dense({ units: 8, activation: 'relu' });
    const merged = tk.layers.concatenate().apply([shared.apply(a) as tk.SymbolicTensor, shared.apply(b) as tk.SymbolicTensor]) as tk.SymbolicTensor;
    const cls = tk.layers.dense({ units: 3, activation: 'softmax', name: 'cls' }).apply(merged) as tk.SymbolicTensor;
    const reg = tk.layers.dense({ units: 1, name: 'reg' }).apply(merged) as tk.SymbolicTensor;
    const model = tk.model({ inputs: [a, b], outputs: [cls, reg] });
    expect(model.outputNames).toEqual(['cls', 'reg']);
    model.compile({ optimizer: 'adam', loss: { cls: 'sparse_categorical_crossentropy', reg: 'mse' }, metrics: { cls: ['accuracy'] }, lossWeights: { cls: 1, reg: 0.5 } });
    const { x, y } = blobs(64);
    const h = await model.fit({ a: x, b: x.mul(-1) }, { cls: y, reg: x.sum(1, true) }, { epochs: 2, verbose: 0 });
    expect(Object.keys(h.history).sort()).toEqual(['cls_accuracy', 'cls_loss', 'loss', 'reg_loss']);
    const [p1, p2] = model.predict([x, x]) as Tensor[];
    expect(p1!.shape).toEqual([64, 3]);
    expect(p2!.shape).toEqual([64, 1]);
  });

  it('graph errors name the missing input', () => {
    const a = tk.input({ shape: [2] });
    const b = tk.input({ shape: [2] });
    const out = tk.layers.add().apply([a, b]) as tk.SymbolicTensor;
    expect(() => tk.model({ inputs: a, outputs: out })).toThrow(/Graph disconnected/);
  });

  it('subclassing: layers in fields are tracked, training flag reaches dropout', async () => {
    class MLP extends tk.LayersModel {
      d1 = tk.layers.dense({ units: 8, activation: 'relu' });
      drop = tk.layers.dropout({ rate: 0.9 });
      d2 = tk.layers.dense({ units: 3, activation: 'softmax' });
      override call(x: Tensor | Tensor[]): Tensor {
        return this.d2.apply(this.drop.apply(this.d1.apply(x as Tensor) as Tensor) as Tensor) as Tensor;
      }
    }
    const model = new MLP();
    const { x, y } = blobs(64);
    model.compile({ optimizer: 'adam', loss: 'sparse_categorical_crossentropy' });
    await model.fit(x, y, { epochs: 1, verbose: 0 });
    expect(model.layers).toHaveLength(3);
    expect(model.trainableWeights).toHaveLength(4);
    // Inference is deterministic (dropout off), training is not.
    expectClose(model.predict(x) as Tensor, model.predict(x) as Tensor, 0);
  });

  it('summary prints Keras 3 table with totals', () => {
    const model = tk.sequential({
      layers: [tk.layers.flatten({ inputShape: [28, 28] }), tk.layers.dense({ units: 128, activation: 'relu' }), tk.layers.dense({ units: 10, activation: 'softmax' })],
    });
    const lines: string[] = [];
    model.summary(undefined, undefined, (l) => lines.push(l));
    const text = lines.join('\n');
    expect(text).toContain('Layer (type)');
    expect(text).toMatch(/flatten(_\d+)? \(Flatten\)\s+│ \(None, 784\)/);
    expect(text).toContain('100,480');
    expect(text).toContain('Total params: 101,770 (397.54 KB)');
    expect(text).toContain('Trainable params: 101,770');
    expect(text).toContain('Non-trainable params: 0 (0.00 B)');
  });
});

describe('progress display and callbacks', () => {
  it('prints one plain line per epoch when stdout is not a terminal', async () => {
    const { x, y } = blobs(64);
    const model = tk.sequential({ layers: [tk.layers.dense({ units: 3, activation: 'softmax', inputShape: [4] })] });
    model.compile({ optimizer: 'adam', loss: 'sparse_categorical_crossentropy', metrics: ['accuracy'] });
    const out = await captureStdout(() => model.fit(x, y, { epochs: 2, validationSplit: 0.25 }));
    const lines = out.trim().split('\n');
    expect(lines).toHaveLength(2);
    expect(lines[0]).toMatch(/^Epoch 1\/2 - 2\/2 - \d+s - \d+(ms|us|s)\/step - accuracy: \d\.\d{4} - loss: \d\.\d{4} - val_accuracy: \d\.\d{4} - val_loss: \d\.\d{4}$/);
    expect(out).not.toContain('\r');
  });

  it('draws a bar with \\r on a terminal', async () => {
    const { x, y } = blobs(64);
    const model = tk.sequential({ layers: [tk.layers.dense({ units: 3, activation: 'softmax', inputShape: [4] })] });
    model.compile({ optimizer: 'adam', loss: 'sparse_categorical_crossentropy' });
    const tty = process.stdout.isTTY;
    (process.stdout as { isTTY?: boolean }).isTTY = true;
    try {
      const out = await captureStdout(() => model.fit(x, y, { epochs: 1, batchSize: 8 }));
      expect(out).toContain('Epoch 1/1\n');
      expect(out).toContain('\r');
      // eslint-disable-next-line no-control-regex
      const plain = out.replace(/\x1b\[[0-9;]*m/g, '');
      expect(plain).toMatch(/\r8\/8 ━{20} \d+s \d+(ms|us|s)\/step - loss: \d\.\d{4} *\n$/);
    } finally {
      (process.stdout as { isTTY?: boolean }).isTTY = tty;
    }
  });

  it('custom callbacks with Keras snake_case and camelCase hook names', async () => {
    const { x, y } = blobs(32);
    const model = tk.sequential({ layers: [tk.layers.dense({ units: 3, activation: 'softmax', inputShape: [4] })] });
    model.compile({ optimizer: 'adam', loss: 'sparse_categorical_crossentropy' });
    const calls: string[] = [];
    class Recorder extends tk.Callback {
      on_train_begin(): void {
        calls.push('train_begin');
      }
      on_epoch_end(epoch: number, logs: tk.Logs): void {
        calls.push(`epoch_end ${epoch} ${typeof logs['loss']}`);
      }
      onTrainEnd(): void {
        calls.push('train_end');
      }
    }
    await model.fit(x, y, { epochs: 2, verbose: 0, callbacks: [new Recorder()] });
    expect(calls).toEqual(['train_begin', 'epoch_end 0 number', 'epoch_end 1 number', 'train_end']);
  });

  it('EarlyStopping stops and restores the best weights', async () => {
    const { x, y } = blobs(32);
    const model = tk.sequential({ layers: [tk.layers.dense({ units: 3, activation: 'softmax', inputShape: [4] })] });
    model.compile({ optimizer: tk.train.sgd(0), loss: 'sparse_categorical_crossentropy' });
    const es = new tk.callbacks.EarlyStopping({ monitor: 'loss', patience: 2, restoreBestWeights: true });
    const h = await model.fit(x, y, { epochs: 20, verbose: 0, callbacks: [es] });
    expect(h.epoch.length).toBe(3);
    expect(es.stoppedEpoch).toBe(2);
  });

  it('ReduceLROnPlateau and LearningRateScheduler change the learning rate', async () => {
    const { x, y } = blobs(32);
    const model = tk.sequential({ layers: [tk.layers.dense({ units: 3, activation: 'softmax', inputShape: [4] })] });
    model.compile({ optimizer: tk.train.sgd(0), loss: 'sparse_categorical_crossentropy' });
    const h = await model.fit(x, y, { epochs: 4, verbose: 0, callbacks: [new tk.callbacks.ReduceLROnPlateau({ monitor: 'loss', patience: 1, factor: 0.5, minLr: 0 })] });
    expect(h.history['learning_rate']).toHaveLength(4);
    model.compile({ optimizer: tk.train.sgd(0.1), loss: 'sparse_categorical_crossentropy' });
    const h2 = await model.fit(x, y, { epochs: 3, verbose: 0, callbacks: [new tk.callbacks.LearningRateScheduler((epoch) => 0.1 / (epoch + 1))] });
    expect(h2.history['learning_rate']!.map((v) => +v.toFixed(4))).toEqual([0.1, 0.05, 0.0333]);
  });

  it('TerminateOnNaN stops on a NaN loss', async () => {
    const x = tensor([[Number.NaN]]);
    const model = tk.sequential({ layers: [tk.layers.dense({ units: 1, inputShape: [1] })] });
    model.compile({ optimizer: 'sgd', loss: 'mse' });
    const log = console.log;
    console.log = () => {};
    try {
      const h = await model.fit(x, tensor([[1]]), { epochs: 5, verbose: 0, callbacks: [new tk.callbacks.TerminateOnNaN()] });
      expect(h.epoch).toHaveLength(1);
    } finally {
      console.log = log;
    }
  });

  it('CSVLogger writes a row per epoch', async () => {
    const { x, y } = blobs(32);
    const model = tk.sequential({ layers: [tk.layers.dense({ units: 3, activation: 'softmax', inputShape: [4] })] });
    model.compile({ optimizer: 'adam', loss: 'sparse_categorical_crossentropy', metrics: ['accuracy'] });
    const file = join(mkdtempSync(join(tmpdir(), 'tk-csv-')), 'log.csv');
    await model.fit(x, y, { epochs: 2, verbose: 0, callbacks: [new tk.callbacks.CSVLogger(file)] });
    const rows = readFileSync(file, 'utf8').trim().split('\n');
    expect(rows[0]).toBe('epoch,accuracy,loss');
    expect(rows).toHaveLength(3);
    expect(rows[2]!.startsWith('1,')).toBe(true);
  });

  it('evaluate prints Keras\'s line and returns [loss, ...metrics]', async () => {
    const { x, y } = blobs(40);
    const model = tk.sequential({ layers: [tk.layers.dense({ units: 3, activation: 'softmax', inputShape: [4] })] });
    model.compile({ optimizer: 'adam', loss: 'sparse_categorical_crossentropy', metrics: ['accuracy'] });
    let result: Tensor | Tensor[] = full([], 0);
    const out = await captureStdout(() => (result = model.evaluate(x, y)));
    expect(out).toMatch(/^2\/2 ━+ \d+s \d+(ms|us|s)\/step - accuracy: \d\.\d{4} - loss: \d\.\d{4} *\n$/);
    expect(model.metricsNames).toEqual(['loss', 'accuracy']);
    expect((result as unknown as Tensor[]).length).toBe(2);
  });
});

describe('Keras spellings of options', () => {
  it('accepts snake_case option names in layers, compile and fit', async () => {
    const model = tk.sequential({ layers: [tk.layers.dense({ units: 4, activation: 'relu', input_dim: 3 } as never), tk.layers.dense({ units: 1, use_bias: false } as never)] });
    expect(model.batchInputShape).toEqual([null, 3]);
    expect(model.layers[1]!.weights).toHaveLength(1);
    model.compile({ optimizer: 'adam', loss: 'mean_squared_error' });
    const h = await model.fit(randn([10, 3]), randn([10, 1]), { epochs: 2, batch_size: 5, verbose: 0, validation_split: 0.2 } as never);
    expect(Object.keys(h.history).sort()).toEqual(['loss', 'val_loss']);
  });
});

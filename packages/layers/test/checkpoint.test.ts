import { existsSync, mkdtempSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { manualSeed, randint, randn, type Tensor } from '@tessera/core';
import { describe, expect, it } from 'vitest';
import * as tk from '../src/index.js';
import { expectClose } from './helpers.js';

function build(): tk.LayersModel {
  const model = tk.sequential({
    layers: [
      tk.layers.dense({ units: 16, activation: 'relu', inputShape: [6] }),
      tk.layers.dropout({ rate: 0.3 }),
      tk.layers.batchNormalization(),
      tk.layers.dense({ units: 3, activation: 'softmax' }),
    ],
  });
  model.compile({ optimizer: 'adam', loss: 'sparse_categorical_crossentropy', metrics: ['accuracy'] });
  return model;
}

describe('checkpoints', () => {
  it('ModelCheckpoint with saveBestOnly writes only improvements, atomically, with formatted names', async () => {
    manualSeed(0);
    const x = randn([48, 6]);
    const y = randint(0, 3, [48]);
    const model = build();
    const dir = mkdtempSync(join(tmpdir(), 'tk-ckpt-'));
    const best = new tk.callbacks.ModelCheckpoint({ filepath: join(dir, 'best.keras'), monitor: 'loss', saveBestOnly: true });
    const every = new tk.callbacks.ModelCheckpoint({ filepath: join(dir, 'w.{epoch:02d}-{loss:.2f}.weights.h5'), monitor: 'loss', saveWeightsOnly: true });
    await model.fit(x, y, { epochs: 3, verbose: 0, callbacks: [best, every] });
    const files = readdirSync(dir).sort();
    expect(files.filter((f) => f.endsWith('.tmp'))).toEqual([]);
    expect(files).toContain('best.keras');
    expect(files.filter((f) => /^w\.0[123]-\d\.\d\d\.weights\.h5$/.test(f))).toHaveLength(3);
    const back = await tk.loadLayersModel(join(dir, 'best.keras'));
    expect(back.layers).toHaveLength(4);
    expect(() => new tk.callbacks.ModelCheckpoint({ filepath: 'x.keras', saveWeightsOnly: true })).toThrow(/weights\.h5/);
  });

  it('resuming from a checkpoint (model, optimizer state, epoch) gives the same result as an uninterrupted run', async () => {
    manualSeed(0);
    const x = randn([64, 6]);
    const y = randint(0, 3, [64]);
    manualSeed(11);
    const a = build();
    const init = a.getWeights();
    const ha = await a.fit(x, y, { epochs: 4, batchSize: 16, verbose: 0, seed: 5 });

    const dir = mkdtempSync(join(tmpdir(), 'tk-backup-'));
    const b = build();
    b.setWeights(init);
    const crash = { onEpochEnd: (epoch: number) => { if (epoch === 1) throw new Error('simulated crash'); } };
    await expect(b.fit(x, y, { epochs: 4, batchSize: 16, verbose: 0, seed: 5, callbacks: [new tk.callbacks.BackupAndRestore({ backupDir: dir }), crash] })).rejects.toThrow('simulated crash');
    expect(existsSync(join(dir, 'training_metadata.json'))).toBe(true);

    // A fresh model (other initial weights, fresh optimizer) resumes at epoch 2.
    const c = build();
    const hc = await c.fit(x, y, { epochs: 4, batchSize: 16, verbose: 0, callbacks: [new tk.callbacks.BackupAndRestore({ backupDir: dir })] });
    expect(hc.epoch).toEqual([2, 3]);
    expect(hc.history['loss']).toEqual(ha.history['loss']!.slice(2));
    expect(c.optimizer!.iterations).toBe(a.optimizer!.iterations);
    const wa = a.getWeights();
    c.getWeights().forEach((w, i) => expectClose(w, wa[i]!, 0));
    // A completed run removes its backup.
    expect(existsSync(join(dir, 'training_metadata.json'))).toBe(false);
    const xa = a.predict(x) as Tensor;
    expectClose(c.predict(x) as Tensor, xa, 0);
  });

  it('model.save(.keras) + loadLayersModel + fit({initialEpoch, seed}) continues exactly (Keras\'s ModelCheckpoint way)', async () => {
    manualSeed(1);
    const x = randn([48, 6]);
    const y = randint(0, 3, [48]);
    manualSeed(2);
    const a = build();
    const init = a.getWeights();
    await a.fit(x, y, { epochs: 3, batchSize: 16, verbose: 0, seed: 9 });
    const b = build();
    b.setWeights(init);
    const dir = mkdtempSync(join(tmpdir(), 'tk-resume-'));
    await b.fit(x, y, { epochs: 1, batchSize: 16, verbose: 0, seed: 9, callbacks: [new tk.callbacks.ModelCheckpoint({ filepath: join(dir, 'ckpt.keras') })] });
    const c = await tk.loadLayersModel(join(dir, 'ckpt.keras'));
    await c.fit(x, y, { epochs: 3, initialEpoch: 1, batchSize: 16, verbose: 0, seed: 9 });
    const wa = a.getWeights();
    c.getWeights().forEach((w, i) => expectClose(w, wa[i]!, 0));
  });
});

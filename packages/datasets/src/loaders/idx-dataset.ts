/** Shared loading of MNIST-like datasets: four IDX files (train/test images and labels). */
import { tensor, type Tensor } from '@tessera/core';
import { DatasetFormatError } from '../errors.js';
import { readIdx } from '../formats/idx.js';
import { loadFromSources, type LoadedFile, type PackageSource } from '../sources/resolve.js';
import type { DatasetSpec, LoadOptions } from '../sources/spec.js';

/** Keras's return value: `[[xTrain, yTrain], [xTest, yTest]]`. */
export type Split = [[Tensor, Tensor], [Tensor, Tensor]];

/** Images `[n, h, w]` and labels `[n]` on the host. */
export interface HostSplit {
  images: Uint8Array;
  labels: Int32Array;
  shape: number[];
}

/**
 * Parses the four IDX files (spec order: train images, train labels, test images, test labels),
 * checking dtypes, image size, label range and that each labels file matches its images file.
 */
export async function parseIdxSplits(files: LoadedFile[], height: number, width: number, numClasses: number): Promise<[HostSplit, HostSplit]> {
  const out: HostSplit[] = [];
  for (let s = 0; s < 2; s++) {
    const img = files[2 * s]!;
    const lab = files[2 * s + 1]!;
    const images = await readIdx(img.bytes, img.path, { dtype: 'uint8', shape: [-1, height, width] });
    const labels = await readIdx(lab.bytes, lab.path, { dtype: 'uint8', shape: [-1] });
    if (labels.shape[0] !== images.shape[0]) {
      throw new DatasetFormatError(lab.path, `has ${labels.shape[0]} labels but ${img.path} has ${images.shape[0]} images`);
    }
    const l = new Int32Array(labels.data.length);
    for (let i = 0; i < l.length; i++) {
      const v = labels.data[i]!;
      if (v >= numClasses) throw new DatasetFormatError(lab.path, `label ${i} is ${v}, expected below ${numClasses}`);
      l[i] = v;
    }
    out.push({ images: images.data as Uint8Array, labels: l, shape: images.shape });
  }
  return [out[0]!, out[1]!];
}

/** Host arrays to the Keras-shaped tensors on `device`. */
export function toTensors([train, test]: [HostSplit, HostSplit], device?: string): Split {
  const d = device ? { device } : {};
  const pair = (s: HostSplit): [Tensor, Tensor] => [
    tensor(s.images, { dtype: 'uint8', shape: s.shape, ...d }),
    tensor(s.labels, { dtype: 'int32', shape: [s.labels.length], ...d }),
  ];
  return [pair(train), pair(test)];
}

/** A Keras-style MNIST-like dataset module. */
export interface ImageDataset {
  /** Short name, also its folder in the cache directory. */
  readonly name: string;
  /** Class names, by label. */
  readonly classes: readonly string[];
  /** File names, mirrors and checksums. */
  readonly spec: DatasetSpec;
  /** Loads `[[xTrain, yTrain], [xTest, yTest]]`: uint8 images and int32 labels. */
  loadData(options?: LoadOptions): Promise<Split>;
}

/** Builds the `loadData` of a four-file IDX dataset. */
export function idxDataset(spec: DatasetSpec, classes: readonly string[], pkg?: PackageSource): ImageDataset {
  return {
    name: spec.name,
    classes,
    spec,
    async loadData(options: LoadOptions = {}): Promise<Split> {
      const host = await loadFromSources(spec, options, (files) => parseIdxSplits(files, 28, 28, classes.length), { package: pkg });
      return toTensors(host, options.device);
    },
  };
}

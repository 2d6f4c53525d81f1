/**
 * The CIFAR binary batches (`data_batch_1.bin` ... `test_batch.bin`): fixed-size records of one
 * label byte (two for CIFAR-100: coarse then fine) and 3072 pixel bytes, channel-major
 * (1024 red, 1024 green, 1024 blue, each a row-major 32x32 plane).
 */
import { DatasetFormatError } from '../errors.js';

/** A parsed CIFAR batch. */
export interface CifarBatch {
  /** Number of records. */
  count: number;
  /** `count * 32 * 32 * 3` bytes, laid out as `layout` says. */
  images: Uint8Array;
  /** The label of each record (the fine label when there are two). */
  labels: Uint8Array;
  /** The coarse labels of CIFAR-100 (only when `labelBytes` is 2). */
  coarseLabels?: Uint8Array;
}

/** Options of `parseCifarBatch`. */
export interface CifarBatchOptions {
  /** 1 for CIFAR-10 (default), 2 for CIFAR-100 (coarse and fine label). */
  labelBytes?: 1 | 2;
  /** Labels must be below this (default 10 for one label byte, 100 for two). */
  numClasses?: number;
  /** `'hwc'` (Keras, default) or `'chw'` (as stored, PyTorch's layout). */
  layout?: 'hwc' | 'chw';
  /** Expected number of records (10000 for the official batches). */
  expectedCount?: number;
}

const PIXELS = 32 * 32;
const IMAGE_BYTES = 3 * PIXELS;

/**
 * Parses one CIFAR binary batch. The length must be a whole number of records.
 *
 * @example
 * const { images, labels, count } = parseCifarBatch(bytes, 'data_batch_1.bin');
 */
export function parseCifarBatch(bytes: Uint8Array, file = '<cifar batch>', options: CifarBatchOptions = {}): CifarBatch {
  const labelBytes = options.labelBytes ?? 1;
  const numClasses = options.numClasses ?? (labelBytes === 1 ? 10 : 100);
  const layout = options.layout ?? 'hwc';
  const record = labelBytes + IMAGE_BYTES;
  if (bytes.length === 0) throw new DatasetFormatError(file, 'truncated: the file is empty');
  if (bytes.length % record !== 0) {
    const whole = Math.floor(bytes.length / record);
    throw new DatasetFormatError(
      file,
      `truncated or malformed: ${bytes.length} bytes is not a whole number of ${record}-byte records (${whole} records and ${bytes.length - whole * record} bytes left over)`,
    );
  }
  const count = bytes.length / record;
  if (options.expectedCount !== undefined && count !== options.expectedCount) {
    throw new DatasetFormatError(file, `has ${count} records, expected ${options.expectedCount}`);
  }
  const images = new Uint8Array(count * IMAGE_BYTES);
  const labels = new Uint8Array(count);
  const coarseLabels = labelBytes === 2 ? new Uint8Array(count) : undefined;
  for (let n = 0; n < count; n++) {
    const at = n * record;
    const label = bytes[at + labelBytes - 1]!;
    if (label >= numClasses) throw new DatasetFormatError(file, `record ${n} has label ${label}, expected below ${numClasses}`);
    labels[n] = label;
    if (coarseLabels) coarseLabels[n] = bytes[at]!;
    const src = at + labelBytes;
    const dst = n * IMAGE_BYTES;
    if (layout === 'chw') {
      images.set(bytes.subarray(src, src + IMAGE_BYTES), dst);
    } else {
      for (let p = 0; p < PIXELS; p++) {
        const o = dst + 3 * p;
        images[o] = bytes[src + p]!;
        images[o + 1] = bytes[src + PIXELS + p]!;
        images[o + 2] = bytes[src + 2 * PIXELS + p]!;
      }
    }
  }
  return coarseLabels ? { count, images, labels, coarseLabels } : { count, images, labels };
}

/** Encodes records in the CIFAR-10 binary format from HWC images; for tests and small sets. */
export function encodeCifarBatch(images: Uint8Array, labels: ArrayLike<number>): Uint8Array {
  const count = labels.length;
  if (images.length !== count * IMAGE_BYTES) throw new RangeError(`encodeCifarBatch: ${count} labels need ${count * IMAGE_BYTES} image bytes, got ${images.length}`);
  const out = new Uint8Array(count * (1 + IMAGE_BYTES));
  for (let n = 0; n < count; n++) {
    const at = n * (1 + IMAGE_BYTES);
    out[at] = labels[n]!;
    for (let p = 0; p < PIXELS; p++) {
      for (let c = 0; c < 3; c++) out[at + 1 + c * PIXELS + p] = images[n * IMAGE_BYTES + 3 * p + c]!;
    }
  }
  return out;
}

import '@tessera/backend-cpu';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { cifar10, DatasetUnavailableError, encodeCifarBatch, writeTar } from '../src/index.js';

// Small batches in the real format: batch b holds `per` images whose pixels encode (b, image, offset).
const per = 4;
const names = ['data_batch_1.bin', 'data_batch_2.bin', 'data_batch_3.bin', 'data_batch_4.bin', 'data_batch_5.bin', 'test_batch.bin'];
const batches = names.map((_, b) => {
  const images = Uint8Array.from({ length: per * 3072 }, (_, i) => (b * 50 + i) % 256);
  const labels = Array.from({ length: per }, (_, i) => (b + i) % 10);
  return { images, labels, bytes: encodeCifarBatch(images, labels) };
});

let dir = '';
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'tessera-cifar-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

function check([[xTrain, yTrain], [xTest, yTest]]: Awaited<ReturnType<typeof cifar10.loadData>>): void {
  expect(xTrain.shape).toEqual([5 * per, 32, 32, 3]);
  expect(xTrain.dtype).toBe('uint8');
  expect(yTrain.shape).toEqual([5 * per]);
  expect(yTrain.dtype).toBe('int32');
  expect(xTest.shape).toEqual([per, 32, 32, 3]);
  expect(Array.from(yTrain.dataSync())).toEqual(batches.slice(0, 5).flatMap((b) => b.labels));
  expect(Array.from(yTest.dataSync())).toEqual(batches[5]!.labels);
  // Channels-last pixels, batches in order.
  expect(Array.from(xTrain.dataSync().subarray(per * 3072, per * 3072 + 5))).toEqual(Array.from(batches[1]!.images.subarray(0, 5)));
  expect(xTest.dataSync()).toEqual(batches[5]!.images);
}

describe('cifar10.loadData', () => {
  it('reads the binary tarball from a directory', async () => {
    const tar = writeTar(names.map((n, b) => ({ name: `cifar-10-batches-bin/${n}`, data: batches[b]!.bytes })));
    writeFileSync(join(dir, 'cifar-10-binary.tar.gz'), gzipSync(tar));
    check(await cifar10.loadData({ dir, download: false }));
  });

  it('reads extracted batches, directly or in cifar-10-batches-bin/', async () => {
    mkdirSync(join(dir, 'cifar-10-batches-bin'));
    names.forEach((n, b) => writeFileSync(join(dir, 'cifar-10-batches-bin', n), batches[b]!.bytes));
    check(await cifar10.loadData({ dir, download: false }));
  });

  it('names the file and member of a malformed batch', async () => {
    const bad = batches.map((b) => b.bytes);
    bad[2] = bad[2]!.subarray(0, 3073 * per - 7);
    const tar = writeTar(names.map((n, b) => ({ name: `cifar-10-batches-bin/${n}`, data: bad[b]! })));
    writeFileSync(join(dir, 'cifar-10-binary.tar.gz'), gzipSync(tar));
    const err = await cifar10.loadData({ dir, download: false }).catch((e) => e);
    expect(err).toBeInstanceOf(DatasetUnavailableError);
    expect(err.failures[0].reason).toBe(
      `${join(dir, 'cifar-10-binary.tar.gz')}:cifar-10-batches-bin/data_batch_3.bin: truncated or malformed: 12285 bytes is not a whole number of 3073-byte records (3 records and 3066 bytes left over)`,
    );
  });

  it('reports a missing tarball and missing extracted files', async () => {
    const err = await cifar10.loadData({ dir, download: false }).catch((e) => e);
    expect(err.failures[0]).toEqual({
      source: `directory ${dir}`,
      reason: `missing cifar-10-binary.tar.gz (nor the extracted ${names.join(', ')})`,
    });
    expect(err.failures[1]).toEqual({ source: 'download', reason: 'disabled (download: false)' });
  });
});

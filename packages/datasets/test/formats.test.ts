import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import {
  DatasetFormatError,
  encodeCifarBatch,
  encodeIdx,
  gunzip,
  parseCifarBatch,
  parseCsv,
  parseIdx,
  readIdx,
  readTar,
  writeTar,
} from '../src/index.js';

const images = (n: number): Uint8Array => Uint8Array.from({ length: n * 4 * 3 }, (_, i) => (i * 7) % 256);

describe('IDX parser', () => {
  it('reads uint8 images and labels, raw and gzip', async () => {
    const bytes = encodeIdx({ dtype: 'uint8', shape: [2, 4, 3], data: images(2) });
    expect(Array.from(bytes.subarray(0, 4))).toEqual([0, 0, 8, 3]);
    const a = parseIdx(bytes, 'imgs');
    expect(a.dtype).toBe('uint8');
    expect(a.shape).toEqual([2, 4, 3]);
    expect(Array.from(a.data)).toEqual(Array.from(images(2)));
    const b = await readIdx(gzipSync(bytes), 'imgs.gz');
    expect(b.shape).toEqual([2, 4, 3]);
    expect(Array.from(b.data)).toEqual(Array.from(images(2)));
  });

  it('decodes every big-endian element type', () => {
    const cases = [
      ['int8', [-128, -1, 0, 127]],
      ['int16', [-32768, -2, 300, 32767]],
      ['int32', [-2147483648, -5, 70000, 2147483647]],
      ['float32', [1.5, -2.25, 0, 2 ** 40]],
      ['float64', [Math.PI, -1e-300, 0, 1e300]],
    ] as const;
    for (const [dtype, values] of cases) {
      const a = parseIdx(encodeIdx({ dtype, shape: [2, 2], data: values }), dtype);
      expect(a.dtype).toBe(dtype);
      expect(Array.from(a.data)).toEqual(values);
    }
  });

  it('checks what the caller expects', () => {
    const bytes = encodeIdx({ dtype: 'uint8', shape: [2, 4, 3], data: images(2) });
    expect(() => parseIdx(bytes, 'x.idx', { shape: [-1, 28, 28] })).toThrow(/x\.idx: has dimensions \[2, 4, 3\], expected \[\*, 28, 28\]/);
    expect(() => parseIdx(bytes, 'x.idx', { dtype: 'float32' })).toThrow(/x\.idx: holds uint8 values, expected float32/);
  });

  it('rejects a bad magic number, naming the file', () => {
    const bytes = encodeIdx({ dtype: 'uint8', shape: [3], data: [1, 2, 3] });
    bytes[0] = 0x12;
    expect(() => parseIdx(bytes, 'labels.idx')).toThrow(DatasetFormatError);
    expect(() => parseIdx(bytes, 'labels.idx')).toThrow(/^labels\.idx: bad magic number 0x12000801/);
    const badType = encodeIdx({ dtype: 'uint8', shape: [3], data: [1, 2, 3] });
    badType[2] = 0x0a;
    expect(() => parseIdx(badType, 'labels.idx')).toThrow(/labels\.idx: bad magic number 0x00000a01/);
    const noDims = Uint8Array.from([0, 0, 8, 0]);
    expect(() => parseIdx(noDims, 'z')).toThrow(/z: bad magic number: the file declares 0 dimensions/);
    expect(() => parseIdx(gzipSync(bytes), 'labels.idx.gz')).toThrow(/labels\.idx\.gz: is gzip-compressed/);
  });

  it('rejects truncated files', () => {
    const bytes = encodeIdx({ dtype: 'uint8', shape: [2, 4, 3], data: images(2) });
    expect(() => parseIdx(bytes.subarray(0, 3), 'f')).toThrow(/f: truncated: 3 bytes is shorter than the 4-byte IDX magic number/);
    expect(() => parseIdx(bytes.subarray(0, 10), 'f')).toThrow(/f: truncated: the header of 3 dimensions needs 16 bytes, the file has 10/);
    expect(() => parseIdx(bytes.subarray(0, bytes.length - 1), 'f')).toThrow(/f: truncated: dimensions \[2, 4, 3\] of uint8 need 24 bytes of data, the file has 23/);
    const f32 = encodeIdx({ dtype: 'float32', shape: [3], data: [1, 2, 3] });
    expect(() => parseIdx(f32.subarray(0, f32.length - 2), 'g')).toThrow(/g: truncated: dimensions \[3\] of float32 need 12 bytes of data, the file has 10/);
  });

  it('rejects dimensions that do not match the length', () => {
    const bytes = encodeIdx({ dtype: 'uint8', shape: [2, 4, 3], data: images(2) });
    const longer = new Uint8Array(bytes.length + 5);
    longer.set(bytes);
    expect(() => parseIdx(longer, 'f')).toThrow(/f: dimensions \[2, 4, 3\] of uint8 need 24 bytes of data but the file has 29 \(dimensions do not match the length\)/);
    const wrongDims = bytes.slice();
    wrongDims[7] = 3; // first dimension 2 -> 3
    expect(() => parseIdx(wrongDims, 'f')).toThrow(/f: truncated: dimensions \[3, 4, 3\] of uint8 need 36 bytes/);
  });

  it('reports a truncated gzip stream, naming the file', async () => {
    const gz = gzipSync(encodeIdx({ dtype: 'uint8', shape: [100], data: images(100).subarray(0, 100) }));
    await expect(readIdx(gz.subarray(0, gz.length - 10), 'cut.gz')).rejects.toThrow(/cut\.gz: corrupt or truncated gzip data/);
    await expect(gunzip(Uint8Array.from([1, 2, 3]), 'x')).rejects.toThrow(/x: not gzip data/);
  });
});

describe('CIFAR binary batches', () => {
  const n = 3;
  const hwc = Uint8Array.from({ length: n * 3072 }, (_, i) => (i * 31 + 7) % 251);
  const labels = [3, 0, 9];

  it('round-trips records and converts to channels-last', () => {
    const bytes = encodeCifarBatch(hwc, labels);
    expect(bytes.length).toBe(n * 3073);
    expect(bytes[0]).toBe(3);
    // As stored: the red plane of image 0 first.
    expect(bytes[1]).toBe(hwc[0]);
    expect(bytes[2]).toBe(hwc[3]);
    expect(bytes[1 + 1024]).toBe(hwc[1]);
    const b = parseCifarBatch(bytes, 'data_batch_1.bin');
    expect(b.count).toBe(n);
    expect(Array.from(b.labels)).toEqual(labels);
    expect(b.images).toEqual(hwc);
    const chw = parseCifarBatch(bytes, 'b', { layout: 'chw' });
    expect(chw.images[1]).toBe(hwc[3]);
    expect(chw.images[1024]).toBe(hwc[1]);
  });

  it('reads CIFAR-100 records with two label bytes', () => {
    const rec = new Uint8Array(2 * 3074);
    rec[0] = 4;
    rec[1] = 77;
    rec[3074] = 19;
    rec[3075] = 99;
    const b = parseCifarBatch(rec, 'train.bin', { labelBytes: 2 });
    expect(Array.from(b.labels)).toEqual([77, 99]);
    expect(Array.from(b.coarseLabels!)).toEqual([4, 19]);
  });

  it('rejects truncated batches, bad labels and wrong counts, naming the file', () => {
    const bytes = encodeCifarBatch(hwc, labels);
    expect(() => parseCifarBatch(bytes.subarray(0, bytes.length - 1), 'data_batch_2.bin')).toThrow(
      /^data_batch_2\.bin: truncated or malformed: 9218 bytes is not a whole number of 3073-byte records \(2 records and 3072 bytes left over\)/,
    );
    expect(() => parseCifarBatch(new Uint8Array(0), 'e.bin')).toThrow(/e\.bin: truncated: the file is empty/);
    const bad = bytes.slice();
    bad[3073] = 10;
    expect(() => parseCifarBatch(bad, 'test_batch.bin')).toThrow(/test_batch\.bin: record 1 has label 10, expected below 10/);
    expect(() => parseCifarBatch(bytes, 'x.bin', { expectedCount: 10000 })).toThrow(/x\.bin: has 3 records, expected 10000/);
  });
});

describe('tar reader', () => {
  const enc = new TextEncoder();
  const files = [
    { name: 'cifar-10-batches-bin/batches.meta.txt', data: enc.encode('airplane\nautomobile\n') },
    { name: 'cifar-10-batches-bin/empty.bin', data: new Uint8Array(0) },
    { name: 'cifar-10-batches-bin/big.bin', data: Uint8Array.from({ length: 1500 }, (_, i) => i % 256) },
  ];

  it('lists members with their bytes', () => {
    const tar = writeTar(files);
    expect(tar.length % 512).toBe(0);
    const entries = readTar(tar, 'a.tar');
    expect(entries.map((e) => e.name)).toEqual(files.map((f) => f.name));
    entries.forEach((e, i) => {
      expect(e.type).toBe('file');
      expect(e.data).toEqual(files[i]!.data);
    });
  });

  it('reads GNU long names and pax paths', () => {
    const long = `${'d'.repeat(120)}/file.bin`;
    const body = enc.encode('hello');
    const gnu = writeTar([{ name: '././@LongLink', data: enc.encode(`${long}\0`) }, { name: 'short', data: body }]);
    gnu[156] = 0x4c; // 'L'
    fixChecksum(gnu, 0);
    expect(readTar(gnu).map((e) => e.name)).toEqual([long]);
    const rec = ` path=${long}\n`;
    const paxRecord = `${rec.length + String(rec.length + 3).length}${rec}`;
    const pax = writeTar([{ name: 'PaxHeader', data: enc.encode(paxRecord) }, { name: 'short', data: body }]);
    pax[156] = 0x78; // 'x'
    fixChecksum(pax, 0);
    expect(readTar(pax).map((e) => e.name)).toEqual([long]);
  });

  it('rejects truncated archives and bad headers', () => {
    const tar = writeTar(files);
    expect(() => readTar(tar.subarray(0, 512 * 4 + 100), 'c.tar')).toThrow(/c\.tar: truncated: member at offset 1536 declares 1500 bytes, only 100 remain/);
    expect(() => readTar(tar.subarray(0, 700), 'c.tar')).toThrow(/c\.tar: truncated: the archive ends inside the padding of its last member \(324 bytes missing\)/);
    expect(() => readTar(tar.subarray(0, 1100), 'c.tar')).toThrow(/c\.tar: truncated: the archive ends inside the header at offset 1024 \(76 of 512 bytes\)/);
    expect(readTar(tar.subarray(0, tar.length - 1024)).length).toBe(3); // no end marker
    const bad = tar.slice();
    bad[10] ^= 0xff;
    expect(() => readTar(bad, 'c.tar')).toThrow(/c\.tar: bad tar header at offset 0: checksum/);
  });
});

function fixChecksum(tar: Uint8Array, at: number): void {
  tar.fill(0x20, at + 148, at + 156);
  let sum = 0;
  for (let i = 0; i < 512; i++) sum += tar[at + i]!;
  tar.set(new TextEncoder().encode(`${sum.toString(8).padStart(6, '0')}\0 `), at + 148);
}

describe('CSV', () => {
  it('parses quoting, CRLF, blank lines and a byte-order mark', () => {
    const t = parseCsv('\ufeffname,note\r\n"Smith, J","said ""hi""\nthen left"\r\n\r\nplain,\n');
    expect(t.columns).toEqual(['name', 'note']);
    expect(t.rows).toEqual([
      ['Smith, J', 'said "hi"\nthen left'],
      ['plain', ''],
    ]);
    expect(parseCsv('1;2\n3;4', { delimiter: ';', header: false })).toEqual({ columns: ['0', '1'], rows: [['1', '2'], ['3', '4']] });
  });

  it('reports ragged rows and unterminated quotes with their line', () => {
    expect(() => parseCsv('a,b\n1,2\n3\n', { file: 't.csv' })).toThrow(/t\.csv: line 3 has 1 fields, expected 2/);
    expect(() => parseCsv('a,b\n"1,2\n', { file: 't.csv' })).toThrow(/t\.csv: unterminated quoted field starting on line 2/);
    expect(() => parseCsv('a\n"x"y\n', { file: 't.csv' })).toThrow(/t\.csv: line 2: unexpected character "y" after a quoted field/);
  });
});

import '@tessera/backend-cpu';
import { arange, Generator, memory, tensor, type Tensor } from '@tessera/core';
import { describe, expect, it } from 'vitest';
import { compose, normalize, oneHot, randomCrop, randomHorizontalFlip, scale, toFloat } from '../src/index.js';

const values = (t: Tensor): number[] => Array.from(t.dataSync());
const close = (a: number[], b: number[]): void => a.forEach((v, i) => expect(v).toBeCloseTo(b[i]!, 5));

describe('value transforms', () => {
  it('toFloat and scale take uint8 images to float32 [0, 1]', () => {
    const x = tensor(Uint8Array.from([0, 51, 255]));
    expect(toFloat()(x).dtype).toBe('float32');
    expect(values(toFloat()(x))).toEqual([0, 51, 255]);
    close(values(scale()(x)), [0, 0.2, 1]);
    close(values(scale(2)(x)), [0, 102, 510]);
  });

  it('normalize with one value or per channel, channels first or last', () => {
    const x = tensor(Float32Array.from([1, 2, 3, 4]), { shape: [1, 1, 2, 2] });
    close(values(normalize(2, 2)(x)), [-0.5, 0, 0.5, 1]);
    // [N=1, C=2, H=1, W=2]
    const chw = tensor(Float32Array.from([1, 3, 10, 30]), { shape: [1, 2, 1, 2] });
    close(values(normalize([2, 20], [1, 10])(chw)), [-1, 1, -1, 1]);
    // [N=1, H=1, W=2, C=2]
    const hwc = tensor(Float32Array.from([1, 10, 3, 30]), { shape: [1, 1, 2, 2] });
    close(values(normalize([2, 20], [1, 10], { channelsLast: true })(hwc)), [-1, -1, 1, 1]);
    expect(() => normalize([1, 2, 3], [1, 1, 1])(chw)).toThrow(/3 means and 3 stds for 2 channels/);
  });

  it('oneHot gives float32 vectors', () => {
    const y = oneHot(3)(tensor(Int32Array.from([2, 0])));
    expect(y.dtype).toBe('float32');
    expect(y.shape).toEqual([2, 3]);
    expect(values(y)).toEqual([0, 0, 1, 1, 0, 0]);
  });

  it('compose chains and frees intermediates', () => {
    const x = tensor(Uint8Array.from([0, 255]));
    const before = memory().numTensors;
    const y = compose(scale(), normalize(0.5, 0.5))(x);
    close(values(y), [-1, 1]);
    expect(memory().numTensors - before).toBe(1);
  });
});

describe('random image transforms', () => {
  // Batch of 3 single-channel 4x4 images: pixel value = 100 * n + 10 * row + col.
  const imgs = tensor(Float32Array.from({ length: 48 }, (_, k) => 100 * Math.floor(k / 16) + 10 * Math.floor((k % 16) / 4) + (k % 4)), { shape: [3, 1, 4, 4] });

  it('randomCrop without padding takes a window of each image, reproducibly', () => {
    const crop = (seed: number): Tensor => randomCrop(2, { generator: new Generator(seed) })(imgs);
    const a = crop(5);
    expect(a.shape).toEqual([3, 1, 2, 2]);
    expect(values(a)).toEqual(values(crop(5)));
    const v = values(a);
    for (let n = 0; n < 3; n++) {
      const [p, q, r, s] = v.slice(4 * n, 4 * n + 4);
      const top = p! - 100 * n;
      expect(Math.floor(top / 10)).toBeLessThanOrEqual(2);
      expect(top % 10).toBeLessThanOrEqual(2);
      expect([q, r, s]).toEqual([p! + 1, p! + 10, p! + 11]);
    }
    // Different samples get different windows for some seed.
    const offsets = (t: Tensor): number[] => [0, 1, 2].map((n) => values(t)[4 * n]! - 100 * n);
    expect(new Set([...Array(10).keys()].map((s) => offsets(crop(s)).join())).size).toBeGreaterThan(1);
  });

  it('randomCrop with padding keeps the size and fills with zeros', () => {
    const x = tensor(Float32Array.from({ length: 4 * 4 }, () => 1), { shape: [4, 2, 2] }); // [N, H, W]
    const y = randomCrop(2, { padding: 1, generator: new Generator(3) })(x);
    expect(y.shape).toEqual([4, 2, 2]);
    const v = values(y);
    expect(v.every((p) => p === 0 || p === 1)).toBe(true);
    expect(v.some((p) => p === 0)).toBe(true);
    // Channels last: [N, H, W, C] uint8 stays uint8.
    const hwc = tensor(Uint8Array.from({ length: 2 * 4 * 4 * 3 }, (_, k) => k % 200), { shape: [2, 4, 4, 3] });
    const c = randomCrop([4, 4], { padding: 2, channelsLast: true, generator: new Generator(1) })(hwc);
    expect(c.shape).toEqual([2, 4, 4, 3]);
    expect(c.dtype).toBe('uint8');
    const same = randomCrop(4, { channelsLast: true })(hwc);
    expect(values(same)).toEqual(values(hwc));
  });

  it('randomHorizontalFlip mirrors the chosen samples only', () => {
    const flipped = randomHorizontalFlip({ p: 1 })(imgs);
    const v = values(flipped);
    expect(v.slice(0, 4)).toEqual([3, 2, 1, 0]);
    expect(v.slice(16, 20)).toEqual([103, 102, 101, 100]);
    expect(values(randomHorizontalFlip({ p: 0 })(imgs))).toEqual(values(imgs));
    const g = new Generator(11);
    const mixed = values(randomHorizontalFlip({ generator: g })(arange(30).reshape(10, 1, 3)));
    const firsts = [...Array(10).keys()].map((n) => mixed[3 * n]! - 3 * n);
    expect(new Set(firsts)).toEqual(new Set([0, 2]));
    const again = values(randomHorizontalFlip({ generator: new Generator(11) })(arange(30).reshape(10, 1, 3)));
    expect(again).toEqual(mixed);
    // Channels last flips W, not C.
    const hwc = tensor(Float32Array.from([1, 2, 3, 4, 5, 6]), { shape: [1, 1, 3, 2] });
    expect(values(randomHorizontalFlip({ p: 1, channelsLast: true })(hwc))).toEqual([5, 6, 3, 4, 1, 2]);
  });
});

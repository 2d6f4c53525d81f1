import '@tessera/backend-cpu';
import { Generator, tensor, type Tensor } from '@tessera/core';
import { describe, expect, it } from 'vitest';
import { blobs, csvToTensors, iris, regression, sequenceTask, spirals, twoMoons } from '../src/index.js';

const values = (t: Tensor): number[] => Array.from(t.dataSync());

describe('iris', () => {
  it('has 150 flowers, 50 of each species, and the known rows', () => {
    const { x, y } = iris.loadData();
    expect(x.shape).toEqual([150, 4]);
    expect(x.dtype).toBe('float32');
    expect(y.dtype).toBe('int32');
    const labels = values(y);
    expect([0, 1, 2].map((c) => labels.filter((v) => v === c).length)).toEqual([50, 50, 50]);
    const row = (i: number): number[] => values(x).slice(4 * i, 4 * i + 4).map((v) => Math.round(v * 10) / 10);
    expect(row(0)).toEqual([5.1, 3.5, 1.4, 0.2]);
    expect(labels[0]).toBe(0);
    expect(row(50)).toEqual([7.0, 3.2, 4.7, 1.4]);
    expect(labels[50]).toBe(1);
    expect(row(100)).toEqual([6.3, 3.3, 6.0, 2.5]);
    expect(labels[100]).toBe(2);
    expect(row(149)).toEqual([5.9, 3.0, 5.1, 1.8]);
    // Fisher's values where UCI's file has transcription errors.
    expect(row(34)).toEqual([4.9, 3.1, 1.5, 0.2]);
    expect(row(37)).toEqual([4.9, 3.6, 1.4, 0.1]);
    // Column means as scikit-learn documents them.
    const d = iris.loadData({ dtype: 'float64' }).x.dataSync();
    const means = [0, 1, 2, 3].map((c) => {
      let s = 0;
      for (let i = 0; i < 150; i++) s += d[4 * i + c]!;
      return Math.round((s / 150) * 1000) / 1000;
    });
    expect(means).toEqual([5.843, 3.057, 3.758, 1.199]);
    expect(iris.classes).toEqual(['setosa', 'versicolor', 'virginica']);
  });
});

describe('generators', () => {
  it('are deterministic for a seed and differ across seeds', () => {
    const gens = [
      (seed: number) => regression({ nSamples: 20, nFeatures: 3, seed }),
      (seed: number) => twoMoons({ nSamples: 20, seed }),
      (seed: number) => spirals({ nSamples: 21, nClasses: 3, seed }),
      (seed: number) => blobs({ nSamples: 20, seed }),
      (seed: number) => sequenceTask({ task: 'adding', nSamples: 5, length: 6, seed }),
      (seed: number) => sequenceTask({ task: 'parity', nSamples: 5, length: 6, seed }),
      (seed: number) => sequenceTask({ task: 'copy', nSamples: 5, length: 6, seed }),
    ];
    for (const gen of gens) {
      const a = gen(3);
      const b = gen(3);
      const c = gen(4);
      expect(values(a.x)).toEqual(values(b.x));
      expect(values(a.y)).toEqual(values(b.y));
      expect(values(a.x)).not.toEqual(values(c.x));
    }
    // A shared generator advances: two calls give different data.
    const g = new Generator(0);
    expect(values(twoMoons({ generator: g }).x)).not.toEqual(values(twoMoons({ generator: g }).x));
  });

  it('regression: y = Xw + b + noise', () => {
    const { x, y, weights, bias } = regression({ nSamples: 50, weights: [2, -1], bias: 0.5, noise: 0 });
    expect(x.shape).toEqual([50, 2]);
    expect(y.shape).toEqual([50, 1]);
    expect(weights).toEqual([2, -1]);
    const xs = values(x);
    values(y).forEach((v, i) => expect(v).toBeCloseTo(2 * xs[2 * i]! - xs[2 * i + 1]! + bias, 5));
    const noisy = regression({ nSamples: 2000, weights: [1], bias: 0, noise: 0.3, seed: 1 });
    const nx = values(noisy.x);
    const resid = values(noisy.y).map((v, i) => v - nx[i]!);
    const sd = Math.sqrt(resid.reduce((s, r) => s + r * r, 0) / resid.length);
    expect(sd).toBeGreaterThan(0.27);
    expect(sd).toBeLessThan(0.33);
  });

  it('twoMoons, spirals and blobs have balanced labels and the right shapes', () => {
    const m = twoMoons({ nSamples: 101, noise: 0, shuffle: false });
    expect(m.x.shape).toEqual([101, 2]);
    const ml = values(m.y);
    expect(ml.filter((v) => v === 0).length).toBe(50);
    const mx = values(m.x);
    expect([mx[0], mx[1]]).toEqual([1, 0]); // the upper moon starts at (1, 0)
    expect(mx[2 * 50]).toBe(0); // the lower moon starts at (0, 0.5)
    expect(mx[2 * 50 + 1]).toBeCloseTo(0.5, 6);
    const s = spirals({ nSamples: 300, nClasses: 3 });
    const sl = values(s.y);
    expect([0, 1, 2].map((c) => sl.filter((v) => v === c).length)).toEqual([100, 100, 100]);
    expect(Math.max(...values(s.x).map(Math.abs))).toBeLessThanOrEqual(1);
    const b = blobs({ nSamples: 300, centers: [[0, 0], [10, 10]], clusterStd: 0.5 });
    const bx = values(b.x);
    values(b.y).forEach((c, i) => {
      const d = Math.hypot(bx[2 * i]! - 10 * c, bx[2 * i + 1]! - 10 * c);
      expect(d).toBeLessThan(3);
    });
  });

  it('sequence tasks: adding, parity and copy targets are right', () => {
    const add = sequenceTask({ task: 'adding', nSamples: 20, length: 8 });
    expect(add.x.shape).toEqual([20, 8, 2]);
    expect(add.y.shape).toEqual([20, 1]);
    const ax = values(add.x);
    values(add.y).forEach((v, i) => {
      let s = 0;
      let marks = 0;
      for (let t = 0; t < 8; t++) if (ax[(i * 8 + t) * 2 + 1] === 1) (s += ax[(i * 8 + t) * 2]!), marks++;
      expect(marks).toBe(2);
      expect(v).toBeCloseTo(s, 5);
    });
    const par = sequenceTask({ task: 'parity', nSamples: 50, length: 7 });
    expect(par.y.dtype).toBe('int32');
    const px = values(par.x);
    values(par.y).forEach((v, i) => expect(v).toBe(px.slice(i * 7, i * 7 + 7).reduce((a, b) => a ^ b, 0)));
    const copy = sequenceTask({ task: 'copy', nSamples: 3, length: 4, vocabSize: 6 });
    expect(copy.x.shape).toEqual([3, 9]);
    const cx = values(copy.x);
    const cy = values(copy.y);
    for (let i = 0; i < 3; i++) {
      const tokens = cx.slice(i * 9, i * 9 + 4);
      expect(tokens.every((t) => t >= 2 && t < 6)).toBe(true);
      expect(cx.slice(i * 9 + 4, i * 9 + 9)).toEqual([1, 0, 0, 0, 0]);
      expect(cy.slice(i * 9, i * 9 + 9)).toEqual([0, 0, 0, 0, 0, ...tokens]);
    }
    expect(() => sequenceTask({ task: 'sort' as 'copy' })).toThrow(/unknown task "sort"/);
  });

  it('put tensors on the requested device', () => {
    expect(twoMoons({ device: 'cpu' }).x.device).toBe('cpu');
    expect(tensor([1]).device).toBe('cpu');
  });
});

describe('csvToTensors', () => {
  it('makes float32 features and class indices', () => {
    const { x, y, classes, columns } = csvToTensors('a,b,species\n1,2,cat\n3.5,-4,dog\n5,6,cat\n', { label: 'species' });
    expect(columns).toEqual(['a', 'b']);
    expect(classes).toEqual(['cat', 'dog']);
    expect(x.shape).toEqual([3, 2]);
    expect(x.dtype).toBe('float32');
    expect(Array.from(x.dataSync())).toEqual([1, 2, 3.5, -4, 5, 6]);
    expect(y!.dtype).toBe('int32');
    expect(Array.from(y!.dataSync())).toEqual([0, 1, 0]);
    expect(() => csvToTensors('a\nx\n', { file: 'n.csv' })).toThrow(/n\.csv: data row 1, column a: "x" is not a number/);
  });
});

import {
  avgPool1d,
  avgPool2d,
  conv1d,
  conv2d,
  convTranspose2d,
  foldWindows2d,
  avgPool2dBackward,
  conv2dBackwardInput,
  getKernel,
  registerKernel,
  maxPool1d,
  maxPool2d,
  maxPool2dBackward,
  maxPool2dWithIndices,
  type Conv2dOptions,
  type ConvTranspose2dOptions,
  type Tensor,
} from '@tessera/core';
import type * as T from '@tessera/core';
import { describe, expect, it } from 'vitest';
import { expectMatchesComposition, rnd, withSpecials } from './compare.js';

const TOL = { rtol: 1e-5, atol: 1e-5 };

describe('fused conv2d', () => {
  const cases: [string, number[], number[], Conv2dOptions][] = [
    ['3x3, padding 1', [2, 3, 7, 6], [4, 3, 3, 3], { padding: 1 }],
    ['stride 2, asymmetric kernel', [2, 2, 9, 8], [3, 2, 3, 2], { stride: [2, 3] }],
    ['dilation 2, padding 2', [1, 2, 8, 8], [2, 2, 3, 3], { dilation: 2, padding: 2 }],
    ['groups 2', [2, 4, 6, 6], [6, 2, 3, 3], { groups: 2, padding: [1, 0] }],
    ['depthwise', [1, 3, 5, 5], [3, 1, 3, 3], { groups: 3, padding: 1 }],
    ['padding same, even kernel', [1, 2, 6, 7], [3, 2, 4, 2], { padding: 'same' }],
    ['1x1 pointwise', [2, 5, 4, 3], [7, 5, 1, 1], {}],
    ['1x1 stride 2', [1, 3, 5, 5], [2, 3, 1, 1], { stride: 2 }],
    ['kernel wider than stride, large padding', [1, 1, 3, 3], [1, 1, 3, 3], { padding: 2, stride: 2 }],
    ['large packed matmul', [2, 8, 20, 20], [16, 8, 3, 3], { padding: 1 }],
  ];
  it.each(cases)('matches the composition: %s (with and without bias)', (_, xs, ws, options) => {
    const x = rnd(xs, { seed: 1 });
    const w = rnd(ws, { seed: 2, scale: 0.5 });
    const b = rnd([ws[0]!], { seed: 3 });
    expectMatchesComposition('conv2d', (xx, ww) => conv2d(xx, ww, null, options), [x, w], TOL);
    expectMatchesComposition('conv2d', (xx, ww, bb) => conv2d(xx, ww, bb, options), [x, w, b], TOL);
  });

  it('handles strided inputs and weights, float64, a bias of another dtype, unbatched and conv1d', () => {
    const x = rnd([3, 2, 6, 5], { seed: 4 }).permute(1, 0, 2, 3); // [2, 3, 6, 5], not contiguous
    const w = rnd([3, 4, 3, 3], { seed: 5 }).transpose(0, 1); // [4, 3, 3, 3]
    expectMatchesComposition('conv2d', (xx, ww) => conv2d(xx, ww, null, { padding: 1 }), [x, w], TOL);
    const xt = rnd([1, 2, 5, 6], { seed: 6 }).transpose(2, 3); // transposed H/W planes
    expectMatchesComposition('conv2d', (xx, ww) => conv2d(xx, ww), [xt, rnd([3, 2, 1, 1], { seed: 7 })], TOL);
    const x64 = rnd([1, 2, 5, 5], { dtype: 'float64' });
    const w64 = rnd([2, 2, 3, 3], { dtype: 'float64', seed: 3 });
    expectMatchesComposition('conv2d', (xx, ww, bb) => conv2d(xx, ww, bb, { stride: 2, padding: 1 }), [x64, w64, rnd([2], { dtype: 'float64' })], { rtol: 1e-12, atol: 1e-12 });
    expectMatchesComposition('conv2d', (xx, ww, bb) => conv2d(xx, ww, bb), [rnd([1, 2, 4, 4]), rnd([3, 2, 2, 2]), rnd([3], { dtype: 'float64' })], TOL);
    expectMatchesComposition('conv2d', (xx, ww) => conv2d(xx, ww, null, { padding: 1 }), [rnd([2, 5, 5]), rnd([3, 2, 3, 3])], TOL);
    expectMatchesComposition('conv2d', (xx, ww) => conv1d(xx, ww, null, { padding: 2, stride: 2 }), [rnd([2, 3, 11]), rnd([4, 3, 5])], TOL);
  });

  it('propagates NaN and infinity only to the outputs whose windows see them; handles empty batches', () => {
    const x = withSpecials(rnd([1, 1, 6, 6], { seed: 8 }), { 0: NaN, 20: Infinity });
    expectMatchesComposition('conv2d', (xx, ww) => conv2d(xx, ww, null, { padding: 1 }), [x, rnd([2, 1, 3, 3])], TOL);
    expectMatchesComposition('conv2d', (xx, ww) => conv2d(xx, ww, null, { padding: 1 }), [rnd([0, 2, 4, 4]), rnd([3, 2, 3, 3])], TOL);
  });
});

describe('fused convTranspose2d', () => {
  const cases: [string, number[], number[], ConvTranspose2dOptions][] = [
    ['stride 2', [2, 3, 4, 5], [3, 2, 3, 3], { stride: 2 }],
    ['padding, output padding', [1, 2, 5, 4], [2, 3, 3, 3], { stride: 2, padding: 1, outputPadding: 1 }],
    ['dilation, groups', [2, 4, 3, 3], [4, 2, 2, 3], { dilation: 2, groups: 2 }],
    ['stride 3, asymmetric', [1, 2, 3, 4], [2, 2, 2, 4], { stride: [3, 1], padding: [0, 1] }],
  ];
  it.each(cases)('matches the composition: %s (with and without bias)', (_, xs, ws, options) => {
    const x = rnd(xs, { seed: 11 });
    const w = rnd(ws, { seed: 12 });
    const cout = ws[1]! * (options.groups ?? 1);
    expectMatchesComposition('convTranspose2d', (xx, ww) => convTranspose2d(xx, ww, null, options), [x, w], TOL);
    expectMatchesComposition('convTranspose2d', (xx, ww, bb) => convTranspose2d(xx, ww, bb, options), [x, w, rnd([cout])], TOL);
    expectMatchesComposition('convTranspose2d', (xx, ww) => convTranspose2d(xx, ww, null, options), [x.transpose(2, 3).contiguous().transpose(2, 3), w.permute(0, 1, 3, 2).contiguous().permute(0, 1, 3, 2)], TOL);
  });
});

describe('fused foldWindows2d', () => {
  it('matches the composition (bit for bit: same summation order)', () => {
    const geometries = [
      { kernel: [3, 3], stride: [1, 1], dilation: [1, 1], size: [6, 7] },
      { kernel: [2, 3], stride: [2, 1], dilation: [1, 2], size: [7, 9] },
      { kernel: [3, 2], stride: [3, 2], dilation: [2, 1], size: [12, 9] },
    ] as const;
    for (const g of geometries) {
      const OH = Math.floor((g.size[0] - g.dilation[0] * (g.kernel[0] - 1) - 1) / g.stride[0]) + 1;
      const OW = Math.floor((g.size[1] - g.dilation[1] * (g.kernel[1] - 1) - 1) / g.stride[1]) + 1;
      const win = rnd([2, 3, OH, OW, g.kernel[0], g.kernel[1]], { seed: 5 });
      const fold = (t: Tensor): Tensor => foldWindows2d(t, [g.size[0], g.size[1]], g);
      expectMatchesComposition('foldWindows2d', fold, [win], { rtol: 0, atol: 0 });
      expectMatchesComposition('foldWindows2d', fold, [win.transpose(0, 1).contiguous().transpose(0, 1)], { rtol: 0, atol: 0 });
      expectMatchesComposition('foldWindows2d', fold, [win.slice(0, 0, 1).expand([4, 3, OH, OW, g.kernel[0], g.kernel[1]])], { rtol: 0, atol: 0 });
    }
    // Windows smaller than the size leave the rest zero; no leading dims; float64.
    const g = { kernel: [2, 2], stride: [2, 2], dilation: [1, 1] } as const;
    expectMatchesComposition('foldWindows2d', (t) => foldWindows2d(t, [7, 8], g), [rnd([3, 3, 2, 2], { dtype: 'float64' })], { rtol: 0, atol: 0 });
  });
});

describe.each([
  ['maxPool2d', maxPool2d],
  ['avgPool2d', avgPool2d],
] as const)('fused %s', (name, pool) => {
  const cases: [string, number[], number | [number, number], Record<string, unknown>][] = [
    ['2x2', [2, 3, 8, 8], 2, {}],
    ['3x3 stride 2 padding 1', [1, 2, 9, 7], 3, { stride: 2, padding: 1 }],
    ['ceil mode', [1, 2, 7, 8], 3, { stride: 2, ceilMode: true }],
    ['ceil mode with padding', [2, 1, 6, 9], [3, 2], { stride: [2, 3], padding: [1, 1], ceilMode: true }],
    ['overlapping stride 1', [1, 1, 5, 6], [2, 3], { stride: 1 }],
    ['unbatched', [3, 6, 6], 2, { padding: 1 }],
  ];
  it.each(cases)('matches the composition: %s', (_, shape, k, options) => {
    const x = withSpecials(rnd(shape, { seed: 21, round: 2 }), { 3: NaN, 10: -Infinity, 17: Infinity });
    const variants: Record<string, unknown>[] =
      name === 'maxPool2d'
        ? [options, { ...options, dilation: 2, padding: 0 }]
        : [options, { ...options, countIncludePad: false }, { ...options, divisorOverride: 3 }, { ...options, divisorOverride: 0.7 }];
    for (const o of variants) {
      if (name === 'maxPool2d' && o.dilation && (shape.at(-1)! < 5 || shape.at(-2)! < 5)) continue;
      const run = (t: Tensor): Tensor => pool(t, k, o);
      expect(() => expectMatchesComposition(name, run, [x], TOL), JSON.stringify(o)).not.toThrow();
      expect(() => expectMatchesComposition(name, run, [x.transpose(-1, -2).contiguous().transpose(-1, -2)], TOL), JSON.stringify(o)).not.toThrow();
    }
  });

  it('handles float64, empty batches and the 1-d variant', () => {
    expectMatchesComposition(name, (t) => pool(t, 2), [rnd([1, 2, 4, 6], { dtype: 'float64' })], { rtol: 1e-12, atol: 1e-12 });
    expectMatchesComposition(name, (t) => pool(t, 2), [rnd([0, 2, 4, 4])]);
    const pool1d = name === 'maxPool2d' ? maxPool1d : avgPool1d;
    expectMatchesComposition(name, (t) => pool1d(t, 3, { stride: 2, padding: 1 }), [rnd([2, 3, 10])], TOL);
  });
});

describe('fused pooling gradient ops', () => {
  const pair = (v: unknown, d: [number, number]): [number, number] =>
    v === undefined || v === null ? d : typeof v === 'number' ? [v, v] : [(v as number[])[0]!, (v as number[])[1]!];
  const cases: [string, number[], number | [number, number], Record<string, unknown>][] = [
    ['2x2', [2, 3, 8, 8], 2, {}],
    ['3x3 stride 2 padding 1', [1, 2, 9, 7], 3, { stride: 2, padding: 1 }],
    ['ceil mode', [1, 2, 7, 8], 3, { stride: 2, ceilMode: true }],
    ['ceil mode with padding', [2, 1, 6, 9], [3, 2], { stride: [2, 3], padding: [1, 1], ceilMode: true }],
    ['overlapping stride 1', [1, 1, 5, 6], [2, 3], { stride: 1 }],
    ['unbatched', [3, 6, 6], 2, { padding: 1 }],
  ];
  const EXACT = { rtol: 0, atol: 0 };

  it.each(cases)('maxPool2dWithIndices and maxPool2dBackward match the composition: %s', (_, shape, k, options) => {
    // rounded values make ties; NaN and infinities pick positions too (several NaNs share windows)
    const x = withSpecials(rnd(shape, { seed: 21, round: 2 }), { 2: NaN, 3: NaN, 10: -Infinity, 11: NaN, 17: Infinity });
    for (const o of [options, { ...options, dilation: 2, padding: 0 }]) {
      if (o.dilation && (shape.at(-1)! < 5 || shape.at(-2)! < 5)) continue;
      const withIndices = (t: Tensor): Tensor[] => {
        const r = maxPool2dWithIndices(t, k, o);
        return [r.output, r.indices];
      };
      expect(() => expectMatchesComposition('maxPool2dWithIndices', withIndices, [x], EXACT), JSON.stringify(o)).not.toThrow();
      const xt = x.transpose(-1, -2).contiguous().transpose(-1, -2);
      expect(() => expectMatchesComposition('maxPool2dWithIndices', withIndices, [xt], EXACT), JSON.stringify(o)).not.toThrow();
      const { output, indices } = maxPool2dWithIndices(x, k, o);
      const dy = rnd([...output.shape], { seed: 5 });
      const back = (g: Tensor, i: Tensor): Tensor => maxPool2dBackward(g, i, shape);
      expectMatchesComposition('maxPool2dBackward', back, [dy, indices], EXACT);
      expectMatchesComposition('maxPool2dBackward', back, [dy.transpose(-1, -2).contiguous().transpose(-1, -2), indices], EXACT);
    }
  });

  it.each(cases)('avgPool2dBackward matches the composition: %s', (_, shape, k, options) => {
    const x = rnd(shape, { seed: 22 });
    for (const o of [options, { ...options, countIncludePad: false }, { ...options, divisorOverride: 3 }, { ...options, divisorOverride: 0.7 }]) {
      const y = avgPool2d(x, k, o);
      const kernel = pair(k, [0, 0]);
      const attrs = {
        kernel,
        stride: pair(o.stride, kernel),
        padding: pair(o.padding, [0, 0]),
        dilation: [1, 1] as [number, number],
        out: [y.shape.at(-2)!, y.shape.at(-1)!] as [number, number],
        ceilMode: (o.ceilMode as boolean | undefined) ?? false,
        countIncludePad: (o.countIncludePad as boolean | undefined) ?? true,
        divisorOverride: (o.divisorOverride as number | undefined) ?? null,
      };
      const dy = rnd([...y.shape], { seed: 6 });
      const back = (g: Tensor): Tensor => avgPool2dBackward(g, shape, attrs);
      expect(() => expectMatchesComposition('avgPool2dBackward', back, [dy], EXACT), JSON.stringify(o)).not.toThrow();
      expect(() => expectMatchesComposition('avgPool2dBackward', back, [dy.transpose(-1, -2).contiguous().transpose(-1, -2)], EXACT), JSON.stringify(o)).not.toThrow();
    }
  });

  it('handle float64 and empty batches', () => {
    const x = rnd([1, 2, 5, 6], { dtype: 'float64', round: 2 });
    expectMatchesComposition('maxPool2dWithIndices', (t) => Object.values(maxPool2dWithIndices(t, 2, { padding: 1 })), [x], EXACT);
    const attrs = { kernel: [2, 2], stride: [2, 2], padding: [1, 1], dilation: [1, 1], out: [3, 4], ceilMode: false, countIncludePad: false, divisorOverride: null } as const;
    expectMatchesComposition('avgPool2dBackward', (g) => avgPool2dBackward(g, [1, 2, 5, 6], attrs), [rnd([1, 2, 3, 4], { dtype: 'float64' })], EXACT);
    const { indices } = maxPool2dWithIndices(rnd([0, 2, 4, 4]), 2);
    expectMatchesComposition('maxPool2dBackward', (g, i) => maxPool2dBackward(g, i, [0, 2, 4, 4]), [rnd([0, 2, 2, 2]), indices]);
  });
});

describe('fused conv2dBackwardInput', () => {
  /** The attrs core resolves for a conv2d call (captured from its kernel call). */
  function convAttrs(xs: number[], ws: number[], options: Conv2dOptions): { attrs: Record<string, unknown>; out: number[] } {
    const k = getKernel('cpu', 'conv2d')!;
    let attrs: Record<string, unknown> = {};
    registerKernel('cpu', 'conv2d', (i, a) => ((attrs = { ...a }), k(i, a)));
    try {
      const y = conv2d(rnd(xs), rnd(ws), null, options);
      return { attrs, out: [...y.shape] };
    } finally {
      registerKernel('cpu', 'conv2d', k);
    }
  }
  const cases: [string, number[], number[], Conv2dOptions][] = [
    ['3x3, padding 1', [2, 3, 7, 6], [4, 3, 3, 3], { padding: 1 }],
    ['stride 2, asymmetric kernel', [2, 2, 9, 8], [3, 2, 3, 2], { stride: [2, 3] }],
    ['dilation 2, padding 2', [1, 2, 8, 8], [2, 2, 3, 3], { dilation: 2, padding: 2 }],
    ['groups 2', [2, 4, 6, 6], [6, 2, 3, 3], { groups: 2, padding: [1, 0] }],
    ['depthwise', [1, 3, 5, 5], [3, 1, 3, 3], { groups: 3, padding: 1 }],
    ['padding same, even kernel', [1, 2, 6, 7], [3, 2, 4, 2], { padding: 'same' }],
    ['1x1 pointwise', [2, 5, 4, 3], [7, 5, 1, 1], {}],
    ['kernel wider than stride, large padding', [1, 1, 3, 3], [1, 1, 3, 3], { padding: 2, stride: 2 }],
    ['large packed matmul', [2, 8, 20, 20], [16, 8, 3, 3], { padding: 1 }],
  ];
  it.each(cases)('matches the composition: %s', (_, xs, ws, options) => {
    const { attrs, out } = convAttrs(xs, ws, options);
    const a = attrs as unknown as T.ConvAttrs;
    const w = rnd(ws, { seed: 2, scale: 0.5 });
    const dy = rnd(out, { seed: 3 });
    expectMatchesComposition('conv2dBackwardInput', (g, ww) => conv2dBackwardInput(g, ww, xs, a), [dy, w], TOL);
    // strided operands
    const dyT = dy.transpose(2, 3).contiguous().transpose(2, 3);
    expectMatchesComposition('conv2dBackwardInput', (g, ww) => conv2dBackwardInput(g, ww, xs, a), [dyT, w.transpose(2, 3).contiguous().transpose(2, 3)], TOL);
  });

  it('handles float64 and empty batches', () => {
    const { attrs, out } = convAttrs([2, 2, 5, 5], [2, 2, 3, 3], { stride: 2, padding: 1 });
    const a = attrs as unknown as T.ConvAttrs;
    const F64 = { rtol: 1e-12, atol: 1e-12 };
    const dy = rnd(out, { dtype: 'float64', seed: 4 });
    expectMatchesComposition('conv2dBackwardInput', (g, ww) => conv2dBackwardInput(g, ww, [2, 2, 5, 5], a), [dy, rnd([2, 2, 3, 3], { dtype: 'float64' })], F64);
    const e = convAttrs([1, 2, 4, 4], [3, 2, 3, 3], { padding: 1 });
    const ea = e.attrs as unknown as T.ConvAttrs;
    expectMatchesComposition('conv2dBackwardInput', (g, ww) => conv2dBackwardInput(g, ww, [0, 2, 4, 4], ea), [rnd([0, 3, 4, 4]), rnd([3, 2, 3, 3])]);
  });
});

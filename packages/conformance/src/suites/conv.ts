/** Convolution and pooling against PyTorch fixtures, plus hand-computed cases and error messages. */
import { expect } from 'vitest';
import * as T from '@tessera/core';
import { tensor, type Tensor } from '@tessera/core';
import { CONV_FIXTURES } from '../fixtures/conv.js';
import { cases, expectTensor } from '../helpers.js';
import type { SuiteContext } from '../run.js';

type OpFn = (...args: unknown[]) => Tensor;

function run(op: string, inputs: (Tensor | null)[], options: Record<string, unknown>): Tensor {
  const ops = T as unknown as Record<string, OpFn>;
  const { kernelSize, outputSize, ...rest } = options;
  switch (op) {
    case 'conv2d':
    case 'conv1d':
    case 'convTranspose2d':
      return ops[op]!(inputs[0], inputs[1], inputs[2], rest);
    case 'adaptiveAvgPool2d':
    case 'adaptiveMaxPool2d':
      return ops[op]!(inputs[0], outputSize);
    default:
      return ops[op]!(inputs[0], kernelSize, rest);
  }
}

export function convSuite(ctx: SuiteContext): void {
  const it = cases(ctx, 'conv');
  const dev = { device: ctx.device };

  for (const f of CONV_FIXTURES) {
    it(`${f.op}: ${f.name} (PyTorch fixture)`, async () => {
      const inputs = f.inputs.map((i) => (i ? tensor(new Float32Array(i.data), { shape: i.shape, ...dev }) : null));
      const out = run(f.op, inputs, f.options);
      await expectTensor(out, f.expected.data, { shape: f.expected.shape, atol: 1e-5, rtol: 1e-4 });
    });
  }

  it('conv2d of a 3x3 ramp with a 2x2 kernel, by hand', async () => {
    const x = tensor([[[[1, 2, 3], [4, 5, 6], [7, 8, 9]]]], dev);
    const w = tensor([[[[1, 0], [0, -1]]]], dev);
    await expectTensor(T.conv2d(x, w, tensor([10], dev)), [[[[6, 6], [6, 6]]]], { shape: [1, 1, 2, 2] });
  });

  it('maxPool2d and avgPool2d by hand', async () => {
    const x = tensor([[[[1, 5, 2, 0], [3, 4, 8, 1], [0, 0, 1, 1], [9, 2, 1, 7]]]], dev);
    await expectTensor(T.maxPool2d(x, 2), [[[[5, 8], [9, 7]]]]);
    await expectTensor(T.avgPool2d(x, 2), [[[[3.25, 2.75], [2.75, 2.5]]]]);
  });

  it('convTranspose2d is the adjoint of conv2d', async () => {
    const x = T.randn([1, 2, 5, 5], dev);
    const w = T.randn([3, 2, 3, 3], dev);
    const y = T.randn([1, 3, 3, 3], dev);
    // <conv2d(x, w), y> == <x, convTranspose2d(y, w)>
    const lhs = (await T.conv2d(x, w, null, { stride: 2, padding: 1 }).mul(y).sum().item()) as number;
    const rhs = (await x.mul(T.convTranspose2d(y, w, null, { stride: 2, padding: 1 })).sum().item()) as number;
    expect(Math.abs(lhs - rhs)).toBeLessThan(1e-3 * Math.max(1, Math.abs(lhs)));
  });

  it('conv1d and a strided convTranspose2d by hand', async () => {
    // [1, 2, 3, 4] * [1, -1] with padding 1: [0-1, 1-2, 2-3, 3-4, 4-0]
    await expectTensor(T.conv1d(tensor([[[1, 2, 3, 4]]], dev), tensor([[[1, -1]]], dev), null, { padding: 1 }), [[[-1, -1, -1, -1, 4]]]);
    // A 1x1 kernel with stride 2 spreads the input apart with zeros between.
    await expectTensor(T.convTranspose2d(tensor([[[[1, 2], [3, 4]]]], dev), tensor([[[[2]]]], dev), null, { stride: 2 }), [
      [[[2, 0, 4], [0, 0, 0], [6, 0, 8]]],
    ]);
  });

  it('max pooling pads with -infinity, average pooling with zeros', async () => {
    const x = tensor([[[[-1, -2], [-3, -4]]]], dev);
    await expectTensor(T.maxPool2d(x, 2, { stride: 1, padding: 1 }), [[[[-1, -1, -2], [-1, -1, -2], [-3, -3, -4]]]]);
    await expectTensor(T.avgPool2d(x, 2, { stride: 1, padding: 1 }), [[[[-0.25, -0.75, -0.5], [-1, -2.5, -1.5], [-0.75, -1.75, -1]]]]);
    await expectTensor(T.avgPool2d(x, 2, { stride: 1, padding: 1, countIncludePad: false }), [[[[-1, -1.5, -2], [-2, -2.5, -3], [-3, -3.5, -4]]]]);
  });

  it('adaptive pooling bins overlap when the sizes do not divide', async () => {
    // Length 5 into 3 bins: [0, 2), [1, 4), [3, 5).
    const x = tensor([[[[1, 5, 2, 0, 3]]]], dev);
    await expectTensor(T.adaptiveMaxPool2d(x, [1, 3]), [[[[5, 5, 3]]]]);
    await expectTensor(T.adaptiveAvgPool2d(x, [1, 3]), [[[[3, 7 / 3, 1.5]]]]);
  });

  // ---- gradient ops (autograd's conv2d and pooling rules call them; backends may fuse them) ----

  const geometry = (stride: [number, number], padding: [number, number, number, number], dilation: [number, number], groups: number) => ({
    stride,
    padding,
    dilation,
    groups,
  });
  const dot = async (a: Tensor, b: Tensor): Promise<number> => (await a.mul(b).sum().item()) as number;
  const close = (a: number, b: number, what: string) => expect(Math.abs(a - b), `${what}: ${a} vs ${b}`).toBeLessThan(1e-9 * Math.max(1, Math.abs(b)));
  const f64 = { ...dev, dtype: 'float64' as const };

  it('conv2dBackwardInput and conv2dBackwardWeight by hand', async () => {
    const x = tensor([[[[1, 2, 3], [4, 5, 6], [7, 8, 9]]]], dev);
    const w = tensor([[[[1, 0], [0, -1]]]], dev);
    const dy = tensor([[[[1, 2], [3, 4]]]], dev);
    const g = geometry([1, 1], [0, 0, 0, 0], [1, 1], 1);
    // dx: dy spread by w[0,0] = 1 at offset (0,0) and by w[1,1] = -1 at offset (1,1)
    await expectTensor(T.conv2dBackwardInput(dy, w, [1, 1, 3, 3], g), [[[[1, 2, 0], [3, 3, -2], [0, -3, -4]]]], { shape: [1, 1, 3, 3] });
    // dw[i, j] = sum of dy * the input window at offset (i, j)
    await expectTensor(T.conv2dBackwardWeight(x, dy, [1, 1, 2, 2], g), [[[[37, 47], [67, 77]]]], { shape: [1, 1, 2, 2] });
  });

  it('conv2dBackwardWeightBias by hand: the weight gradient and dy summed over N, OH, OW (checked against PyTorch)', async () => {
    const x = tensor([[[[1, 2, 3], [4, 5, 6], [7, 8, 9]]], [[[0, 1, 0], [2, 0, -1], [0, 3, 0]]]], dev);
    const dy = tensor([[[[1, 0], [2, -1]], [[0.5, 0.5], [0, 1]]], [[[1, 1], [1, 1]], [[-2, 0], [0, 3]]]], dev);
    const g = geometry([1, 1], [0, 0, 0, 0], [1, 1], 1);
    const { gradWeight, gradBias } = T.conv2dBackwardWeightBias(x, dy, [2, 1, 2, 2], g);
    await expectTensor(gradWeight, [[[[7, 6], [15, 14]]], [[[6.5, 3.5], [17.5, 14.5]]]], { shape: [2, 1, 2, 2] });
    await expectTensor(gradBias, [6, 3], { shape: [2] });
    expect(() => T.conv2dBackwardWeightBias(x, dy, [2, 1, 3, 3], g)).toThrow('conv2dBackwardWeightBias: expected gradOutput [2,2,1,1], got [2,2,2,2]');
  });

  it(
    'conv2dBackwardWeightBias equals conv2dBackwardWeight and the sum of dy (groups, stride, dilation, padding; float64)',
    async () => {
      const g = geometry([2, 1], [1, 0, 2, 1], [1, 2], 2);
      const x = T.randn([3, 4, 7, 6], f64);
      const dy = T.randn([3, 6, 3, 7], f64);
      const { gradWeight, gradBias } = T.conv2dBackwardWeightBias(x, dy, [6, 2, 3, 2], g);
      const dw = await T.conv2dBackwardWeight(x, dy, [6, 2, 3, 2], g).data();
      const db = await T.sum(dy, [0, 2, 3]).data();
      expect([...gradWeight.shape]).toEqual([6, 2, 3, 2]);
      expect([...gradBias.shape]).toEqual([6]);
      const gw = await gradWeight.data();
      const gb = await gradBias.data();
      dw.forEach((v, i) => close(gw[i]!, v, `gradWeight[${i}]`));
      db.forEach((v, i) => close(gb[i]!, v, `gradBias[${i}]`));
    },
    { skip: !ctx.float64 },
  );

  it(
    'conv2d gradient ops are its adjoints (groups, dilation, stride, asymmetric padding; float64)',
    async () => {
      const configs: [number[], number[], ReturnType<typeof geometry>][] = [
        [[2, 4, 7, 6], [6, 2, 3, 2], geometry([2, 1], [1, 1, 2, 2], [1, 2], 2)],
        // 'same' padding of a [2, 4] kernel: [top 0, bottom 1, left 1, right 2]
        [[1, 3, 5, 6], [2, 3, 2, 4], geometry([1, 1], [0, 1, 1, 2], [1, 1], 1)],
        [[3, 2, 6, 6], [4, 2, 1, 1], geometry([1, 1], [0, 0, 0, 0], [1, 1], 1)], // pointwise
        [[2, 6, 8, 7], [6, 1, 3, 3], geometry([3, 2], [2, 2, 1, 1], [2, 1], 6)], // depthwise, strided, dilated
      ];
      for (const [xs, ws, g] of configs) {
        const what = `x [${xs}], w [${ws}], ${JSON.stringify(g)}`;
        const x = T.randn(xs, f64);
        const w = T.randn(ws, f64);
        const OH = Math.floor((xs[2]! + g.padding[0] + g.padding[1] - g.dilation[0] * (ws[2]! - 1) - 1) / g.stride[0]) + 1;
        const OW = Math.floor((xs[3]! + g.padding[2] + g.padding[3] - g.dilation[1] * (ws[3]! - 1) - 1) / g.stride[1]) + 1;
        const dy = T.randn([xs[0]!, ws[0]!, OH, OW], f64);
        // conv2d with these attrs: pad asymmetrically first, then convolve unpadded
        const xp = T.pad(x, [g.padding[2], g.padding[3], g.padding[0], g.padding[1]]);
        const y = T.conv2d(xp, w, null, { stride: g.stride, dilation: g.dilation, groups: g.groups });
        expect([...y.shape], what).toEqual([xs[0], ws[0], OH, OW]);
        const dx = T.conv2dBackwardInput(dy, w, xs, g);
        const dw = T.conv2dBackwardWeight(x, dy, ws, g);
        expect([...dx.shape]).toEqual(xs);
        expect([...dw.shape]).toEqual(ws);
        const lhs = await dot(y, dy);
        close(await dot(x, dx), lhs, `<x, dx> ${what}`);
        close(await dot(w, dw), lhs, `<w, dw> ${what}`);
      }
    },
    { skip: !ctx.float64 },
  );

  it('maxPool2dWithIndices: values and in-plane positions by hand (padding, ties, ceil mode)', async () => {
    const x = tensor([[[[1, 5, 2, 0], [3, 4, 8, 1], [0, 0, 1, 1], [9, 2, 1, 7]]]], dev);
    let r = T.maxPool2dWithIndices(x, 2);
    await expectTensor(r.output, [[[[5, 8], [9, 7]]]]);
    await expectTensor(r.indices, [[[[1, 6], [12, 15]]]], { dtype: 'int32' });
    // padding is -infinity: border windows point into the input
    r = T.maxPool2dWithIndices(tensor([[[[-1, -2], [-3, -4]]]], dev), 2, { stride: 1, padding: 1 });
    await expectTensor(r.output, [[[[-1, -1, -2], [-1, -1, -2], [-3, -3, -4]]]]);
    await expectTensor(r.indices, [[[[0, 0, 1], [0, 0, 1], [2, 2, 3]]]]);
    // ties: the first maximum in the window
    r = T.maxPool2dWithIndices(tensor([[[2, 2, 1], [2, 2, 1]]], dev), [2, 2], { stride: 1 });
    await expectTensor(r.indices, [[[0, 1]]], { shape: [1, 1, 2] });
    // ceil mode: the last window hangs over the end
    r = T.maxPool2dWithIndices(tensor([[[[3, 1, 4, 1, 5]]]], dev), [1, 2], { ceilMode: true });
    await expectTensor(r.output, [[[[3, 4, 5]]]]);
    await expectTensor(r.indices, [[[[0, 2, 4]]]]);
    // dilation 2
    r = T.maxPool2dWithIndices(tensor([[[[1, 9, 2, 0, 3]]]], dev), [1, 2], { stride: 1, dilation: 2 });
    await expectTensor(r.output, [[[[2, 9, 3]]]]);
    await expectTensor(r.indices, [[[[2, 1, 4]]]]);
  });

  it('maxPool2dWithIndices: a window with several NaNs points at its last NaN (PyTorch)', async () => {
    // 2x2 stride 2 (the common fast path) and a 1x4 window with padding (the general path)
    let r = T.maxPool2dWithIndices(tensor([[[[NaN, 1, 5, NaN], [NaN, 2, NaN, 7]]]], dev), 2);
    await expectTensor(r.output, [[[[NaN, NaN]]]]);
    await expectTensor(r.indices, [[[[4, 6]]]], { dtype: 'int32' });
    r = T.maxPool2dWithIndices(tensor([[[[1, NaN, 3, NaN, NaN, 9, 2, 8]]]], dev), [1, 4], { stride: [1, 2], padding: [0, 1] });
    await expectTensor(r.output, [[[[NaN, NaN, NaN, 9]]]]);
    await expectTensor(r.indices, [[[[1, 4, 4, 5]]]], { dtype: 'int32' });
    const dx = T.maxPool2dBackward(tensor([[[[1, 2, 4, 8]]]], dev), r.indices, [1, 1, 1, 8]);
    await expectTensor(dx, [[[[0, 1, 0, 0, 6, 8, 0, 0]]]], { shape: [1, 1, 1, 8] });
  });

  it('maxPool2dBackward adds the gradient at the positions (overlapping windows sum)', async () => {
    const x = tensor([[[[1, 5, 2], [3, 4, 8], [0, 9, 1]]]], dev);
    const { output, indices } = T.maxPool2dWithIndices(x, 2, { stride: 1 });
    await expectTensor(output, [[[[5, 8], [9, 9]]]]);
    await expectTensor(indices, [[[[1, 5], [7, 7]]]]);
    const dx = T.maxPool2dBackward(tensor([[[[1, 2], [3, 4]]]], dev), indices, [1, 1, 3, 3]);
    await expectTensor(dx, [[[[0, 1, 0], [0, 0, 2], [0, 7, 0]]]], { shape: [1, 1, 3, 3] });
  });

  it('maxPool2dWithIndices 2x2 stride 2 by hand: NaN propagates, ties (the first), -infinity, odd width; and its gradient', async () => {
    const x = tensor(
      [
        [[[NaN, 1, 3, 3, 7], [2, 5, 3, 3, 9], [-Infinity, -Infinity, 4, 1, 0], [-Infinity, -Infinity, 2, 6, 0]]],
        [[[0, 1, 2, 3, 4], [5, 6, 7, 8, 9], [10, 11, 12, 13, 14], [15, 16, 17, 18, 19]]],
      ],
      dev,
    );
    const { output, indices } = T.maxPool2dWithIndices(x, 2);
    await expectTensor(output, [[[[NaN, 3], [-Infinity, 6]]], [[[6, 8], [16, 18]]]]);
    await expectTensor(indices, [[[[0, 2], [10, 18]]], [[[6, 8], [16, 18]]]], { dtype: 'int32' });
    const dx = T.maxPool2dBackward(tensor([[[[1, 2], [3, 4]]], [[[5, 6], [7, 8]]]], dev), indices, [2, 1, 4, 5]);
    await expectTensor(
      dx,
      [
        [[[1, 0, 2, 0, 0], [0, 0, 0, 0, 0], [3, 0, 0, 0, 0], [0, 0, 0, 4, 0]]],
        [[[0, 0, 0, 0, 0], [0, 5, 0, 6, 0], [0, 0, 0, 0, 0], [0, 7, 0, 8, 0]]],
      ],
      { shape: [2, 1, 4, 5] },
    );
  });

  it(
    'maxPool2dBackward is the adjoint of reading at the indices (padding, dilation, ceil mode; float64)',
    async () => {
      const x = T.randn([2, 3, 7, 8], f64);
      for (const options of [{ stride: 2, padding: 1, ceilMode: true }, { stride: 1, dilation: 2 }, { stride: [2, 3] as [number, number], padding: 1 }]) {
        const { output, indices } = T.maxPool2dWithIndices(x, 3, options);
        await expectTensor(output, Array.from(await T.maxPool2d(x, 3, options).data()), { shape: output.shape });
        const dy = T.randn([...output.shape], f64);
        close(await dot(x, T.maxPool2dBackward(dy, indices, [2, 3, 7, 8])), await dot(output, dy), JSON.stringify(options));
      }
    },
    { skip: !ctx.float64 },
  );

  it('avgPool2dBackward by hand (padding excluded from the count)', async () => {
    const attrs = { kernel: [2, 2], stride: [1, 1], padding: [1, 1], dilation: [1, 1], out: [3, 3], ceilMode: false, countIncludePad: false, divisorOverride: null } as const;
    const dy = tensor([[[[1, 2, 3], [4, 5, 6], [7, 8, 9]]]], dev);
    // window counts [[1, 2, 1], [2, 4, 2], [1, 2, 1]]; x[0][0] is in windows (0,0), (0,1), (1,0), (1,1)
    await expectTensor(T.avgPool2dBackward(dy, [1, 1, 2, 2], attrs), [[[[5.25, 8.25], [14.25, 17.25]]]], { shape: [1, 1, 2, 2] });
    await expectTensor(T.avgPool2dBackward(dy, [1, 1, 2, 2], { ...attrs, countIncludePad: true }), [[[[3, 4], [6, 7]]]]);
  });

  it(
    'avgPool2dBackward is the adjoint of avgPool2d (ceil mode, countIncludePad, divisorOverride; float64)',
    async () => {
      const x = T.randn([2, 3, 5, 6], f64);
      const base = { kernel: [3, 2], stride: [2, 2], padding: [1, 1], dilation: [1, 1], out: [3, 4], ceilMode: true } as const;
      for (const [countIncludePad, divisorOverride] of [[true, null], [false, null], [true, 5]] as const) {
        const y = T.avgPool2d(x, [3, 2], { stride: 2, padding: 1, ceilMode: true, countIncludePad, divisorOverride: divisorOverride ?? undefined });
        expect([...y.shape]).toEqual([2, 3, 3, 4]);
        const dy = T.randn([2, 3, 3, 4], f64);
        const dx = T.avgPool2dBackward(dy, [2, 3, 5, 6], { ...base, countIncludePad, divisorOverride });
        close(await dot(x, dx), await dot(y, dy), `countIncludePad ${countIncludePad}, divisor ${divisorOverride}`);
      }
    },
    { skip: !ctx.float64 },
  );

  it('gradient ops check their shapes', () => {
    const g = geometry([1, 1], [0, 0, 0, 0], [1, 1], 1);
    expect(() => T.conv2dBackwardInput(T.zeros([1, 2, 3, 3], dev), T.zeros([2, 1, 3, 3], dev), [1, 1, 4, 4], g)).toThrow(
      'conv2dBackwardInput: expected gradOutput [1,2,2,2], got [1,2,3,3]',
    );
    expect(() => T.conv2dBackwardWeight(T.zeros([1, 3, 4, 4], dev), T.zeros([1, 2, 2, 2], dev), [2, 1, 3, 3], g)).toThrow(
      'conv2dBackwardWeight: weightShape [2,1,3,3] (groups 1) does not match input [1,3,4,4]',
    );
    expect(() => T.maxPool2dBackward(T.zeros([1, 1, 2, 2], dev), T.zeros([1, 1, 2, 2], dev), [1, 1, 4, 4])).toThrow(
      'maxPool2dBackward: expected int32 indices [1,1,2,2], got float32 [1,1,2,2]',
    );
  });

  it('errors name the op and the shapes', () => {
    const x = T.zeros([8, 1, 28, 28], dev);
    expect(() => T.conv2d(x, T.zeros([16, 3, 3, 3], dev))).toThrow(
      'conv2d: expected input [N, C, H, W] with C = 3 (weight [16,3,3,3], groups 1), got [8,1,28,28]',
    );
    expect(() => T.conv2d(T.zeros([1, 28, 28], dev), T.zeros([16, 3, 3, 3], dev))).toThrow(
      'conv2d: expected input [C, H, W] with C = 3 (weight [16,3,3,3], groups 1), got [1,28,28]',
    );
    expect(() => T.conv2d(x, T.zeros([4, 1, 30, 3], dev))).toThrow('conv2d: kernel 30x3 (dilation 1x1) is larger than the padded input 28x28');
    expect(() => T.conv2d(x, T.zeros([4, 1, 3, 3], dev), null, { stride: 0 })).toThrow('conv2d: stride must be a positive integer');
    expect(() => T.conv2d(x, T.zeros([4, 1, 3, 3], dev), null, { padding: [1, 1, 1] as unknown as [number, number] })).toThrow(
      'conv2d: padding must be a non-negative integer or 2 of them, got [1,1,1]',
    );
    expect(() => T.conv2d(x, T.zeros([4, 1, 3, 3], dev), null, { stride: 2, padding: 'same' })).toThrow(
      "conv2d: padding='same' is not supported for strided convolutions",
    );
    expect(() => T.conv2d(T.zeros([1, 4, 5, 5], dev), T.zeros([3, 2, 3, 3], dev), null, { groups: 2 })).toThrow(
      'conv2d: out channels 3 must be divisible by groups 2',
    );
    expect(() => T.conv2d(x, T.zeros([4, 1, 3, 3], dev), T.zeros([3], dev))).toThrow('conv2d: expected bias [4], got [3]');
    expect(() => T.conv2d(T.zeros([1, 1, 5, 5], { ...dev, dtype: 'int32' }), T.zeros([1, 1, 3, 3], { ...dev, dtype: 'int32' }))).toThrow(
      'conv2d: input (int32) and weight (int32) must have the same floating dtype',
    );
    expect(() => T.conv1d(T.zeros([8, 1, 28], dev), T.zeros([16, 3, 3], dev))).toThrow(
      'conv1d: expected input [N, C, L] with C = 3 (weight [16,3,3], groups 1), got [8,1,28]',
    );
    expect(() => T.conv1d(T.zeros([8, 1, 2], dev), T.zeros([16, 1, 3], dev))).toThrow('conv1d: kernel 3 (dilation 1) is larger than the padded input 2');
    expect(() => T.convTranspose2d(T.zeros([1, 3, 5, 5], dev), T.zeros([2, 1, 3, 3], dev))).toThrow(
      'convTranspose2d: expected input [N, C, H, W] with C = 2 (weight [2,1,3,3], groups 1), got [1,3,5,5]',
    );
    expect(() => T.convTranspose2d(T.zeros([1, 2, 5, 5], dev), T.zeros([2, 1, 3, 3], dev), null, { stride: 2, outputPadding: 2 })).toThrow(
      'convTranspose2d: outputPadding 2x2 must be smaller than either stride (2x2) or dilation (1x1)',
    );
    expect(() => T.maxPool2d(x, 2, { padding: 2 })).toThrow('maxPool2d: pad should be at most half of effective kernel size');
    expect(() => T.maxPool2d(T.zeros([28, 28], dev), 2)).toThrow('maxPool2d: expected input [N, C, H, W] or [C, H, W], got [28,28]');
    expect(() => T.maxPool1d(T.zeros([1, 3, 2], dev), 3)).toThrow('maxPool1d: output size 0 is too small (input [1,3,2], kernel 3');
    expect(() => T.avgPool2d(x, 2, { divisorOverride: 0 })).toThrow('avgPool2d: divisorOverride must be a nonzero number, got 0');
    expect(() => T.adaptiveMaxPool2d(T.zeros([4, 4], dev), 2)).toThrow('adaptiveMaxPool2d: expected input [N, C, H, W] or [C, H, W], got [4,4]');
  });
}

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

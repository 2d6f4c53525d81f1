/**
 * Training with core's conv2d and pooling: autograd's rules call core's gradient ops, whose fused
 * kernels run here; the gradients agree with the CPU backend's (float32 and float64).
 */
import { describe, expect, it } from 'vitest';
import * as core from '@tessera/core';
import type { DType, Tensor } from '@tessera/core';
import '@tessera/backend-cpu';
import '@tessera/autograd';
import '@tessera/backend-native';
import { expectClose, rng } from './helpers.js';

// The nets' biases need gradients too: the conv2d rule takes weight and bias gradients in one op.
const GRADIENT_OPS = ['conv2d', 'conv2dBackwardInput', 'conv2dBackwardWeightBias', 'maxPool2dWithIndices', 'maxPool2dBackward', 'avgPool2dBackward'];

/** Runs `fn` counting the calls of the native kernels of GRADIENT_OPS. */
function counting(fn: () => void): Record<string, number> {
  const calls: Record<string, number> = {};
  const saved = GRADIENT_OPS.map((op) => [op, core.getKernel('native', op)!] as const);
  for (const [op, k] of saved) {
    expect(k, `native kernel '${op}'`).toBeDefined();
    core.registerKernel('native', op, (inputs, attrs) => ((calls[op] = (calls[op] ?? 0) + 1), k(inputs, attrs)));
  }
  try {
    fn();
  } finally {
    for (const [op, k] of saved) core.registerKernel('native', op, k);
  }
  return calls;
}

function leaf(shape: number[], seed: number, device: string, dtype: DType): Tensor {
  const r = rng(seed);
  const n = shape.reduce((a, b) => a * b, 1);
  return core.tensor(Float64Array.from({ length: n }, () => (r() - 0.5) * 4), { shape, device, dtype }).requiresGrad_();
}

type Net = (x: Tensor, w: Tensor, b: Tensor) => Tensor;

/** The gradients of sum(net(x, w, b) * r) with respect to x, w and b, as plain arrays. */
function gradients(net: Net, shapes: [number[], number[], number[]], device: string, dtype: DType): number[][] {
  const [x, w, b] = shapes.map((s, i) => leaf(s, i + 1, device, dtype)) as [Tensor, Tensor, Tensor];
  const y = net(x, w, b);
  const r = leaf([...y.shape], 9, device, dtype).detach();
  y.mul(r).sum().backward();
  const out = [x, w, b].map((t) => Array.from(t.grad!.dataSync()));
  core.dispose([x, w, b, y, r]);
  return out;
}

const NETS: [string, Net, [number[], number[], number[]]][] = [
  [
    'conv2d (stride, dilation, groups) -> relu -> maxPool2d (padding, ceil mode) -> avgPool2d (padding excluded)',
    (x, w, b) => {
      const h = core.conv2d(x, w, b, { stride: [2, 1], padding: [1, 2], dilation: [1, 2], groups: 2 }).relu();
      return core.avgPool2d(core.maxPool2d(h, 3, { stride: 2, padding: 1, ceilMode: true }), 2, { padding: 1, countIncludePad: false });
    },
    [[2, 4, 11, 10], [6, 2, 3, 3], [6]],
  ],
  [
    "conv1d 'same' (asymmetric padding) -> maxPool1d (dilation) -> avgPool1d (ceil mode)",
    (x, w, b) => {
      const h = core.maxPool1d(core.conv1d(x, w, b, { padding: 'same' }), 2, { stride: 1, dilation: 2 });
      return core.avgPool1d(h, 3, { stride: 2, ceilMode: true });
    },
    [[3, 2, 12], [4, 2, 4], [4]],
  ],
];

describe('training through core conv2d and pooling on native', () => {
  for (const [name, net, shapes] of NETS) {
    for (const dtype of ['float32', 'float64'] as const) {
      it(`${name}, ${dtype}: fused gradient kernels, CPU's gradients`, () => {
        let got: number[][] = [];
        const calls = counting(() => {
          got = gradients(net, shapes, 'native', dtype);
        });
        for (const op of GRADIENT_OPS) expect(calls[op] ?? 0, `calls of the native '${op}' kernel`).toBeGreaterThan(0);
        const want = gradients(net, shapes, 'cpu', dtype);
        const [rtol, atol] = dtype === 'float64' ? [1e-10, 1e-12] : [1e-4, 1e-5];
        ['x', 'weight', 'bias'].forEach((what, i) => expectClose(got[i]!, want[i]!, `${what} gradient`, rtol, atol));
      });
    }
  }
});

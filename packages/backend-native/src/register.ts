/**
 * Registers the native backend with core (device 'native', above 'cpu' so that it becomes the
 * default device) and its fused kernels for core's ops. Idempotent across copies of the package.
 */
import { cast, registerBackend, registerKernel, type FusedKernel, type Tensor } from '@tessera/core';
import * as core from '@tessera/core';
import type { NativeBackend } from './backend.js';
import {
  avgPool2d,
  avgPool2dBackward,
  biasActivation,
  conv2d,
  conv2dBackwardInput,
  conv2dBackwardWeight,
  foldWindows2d,
  maxPool,
  maxPool2dBackward,
  softmax,
  type AvgPool2dOptions,
  type Conv2dOptions,
  type MaxPool2dOptions,
} from './kernels.js';
import { nativeState } from './state.js';
import { OPTIM_KERNELS } from './optim-kernels.js';
import { NN_KERNELS } from './nn-kernels.js';

/** Priority of 'native' among registered backends ('cpu' registers with 0). */
export const NATIVE_PRIORITY = 10;

const isFloat = (t: Tensor): boolean => t.dtype === 'float32' || t.dtype === 'float64';

/** Runs core's `op` on a float32 copy of `x` (which comes back to these kernels as a float input). */
function viaFloat(x: Tensor, op: (f: Tensor) => Tensor): Tensor {
  const f = cast(x, 'float32');
  try {
    return op(f);
  } finally {
    f.dispose();
  }
}

/** conv2d geometry from core's attrs (padding [top, bottom, left, right]); native/conv.cc supports all of it. */
function convOptions(a: Readonly<Record<string, unknown>>): Conv2dOptions {
  return {
    stride: a.stride as [number, number],
    padding: a.padding as [number, number, number, number],
    dilation: a.dilation as [number, number],
    groups: a.groups as number,
  };
}

/** Max pooling geometry from core's attrs (native/pool.cc: padding, dilation, ceil mode). */
function maxPoolOptions(a: Readonly<Record<string, unknown>>): MaxPool2dOptions {
  return {
    kernelSize: a.kernel as [number, number],
    stride: a.stride as [number, number],
    padding: a.padding as [number, number],
    dilation: a.dilation as [number, number],
    ceilMode: a.ceilMode as boolean,
  };
}

/** Average pooling options from core's attrs (average pooling has no dilation). */
function avgPoolOptions(a: Readonly<Record<string, unknown>>): AvgPool2dOptions {
  return {
    kernelSize: a.kernel as [number, number],
    stride: a.stride as [number, number],
    padding: a.padding as [number, number],
    ceilMode: a.ceilMode as boolean,
    countIncludePad: a.countIncludePad as boolean,
    divisorOverride: (a.divisorOverride as number | null) ?? null,
  };
}

const KERNELS: Record<string, FusedKernel> = {
  softmax: ([x], { dim }) => (isFloat(x!) ? softmax(x!, dim as number) : viaFloat(x!, (f) => core.softmax(f, dim as number))),
  logSoftmax: ([x], { dim }) =>
    isFloat(x!) ? softmax(x!, dim as number, true) : viaFloat(x!, (f) => core.logSoftmax(f, dim as number)),
  gelu: ([x], { approximate }) =>
    isFloat(x!)
      ? biasActivation(x!, null, approximate === 'tanh' ? 'geluTanh' : 'gelu')
      : viaFloat(x!, (f) => core.gelu(f, approximate as 'none' | 'tanh')),
  silu: ([x]) => (isFloat(x!) ? biasActivation(x!, null, 'silu') : viaFloat(x!, (f) => core.silu(f))),
  // Inference and composite-free paths; core validates shapes and dtypes before dispatching.
  conv2d: ([x, w, bias], a) => conv2d(x!, w!, bias ?? null, convOptions(a)),
  maxPool2d: ([x], a) => maxPool(x!, maxPoolOptions(a), false).output,
  avgPool2d: ([x], a) => avgPool2d(x!, avgPoolOptions(a)),
  // Gradient ops (autograd's conv2d and pooling rules call them). The addon supports every
  // geometry core resolves (groups, dilation, asymmetric padding, ceil mode) in float32 and float64.
  conv2dBackwardInput: ([dy, w], a) => conv2dBackwardInput(dy!, w!, a.inputShape as number[], convOptions(a)),
  conv2dBackwardWeight: ([x, dy], a) => {
    const shape = a.weightShape as number[];
    // No output channels: an empty gradient (the addon expects at least one).
    if (shape[0] === 0) return core.zeros(shape, { dtype: x!.dtype, device: x!.device });
    return conv2dBackwardWeight(x!, dy!, shape, convOptions(a)).gradWeight;
  },
  // The bias gradient is summed in the same call, image by image after each image's GEMM.
  conv2dBackwardWeightBias: ([x, dy], a) => {
    const shape = a.weightShape as number[];
    if (shape[0] === 0) return [core.zeros(shape, { dtype: x!.dtype, device: x!.device }), core.zeros([0], { dtype: x!.dtype, device: x!.device })];
    const { gradWeight, gradBias } = conv2dBackwardWeight(x!, dy!, shape, { ...convOptions(a), bias: true });
    return [gradWeight, gradBias!];
  },
  maxPool2dWithIndices: ([x], a) => {
    const { output, indices } = maxPool(x!, maxPoolOptions(a), true);
    return [output, indices!];
  },
  maxPool2dBackward: ([dy, indices], a) => maxPool2dBackward(dy!, indices!, a.inputShape as number[]),
  avgPool2dBackward: ([dy], a) => avgPool2dBackward(dy!, a.inputShape as number[], avgPoolOptions(a)),
  foldWindows2d: ([w], a) => {
    const geometry = { stride: a.stride as [number, number], dilation: a.dilation as [number, number] };
    if (isFloat(w!)) return foldWindows2d(w!, a.size as [number, number], geometry);
    // Integer windows: sum in float64 (exact below 2^53), then convert back (wrapping like integer adds).
    const f = cast(w!, 'float64');
    try {
      const sum = foldWindows2d(f, a.size as [number, number], geometry);
      try {
        return cast(sum, w!.dtype);
      } finally {
        sum.dispose();
      }
    } finally {
      f.dispose();
    }
  },
};

/** Registers the backend and its kernels once; returns the registered backend, or null when the addon is unavailable. */
export function registerNative(): NativeBackend | null {
  const s = nativeState();
  if (!s.backend) return null;
  if (!s.registered) {
    s.backend = registerBackend(s.backend, { priority: NATIVE_PRIORITY }) as NativeBackend;
    for (const [op, k] of Object.entries(KERNELS)) registerKernel('native', op, k);
    for (const [op, k] of Object.entries(OPTIM_KERNELS)) registerKernel('native', op, k);
    for (const [op, k] of Object.entries(NN_KERNELS)) registerKernel('native', op, k);
    s.registered = true;
  }
  return s.backend;
}

/**
 * Registers the native backend with core (device 'native', above 'cpu' so that it becomes the
 * default device) and its fused kernels for core's ops. Idempotent across copies of the package.
 */
import { cast, registerBackend, registerKernel, type FusedKernel, type Tensor } from '@tessera/core';
import * as core from '@tessera/core';
import type { NativeBackend } from './backend.js';
import { avgPool2d, biasActivation, conv2d, foldWindows2d, maxPool, softmax } from './kernels.js';
import { nativeState } from './state.js';

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
  conv2d: ([x, w, bias], a) =>
    conv2d(x!, w!, bias ?? null, {
      stride: a.stride as [number, number],
      padding: a.padding as [number, number, number, number],
      dilation: a.dilation as [number, number],
      groups: a.groups as number,
    }),
  maxPool2d: ([x], a) =>
    maxPool(
      x!,
      {
        kernelSize: a.kernel as [number, number],
        stride: a.stride as [number, number],
        padding: a.padding as [number, number],
        dilation: a.dilation as [number, number],
        ceilMode: a.ceilMode as boolean,
      },
      false,
    ).output,
  avgPool2d: ([x], a) =>
    avgPool2d(x!, {
      kernelSize: a.kernel as [number, number],
      stride: a.stride as [number, number],
      padding: a.padding as [number, number],
      ceilMode: a.ceilMode as boolean,
      countIncludePad: a.countIncludePad as boolean,
      divisorOverride: (a.divisorOverride as number | null) ?? null,
    }),
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
    s.registered = true;
  }
  return s.backend;
}

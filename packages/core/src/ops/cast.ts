import { assertDType, DTYPES, type DType } from '../dtype.js';
import { getBackend } from '../engine.js';
import type { Tensor } from '../tensor.js';
import { fromData, runOp, viewOf } from './dispatch.js';

/** Converts `x` to `dtype` (a new handle sharing memory when the dtype already matches). */
export function cast(x: Tensor, dtype: DType): Tensor {
  assertDType('cast', dtype);
  x.assertAlive();
  return runOp('cast', [x], { dtype }, () => {
    if (x.dtype === dtype) return x._share();
    const b = x.backend;
    if (!b.dtypes.includes(dtype)) throw new TypeError(`cast: device '${b.name}' does not support dtype ${dtype}`);
    return fromData(b, b.cast(viewOf(x), dtype), dtype, x.shape);
  });
}

/**
 * Moves `x` to another device or converts it to a dtype (`'float32'`, `'int32'`, ...).
 * Moving needs a synchronous read on the source device; from a GPU use `await toDeviceAsync(x, device)`.
 */
export function to(x: Tensor, target: string): Tensor {
  if ((DTYPES as readonly string[]).includes(target)) return cast(x, target as DType);
  const dst = getBackend(target);
  return runOp('toDevice', [x], { device: target }, () => {
    if (dst === x.backend) return x._share();
    if (!x.backend.readSync) {
      throw new Error(`to: device '${x.device}' cannot be read synchronously; use 'await toDeviceAsync(x, '${target}')'`);
    }
    if (!dst.dtypes.includes(x.dtype)) throw new TypeError(`to: device '${target}' does not support dtype ${x.dtype}`);
    const host = x.dataSync();
    return fromData(dst, dst.upload(host, x.dtype), x.dtype, x.shape);
  });
}

/** Asynchronous device transfer that works from any device (including GPUs). */
export async function toDeviceAsync(x: Tensor, target: string): Promise<Tensor> {
  const dst = getBackend(target);
  if (dst === x.backend || x.backend.readSync) return to(x, target);
  const host = await x.data();
  return fromData(dst, dst.upload(host, x.dtype), x.dtype, x.shape);
}

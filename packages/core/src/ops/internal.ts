/** Small host-built constant tensors used inside compositions. */
import type { Backend } from '../backend.js';
import { allocArray } from '../dtype.js';
import type { Tensor } from '../tensor.js';
import { fromData } from './dispatch.js';

/** `[0, 1, ..., n-1]` as int32 on `backend`. */
export function arangeOn(backend: Backend, n: number): Tensor {
  const a = allocArray('int32', n);
  for (let i = 0; i < n; i++) a[i] = i;
  return fromData(backend, backend.upload(a, 'int32'), 'int32', [n]);
}


import type { Backend, DataId } from './backend.js';
import { bytesPerElement, type DType } from './dtype.js';
import { deviceCounter, type DeviceCounter } from './engine.js';

/**
 * Reference-counted device memory shared by a tensor and all of its views.
 * The backend's `free` runs when the last tensor handle referencing it is disposed.
 */
export class Storage {
  refCount = 1;
  /** Bumped by in-place writes so autograd can detect a saved tensor that was modified. */
  version = 0;
  readonly bytes: number;
  /** @internal the device's live-memory counter (looked up once here, not per tensor). */
  readonly counter: DeviceCounter;

  constructor(
    readonly backend: Backend,
    readonly data: DataId,
    readonly dtype: DType,
    readonly size: number,
  ) {
    this.bytes = size * bytesPerElement(dtype);
    this.counter = deviceCounter(backend.name);
    this.counter.bytes += this.bytes;
  }

  retain(): this {
    this.refCount++;
    return this;
  }

  release(): void {
    if (this.refCount <= 0) return;
    if (--this.refCount === 0) {
      this.counter.bytes -= this.bytes;
      this.backend.free(this.data);
    }
  }
}

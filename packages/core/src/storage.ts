import type { Backend, DataId } from './backend.js';
import { bytesPerElement, type DType } from './dtype.js';
import { engine } from './engine.js';

/**
 * Reference-counted device memory shared by a tensor and all of its views.
 * The backend's `free` runs when the last tensor handle referencing it is disposed.
 */
export class Storage {
  refCount = 1;
  /** Bumped by in-place writes so autograd can detect a saved tensor that was modified. */
  version = 0;
  readonly bytes: number;

  constructor(
    readonly backend: Backend,
    readonly data: DataId,
    readonly dtype: DType,
    readonly size: number,
  ) {
    this.bytes = size * bytesPerElement(dtype);
    const dev = backend.name;
    engine.liveBytes.set(dev, (engine.liveBytes.get(dev) ?? 0) + this.bytes);
  }

  retain(): this {
    this.refCount++;
    return this;
  }

  release(): void {
    if (this.refCount <= 0) return;
    if (--this.refCount === 0) {
      const dev = this.backend.name;
      engine.liveBytes.set(dev, (engine.liveBytes.get(dev) ?? 0) - this.bytes);
      this.backend.free(this.data);
    }
  }
}

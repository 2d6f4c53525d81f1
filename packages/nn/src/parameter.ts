/**
 * `Parameter`: a tensor that a `Module` owns as learnable state. It is a real `Tensor` (every op
 * takes it), requires grad by default, and is found by `Module.parameters()` when assigned to a
 * field.
 */
import { keep, Tensor } from '@tessera/core';

type Mutable = {
  -readonly [K in 'storage' | 'shape' | 'strides' | 'offset' | 'dtype']: Tensor[K];
};

/**
 * A tensor registered as a module parameter. Shares memory with `data` (like PyTorch's
 * `nn.Parameter(data)`) and is kept out of `tidy`, since it is long-lived model state.
 *
 * @example
 * class Scale extends Module {
 *   alpha = new Parameter(ones([1]));
 *   forward(x: Tensor) { return x.mul(this.alpha); }
 * }
 */
export class Parameter extends Tensor {
  constructor(data: Tensor, requiresGrad = true) {
    if (!(data instanceof Tensor)) throw new TypeError(`Parameter: expected a Tensor, got ${typeof data}`);
    data.assertAlive();
    super(data.storage.retain(), Object.freeze([...data.shape]), Object.freeze([...data.strides]), data.offset, data.dtype);
    keep(this);
    if (requiresGrad) this.requiresGrad_(true);
  }

  /**
   * @internal Points this parameter at `src`'s memory (shared, one more reference) and releases its
   * own, keeping the object's identity so that optimizers holding it stay valid. `Module.to()`
   * uses it to move parameters between devices and dtypes. The gradient is converted alongside.
   *
   * Caveat: core's garbage-collection safety net (which frees tensors that were never disposed)
   * still refers to the original memory, so dispose a model whose parameters were moved when you
   * are done with it instead of relying on garbage collection.
   */
  _setData(src: Tensor): void {
    this.assertAlive();
    src.assertAlive();
    if (src.storage === this.storage && src.offset === this.offset && src.dtype === this.dtype) return;
    const self = this as unknown as Mutable;
    const old = this.storage;
    const newStorage = src.storage.retain();
    if (old.counter !== newStorage.counter) {
      old.counter.tensors--;
      newStorage.counter.tensors++;
    }
    self.storage = newStorage;
    self.shape = [...src.shape];
    self.strides = [...src.strides];
    self.offset = src.offset;
    self.dtype = src.dtype;
    old.release();
  }

  override toString(): string {
    return `Parameter containing:\n${super.toString()}`;
  }
}

/** Whether `x` is a `Parameter` (also across two loaded copies of this package). */
export function isParameter(x: unknown): x is Parameter {
  return x instanceof Parameter || (x instanceof Tensor && (x as { [PARAM_BRAND]?: boolean })[PARAM_BRAND] === true);
}

const PARAM_BRAND = Symbol.for('tessera.nn.parameter');
Object.defineProperty(Parameter.prototype, PARAM_BRAND, { value: true });

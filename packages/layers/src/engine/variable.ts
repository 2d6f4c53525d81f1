/** A layer's weight: a leaf tensor that requires grad while it is trainable. */
import { noGrad } from '@tessera/autograd';
import { keep, type DType, type Tensor } from '@tessera/core';
import { fmtShape, ValueError } from '../common.js';
import type { Constraint } from '../constraints.js';
import type { Regularizer } from '../regularizers.js';

let nextVariableId = 0;

export class LayerVariable {
  readonly id = nextVariableId++;
  /** Full name, `<layer name>/<weight name>` (the key in model files). */
  name: string;
  /** The name as given when the model was built or loaded. */
  readonly originalName: string;
  private _value: Tensor;
  private _trainable: boolean;
  /** The owning layer's trainable flag (set by the layer). */
  private _ownerTrainable = true;
  readonly regularizer: Regularizer | null;
  readonly constraint: Constraint | null;

  constructor(value: Tensor, name: string, options: { trainable?: boolean; regularizer?: Regularizer | null; constraint?: Constraint | null } = {}) {
    this._value = keep(value);
    this.name = name;
    this.originalName = name;
    this._trainable = options.trainable ?? true;
    this.regularizer = options.regularizer ?? null;
    this.constraint = options.constraint ?? null;
    this.syncGrad();
  }

  get shape(): number[] {
    return [...this._value.shape];
  }

  get dtype(): DType {
    return this._value.dtype;
  }

  /** The live tensor (do not dispose it). */
  read(): Tensor {
    return this._value;
  }

  /** The live tensor (do not dispose it). */
  get value(): Tensor {
    return this._value;
  }

  /** Copies `values` into this weight (shapes must match). */
  write(values: Tensor): void {
    if (values.shape.length !== this._value.shape.length || values.shape.some((d, i) => d !== this._value.shape[i])) {
      throw new ValueError(`Shape mismatch for weight '${this.name}': expected ${fmtShape(this._value.shape)}, got ${fmtShape(values.shape)}`);
    }
    noGrad(() => this._value.copy_(values));
  }

  /** Whether the optimizer updates this weight (false when its layer is frozen). */
  get trainable(): boolean {
    return this._trainable && this._ownerTrainable;
  }

  set trainable(v: boolean) {
    this._trainable = v;
    this.syncGrad();
  }

  /** @internal */
  _setOwnerTrainable(v: boolean): void {
    this._ownerTrainable = v;
    this.syncGrad();
  }

  private syncGrad(): void {
    const want = this.trainable && (this._value.dtype === 'float32' || this._value.dtype === 'float64');
    if (this._value.requiresGrad !== want) this._value.requiresGrad_(want);
    if (!want && this._value.grad) {
      this._value.grad.dispose();
      this._value.grad = null;
    }
  }

  dispose(): void {
    this._value.grad?.dispose();
    this._value.grad = null;
    this._value.dispose();
  }
}

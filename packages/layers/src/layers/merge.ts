/** Merge layers over a list of inputs: Add, Subtract, Multiply, Average, Maximum, Minimum, Concatenate, Dot. */
import { cat, type Tensor } from '@tessera/core';
import { fmtShape, ValueError, type Shape } from '../common.js';
import { Layer, type LayerArgs, type LayerConfig } from '../engine/topology.js';

function asList(layer: Layer, inputs: Tensor | Tensor[] | Shape | Shape[], min = 2): unknown[] {
  if (!Array.isArray(inputs) || (inputs.length > 0 && (inputs[0] === null || typeof inputs[0] !== 'object'))) {
    throw new ValueError(`A merge layer (${layer.getClassName()} '${layer.name}') should be called on a list of inputs.`);
  }
  if (inputs.length < min) throw new ValueError(`A merge layer (${layer.getClassName()} '${layer.name}') should be called on a list of at least ${min} inputs. Got ${inputs.length} inputs.`);
  return inputs as unknown[];
}

/** Broadcast of two shapes with unknown (null) dims. */
function broadcast(a: Shape, b: Shape): Shape {
  const n = Math.max(a.length, b.length);
  const out: Shape = [];
  for (let i = 0; i < n; i++) {
    const x = a[a.length - n + i] ?? 1;
    const y = b[b.length - n + i] ?? 1;
    if (x === null || y === null) out.push(x === 1 ? y : y === 1 ? x : (x ?? y));
    else if (x === 1) out.push(y);
    else if (y === 1 || x === y) out.push(x);
    else throw new ValueError(`Inputs have incompatible shapes. Received shapes ${fmtShape(a)} and ${fmtShape(b)}`);
  }
  return out;
}

abstract class ElementwiseMerge extends Layer {
  protected abstract merge(xs: Tensor[]): Tensor;
  call(inputs: Tensor | Tensor[]): Tensor {
    return this.merge(asList(this, inputs) as Tensor[]);
  }
  override computeOutputShape(inputShape: Shape | Shape[]): Shape {
    const shapes = asList(this, inputShape) as Shape[];
    return shapes.reduce((a, b) => broadcast(a, b));
  }
}

export class Add extends ElementwiseMerge {
  static override readonly className: string = 'Add';
  protected merge(xs: Tensor[]): Tensor {
    return xs.reduce((a, b) => a.add(b));
  }
}

export class Subtract extends ElementwiseMerge {
  static override readonly className: string = 'Subtract';
  protected merge(xs: Tensor[]): Tensor {
    if (xs.length !== 2) throw new ValueError(`A Subtract layer should be called on exactly 2 inputs. Received: ${xs.length}`);
    return xs[0]!.sub(xs[1]!);
  }
}

export class Multiply extends ElementwiseMerge {
  static override readonly className: string = 'Multiply';
  protected merge(xs: Tensor[]): Tensor {
    return xs.reduce((a, b) => a.mul(b));
  }
}

export class Average extends ElementwiseMerge {
  static override readonly className: string = 'Average';
  protected merge(xs: Tensor[]): Tensor {
    return xs.reduce((a, b) => a.add(b)).div(xs.length);
  }
}

export class Maximum extends ElementwiseMerge {
  static override readonly className: string = 'Maximum';
  protected merge(xs: Tensor[]): Tensor {
    return xs.reduce((a, b) => a.maximum(b));
  }
}

export class Minimum extends ElementwiseMerge {
  static override readonly className: string = 'Minimum';
  protected merge(xs: Tensor[]): Tensor {
    return xs.reduce((a, b) => a.minimum(b));
  }
}

export class Concatenate extends Layer {
  static override readonly className: string = 'Concatenate';
  readonly axis: number;
  constructor(args: LayerArgs & { axis?: number } = {}) {
    super(args);
    this.axis = args.axis ?? -1;
  }
  call(inputs: Tensor | Tensor[]): Tensor {
    return cat(asList(this, inputs, 1) as Tensor[], this.axis);
  }
  override computeOutputShape(inputShape: Shape | Shape[]): Shape {
    const shapes = asList(this, inputShape, 1) as Shape[];
    const rank = shapes[0]!.length;
    const ax = this.axis < 0 ? rank + this.axis : this.axis;
    const out = [...shapes[0]!];
    for (const s of shapes.slice(1)) {
      if (s.length !== rank) throw new ValueError(`A Concatenate layer requires inputs with matching shapes except for the concatenation axis. Received: input_shape=${shapes.map(fmtShape).join(', ')}`);
      s.forEach((d, i) => {
        if (i === ax) out[i] = out[i] === null || d === null ? null : out[i]! + d;
        else if (i > 0 && d !== null && out[i] !== null && d !== out[i]) {
          throw new ValueError(`A Concatenate layer requires inputs with matching shapes except for the concatenation axis. Received: input_shape=${shapes.map(fmtShape).join(', ')}`);
        }
      });
    }
    return out;
  }
  override getConfig(): LayerConfig {
    return { ...super.getConfig(), axis: this.axis };
  }
}

/** Dot product along `axes` of two inputs (batch dim excluded), optionally of L2-normalized inputs. */
export class Dot extends Layer {
  static override readonly className: string = 'Dot';
  readonly axes: number | [number, number];
  readonly normalize: boolean;
  constructor(args: LayerArgs & { axes: number | number[]; normalize?: boolean }) {
    super(args);
    this.axes = typeof args.axes === 'number' ? args.axes : [args.axes[0]!, args.axes[1]!];
    this.normalize = args.normalize ?? false;
  }
  private pair(ra: number, rb: number): [number, number] {
    const [a, b] = typeof this.axes === 'number' ? [this.axes, this.axes] : this.axes;
    return [a < 0 ? ra + a : a, b < 0 ? rb + b : b];
  }
  call(inputs: Tensor | Tensor[]): Tensor {
    let [x, y] = asList(this, inputs) as [Tensor, Tensor];
    const [a, b] = this.pair(x.ndim, y.ndim);
    if (this.normalize) {
      x = x.div(x.square().sum(a, true).clamp(1e-12).sqrt());
      y = y.div(y.square().sum(b, true).clamp(1e-12).sqrt());
    }
    if (x.ndim !== 2 || y.ndim !== 2) {
      // [B, ..., K] x [B, K, ...] via batched matmul with the contracted axes moved into place.
      const xm = x.transpose(a, x.ndim - 1);
      const ym = y.transpose(b, 1);
      return xm.matmul(ym);
    }
    return x.mul(y).sum(-1, true);
  }
  override computeOutputShape(inputShape: Shape | Shape[]): Shape {
    const [s1, s2] = asList(this, inputShape) as [Shape, Shape];
    const [a, b] = this.pair(s1.length, s2.length);
    const out = [...s1.filter((_, i) => i !== a), ...s2.filter((_, i) => i !== b && i !== 0)];
    return out.length === 1 ? [out[0]!, 1] : out;
  }
  override getConfig(): LayerConfig {
    return { ...super.getConfig(), axes: this.axes, normalize: this.normalize };
  }
}

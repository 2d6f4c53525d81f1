/**
 * Custom differentiable functions (PyTorch's `torch.autograd.Function`): a forward computed
 * without recording, and a backward you write. Use them for fused or numerically careful ops.
 */
import { engine, type Tensor } from '@tessera/core';
import { noGrad } from './mode.js';
import { recordNode, SavedTensor } from './tape.js';

/** The arguments of a forward function after its context. */
type ForwardArgs<F> = F extends (ctx: FunctionContext, ...args: infer A) => unknown ? A : never;

const isTensor = (x: unknown): x is Tensor => typeof x === 'object' && x !== null && typeof (x as Tensor).requiresGrad_ === 'function';

/** What `forward` leaves for `backward`: saved tensors, flags and any values you attach. */
export class FunctionContext {
  /** Per forward argument: whether backward must compute its gradient. */
  needsInputGrad: readonly boolean[] = [];
  /** Free-form values for backward (`ctx.values.alpha = 2`). */
  readonly values: Record<string, unknown> = {};
  private saved: SavedTensor[] = [];
  private savedFrom: Tensor[] = [];
  private nonDifferentiable = new Set<Tensor>();
  private released = false;

  constructor(private readonly name: string) {}

  /** Saves tensors for backward (inputs or outputs), checked against in-place changes. */
  saveForBackward(...tensors: Tensor[]): void {
    for (const s of this.saved) s.release();
    this.saved = tensors.map((t, i) => new SavedTensor(t, this.name, `saved tensor ${i}`));
    this.savedFrom = tensors;
  }

  /**
   * @internal Re-saves the saved tensors that are outputs once they are attached to the node,
   * so that a recorded (higher-order) backward differentiates through them.
   */
  _reconnect(from: readonly Tensor[], to: readonly Tensor[]): void {
    this.savedFrom.forEach((t, i) => {
      const k = from.indexOf(t);
      if (k < 0) return;
      this.saved[i]!.release();
      this.saved[i] = new SavedTensor(to[k]!, this.name, `saved tensor ${i}`);
    });
    this.savedFrom = [];
  }

  /** The tensors given to `saveForBackward`, in order. */
  get savedTensors(): Tensor[] {
    return this.saved.map((s) => s.unpack());
  }

  /** Marks outputs that have no gradient (e.g. indices): they will not require grad. */
  markNonDifferentiable(...outputs: Tensor[]): void {
    for (const o of outputs) this.nonDifferentiable.add(o);
  }

  /** @internal */
  _isNonDifferentiable(t: Tensor): boolean {
    return this.nonDifferentiable.has(t);
  }

  /** @internal */
  _release(): void {
    if (this.released) return;
    this.released = true;
    for (const s of this.saved) s.release();
    this.saved = [];
    this.savedFrom = [];
  }
}

/**
 * Base class of custom functions: override the static `forward` and `backward`, call `apply`.
 * `backward` receives one gradient per output and returns one gradient (or null) per forward
 * argument. Write backward with tensor ops to make it differentiable for higher orders.
 *
 * @example
 * class Exp extends AutogradFunction {
 *   static forward(ctx: FunctionContext, x: Tensor): Tensor {
 *     const y = x.exp();
 *     ctx.saveForBackward(y);
 *     return y;
 *   }
 *   static backward(ctx: FunctionContext, g: Tensor): Tensor {
 *     const [y] = ctx.savedTensors;
 *     return g.mul(y!);
 *   }
 * }
 * const y = Exp.apply(x);
 */
export class AutogradFunction {
  static forward(_ctx: FunctionContext, ..._args: unknown[]): Tensor | Tensor[] {
    throw new Error(`${this.name}.forward is not implemented`);
  }

  static backward(_ctx: FunctionContext, ..._grads: Tensor[]): Tensor | null | (Tensor | null)[] {
    throw new Error(`${this.name}.backward is not implemented`);
  }

  /** Runs `forward` and records one node whose gradient is `backward`. Returns what `forward` returns. */
  static apply<T extends typeof AutogradFunction>(this: T, ...args: ForwardArgs<T['forward']>): ReturnType<T['forward']> {
    return applyFunction(this.name || 'AutogradFunction', this.forward.bind(this), this.backward.bind(this), args) as ReturnType<T['forward']>;
  }
}

/**
 * A custom function from two closures, without a class.
 *
 * @example
 * const clipGrad = defineFunction({
 *   forward: (ctx, x: Tensor) => x.clone(),
 *   backward: (ctx, g) => g.clamp(-1, 1),
 * });
 */
export function defineFunction<A extends unknown[], R extends Tensor | Tensor[]>(spec: {
  name?: string;
  forward: (ctx: FunctionContext, ...args: A) => R;
  backward: (ctx: FunctionContext, ...grads: Tensor[]) => Tensor | null | (Tensor | null)[];
}): (...args: A) => R {
  const name = spec.name ?? 'CustomFunction';
  return (...args: A) => applyFunction(name, spec.forward as (ctx: FunctionContext, ...a: unknown[]) => R, spec.backward, args) as R;
}

function applyFunction(
  name: string,
  forward: (ctx: FunctionContext, ...args: unknown[]) => Tensor | Tensor[],
  backward: (ctx: FunctionContext, ...grads: Tensor[]) => Tensor | null | (Tensor | null)[],
  args: unknown[],
): Tensor | Tensor[] {
  const ctx = new FunctionContext(name);
  const tensorArgs = args.map((a, i) => (isTensor(a) ? i : -1)).filter((i) => i >= 0);
  const inputs = tensorArgs.map((i) => args[i] as Tensor);
  ctx.needsInputGrad = args.map((a) => isTensor(a) && a.requiresGrad);
  const record = engine.gradEnabled && engine.recorder !== null && inputs.some((t) => t.requiresGrad);
  const result = noGrad(() => forward(ctx, ...args));
  const list = Array.isArray(result) ? result : [result];
  // An output that is an input (or repeated) gets its own handle, so it can carry this node.
  const outputs = list.map((o, i) => (inputs.includes(o) || list.indexOf(o) !== i ? o._share() : o));
  if (!record) {
    ctx._release();
    return Array.isArray(result) ? outputs : outputs[0]!;
  }
  const node = recordNode(name, inputs, outputs, () => {
    return (grads) => {
      const full = backward(ctx, ...grads);
      const perArg = Array.isArray(full) ? full : [full];
      if (perArg.length !== args.length) {
        throw new Error(`${name}.backward returned ${perArg.length} gradients, but forward took ${args.length} arguments (return null for those without a gradient)`);
      }
      return tensorArgs.map((i) => perArg[i] ?? null);
    };
  });
  if (node) {
    ctx._reconnect(list, outputs);
    node.onRelease.push(() => ctx._release());
    outputs.forEach((o, i) => {
      if (ctx._isNonDifferentiable(list[i]!)) {
        o.requiresGrad = false;
        o.gradFn = null;
      }
    });
  } else ctx._release();
  return Array.isArray(result) ? outputs : outputs[0]!;
}

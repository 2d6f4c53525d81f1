/**
 * The functional API: gradients as return values instead of `.grad` side effects.
 *
 * - `gradients(outputs, inputs)`: PyTorch's `torch.autograd.grad`.
 * - `grad(f)` / `valueAndGrad(f)`: JAX-style transforms. They nest (`grad(grad(f))`): an inner
 *   transform running inside an outer one records its backward pass, so the outer one can
 *   differentiate it.
 */
import { tidy, zerosLike, type Tensor } from '@tessera/core';
import { runBackward, type BackwardOptions } from './backward.js';
import { isGradEnabled } from './mode.js';
import { state } from './state.js';
import { edgeOf, recordNode } from './tape.js';

/**
 * Backpropagates from several outputs at once, accumulating into the `.grad` of the leaves
 * (PyTorch's `torch.autograd.backward`): shared parts of the graph are walked once.
 *
 * @example
 * backward([loss1, loss2]); // same gradients as (loss1 + loss2).backward()
 */
export function backward(
  tensors: Tensor | readonly Tensor[],
  gradTensors: readonly (Tensor | null | undefined)[] = [],
  options: BackwardOptions = {},
): void {
  runBackward(Array.isArray(tensors) ? (tensors as readonly Tensor[]) : [tensors as Tensor], gradTensors, options);
}

/** Options of `gradients`. */
export interface GradientsOptions extends BackwardOptions {
  /** Gradients of the outputs (default: ones, for one-element outputs). */
  gradOutputs?: readonly (Tensor | null | undefined)[];
  /** Return null for an input the outputs do not depend on, instead of throwing. */
  allowUnused?: boolean;
}

/**
 * The gradients of `outputs` with respect to `inputs` (PyTorch's `torch.autograd.grad`), without
 * touching any `.grad`.
 *
 * @example
 * const x = tensor([1, 2, 3], { requiresGrad: true });
 * const [dx] = gradients([x.pow(2).sum()], [x]); // [2, 4, 6]
 */
export function gradients(
  outputs: Tensor | readonly Tensor[],
  inputs: Tensor | readonly Tensor[],
  options: GradientsOptions = {},
): (Tensor | null)[] {
  const outs = Array.isArray(outputs) ? (outputs as readonly Tensor[]) : [outputs as Tensor];
  const ins = Array.isArray(inputs) ? (inputs as readonly Tensor[]) : [inputs as Tensor];
  const grads = runBackward(outs, options.gradOutputs ?? [], { ...options, inputs: ins });
  if (!options.allowUnused) {
    const unused = grads.indexOf(null);
    if (unused >= 0) {
      for (const g of grads) g?.dispose();
      throw new Error(
        `gradients: input ${unused} was not used in the graph of the outputs; pass { allowUnused: true } to get null for it`,
      );
    }
  }
  return grads;
}

/** Options of `grad` and `valueAndGrad`. */
export interface GradOptions {
  /** Which arguments to differentiate with respect to: one index (default 0) or several. */
  argnums?: number | readonly number[];
  /**
   * Record the backward pass so the gradients are themselves differentiable. Default: when
   * called inside another `grad`/`valueAndGrad`, or when an argument already requires grad.
   */
  createGraph?: boolean;
}

type GradOf<O extends GradOptions | undefined> = O extends { argnums: readonly number[] } ? Tensor[] : Tensor;

/**
 * Transforms `f` (returning a one-element tensor) into a function returning its gradient with
 * respect to argument `argnums` (or a list of gradients for a list of argnums).
 * Arguments need not require grad; nothing is accumulated into `.grad`; temporaries are freed.
 *
 * @example
 * const df = grad((x: Tensor) => x.pow(3).sum());
 * df(tensor([1, 2])); // [3, 12]
 * grad(grad((x: Tensor) => x.pow(3).sum()))(tensor(2)); // 12
 */
export function grad<A extends unknown[], O extends GradOptions | undefined = undefined>(
  f: (...args: A) => Tensor,
  options?: O,
): (...args: A) => GradOf<O> {
  return (...args: A) => {
    const [value, g] = transform(f, args, options, false);
    value.dispose();
    return g as GradOf<O>;
  };
}

/**
 * Like `grad`, but returns `[value, gradient]` from one forward pass. Inside another transform
 * the value stays differentiable too.
 *
 * @example
 * const [loss, [dw, db]] = valueAndGrad(lossFn, { argnums: [0, 1] })(w, b, x, y);
 */
export function valueAndGrad<A extends unknown[], O extends GradOptions | undefined = undefined>(
  f: (...args: A) => Tensor,
  options?: O,
): (...args: A) => [Tensor, GradOf<O>] {
  return (...args: A) => {
    const [value, g] = transform(f, args, options, true);
    return [value, g as GradOf<O>];
  };
}

function transform<A extends unknown[]>(
  f: (...args: A) => Tensor,
  args: A,
  options: GradOptions | undefined,
  differentiableValue: boolean,
): [Tensor, Tensor | Tensor[]] {
  const argnums = options?.argnums ?? 0;
  const list = typeof argnums === 'number' ? [argnums] : [...argnums];
  const tensors = list.map((i) => {
    const a = args[i] as Tensor | undefined;
    if (!a || typeof a.requiresGrad_ !== 'function') {
      throw new TypeError(`grad: argument ${i} (argnums) must be a Tensor, got ${a === undefined ? 'nothing' : typeof a}`);
    }
    return a;
  });
  const nested = state.transformDepth > 0 || tensors.some((t) => t.requiresGrad);
  const createGraph = options?.createGraph ?? (nested && isGradEnabled());
  // The outermost transform that returns plain values frees every node recorded inside it
  // (including those of nested transforms, which had to keep their graphs for it) at its end.
  const outermost = state.transformNodes === null && !createGraph;
  if (outermost) state.transformNodes = [];
  let result: [Tensor, Tensor[]];
  try {
    result = tidy(() => {
      // Fresh handles for the differentiated arguments: new leaves, or (when the argument is
      // already in a graph) identity nodes on top of it, so an outer graph stays connected.
      const diffArgs = tensors.map(differentiable);
      const callArgs = [...args] as A;
      list.forEach((i, k) => (callArgs[i] = diffArgs[k]));
      state.transformDepth++;
      let out: Tensor;
      try {
        out = f(...callArgs);
      } finally {
        state.transformDepth--;
      }
      if (!out || typeof out.requiresGrad_ !== 'function') throw new TypeError('grad: f must return a Tensor');
      if (out.size !== 1) {
        throw new Error(`grad: f must return a one-element tensor (got shape [${out.shape.join(',')}]); use gradients() with gradOutputs for other outputs`);
      }
      const gs = out.requiresGrad ? runBackward([out], [], { inputs: diffArgs, createGraph }) : diffArgs.map(() => null);
      const filled = gs.map((g, k) => g ?? zerosLike(tensors[k]!));
      // The value stays differentiable only when an outer transform may differentiate it.
      return [createGraph && differentiableValue ? out : out.detach(), filled] as [Tensor, Tensor[]];
    });
  } finally {
    if (outermost) {
      const nodes = state.transformNodes ?? [];
      state.transformNodes = null;
      for (const n of nodes) n.release();
    }
  }
  const [value, grads] = result;
  return [value, typeof argnums === 'number' ? grads[0]! : grads];
}

/** A handle on `x` that requires grad: a fresh leaf, or an identity node when `x` is in a graph. */
function differentiable(x: Tensor): Tensor {
  if (!(x.dtype === 'float32' || x.dtype === 'float64')) {
    throw new TypeError(`grad: can only differentiate with respect to floating point tensors (got ${x.dtype})`);
  }
  const h = x._share();
  if (edgeOf(x) === null) h.requiresGrad = true;
  else recordNode('identity', [x], [h], () => (g) => [g[0]!]);
  return h;
}

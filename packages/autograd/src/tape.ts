/**
 * The tape: what one recorded op leaves behind for backward.
 *
 * A `Node` is one recorded call (`outputs = op(inputs)`). It keeps the tensors its gradient rule
 * needs (as its own handles, so user code may dispose its intermediates), one `Edge` per input
 * saying where that input's gradient goes, and a `backward` closure. Leaves that require grad
 * end in a `Leaf`, which owns nothing and only names the tensor whose `.grad` accumulates.
 *
 * Gradients travel between nodes keyed by (node, output slot), never by tensor handle: a user's
 * handle on an intermediate may already be disposed (by `tidy`) when backward runs.
 */
import { keep, type DType, type GradFn, type Tensor } from '@tessera/core';
import { brand, state } from './state.js';

const LEAF = brand('leaf');
const NODE = brand('node');

/** A graph leaf: a tensor created by the user with `requiresGrad`, where gradients accumulate. */
export class Leaf {
  static [Symbol.hasInstance](x: unknown): boolean {
    return LEAF.is(x);
  }
  get [LEAF.symbol](): boolean {
    return true;
  }
  constructor(readonly tensor: Tensor) {}
}

/** Where the gradient of one node input goes: output `slot` of a node, or a leaf. */
export interface Edge {
  readonly target: Node | Leaf;
  readonly slot: number;
}

/** Shape, dtype and device of a node input or output. */
export interface TensorInfo {
  readonly shape: readonly number[];
  readonly dtype: DType;
  readonly device: string;
  /** Whether gradients flow through it (floating point only). */
  readonly differentiable: boolean;
}

export function infoOf(t: Tensor): TensorInfo {
  return { shape: t.shape, dtype: t.dtype, device: t.device, differentiable: t.dtype === 'float32' || t.dtype === 'float64' };
}

/** Marks `t` as output `slot` of `node`. */
export function attach(t: Tensor, node: Node, slot: number): void {
  t.requiresGrad = true;
  t.gradFn = node;
  state.slotOf.set(t, slot);
}

/** Where gradients of `t` go, or null when `t` does not require grad. */
export function edgeOf(t: Tensor): Edge | null {
  if (t.gradFn !== null) {
    if (!(t.gradFn instanceof Node)) throw new Error(`autograd: tensor #${t.id} has a gradFn that autograd did not create`);
    return { target: t.gradFn, slot: state.slotOf.get(t) ?? 0 };
  }
  if (!t.requiresGrad) return null;
  let leaf = state.leafOf.get(t) as Leaf | undefined;
  if (leaf === undefined) state.leafOf.set(t, (leaf = new Leaf(t)));
  return { target: leaf, slot: 0 };
}

/**
 * A new handle on `t`'s memory at the same place in the graph: gradients flowing into it reach
 * the same node slot or the same leaf as `t`. Saved tensors are such aliases, so a gradient rule
 * run with `createGraph` differentiates through them back into the original graph.
 */
export function alias(t: Tensor): Tensor {
  const a = t._share();
  const e = edgeOf(t);
  if (e === null) return a;
  if (e.target instanceof Node) attach(a, e.target, e.slot);
  else {
    a.requiresGrad = true;
    state.leafOf.set(a, e.target);
  }
  return a;
}

/** A tensor kept alive by a node for its backward, with the storage version it had when saved. */
export class SavedTensor {
  private tensor: Tensor | null;
  private readonly version: number;

  constructor(
    t: Tensor,
    private readonly owner: string,
    private readonly what: string,
  ) {
    this.tensor = keep(alias(t));
    this.version = t.storage.version;
  }

  /** The saved tensor; throws when it was freed or modified in place since it was saved. */
  unpack(): Tensor {
    const t = this.tensor;
    if (t === null) throw new Error(secondBackwardMessage(this.owner));
    if (t.storage.version !== this.version) {
      throw new Error(
        `one of the variables needed for gradient computation has been modified by an inplace operation: ` +
          `[${t.dtype} [${t.shape.join(',')}]], ${this.what} of '${this.owner}', is at version ${t.storage.version}; ` +
          `expected version ${this.version} instead. Do the in-place update after backward, or on a clone.`,
      );
    }
    return t;
  }

  release(): void {
    this.tensor?.dispose();
    this.tensor = null;
  }
}

export function secondBackwardMessage(op: string): string {
  return (
    `Trying to backward through the graph a second time (through '${op}'), or to use saved tensors after ` +
    `they have been freed. Saved intermediate values of the graph are freed when you call backward() or ` +
    `gradients(); pass { retainGraph: true } to the first call if you need to backward through the graph again.`
  );
}

/**
 * Computes the input gradients of a node from its output gradients. `needsInputGrad[i]` says
 * whether this backward pass uses input i's gradient; return null for the others.
 */
export type NodeBackward = (gradOutputs: readonly Tensor[], needsInputGrad: readonly boolean[]) => readonly (Tensor | null)[];

/** One recorded op: where its input gradients go, what it saved, and how to compute them. */
export class Node implements GradFn {
  static [Symbol.hasInstance](x: unknown): boolean {
    return NODE.is(x);
  }
  get [NODE.symbol](): boolean {
    return true;
  }

  readonly id = state.nextNodeId++;
  /** Tensors the backward reads (freed after backward unless `retainGraph`). */
  saved: SavedTensor[] = [];
  /** Set once backward freed the saved tensors; a later backward through this node throws. */
  released = false;
  /** Run on release, for state kept outside `saved` (a custom function's context). */
  readonly onRelease: (() => void)[] = [];
  /** Stack of the forward call that recorded this node (anomaly mode only). */
  forwardStack: string | undefined;
  /**
   * The handles the op returned to the user, for their tensor hooks and `retainGrad`. Holding a
   * handle object keeps no device memory alive once the user disposes it.
   */
  readonly userOutputs: (Tensor | null)[];

  constructor(
    /** The op name, e.g. `'matmul'` (a custom function's class name). */
    readonly name: string,
    /** One entry per op input: where its gradient goes (null: no gradient needed). */
    readonly next: readonly (Edge | null)[],
    /** Shapes and dtypes of the inputs (gradients are checked and cast against them). */
    readonly inputInfo: readonly TensorInfo[],
    readonly outputInfo: readonly TensorInfo[],
    userOutputs: readonly (Tensor | null)[],
    /** Computes the input gradients from the output gradients. */
    readonly backward: NodeBackward,
  ) {
    this.userOutputs = [...userOutputs];
  }

  /** Frees the saved tensors. */
  release(): void {
    if (this.released) return;
    this.released = true;
    for (const s of this.saved) s.release();
    this.saved = [];
    this.userOutputs.fill(null);
    for (const f of this.onRelease) f();
  }
}

/**
 * Records `outputs = name(inputs)` as one node and connects the outputs to it: floating point
 * outputs then require grad and have `gradFn` set. `makeBackward` receives the node once its
 * outputs are attached (so it can save outputs as graph-connected aliases).
 */
export function recordNode(
  name: string,
  inputs: readonly Tensor[],
  outputs: readonly Tensor[],
  makeBackward: (node: Node) => NodeBackward,
): Node | null {
  for (const o of outputs) {
    if (inputs.includes(o)) throw new Error(`autograd: op '${name}' returned one of its inputs; ops must return new tensor handles`);
  }
  const outputInfo = outputs.map(infoOf);
  // Nothing can flow back through integer or bool outputs: record nothing (and save nothing).
  if (!outputInfo.some((o) => o.differentiable)) return null;
  let backward: NodeBackward = () => {
    throw new Error(`autograd: node '${name}' has no backward`);
  };
  const node = new Node(name, inputs.map(edgeOf), inputs.map(infoOf), outputInfo, outputs, (g, needs) => backward(g, needs));
  outputs.forEach((o, i) => {
    if (outputInfo[i]!.differentiable) attach(o, node, i);
  });
  state.transformNodes?.push(node);
  if (state.detectAnomaly) node.forwardStack = new Error().stack?.split('\n').slice(1).join('\n');
  backward = makeBackward(node);
  return node;
}

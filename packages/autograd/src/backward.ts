/**
 * Reverse-mode differentiation over the tape (micrograd's algorithm): order the nodes reachable
 * from the roots topologically, then walk them from the roots back, turning each node's output
 * gradients into input gradients with its rule and summing them into the nodes (or leaves) the
 * inputs came from.
 *
 * Memory: each gradient tensor is owned by this walk and disposed as soon as it has been passed
 * on; a node's saved tensors are freed right after its rule ran (unless `retainGraph`). The walk
 * runs inside a `tidy`, so nothing created by rules or hooks outlives it except the results
 * (`.grad` of leaves and of `retainGrad` tensors, which are kept, or the returned gradients).
 */
import { add, cast, clone, engine, keep, onesLike, tidy, zeros, type Tensor } from '@tessera/core';
import { checkGradient } from './anomaly.js';
import { runHooks } from './hooks.js';
import { state } from './state.js';
import { alias, edgeOf, Leaf, Node, secondBackwardMessage, type Edge } from './tape.js';

/** Options of `backward()`. */
export interface BackwardOptions {
  /** Keep the saved tensors so the graph can be differentiated again (default: `createGraph`). */
  retainGraph?: boolean;
  /** Record the backward pass itself, so gradients are differentiable (higher-order derivatives). */
  createGraph?: boolean;
}

/** Options of a backward pass that returns the gradients of `inputs` instead of accumulating `.grad`. */
export interface CaptureOptions extends BackwardOptions {
  inputs: readonly Tensor[];
}

const sameShape = (a: readonly number[], b: readonly number[]): boolean => a.length === b.length && a.every((d, i) => d === b[i]);
const fmt = (s: readonly number[]): string => `[${s.join(',')}]`;

/**
 * Backpropagates from `roots` (seeded with `gradients`, or ones for one-element roots).
 * Without `options.inputs`, accumulates into the `.grad` of every leaf reached and returns [].
 * With `options.inputs`, returns their gradients (null for an input the roots do not depend on)
 * and touches no `.grad`.
 */
export function runBackward(
  roots: readonly Tensor[],
  gradients: readonly (Tensor | null | undefined)[],
  options: BackwardOptions | CaptureOptions = {},
): (Tensor | null)[] {
  const createGraph = options.createGraph ?? false;
  const retainGraph = options.retainGraph ?? createGraph;
  const inputs = 'inputs' in options ? options.inputs : null;

  const rootEdges = roots.map((r, i) => {
    r.assertAlive();
    const e = edgeOf(r);
    if (e === null) throw new Error(`element ${i} of tensors does not require grad and does not have a grad_fn`);
    return e;
  });

  // Where captured gradients are read: (node or leaf, slot) -> indices into `inputs`.
  const targets = new Map<Node | Leaf, Map<number, number[]>>();
  inputs?.forEach((t, i) => {
    const e = edgeOf(t);
    if (e === null) throw new Error(`gradients: input ${i} does not require grad (every differentiated tensor must require grad)`);
    let slots = targets.get(e.target);
    if (!slots) targets.set(e.target, (slots = new Map()));
    slots.set(e.slot, [...(slots.get(e.slot) ?? []), i]);
  });
  const isTarget = (e: Edge): boolean => targets.get(e.target)?.has(e.slot) ?? false;

  const order = topologicalOrder(rootEdges);
  // Which nodes must run: all of them when accumulating into leaves; when capturing, those with
  // a path to a target (children come first in `order`, so one pass settles it).
  const needed = new Set<Node>();
  for (const node of order) {
    if (inputs === null || node.next.some((e) => e !== null && (isTarget(e) || (e.target instanceof Node && needed.has(e.target))))) {
      needed.add(node);
    }
  }
  const wanted = (e: Edge | null): e is Edge =>
    e !== null && (e.target instanceof Leaf ? inputs === null || isTarget(e) : needed.has(e.target) || isTarget(e));

  // A gradient handle of our own: detached unless the backward pass is itself recorded.
  const own = (t: Tensor): Tensor => (createGraph ? alias(t) : t._share());

  const previousMode = engine.gradEnabled;
  engine.gradEnabled = createGraph;
  try {
    return tidy(() => {
      const nodeGrads = new Map<Node, (Tensor | undefined)[]>();
      const leafGrads = new Map<Leaf, Tensor>();
      /** Adds gradient `g` (consumed) into the buffer of `e`'s target. */
      const send = (e: Edge, g: Tensor): void => {
        if (e.target instanceof Leaf) {
          const prev = leafGrads.get(e.target);
          leafGrads.set(e.target, prev ? sumInto(prev, g) : g);
          return;
        }
        let buf = nodeGrads.get(e.target);
        if (!buf) nodeGrads.set(e.target, (buf = new Array(e.target.outputInfo.length)));
        const prev = buf[e.slot];
        buf[e.slot] = prev ? sumInto(prev, g) : g;
      };

      roots.forEach((root, i) => {
        const given = gradients[i];
        let g: Tensor;
        if (given === null || given === undefined) {
          if (root.size !== 1) {
            throw new Error(`grad can be implicitly created only for scalar outputs (got shape ${fmt(root.shape)}); pass a gradient: y.backward(gradient)`);
          }
          g = onesLike(root);
        } else {
          given.assertAlive();
          if (!sameShape(given.shape, root.shape)) {
            throw new Error(`Mismatch in shape: the gradient has shape ${fmt(given.shape)} and the output has shape ${fmt(root.shape)}`);
          }
          g = given.dtype === root.dtype ? own(given) : cast(given, root.dtype);
        }
        if (wanted(rootEdges[i]!) || isTarget(rootEdges[i]!)) send(rootEdges[i]!, g);
        else g.dispose();
      });

      const results: (Tensor | null)[] = inputs ? inputs.map(() => null) : [];
      const capture = (target: Node | Leaf, slot: number, g: Tensor): void => {
        for (const i of targets.get(target)?.get(slot) ?? []) results[i] = own(g);
      };

      for (let k = order.length - 1; k >= 0; k--) {
        const node = order[k]!;
        const buf = nodeGrads.get(node);
        nodeGrads.delete(node);
        if (!buf) continue; // no gradient reached this node (rules returned null on every path)
        buf.forEach((g, slot) => {
          const user = node.userOutputs[slot];
          if (g === undefined || !user) return;
          buf[slot] = hooked(user, g, own);
          if (inputs === null && user._retainsGrad && !user.isDisposed) accumulateGrad(user, own(buf[slot]!));
        });
        buf.forEach((g, slot) => g !== undefined && capture(node, slot, g));
        if (!needed.has(node)) {
          for (const g of buf) g?.dispose();
          continue;
        }
        runNode(node, buf, send, wanted, own, retainGraph);
      }

      for (const [leaf, g] of leafGrads) {
        const t = leaf.tensor;
        if (t.isDisposed) {
          g.dispose();
          continue;
        }
        const h = hooked(t, g, own);
        if (inputs === null) accumulateGrad(t, h);
        else {
          capture(leaf, 0, h);
          h.dispose();
        }
      }
      return results;
    });
  } finally {
    engine.gradEnabled = previousMode;
  }
}

/** Runs one node's rule and sends its input gradients on; consumes the output gradients `buf`. */
function runNode(
  node: Node,
  buf: (Tensor | undefined)[],
  send: (e: Edge, g: Tensor) => void,
  wanted: (e: Edge | null) => e is Edge,
  own: (t: Tensor) => Tensor,
  retainGraph: boolean,
): void {
  const gradOutputs = node.outputInfo.map((info, slot) =>
    info.differentiable ? (buf[slot] ?? zeros(info.shape, { dtype: info.dtype, device: info.device })) : undefined,
  ) as Tensor[];
  const needs = node.next.map((e) => wanted(e));
  const inputGrads = tidy(() => [...node.backward(gradOutputs, needs)]);
  if (inputGrads.length !== node.next.length) {
    throw new Error(`autograd: the backward of '${node.name}' returned ${inputGrads.length} gradients for ${node.next.length} inputs`);
  }
  if (!retainGraph) node.release();
  // A rule may hand back a gradient it was given (identity) or one tensor for two inputs: every
  // gradient sent on must be a handle of its own, so duplicates get aliases before any is consumed.
  const seen = new Set<Tensor>(gradOutputs.filter((g) => g !== undefined));
  const outgoing: [Edge, Tensor, number][] = [];
  inputGrads.forEach((r, i) => {
    const e = node.next[i]!;
    if (r === null || r === undefined || !wanted(e)) return;
    const info = node.inputInfo[i]!;
    if (!sameShape(r.shape, info.shape)) {
      throw new Error(`autograd: the backward of '${node.name}' returned a gradient of shape ${fmt(r.shape)} for input ${i} of shape ${fmt(info.shape)}`);
    }
    outgoing.push([e, seen.has(r) || r._kept ? own(r) : r, i]);
    seen.add(r);
  });
  for (const r of inputGrads) if (r && !seen.has(r) && !r._kept) r.dispose(); // computed but unused
  for (const g of gradOutputs) g?.dispose();
  for (const [e, r, i] of outgoing) {
    let g = r;
    const dtype = node.inputInfo[i]!.dtype;
    if (g.dtype !== dtype) {
      g = cast(r, dtype);
      r.dispose();
    }
    if (state.detectAnomaly) checkGradient(node, i, g);
    send(e, g);
  }
}

/** `g` (consumed) after `t`'s hooks ran on it. */
function hooked(t: Tensor, g: Tensor, own: (t: Tensor) => Tensor): Tensor {
  const h = runHooks(t, g);
  if (h === g) return g;
  g.dispose();
  return own(h);
}

/** `a + b`, disposing both. */
function sumInto(a: Tensor, b: Tensor): Tensor {
  const s = add(a, b);
  a.dispose();
  b.dispose();
  return s;
}

/**
 * Adds gradient `g` (consumed) into `t.grad`. The stored gradient is kept (no `tidy` frees it) and
 * is a dense tensor of its own, so optimizers may update it in place.
 */
export function accumulateGrad(t: Tensor, g: Tensor): void {
  const old = t.grad;
  if (old === null || old.isDisposed) {
    t.grad = keep(exclusive(g));
    return;
  }
  t.grad = keep(add(old, g));
  old.dispose();
  g.dispose();
}

function exclusive(g: Tensor): Tensor {
  if (g.isContiguous() && g.offset === 0 && g.size === g.storage.size && g.storage.refCount === 1) return g;
  const c = clone(g);
  g.dispose();
  return c;
}

/**
 * Nodes reachable from the roots, each after every node it feeds (post-order of a depth-first
 * walk; iterative, so deep graphs do not overflow the stack). Throws before any work is done
 * when the walk meets a node whose saved tensors were already freed.
 */
function topologicalOrder(rootEdges: readonly Edge[]): Node[] {
  const order: Node[] = [];
  const visited = new Set<Node>();
  const stack: { node: Node; next: number }[] = [];
  const visit = (node: Node): void => {
    if (visited.has(node)) return;
    if (node.released) throw new Error(secondBackwardMessage(node.name));
    visited.add(node);
    stack.push({ node, next: 0 });
  };
  for (const e of rootEdges) {
    if (!(e.target instanceof Node)) continue;
    visit(e.target);
    while (stack.length > 0) {
      const top = stack[stack.length - 1]!;
      if (top.next < top.node.next.length) {
        const e2 = top.node.next[top.next++];
        if (e2 && e2.target instanceof Node) visit(e2.target);
      } else {
        stack.pop();
        order.push(top.node);
      }
    }
  }
  return order;
}

/**
 * Frees the saved tensors of every node that `tensors` were computed through, without computing
 * gradients (for a graph that will not be differentiated, e.g. after evaluating a loss that
 * required grad). Later backward passes through those nodes throw.
 */
export function releaseGraph(tensors: readonly Tensor[]): void {
  const roots = tensors.map(edgeOf).filter((e): e is Edge => e !== null);
  const nodes = new Set<Node>();
  const stack = roots.map((e) => e.target).filter((t): t is Node => t instanceof Node);
  while (stack.length > 0) {
    const node = stack.pop()!;
    if (nodes.has(node) || node.released) continue;
    nodes.add(node);
    for (const e of node.next) if (e && e.target instanceof Node) stack.push(e.target);
  }
  for (const node of nodes) node.release();
}

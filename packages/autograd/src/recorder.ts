/**
 * The recorder core calls for every op that touches a tensor requiring grad (see core's
 * `runOp`): ops with a rule become one tape node, non-differentiable ops record nothing, and
 * other ops are left to their composition (each inner op records itself).
 */
import { setGradRecorder, type Attrs, type GradRecorder, type Tensor } from '@tessera/core';
import { runBackward } from './backward.js';
import { getGradRule, type GradRule, type RuleContext } from './rules/registry.js';
import { isNondifferentiable } from './table.js';
import { recordNode, SavedTensor, type Node, type NodeBackward } from './tape.js';

export const recorder: GradRecorder = {
  hasRule(op: string): boolean {
    return isNondifferentiable(op) || getGradRule(op) !== undefined;
  },

  record(op: string, inputs: readonly Tensor[], attrs: Attrs, outputs: readonly Tensor[]): void {
    if (isNondifferentiable(op)) return;
    const rule = getGradRule(op);
    if (rule === undefined) throw new Error(`autograd: no gradient rule for '${op}'`);
    recordNode(op, inputs, outputs, (node) => ruleBackward(node, rule, inputs, outputs, attrs));
  },

  backward(root, gradient, options): void {
    runBackward([root], [gradient], options);
  },
};

/** Saves what `rule` reads and returns the node's backward, which calls the rule. */
function ruleBackward(node: Node, rule: GradRule, inputs: readonly Tensor[], outputs: readonly Tensor[], attrs: Attrs): NodeBackward {
  const savedInputs = inputs.map((t, i) => (chosen(rule.save?.inputs ?? true, i) ? new SavedTensor(t, node.name, `input ${i}`) : null));
  const savedOutputs = outputs.map((t, i) => (chosen(rule.save?.outputs ?? false, i) ? new SavedTensor(t, node.name, `output ${i}`) : null));
  node.saved = [...savedInputs, ...savedOutputs].filter((s): s is SavedTensor => s !== null);
  const inputShapes = node.inputInfo.map((i) => i.shape);
  const inputDtypes = node.inputInfo.map((i) => i.dtype);
  const device = node.inputInfo[0]?.device ?? 'cpu';
  return (gradOutputs, needsInputGrad) => {
    const ctx: RuleContext = {
      inputs: unpacker(savedInputs, node.name, 'input', 'inputs'),
      outputs: unpacker(savedOutputs, node.name, 'output', 'outputs'),
      attrs,
      needsInputGrad,
      inputShapes,
      inputDtypes,
      device,
    };
    return rule.backward(ctx, gradOutputs);
  };
}

function chosen(spec: boolean | readonly number[], i: number): boolean {
  return typeof spec === 'boolean' ? spec : spec.includes(i);
}

/** Whether property key `p` is an index below `n` ("0", "1"..., not "01" or "1.5"). */
function isIndex(p: string | symbol, n: number): p is string {
  if (typeof p !== 'string') return false;
  const i = Number(p);
  return Number.isInteger(i) && i >= 0 && i < n && String(i) === p;
}

/**
 * An array whose entries unpack saved tensors on access (checking their versions), and throw for
 * unsaved ones. A proxy over an empty array of the right length: accessors defined per index would
 * turn the array's elements into a dictionary, several times slower to build for every node.
 */
function unpacker(saved: readonly (SavedTensor | null)[], op: string, what: string, key: string): Tensor[] {
  const n = saved.length;
  return new Proxy(new Array<Tensor>(n), {
    get(target, p, receiver) {
      if (!isIndex(p, n)) return Reflect.get(target, p, receiver);
      const s = saved[Number(p)]!;
      if (s === null) throw new Error(`autograd: the gradient rule of '${op}' reads ${what} ${p} but does not save it (add it to save.${key})`);
      return s.unpack();
    },
    has: (target, p) => isIndex(p, n) || Reflect.has(target, p),
  });
}

/** Installs the recorder into core (done when `@tessera/autograd` is imported). */
export function install(): void {
  setGradRecorder(recorder);
}

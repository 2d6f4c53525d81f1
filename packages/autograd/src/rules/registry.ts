/**
 * The gradient rule registry: one rule per core op name. Rules are written only with core's public
 * ops, so every backend gets them and they are themselves differentiable (`createGraph`, `grad(grad(f))`).
 */
import type { Attrs, DType, Tensor } from '@tessera/core';
import { state } from '../state.js';

/** What a rule sees of the forward call it differentiates. */
export interface RuleContext {
  /** The op's input tensors, as saved (only those named by the rule's `save`; others throw on access). */
  readonly inputs: readonly Tensor[];
  /** The op's outputs, as saved (only those named by the rule's `save.outputs`; others throw on access). */
  readonly outputs: readonly Tensor[];
  /** The op's parameters as core passed them to `runOp` (dims, keepdim, shape...). */
  readonly attrs: Attrs;
  /** Whether each input needs a gradient (rules skip the work for the others and return null). */
  readonly needsInputGrad: readonly boolean[];
  /** Shapes of the inputs (always available, saved or not). */
  readonly inputShapes: readonly (readonly number[])[];
  /** Dtypes of the inputs. */
  readonly inputDtypes: readonly DType[];
  /** Device of the inputs. */
  readonly device: string;
}

/**
 * A gradient rule: the input gradients from the output gradients.
 *
 * `gradOutputs` has one entry per op output: the gradient (zeros when that output was unused).
 * Entries of outputs that are not floating point (sort's indices) are absent.
 * Return one entry per input, null where no gradient is needed. A gradient may have the output's
 * dtype: autograd casts it to the input's dtype. It must have the input's shape.
 *
 * @example
 * registerGradRule('exp', { save: { inputs: false, outputs: true }, backward: (ctx, [g]) => [g.mul(ctx.outputs[0])] });
 */
export interface GradRule {
  /**
   * Which forward tensors the backward reads. Saving fewer keeps less memory alive between forward
   * and backward. Default: every input, no output.
   */
  readonly save?: { readonly inputs?: boolean | readonly number[]; readonly outputs?: boolean | readonly number[] };
  backward(ctx: RuleContext, gradOutputs: readonly Tensor[]): readonly (Tensor | null)[];
}

const rules = state.rules as Map<string, GradRule>;

/**
 * Registers the gradient rule of op `name` (as dispatched through core's `runOp`). A later
 * registration replaces an earlier one, so a package can override a rule.
 */
export function registerGradRule(name: string, rule: GradRule): void {
  rules.set(name, rule);
}

/** The rule registered for `name`, if any. */
export function getGradRule(name: string): GradRule | undefined {
  return rules.get(name);
}

/** Names of every op with a registered rule. */
export function registeredGradRules(): string[] {
  return [...rules.keys()];
}

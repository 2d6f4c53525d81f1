/**
 * Autograd's process-wide state. Like core's engine it lives on `globalThis` under a `Symbol.for`
 * key, so two loaded copies of `@tessera/autograd` (ESM and CommonJS side by side) share one rule
 * registry and one view of the graph.
 */
import type { Tensor } from '@tessera/core';

export interface AutogradState {
  /** Gradient rules by op name (typed loosely here; see rules/registry.ts). */
  rules: Map<string, unknown>;
  /** Output slot of each non-leaf handle within its node. */
  slotOf: WeakMap<Tensor, number>;
  /** The leaf each leaf handle (or alias of one) accumulates into. */
  leafOf: WeakMap<Tensor, unknown>;
  /** Whether anomaly detection is on. */
  detectAnomaly: boolean;
  /** How many `grad`/`valueAndGrad` calls are running (inner ones then build a differentiable graph). */
  transformDepth: number;
  /**
   * Nodes recorded while an outermost `grad`/`valueAndGrad` runs (null otherwise). Nested
   * transforms must keep their graphs for the outer ones; the outermost frees them all at its end.
   */
  transformNodes: { release(): void }[] | null;
  nextNodeId: number;
}

const KEY = Symbol.for('tessera.autograd.v1');
type GlobalWithState = typeof globalThis & { [KEY]?: AutogradState };

export const state: AutogradState = ((globalThis as GlobalWithState)[KEY] ??= {
  rules: new Map(),
  slotOf: new WeakMap(),
  leafOf: new WeakMap(),
  detectAnomaly: false,
  transformDepth: 0,
  transformNodes: null,
  nextNodeId: 0,
});

/** `instanceof` that also recognises objects made by another loaded copy of this package. */
export function brand(name: string): { symbol: symbol; is(x: unknown): boolean } {
  const symbol = Symbol.for(`tessera.autograd.${name}`);
  return { symbol, is: (x) => typeof x === 'object' && x !== null && (x as Record<symbol, unknown>)[symbol] === true };
}

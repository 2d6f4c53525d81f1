/**
 * Weight regularizers: `'l1'`, `'l2'`, `'l1_l2'` by name, `{className: 'L2', config: {l2: 1e-4}}`,
 * or `regularizers.l2({l2: 1e-4})`. The penalty is added to the training loss.
 */
import type { Tensor } from '@tessera/core';
import { normalizeId, ValueError } from './common.js';

export abstract class Regularizer {
  abstract readonly className: string;
  /** The penalty for one weight, a scalar tensor. */
  abstract apply(x: Tensor): Tensor;
  abstract getConfig(): Record<string, unknown>;
}

export class L1L2 extends Regularizer {
  readonly className: string = 'L1L2';
  readonly l1: number;
  readonly l2: number;
  constructor(args: { l1?: number; l2?: number } = {}) {
    super();
    this.l1 = args.l1 ?? 0;
    this.l2 = args.l2 ?? 0;
  }
  apply(x: Tensor): Tensor {
    let out: Tensor | null = null;
    if (this.l1 !== 0) out = x.abs().sum().mul(this.l1);
    if (this.l2 !== 0) {
      const p = x.square().sum().mul(this.l2);
      out = out === null ? p : out.add(p);
    }
    return out ?? x.sum().mul(0);
  }
  getConfig(): Record<string, unknown> {
    return { l1: this.l1, l2: this.l2 };
  }
}

export class L1 extends L1L2 {
  override readonly className = 'L1';
  constructor(args: { l1?: number } = {}) {
    super({ l1: args.l1 ?? 0.01 });
  }
  override getConfig(): Record<string, unknown> {
    return { l1: this.l1 };
  }
}

export class L2 extends L1L2 {
  override readonly className = 'L2';
  constructor(args: { l2?: number } = {}) {
    super({ l2: args.l2 ?? 0.01 });
  }
  override getConfig(): Record<string, unknown> {
    return { l2: this.l2 };
  }
}

export type RegularizerIdentifier = 'l1' | 'l2' | 'l1_l2' | 'l1l2' | (string & {}) | Regularizer | { className?: string; class_name?: string; config?: Record<string, unknown> };

/** Resolves a regularizer from a name, config object or instance (`null` for none). */
export function getRegularizer(id: RegularizerIdentifier | null | undefined): Regularizer | null {
  if (id === null || id === undefined) return null;
  if (id instanceof Regularizer) return id;
  const name = typeof id === 'string' ? id : (id.className ?? id.class_name);
  const config = typeof id === 'string' ? {} : (id.config ?? {});
  switch (normalizeId(name ?? '')) {
    case 'l1':
      return new L1(config as { l1?: number });
    case 'l2':
      return new L2(config as { l2?: number });
    case 'l1l2':
      // By name Keras and TF.js give 0.01 for both; a config gives what it says.
      return typeof id === 'string' ? new L1L2({ l1: 0.01, l2: 0.01 }) : new L1L2(config as { l1?: number; l2?: number });
    default:
      throw new ValueError(`Unknown regularizer: '${name}'`);
  }
}

export function serializeRegularizer(r: Regularizer): { className: string; config: Record<string, unknown> } {
  return { className: r.className, config: r.getConfig() };
}

export const l1 = (args: { l1?: number } = {}): Regularizer => new L1(args);
export const l2 = (args: { l2?: number } = {}): Regularizer => new L2(args);
export const l1l2 = (args: { l1?: number; l2?: number } = {}): Regularizer => new L1L2({ l1: args.l1 ?? 0.01, l2: args.l2 ?? 0.01 });

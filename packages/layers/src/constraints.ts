/** Weight constraints applied after each optimizer step (`'non_neg'`, `'max_norm'`, ...). */
import { noGrad } from '@tessera/autograd';
import { tidy, type Tensor } from '@tessera/core';
import { normalizeId, ValueError } from './common.js';

export abstract class Constraint {
  abstract readonly className: string;
  /** The projected weight. */
  abstract apply(w: Tensor): Tensor;
  getConfig(): Record<string, unknown> {
    return {};
  }
}

function norms(w: Tensor, axis: number | number[]): Tensor {
  return w.square().sum(axis, true).sqrt();
}

export class MaxNorm extends Constraint {
  readonly className = 'MaxNorm';
  readonly maxValue: number;
  readonly axis: number | number[];
  constructor(args: { maxValue?: number; axis?: number | number[] } = {}) {
    super();
    this.maxValue = args.maxValue ?? 2;
    this.axis = args.axis ?? 0;
  }
  apply(w: Tensor): Tensor {
    const n = norms(w, this.axis);
    return w.mul(n.clamp(0, this.maxValue).div(n.add(1e-7)));
  }
  override getConfig(): Record<string, unknown> {
    return { maxValue: this.maxValue, axis: this.axis };
  }
}

export class NonNeg extends Constraint {
  readonly className = 'NonNeg';
  apply(w: Tensor): Tensor {
    return w.relu();
  }
}

export class UnitNorm extends Constraint {
  readonly className = 'UnitNorm';
  readonly axis: number | number[];
  constructor(args: { axis?: number | number[] } = {}) {
    super();
    this.axis = args.axis ?? 0;
  }
  apply(w: Tensor): Tensor {
    return w.div(norms(w, this.axis).add(1e-7));
  }
  override getConfig(): Record<string, unknown> {
    return { axis: this.axis };
  }
}

export class MinMaxNorm extends Constraint {
  readonly className = 'MinMaxNorm';
  readonly minValue: number;
  readonly maxValue: number;
  readonly rate: number;
  readonly axis: number | number[];
  constructor(args: { minValue?: number; maxValue?: number; rate?: number; axis?: number | number[] } = {}) {
    super();
    this.minValue = args.minValue ?? 0;
    this.maxValue = args.maxValue ?? 1;
    this.rate = args.rate ?? 1;
    this.axis = args.axis ?? 0;
  }
  apply(w: Tensor): Tensor {
    const n = norms(w, this.axis);
    const desired = n.clamp(this.minValue, this.maxValue).mul(this.rate).add(n.mul(1 - this.rate));
    return w.mul(desired.div(n.add(1e-7)));
  }
  override getConfig(): Record<string, unknown> {
    return { minValue: this.minValue, maxValue: this.maxValue, rate: this.rate, axis: this.axis };
  }
}

export type ConstraintIdentifier = string | Constraint | { className?: string; class_name?: string; config?: Record<string, unknown> };

export function getConstraint(id: ConstraintIdentifier | null | undefined): Constraint | null {
  if (id === null || id === undefined) return null;
  if (id instanceof Constraint) return id;
  const name = typeof id === 'string' ? id : (id.className ?? id.class_name ?? '');
  const raw = typeof id === 'string' ? {} : (id.config ?? {});
  const config: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(raw)) config[k.replace(/_([a-z])/g, (_, c: string) => c.toUpperCase())] = v;
  switch (normalizeId(name)) {
    case 'maxnorm':
      return new MaxNorm(config);
    case 'nonneg':
      return new NonNeg();
    case 'unitnorm':
      return new UnitNorm(config);
    case 'minmaxnorm':
      return new MinMaxNorm(config);
    default:
      throw new ValueError(`Unknown constraint: '${name}'`);
  }
}

/** Projects a weight in place (after an optimizer step). */
export function applyConstraint(c: Constraint, w: Tensor): void {
  noGrad(() => tidy(() => void w.copy_(c.apply(w))));
}

export const maxNorm = (args: { maxValue?: number; axis?: number | number[] } = {}): Constraint => new MaxNorm(args);
export const nonNeg = (): Constraint => new NonNeg();
export const unitNorm = (args: { axis?: number | number[] } = {}): Constraint => new UnitNorm(args);
export const minMaxNorm = (args: { minValue?: number; maxValue?: number; rate?: number; axis?: number | number[] } = {}): Constraint => new MinMaxNorm(args);

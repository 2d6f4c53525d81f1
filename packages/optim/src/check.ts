/**
 * Hyperparameter checks shared by the optimizers. Messages follow PyTorch's wording, prefixed with
 * the optimizer: `Adam: invalid learning rate: -1`.
 */

/** Where a value came from: `'defaults'` adds nothing, a group adds ` (parameter group 1)`. */
function suffix(where: string): string {
  return where === 'defaults' ? '' : ` (${where})`;
}

function show(v: unknown): string {
  return typeof v === 'string' ? JSON.stringify(v) : String(v);
}

/** Throws a RangeError unless `value` is a number accepted by `ok`; `undefined` is left to the required-value check. */
export function checkNumber(optimizer: string, where: string, label: string, value: unknown, ok: (v: number) => boolean): void {
  if (value === undefined) return;
  if (typeof value !== 'number' || Number.isNaN(value) || !ok(value)) {
    throw new RangeError(`${optimizer}: invalid ${label}: ${show(value)}${suffix(where)}`);
  }
}

/** `value >= 0`, as PyTorch checks learning rates, epsilons, weight decays and momenta. */
export function checkNonNegative(optimizer: string, where: string, label: string, value: unknown): void {
  checkNumber(optimizer, where, label, value, (v) => v >= 0);
}

/** Throws a TypeError unless `value` is a boolean (or undefined). */
export function checkBoolean(optimizer: string, where: string, key: string, value: unknown): void {
  if (value === undefined || typeof value === 'boolean') return;
  throw new TypeError(`${optimizer}: ${key} must be a boolean, got ${show(value)}${suffix(where)}`);
}

/** Throws a RangeError with `message` (PyTorch's cross-option checks, e.g. Nesterov's). */
export function fail(optimizer: string, where: string, message: string): never {
  throw new RangeError(`${optimizer}: ${message}${suffix(where)}`);
}

/**
 * State dicts use PyTorch's key names (`weight_decay`, `exp_avg_sq`, `initial_lr`) so that they
 * line up with `torch.optim` checkpoints; the live objects use camelCase. These convert between the
 * two spellings.
 */

/** `weightDecay` → `weight_decay`. */
export function toSnake(key: string): string {
  return key.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);
}

/** `weight_decay` → `weightDecay` (a leading underscore is kept: `_step_count` → `_stepCount`). */
export function toCamel(key: string): string {
  return key.replace(/(?!^)_([a-z0-9])/g, (_, c: string) => c.toUpperCase());
}

/** A deep copy of plain JSON-like data (numbers, strings, booleans, arrays, plain objects). */
export function copyPlain<T>(value: T): T {
  if (Array.isArray(value)) return value.map(copyPlain) as T;
  if (value !== null && typeof value === 'object' && Object.getPrototypeOf(value) === Object.prototype) {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) out[k] = copyPlain(v);
    return out as T;
  }
  return value;
}

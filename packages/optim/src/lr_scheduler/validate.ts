/** Argument checks shared by the schedulers. */

export function checkPositiveInteger(scheduler: string, key: string, value: unknown): void {
  if (typeof value !== 'number' || !Number.isInteger(value) || value <= 0) {
    throw new RangeError(`${scheduler}: ${key} must be a positive integer, got ${String(value)}`);
  }
}

export function checkNumber(scheduler: string, key: string, value: unknown): void {
  if (typeof value !== 'number' || Number.isNaN(value)) throw new TypeError(`${scheduler}: ${key} must be a number, got ${String(value)}`);
}

/** A number per parameter group: one number for all, or an array with one entry per group. */
export function perGroup(scheduler: string, key: string, value: number | readonly number[], groups: number): number[] {
  if (Array.isArray(value)) {
    if (value.length !== groups) throw new RangeError(`${scheduler}: expected ${groups} values for ${key} (one per parameter group), got ${value.length}`);
    value.forEach((v, i) => checkNumber(scheduler, `${key}[${i}]`, v));
    return [...value];
  }
  checkNumber(scheduler, key, value);
  return new Array<number>(groups).fill(value as number);
}

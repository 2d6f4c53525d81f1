/** Grad mode: whether ops on tensors that require grad are recorded. */
import { engine } from '@tessera/core';

/** Whether ops are recorded for autograd (true unless inside `noGrad` or after `setGradEnabled(false)`). */
export function isGradEnabled(): boolean {
  return engine.gradEnabled;
}

/** Turns recording on or off globally (prefer the scoped `noGrad` / `enableGrad`). */
export function setGradEnabled(enabled: boolean): void {
  engine.gradEnabled = enabled;
}

function withGradMode<T>(enabled: boolean, name: string, fn: () => T): T {
  const previous = engine.gradEnabled;
  engine.gradEnabled = enabled;
  let result: T;
  try {
    result = fn();
  } finally {
    engine.gradEnabled = previous;
  }
  if (result instanceof Promise) {
    throw new TypeError(`${name}: the function must be synchronous (it returned a Promise); grad mode cannot follow an await`);
  }
  return result;
}

/**
 * Runs `fn` without recording: results do not require grad and no graph is kept (inference,
 * optimizer updates).
 *
 * @example
 * const pred = noGrad(() => model.forward(x));
 * noGrad(() => w.sub_(w.grad!.mul(lr)));
 */
export function noGrad<T>(fn: () => T): T {
  return withGradMode(false, 'noGrad', fn);
}

/** Runs `fn` with recording on, even inside `noGrad`. */
export function enableGrad<T>(fn: () => T): T {
  return withGradMode(true, 'enableGrad', fn);
}

/**
 * Anomaly detection (PyTorch's `detect_anomaly`): while on, every recorded op remembers the stack
 * of its forward call, and backward checks each gradient a rule returns for NaN and infinity,
 * throwing an error that names the op and shows where it was called.
 */
import { isfinite, isnan, type Tensor } from '@tessera/core';
import { state } from './state.js';
import type { Node } from './tape.js';

/** Turns anomaly detection on or off globally. */
export function setDetectAnomaly(enabled: boolean): void {
  state.detectAnomaly = enabled;
}

/** Whether anomaly detection is on. */
export function isAnomalyEnabled(): boolean {
  return state.detectAnomaly;
}

/**
 * Runs `fn` with anomaly detection on (slower: use it to find where NaNs come from).
 *
 * @example
 * detectAnomaly(() => loss.backward()); // Error: backward of 'log' returned NaN values in the gradient of input 0 ...
 */
export function detectAnomaly<T>(fn: () => T): T {
  const previous = state.detectAnomaly;
  state.detectAnomaly = true;
  try {
    return fn();
  } finally {
    state.detectAnomaly = previous;
  }
}

/** Throws when `grad` (a gradient `node` computed for `input`) holds NaN or infinity. */
export function checkGradient(node: Node, input: number, grad: Tensor): void {
  if (!grad.backend.readSync || grad.size === 0) return;
  const kind = hasAny(isnan(grad)) ? 'NaN' : hasAny(isfinite(grad), false) ? 'infinite' : null;
  if (kind === null) return;
  let message = `backward of '${node.name}' returned ${kind} values in the gradient of input ${input}.`;
  if (node.forwardStack) message += `\nThe forward call of '${node.name}' was:\n${node.forwardStack}`;
  throw new Error(message);
}

/** Whether any element of the bool tensor `mask` equals `value` (disposes `mask`). */
function hasAny(mask: Tensor, value = true): boolean {
  try {
    const data = mask.dataSync();
    for (let i = 0; i < data.length; i++) if ((data[i] !== 0) === value) return true;
    return false;
  } finally {
    mask.dispose();
  }
}

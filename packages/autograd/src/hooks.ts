/** Tensor hooks (`t.registerHook(g => ...)`): run on a tensor's gradient during backward. */
import type { Tensor } from '@tessera/core';

/**
 * Runs `t`'s hooks on its gradient `grad`, in registration order. A hook may return a tensor to
 * replace the gradient (same shape). Returns the final gradient (disposing nothing).
 * The gradient given to a hook belongs to backward: `keep(g.clone())` to hold on to it.
 */
export function runHooks(t: Tensor, grad: Tensor): Tensor {
  const hooks = t._hooks;
  if (hooks === null || hooks.length === 0) return grad;
  let g = grad;
  for (const hook of [...hooks]) {
    const r = hook(g);
    if (r === undefined || r === null || r === g) continue;
    if (r.shape.length !== g.shape.length || r.shape.some((d, i) => d !== g.shape[i])) {
      throw new Error(`hook ${hook.name || '<anonymous>'} changed the shape of the gradient from [${g.shape.join(',')}] to [${r.shape.join(',')}]`);
    }
    g = r;
  }
  return g;
}

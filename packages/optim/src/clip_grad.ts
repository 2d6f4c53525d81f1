/**
 * Gradient clipping (PyTorch's `torch.nn.utils.clip_grad_norm_` / `clip_grad_value_`). Both work
 * on `.grad` in place with tensor ops, so nothing is read back to JavaScript unless
 * `errorIfNonfinite` asks for it.
 */
import { noGrad } from '@tessera/autograd';
import { clamp, div, stack, tensor, Tensor, tidy } from '@tessera/core';
import { describe } from './optimizer.js';

function gradsOf(op: string, parameters: Iterable<Tensor> | Tensor): Tensor[] {
  if (parameters instanceof Tensor) parameters = [parameters];
  if (parameters === null || parameters === undefined || typeof (parameters as Iterable<Tensor>)[Symbol.iterator] !== 'function') {
    throw new TypeError(`${op}: parameters should be a Tensor or an iterable of Tensors, got ${describe(parameters)}`);
  }
  const grads: Tensor[] = [];
  for (const p of parameters) {
    if (!(p instanceof Tensor)) throw new TypeError(`${op}: parameters should be Tensors, got ${describe(p)}`);
    if (p.grad !== null) grads.push(p.grad);
  }
  return grads;
}

/** The p-norm of all elements of `x` (`Infinity` gives the largest absolute value). */
function pNorm(x: Tensor, p: number): Tensor {
  if (p === Infinity) return x.abs().max();
  if (p === 1) return x.abs().sum();
  if (p === 2) return x.mul(x).sum().sqrt();
  return x.abs().pow(p).sum().pow(1 / p);
}

/**
 * Scales the gradients of `parameters` in place so that their combined norm (as if concatenated
 * into one vector) is at most `maxNorm`. Returns the norm before clipping as a 0-d tensor on the
 * gradients' device, like PyTorch.
 *
 * @example
 * loss.backward();
 * const norm = clipGradNorm(model.parameters(), 1.0);
 * optimizer.step();
 */
export function clipGradNorm(
  parameters: Iterable<Tensor> | Tensor,
  maxNorm: number,
  normType = 2,
  options: { errorIfNonfinite?: boolean } = {},
): Tensor {
  const op = 'clipGradNorm';
  if (typeof maxNorm !== 'number' || Number.isNaN(maxNorm)) throw new TypeError(`${op}: maxNorm must be a number, got ${describe(maxNorm)}`);
  if (typeof normType !== 'number' || !(normType > 0)) {
    throw new RangeError(`${op}: normType must be a positive number or Infinity, got ${describe(normType)}`);
  }
  const grads = gradsOf(op, parameters);
  if (grads.length === 0) return tensor(0);
  return noGrad(() =>
    tidy(() => {
      const device = grads[0]!.device;
      const norms = grads.map((g) => pNorm(g, normType).to(device));
      const total = pNorm(stack(norms), normType);
      if (options.errorIfNonfinite && !total.isfinite().itemSync()) {
        throw new Error(
          `${op}: the total norm of order ${normType} for gradients from \`parameters\` is non-finite, so it cannot be clipped. ` +
            'To scale the gradients by the non-finite norm anyway, leave errorIfNonfinite off',
        );
      }
      // Always multiplying (by at most 1) avoids reading the norm back to decide whether to clip.
      const coef = clamp(div(maxNorm, total.add(1e-6)), null, 1);
      for (const g of grads) g.mul_(coef.device === g.device ? coef : coef.to(g.device));
      return total;
    }),
  );
}

/**
 * Clamps every gradient of `parameters` into `[-clipValue, clipValue]` in place.
 *
 * @example
 * clipGradValue(model.parameters(), 0.5);
 */
export function clipGradValue(parameters: Iterable<Tensor> | Tensor, clipValue: number): void {
  const op = 'clipGradValue';
  if (typeof clipValue !== 'number' || !(clipValue >= 0)) {
    throw new RangeError(`${op}: clipValue must be a non-negative number, got ${describe(clipValue)}`);
  }
  const grads = gradsOf(op, parameters);
  noGrad(() => {
    for (const g of grads) g.clamp_(-clipValue, clipValue);
  });
}

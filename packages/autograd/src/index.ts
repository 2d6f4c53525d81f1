/**
 * `@tessera/autograd`: reverse-mode automatic differentiation for Tessera. Importing it is all it
 * takes for `loss.backward()` to work: it installs the recorder into core and registers a
 * gradient rule for every differentiable op (see `GRAD_TABLE`).
 *
 * @example
 * import { tensor } from '@tessera/core';
 * import '@tessera/backend-cpu';
 * import { noGrad } from '@tessera/autograd';
 *
 * const w = tensor([[1, 2], [3, 4]], { requiresGrad: true });
 * w.matmul(tensor([[1], [1]])).relu().sum().backward();
 * w.grad!.toString(); // [[1, 1], [1, 1]]
 * noGrad(() => w.sub_(w.grad!.mul(0.1)));
 */
import './rules/index.js';
import { install } from './recorder.js';

install();

export { noGrad, enableGrad, isGradEnabled, setGradEnabled } from './mode.js';
export { releaseGraph, type BackwardOptions } from './backward.js';
export { backward, gradients, grad, valueAndGrad, type GradientsOptions, type GradOptions } from './functional.js';
export { AutogradFunction, FunctionContext, defineFunction } from './function.js';
export { gradcheck, gradgradcheck, type GradcheckOptions, type GradcheckResult, type GradcheckMismatch } from './gradcheck.js';
export { detectAnomaly, setDetectAnomaly, isAnomalyEnabled } from './anomaly.js';
export { GRAD_TABLE, type GradKind } from './table.js';
export { registerGradRule, getGradRule, registeredGradRules, sumToShape, type GradRule, type RuleContext } from './rules/index.js';
export { Node } from './tape.js';

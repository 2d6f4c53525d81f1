/**
 * How autograd differentiates every op core dispatches (`OP_NAMES`). One entry per op:
 *
 * - `'rule'`: a gradient rule in `rules/*.ts` records the op as one node;
 * - `'composite'`: no rule; core runs the op's composition and each inner op is recorded, so the
 *   gradient is the composition's (e.g. `var` = mean, sub, mul, sum, div);
 * - `'nondifferentiable'`: outputs never require grad (comparisons, logical ops, index results).
 *   Core runs them unrecorded.
 *
 * A test fails when an op of `OP_NAMES` is missing here or a `'rule'` entry has no registered rule.
 * Ops added by other packages through `runOp` need only a `registerGradRule` (or nothing, when
 * their composition is differentiable).
 */
export type GradKind = 'rule' | 'composite' | 'nondifferentiable';

export const GRAD_TABLE: Readonly<Record<string, GradKind>> = {
  // elementwise arithmetic (rules/elementwise.ts)
  add: 'rule',
  sub: 'rule',
  mul: 'rule',
  div: 'rule',
  pow: 'rule',
  remainder: 'rule',
  atan2: 'rule',
  maximum: 'rule', // ties split the gradient evenly
  minimum: 'rule',
  neg: 'rule',
  abs: 'rule',
  exp: 'rule',
  expm1: 'rule',
  log: 'rule',
  log1p: 'rule',
  sqrt: 'rule',
  rsqrt: 'rule',
  reciprocal: 'rule',
  sin: 'rule',
  cos: 'rule',
  tanh: 'rule',
  sigmoid: 'rule',
  erf: 'rule',
  relu: 'rule',
  where: 'rule',
  // piecewise constant: zero gradient, but outputs require grad (as in PyTorch)
  floor: 'rule',
  ceil: 'rule',
  round: 'rule',
  sign: 'rule',
  // comparisons and logic: bool outputs
  eq: 'nondifferentiable',
  ne: 'nondifferentiable',
  lt: 'nondifferentiable',
  le: 'nondifferentiable',
  gt: 'nondifferentiable',
  ge: 'nondifferentiable',
  logicalAnd: 'nondifferentiable',
  logicalOr: 'nondifferentiable',
  logicalNot: 'nondifferentiable',
  isnan: 'nondifferentiable',
  isfinite: 'nondifferentiable',
  // activations (rules/activation.ts)
  clamp: 'composite', // where over lt/gt: x gets the gradient inside and at the bounds, a tensor bound beyond it
  gelu: 'composite',
  silu: 'composite',
  leakyRelu: 'composite',
  softplus: 'rule',
  elu: 'rule',
  // dtype and device (rules/cast.ts)
  cast: 'rule',
  toDevice: 'rule',
  // reductions (rules/reduce.ts, rules/softmax.ts)
  sum: 'rule',
  prod: 'rule',
  max: 'rule', // ties split the gradient evenly
  min: 'rule',
  mean: 'rule',
  var: 'composite',
  std: 'composite',
  logsumexp: 'rule',
  cumsum: 'rule',
  softmax: 'rule',
  logSoftmax: 'rule',
  all: 'nondifferentiable',
  any: 'nondifferentiable',
  argmax: 'nondifferentiable',
  argmin: 'nondifferentiable',
  // views and copies (rules/views.ts)
  reshape: 'rule',
  permute: 'rule',
  expand: 'rule',
  slice: 'rule',
  asStrided: 'rule',
  contiguous: 'rule',
  clone: 'rule',
  // linear algebra, joins, indexing, sorting (rules/linalg.ts, join.ts, indexing.ts)
  matmul: 'rule',
  cat: 'rule',
  pad: 'rule',
  gather: 'rule',
  scatterAdd: 'rule',
  indexSelect: 'composite', // gather of an expanded index
  sort: 'rule', // values only; indices are int32
  // convolution and pooling (rules/conv.ts): conv2d and pooling call core's gradient ops, which
  // (like convTranspose2d and adaptive pooling) are exact through windows2d/foldWindows2d, pad,
  // matmul and scatterAdd
  windows2d: 'rule',
  foldWindows2d: 'rule',
  conv2d: 'rule',
  convTranspose2d: 'composite',
  maxPool2d: 'rule', // core records maxPool2dWithIndices instead; this rule recomputes the indices
  avgPool2d: 'rule',
  adaptiveAvgPool2d: 'composite',
  adaptiveMaxPool2d: 'composite',
  conv2dBackwardInput: 'composite', // matmul, foldWindows2d, slice
  conv2dBackwardWeight: 'composite', // pad, windows2d, matmul
  conv2dBackwardWeightBias: 'composite', // conv2dBackwardWeight, sum
  maxPool2dWithIndices: 'rule', // values only; indices are int32
  maxPool2dBackward: 'composite', // scatterAdd
  avgPool2dBackward: 'composite', // div, expand, foldWindows2d, slice
  // optimizer steps: in-place updates of parameters and optimizer state, never recorded
  adamStep: 'nondifferentiable',
  sgdStep: 'nondifferentiable',
  // neural-network blocks (rules/nn.ts)
  linear: 'rule',
  crossEntropy: 'rule', // its gradient is crossEntropyBackward
  crossEntropyBackward: 'composite', // softmax, eq, mul, sub (differentiable: double backward)
  reluBackward: 'composite', // where(y > 0, g, 0)
};

/** Whether autograd treats `op` as non-differentiable (its outputs never require grad). */
export function isNondifferentiable(op: string): boolean {
  return GRAD_TABLE[op] === 'nondifferentiable';
}

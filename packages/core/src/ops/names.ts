/**
 * Every op name that core dispatches through `runOp`. Autograd's rule table is checked against
 * this list (every name needs a rule, a composition, or a non-differentiable mark), and a core
 * test checks the list against the sources. Add a name here when adding an op.
 */
export const OP_NAMES = [
  // elementwise
  'add', 'sub', 'mul', 'div', 'pow', 'remainder', 'atan2', 'maximum', 'minimum',
  'eq', 'ne', 'lt', 'le', 'gt', 'ge', 'logicalAnd', 'logicalOr', 'logicalNot', 'isnan', 'isfinite',
  'neg', 'abs', 'exp', 'expm1', 'log', 'log1p', 'sqrt', 'rsqrt', 'reciprocal', 'sin', 'cos', 'tanh',
  'sigmoid', 'erf', 'floor', 'ceil', 'round', 'sign', 'relu', 'clamp', 'where',
  'gelu', 'silu', 'softplus', 'leakyRelu', 'elu',
  // dtype and device
  'cast', 'toDevice',
  // reductions
  'sum', 'prod', 'max', 'min', 'mean', 'var', 'std', 'logsumexp', 'all', 'any', 'argmax', 'argmin', 'cumsum',
  'softmax', 'logSoftmax',
  // views and copies
  'reshape', 'permute', 'expand', 'slice', 'asStrided', 'contiguous', 'clone',
  // linear algebra, joins, indexing, sorting
  'matmul', 'cat', 'pad', 'gather', 'scatterAdd', 'indexSelect', 'sort',
  // convolution and pooling
  'windows2d', 'foldWindows2d', 'conv2d', 'convTranspose2d', 'maxPool2d', 'avgPool2d', 'adaptiveAvgPool2d',
  'adaptiveMaxPool2d', 'conv2dBackwardInput', 'conv2dBackwardWeight', 'maxPool2dWithIndices', 'maxPool2dBackward',
  'avgPool2dBackward', 'conv2dBackwardWeightBias',
  // optimizer steps (in place, non-differentiable)
  'adamStep', 'sgdStep',
  // neural-network blocks (one op and one autograd node each)
  'linear', 'crossEntropy', 'crossEntropyBackward', 'reluBackward',
] as const;

/** Name of an op dispatched by core. */
export type OpName = (typeof OP_NAMES)[number];

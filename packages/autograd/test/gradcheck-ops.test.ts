/**
 * gradcheck (float64 central differences vs autograd) over every differentiable op of core, with
 * broadcasting and non-contiguous (transposed, strided) inputs. A coverage test checks that every
 * op the table marks 'rule' or 'composite' has a case here.
 */
import '@tessera/backend-cpu';
import * as T from '@tessera/core';
import { OP_NAMES, tensor, type Tensor } from '@tessera/core';
import { describe, expect, it } from 'vitest';
import { GRAD_TABLE, gradcheck, gradgradcheck, type GradcheckOptions } from '../src/index.js';
import { leaf, leafAwayFromZero, leafStrided, leafT } from './helpers.js';

interface Case {
  /** The op (as in OP_NAMES) the case exercises. */
  op: string;
  name: string;
  inputs: () => Tensor[];
  fn: (...xs: Tensor[]) => Tensor | Tensor[];
  options?: GradcheckOptions;
}

const cases: Case[] = [];
const add = (op: string, name: string, inputs: () => Tensor[], fn: Case['fn'], options?: GradcheckOptions): void => {
  cases.push({ op, name, inputs, fn, options });
};

// ---- elementwise binary, with broadcasting and non-contiguous operands ----
for (const op of ['add', 'sub', 'mul', 'maximum', 'minimum'] as const) {
  const f = (a: Tensor, b: T.TensorLike) => (T as unknown as Record<string, (a: T.TensorLike, b: T.TensorLike) => Tensor>)[op]!(a, b);
  add(op, `${op} same shape`, () => [leaf([2, 3]), leaf([2, 3])], (a, b) => f(a!, b!));
  add(op, `${op} broadcast [2,1,3] x [4,3]`, () => [leaf([2, 1, 3]), leaf([4, 3])], (a, b) => f(a!, b!));
  add(op, `${op} transposed x strided`, () => [leafT([3, 4]), leafStrided([3, 4])], (a, b) => f(a!, b!));
  add(op, `${op} with a scalar`, () => [leaf([3])], (a) => f(a!, 0.5));
}
add('add', 'add with alpha', () => [leaf([2, 3]), leaf([3])], (a, b) => T.add(a!, b!, 2.5));
add('sub', 'sub with alpha', () => [leaf([2, 3]), leaf([3])], (a, b) => T.sub(a!, b!, -1.5));
add('sub', 'scalar - tensor', () => [leaf([3])], (a) => T.sub(2, a!));
add('div', 'div broadcast', () => [leaf([2, 3]), leafAwayFromZero([3])], (a, b) => T.div(a!, b!));
add('div', 'div transposed', () => [leafT([3, 2]), leafAwayFromZero([3, 1])], (a, b) => T.div(a!, b!));
add('div', 'scalar / tensor', () => [leafAwayFromZero([4])], (a) => T.div(1, a!));
add('pow', 'pow tensor ** tensor', () => [leaf([2, 3], 0.5, 2), leaf([3])], (a, b) => T.pow(a!, b!));
add('pow', 'pow tensor ** 3', () => [leafT([3, 2])], (a) => T.pow(a!, 3));
add('pow', 'pow 2 ** tensor', () => [leaf([4])], (a) => T.pow(2, a!));
add('remainder', 'remainder', () => [leaf([2, 3], 0.1, 0.9), leaf([3], 1.1, 1.9)], (a, b) => T.remainder(T.add(a!, T.mul(b!, 2)), b!));
add('atan2', 'atan2 broadcast', () => [leaf([2, 3]), leafAwayFromZero([3])], (a, b) => T.atan2(a!, b!));

// ---- elementwise unary ----
const positive = (s: number[]) => () => [leaf(s, 0.5, 2)];
const anyValue = (s: number[]) => () => [leafT(s)];
const unary: [string, () => Tensor[]][] = [
  ['neg', anyValue([3, 2])],
  ['abs', () => [leafAwayFromZero([2, 3])]],
  ['exp', anyValue([3, 2])],
  ['expm1', anyValue([3, 2])],
  ['log', positive([2, 3])],
  ['log1p', positive([2, 3])],
  ['sqrt', positive([2, 3])],
  ['rsqrt', positive([2, 3])],
  ['reciprocal', () => [leafAwayFromZero([2, 3])]],
  ['sin', anyValue([3, 2])],
  ['cos', anyValue([3, 2])],
  ['tanh', anyValue([3, 2])],
  ['sigmoid', anyValue([3, 2])],
  ['erf', anyValue([3, 2])],
  ['relu', () => [leafAwayFromZero([2, 3])]],
  ['floor', () => [leaf([2, 3], 0.1, 0.9)]],
  ['ceil', () => [leaf([2, 3], 0.1, 0.9)]],
  ['round', () => [leaf([2, 3], 0.1, 0.4)]],
  ['sign', () => [leafAwayFromZero([2, 3])]],
];
for (const [op, inputs] of unary) {
  add(op, op, inputs, (x) => (T as unknown as Record<string, (x: Tensor) => Tensor>)[op]!(x!));
}
// Piecewise-constant ops contribute nothing, but combined with a smooth term the sum still checks.
add('floor', 'x + floor(x)', () => [leaf([4], 0.1, 0.9)], (x) => T.add(x!, T.floor(x!)));

add('where', 'where broadcast', () => [leaf([2, 3]), leaf([3])], (a, b) => T.where(tensor([[true, false, true], [false, false, true]]), a!, b!));
add('where', 'where with a scalar', () => [leafT([2, 3])], (a) => T.where(tensor([true, false, true]), a!, 0));

// ---- activations ----
add('clamp', 'clamp numbers', () => [leaf([3, 4])], (x) => T.clamp(x!, -0.95, 1.05));
add('clamp', 'clamp tensor bounds', () => [leaf([2, 3], -1, 1), leaf([3], -3, -2), leaf([2, 1], 2, 3)], (x, lo, hi) => T.clamp(T.mul(x!, 4), lo!, hi!));
add('gelu', 'gelu', () => [leafT([3, 2])], (x) => T.gelu(x!));
add('gelu', 'gelu tanh', () => [leafT([3, 2])], (x) => T.gelu(x!, 'tanh'));
add('silu', 'silu', () => [leafT([3, 2])], (x) => T.silu(x!));
add('softplus', 'softplus', () => [leaf([3, 4], -3, 3)], (x) => T.softplus(x!));
add('softplus', 'softplus beta 2 threshold 1', () => [leafAwayFromZero([3, 4])], (x) => T.softplus(x!, 2, 1.3));
add('leakyRelu', 'leakyRelu', () => [leafAwayFromZero([3, 4])], (x) => T.leakyRelu(x!, 0.1));
add('elu', 'elu', () => [leafAwayFromZero([3, 4])], (x) => T.elu(x!, 1.5));

// ---- dtype and device ----
add('cast', 'cast float64 -> float32 -> float64 (linear, coarse eps)', () => [leaf([2, 3])], (x) => T.cast(T.mul(T.cast(x!, 'float32'), 3), 'float64'), {
  eps: 1e-2,
  atol: 1e-3,
});
add('cast', 'mixed float32/float64 promotion', () => [leaf([3])], (x) => T.mul(x!, tensor([1.5, -2, 0.25])));
add('toDevice', 'to(cpu)', () => [leafT([2, 3])], (x) => T.mul(T.to(x!, 'cpu'), 2));

// ---- reductions ----
add('sum', 'sum all', () => [leafT([3, 4])], (x) => T.sum(x!));
add('sum', 'sum dim 1', () => [leafT([3, 4])], (x) => T.sum(x!, 1));
add('sum', 'sum dims [0,2] keepdim', () => [leaf([2, 3, 4])], (x) => T.sum(x!, [0, 2], true));
add('mean', 'mean dim -1', () => [leafStrided([3, 4])], (x) => T.mean(x!, -1));
add('mean', 'mean all keepdim', () => [leaf([2, 3])], (x) => T.mean(x!, null, true));
add('prod', 'prod dim 1', () => [leafT([3, 4])], (x) => T.prod(x!, 1));
add('prod', 'prod all', () => [leaf([2, 3], 0.5, 1.5)], (x) => T.prod(x!));
add('prod', 'prod with zeros', () => [leaf([3, 3])], (x) => T.prod(T.mul(x!, tensor([[0, 1, 1], [0, 0, 1], [1, 1, 1]], { dtype: 'float64' })), 1));
add('max', 'max all', () => [leafT([3, 4])], (x) => T.max(x!));
add('max', 'max dim 0', () => [leafT([3, 4])], (x) => T.max(x!, 0));
add('max', 'max dims keepdim', () => [leaf([2, 3, 4])], (x) => T.max(x!, [0, 2], true));
add('min', 'min dim 1', () => [leafStrided([3, 4])], (x) => T.min(x!, 1));
add('var', 'var dim 1', () => [leafT([3, 4])], (x) => T.variance(x!, 1));
add('var', 'var all correction 0', () => [leaf([2, 3])], (x) => T.variance(x!, null, { correction: 0 }));
add('std', 'std dim 0 keepdim', () => [leafT([3, 4])], (x) => T.std(x!, 0, { keepdim: true }));
add('logsumexp', 'logsumexp dim 1', () => [leafT([3, 4])], (x) => T.logsumexp(x!, 1));
add('logsumexp', 'logsumexp dims keepdim', () => [leaf([2, 3, 2])], (x) => T.logsumexp(x!, [0, 2], true));
add('cumsum', 'cumsum dim 0', () => [leafT([3, 4])], (x) => T.cumsum(x!, 0));
add('cumsum', 'cumsum dim -1', () => [leaf([2, 5])], (x) => T.cumsum(x!, -1));
add('softmax', 'softmax dim 1', () => [leafT([3, 4])], (x) => T.softmax(x!, 1));
add('softmax', 'softmax dim 0', () => [leaf([3, 2, 2])], (x) => T.softmax(x!, 0));
add('logSoftmax', 'logSoftmax dim -1', () => [leafStrided([3, 4])], (x) => T.logSoftmax(x!, -1));

// ---- views and copies ----
add('reshape', 'reshape contiguous', () => [leaf([2, 6])], (x) => T.reshape(x!, [3, 4]));
add('reshape', 'reshape of a transposed input (copies)', () => [leafT([3, 4])], (x) => T.reshape(x!, [2, 6]));
add('reshape', 'flatten / unsqueeze / squeeze', () => [leafT([3, 4])], (x) => T.squeeze(T.unsqueeze(T.flatten(x!), 0)));
add('permute', 'permute', () => [leaf([2, 3, 4])], (x) => T.permute(x!, [2, 0, 1]));
add('permute', 'transpose of strided', () => [leafStrided([3, 4])], (x) => T.transpose(x!, 0, 1));
add('expand', 'expand', () => [leaf([3, 1])], (x) => T.expand(x!, [2, 3, 4]));
add('slice', 'slice step 1', () => [leafT([4, 5])], (x) => T.slice(x!, 1, 1, 4));
add('slice', 'slice step 2', () => [leaf([5, 3])], (x) => T.slice(x!, 0, 0, null, 2));
add('slice', 'slice step 3 negative start', () => [leaf([3, 7])], (x) => T.slice(x!, 1, -6, null, 3));
add('slice', 'select / narrow / index', () => [leaf([4, 5])], (x) => T.index(x!, [1, '1:5:2']));
add('slice', 'split into pieces', () => [leaf([5, 2])], (x) => T.split(x!, 2, 0));
add('asStrided', 'asStrided overlapping windows', () => [leaf([6])], (x) => T.asStrided(x!, [3, 3], [1, 1], 0));
add('asStrided', 'asStrided of a strided input', () => [leafStrided([4, 3])], (x) => T.asStrided(x!, [2, 2], [1, 3], 2));
add('contiguous', 'contiguous of transposed', () => [leafT([3, 4])], (x) => T.contiguous(x!));
add('clone', 'clone', () => [leafStrided([3, 2])], (x) => T.clone(x!));

// ---- linear algebra ----
add('matmul', 'matmul 2-D', () => [leaf([3, 4]), leaf([4, 2])], (a, b) => T.matmul(a!, b!));
add('matmul', 'matmul transposed operands', () => [leafT([3, 4]), leafT([4, 2])], (a, b) => T.matmul(a!, b!));
add('matmul', 'matmul batch broadcast', () => [leaf([2, 1, 3, 4]), leaf([3, 4, 2])], (a, b) => T.matmul(a!, b!));
add('matmul', 'matmul 1-D x 2-D', () => [leaf([4]), leaf([2, 4, 3])], (a, b) => T.matmul(a!, b!));
add('matmul', 'matmul 2-D x 1-D', () => [leaf([2, 3, 4]), leafStrided([4])], (a, b) => T.matmul(a!, b!));
add('matmul', 'matmul 1-D x 1-D', () => [leaf([4]), leaf([4])], (a, b) => T.matmul(a!, b!));

// ---- neural-network blocks ----
add('linear', 'linear with bias', () => [leaf([5, 4]), leaf([3, 4]), leaf([3])], (x, w, b) => T.linear(x!, w!, b!));
add('linear', 'linear without bias, batched input', () => [leaf([2, 3, 4]), leaf([3, 4])], (x, w) => T.linear(x!, w!));
add('linear', 'linear transposed weight, 1-D input', () => [leafStrided([4]), leafT([3, 4]), leafStrided([3])], (x, w, b) => T.linear(x!, w!, b!));
const classes = () => tensor([2, 0, 3, 1, 2], { dtype: 'int32' });
const ignored = () => tensor([2, -100, 3, 1, -100], { dtype: 'int32' });
add('crossEntropy', 'crossEntropy mean', () => [leaf([5, 4])], (x) => T.crossEntropy(x!, classes()));
add('crossEntropy', 'crossEntropy sum, label smoothing, strided logits', () => [leafT([5, 4])], (x) =>
  T.crossEntropy(x!, classes(), { reduction: 'sum', labelSmoothing: 0.2 }),
);
add('crossEntropy', 'crossEntropy none, ignored rows', () => [leaf([5, 4])], (x) => T.crossEntropy(x!, ignored(), { reduction: 'none' }));
add('crossEntropyBackward', 'crossEntropyBackward mean (logits and gradOutput)', () => [leaf([5, 4]), leaf([])], (x, g) =>
  T.crossEntropyBackward(x!, ignored(), g!, { labelSmoothing: 0.1 }),
);
add('reluBackward', 'reluBackward (output of both signs, strided gradient)', () => [leafAwayFromZero([2, 3]), leafStrided([2, 3])], (y, g) =>
  T.reluBackward(y!, g!),
);
add('crossEntropyBackward', 'crossEntropyBackward none', () => [leaf([5, 4]), leaf([5])], (x, g) =>
  T.crossEntropyBackward(x!, classes(), g!, { reduction: 'none' }),
);

// ---- joins ----
add('cat', 'cat dim 1', () => [leaf([2, 3]), leafT([2, 2]), leaf([2, 1])], (a, b, c) => T.cat([a!, b!, c!], 1));
add('cat', 'stack', () => [leaf([2, 3]), leafT([2, 3])], (a, b) => T.stack([a!, b!], 1));
add('pad', 'pad', () => [leafT([2, 3])], (x) => T.pad(x!, [1, 2, 0, 1], 0.5));
add('pad', 'pad negative (crop)', () => [leaf([3, 4])], (x) => T.pad(x!, [-1, 2, 1, -1]));

// ---- indexing and sorting ----
const idx = (v: number[][]) => tensor(v, { dtype: 'int32' });
add('gather', 'gather dim 1 (repeated indices)', () => [leafT([3, 4])], (x) => T.gather(x!, 1, idx([[0, 0], [3, 1], [2, 2]])));
add('gather', 'gather dim 0', () => [leaf([3, 2])], (x) => T.gather(x!, 0, idx([[2, 0], [2, 1]])));
add('scatterAdd', 'scatterAdd (src larger than index)', () => [leaf([3, 4]), leafT([2, 3])], (x, src) =>
  T.scatterAdd(x!, 1, idx([[0, 0], [3, 1]]), src!),
);
add('indexSelect', 'indexSelect', () => [leaf([4, 3])], (x) => T.indexSelect(x!, 0, tensor([3, 0, 3], { dtype: 'int32' })));
add('indexSelect', 'embedding', () => [leaf([5, 2])], (w) => T.embedding(idx([[1, 4], [1, 0]]), w!));
add('sort', 'sort values dim 1', () => [leafT([3, 4])], (x) => T.sort(x!, 1).values);
add('sort', 'sort descending dim 0', () => [leaf([4, 2])], (x) => T.sort(x!, 0, true).values);
add('sort', 'topk', () => [leaf([2, 5])], (x) => T.topk(x!, 2, 1).values);

// ---- convolution and pooling ----
const geo = (k: [number, number], s: [number, number], d: [number, number]) => ({ kernel: k, stride: s, dilation: d });
add('windows2d', 'windows2d overlapping, strided input', () => [leafT([5, 4])], (x) => T.windows2d(x!, geo([2, 3], [1, 1], [1, 1])));
add('windows2d', 'windows2d stride 2 dilation 2', () => [leaf([2, 7, 6])], (x) => T.windows2d(x!, geo([2, 2], [2, 1], [2, 2])));
add('foldWindows2d', 'foldWindows2d into a larger map', () => [leaf([2, 2, 2, 2])], (w) => T.foldWindows2d(w!, [5, 4], geo([2, 2], [2, 1], [1, 2])));
add('conv2d', 'conv2d padding 1 with bias', () => [leaf([2, 2, 5, 4]), leaf([3, 2, 3, 3]), leaf([3])], (x, w, b) => T.conv2d(x!, w!, b, { padding: 1 }));
add('conv2d', 'conv2d stride 2, dilation 2, groups 2', () => [leaf([1, 4, 7, 7]), leaf([2, 2, 2, 2])], (x, w) =>
  T.conv2d(x!, w!, null, { stride: 2, dilation: 2, groups: 2 }),
);
add('conv2d', 'conv1d same padding', () => [leaf([2, 2, 6]), leaf([3, 2, 4])], (x, w) => T.conv1d(x!, w!, null, { padding: 'same' }));
add('convTranspose2d', 'convTranspose2d stride 2, output padding 1, groups 2', () => [leaf([1, 4, 3, 3]), leaf([4, 1, 3, 2]), leaf([2])], (x, w, b) =>
  T.convTranspose2d(x!, w!, b, { stride: 2, padding: 1, outputPadding: 1, groups: 2 }),
);
add('maxPool2d', 'maxPool2d padding 1, ceil mode', () => [leaf([1, 2, 5, 5])], (x) => T.maxPool2d(x!, 3, { stride: 2, padding: 1, ceilMode: true }));
add('avgPool2d', 'avgPool2d excluding padding', () => [leaf([2, 1, 5, 4])], (x) => T.avgPool2d(x!, 2, { padding: 1, countIncludePad: false }));
add('avgPool2d', 'avgPool1d', () => [leaf([2, 3, 7])], (x) => T.avgPool1d(x!, 3, { stride: 2 }));
add('conv2d', "conv2d 'same' padding, asymmetric (even kernel), dilation 2", () => [leaf([2, 2, 5, 6]), leaf([3, 2, 2, 3]), leaf([3])], (x, w, b) =>
  T.conv2d(x!, w!, b, { padding: 'same', dilation: [2, 1] }),
);
add('conv2d', 'conv2d unbatched, stride [2, 1], transposed input', () => [leafT([2, 5, 6]), leaf([4, 2, 3, 2])], (x, w) => T.conv2d(x!, w!, null, { stride: [2, 1] }));
add('maxPool2d', 'maxPool2d dilation 2, stride 1', () => [leaf([2, 1, 5, 6])], (x) => T.maxPool2d(x!, 2, { stride: 1, dilation: 2 }));
add('maxPool2d', 'maxPool1d padding 1', () => [leaf([2, 2, 7])], (x) => T.maxPool1d(x!, 3, { padding: 1 }));
add('maxPool2d', 'maxPool2d dispatched directly (the rule recomputes the indices)', () => [leaf([1, 2, 5, 5])], (x) => {
  const attrs = { kernel: [3, 3], stride: [2, 2], padding: [1, 1], dilation: [1, 1], out: [3, 3], ceilMode: true };
  return T.runOp('maxPool2d', [x!], attrs, () => T.maxPool2d(x!, 3, { stride: 2, padding: 1, ceilMode: true }));
});
add('avgPool2d', 'avgPool2d ceil mode, padding counted', () => [leaf([1, 2, 5, 6])], (x) => T.avgPool2d(x!, [3, 2], { stride: 2, padding: 1, ceilMode: true }));
add('avgPool2d', 'avgPool2d divisorOverride, unbatched', () => [leafT([2, 4, 5])], (x) => T.avgPool2d(x!, 2, { stride: 1, divisorOverride: 3 }));
// the gradient ops themselves (their compositions are differentiable: second derivatives of conv and pooling)
const convAttrs = (stride: [number, number], padding: [number, number, number, number], dilation: [number, number], groups: number) => ({
  stride,
  padding,
  dilation,
  groups,
});
add('conv2dBackwardInput', 'conv2dBackwardInput stride 2, dilation 2, groups 2', () => [leaf([1, 2, 3, 3]), leaf([2, 2, 2, 2])], (g, w) =>
  T.conv2dBackwardInput(g!, w!, [1, 4, 7, 7], convAttrs([2, 2], [0, 0, 0, 0], [2, 2], 2)),
);
add('conv2dBackwardInput', 'conv2dBackwardInput asymmetric padding, transposed gradient', () => [leafT([2, 3, 6, 5]), leaf([3, 2, 2, 3])], (g, w) =>
  T.conv2dBackwardInput(g!, w!, [2, 2, 6, 5], convAttrs([1, 1], [0, 1, 1, 1], [1, 1], 1)),
);
add('conv2dBackwardWeight', 'conv2dBackwardWeight stride 2, dilation 2, groups 2', () => [leaf([1, 4, 7, 7]), leaf([1, 2, 3, 3])], (x, g) =>
  T.conv2dBackwardWeight(x!, g!, [2, 2, 2, 2], convAttrs([2, 2], [0, 0, 0, 0], [2, 2], 2)),
);
add('conv2dBackwardWeight', 'conv2dBackwardWeight asymmetric padding, stride 2', () => [leaf([2, 2, 6, 5]), leaf([2, 3, 3, 3])], (x, g) =>
  T.conv2dBackwardWeight(x!, g!, [3, 2, 2, 3], convAttrs([2, 2], [0, 1, 1, 1], [1, 1], 1)),
);
add('conv2dBackwardWeightBias', 'conv2dBackwardWeightBias stride 2, dilation 2, groups 2 (both gradients)', () => [leaf([1, 4, 7, 7]), leaf([1, 2, 3, 3])], (x, g) => {
  const { gradWeight, gradBias } = T.conv2dBackwardWeightBias(x!, g!, [2, 2, 2, 2], convAttrs([2, 2], [0, 0, 0, 0], [2, 2], 2));
  return [gradWeight, gradBias];
});
add('maxPool2dWithIndices', 'maxPool2dWithIndices padding 1, ceil mode', () => [leaf([1, 2, 5, 5])], (x) =>
  T.maxPool2dWithIndices(x!, 3, { stride: 2, padding: 1, ceilMode: true }).output,
);
add('maxPool2dBackward', 'maxPool2dBackward (overlapping windows share positions)', () => [leaf([1, 2, 3, 3])], (g) => {
  const x = T.tensor(Float64Array.from({ length: 50 }, (_, i) => Math.sin(3 * i)), { shape: [1, 2, 5, 5] });
  const { output, indices } = T.maxPool2dWithIndices(x, 3, { stride: 2, padding: 1, ceilMode: true });
  output.dispose();
  return T.maxPool2dBackward(g!, indices, [1, 2, 5, 5]);
});
add('avgPool2dBackward', 'avgPool2dBackward excluding padding', () => [leaf([2, 1, 3, 3])], (g) =>
  T.avgPool2dBackward(g!, [2, 1, 5, 4], {
    kernel: [2, 2], stride: [2, 2], padding: [1, 1], dilation: [1, 1], out: [3, 3], ceilMode: false, countIncludePad: false, divisorOverride: null,
  }),
);
add('avgPool2dBackward', 'avgPool2dBackward ceil mode, divisorOverride', () => [leaf([1, 2, 3, 4])], (g) =>
  T.avgPool2dBackward(g!, [1, 2, 5, 6], {
    kernel: [3, 2], stride: [2, 2], padding: [1, 1], dilation: [1, 1], out: [3, 4], ceilMode: true, countIncludePad: true, divisorOverride: 5,
  }),
);
add('adaptiveAvgPool2d', 'adaptiveAvgPool2d 5x7 -> 3x4', () => [leaf([1, 2, 5, 7])], (x) => T.adaptiveAvgPool2d(x!, [3, 4]));
add('adaptiveMaxPool2d', 'adaptiveMaxPool2d 5x7 -> 3x4', () => [leaf([1, 2, 5, 7])], (x) => T.adaptiveMaxPool2d(x!, [3, 4]));

describe('gradcheck over every differentiable op (float64, CPU)', () => {
  for (const c of cases) {
    it(`${c.op}: ${c.name}`, () => {
      const inputs = c.inputs();
      const result = gradcheck(c.fn, inputs, c.options);
      expect(result.ok, result.report).toBe(true);
      for (const t of inputs) t.dispose();
    });
  }

  it('has a case for every op the table differentiates', () => {
    const covered = new Set(cases.map((c) => c.op));
    const missing = OP_NAMES.filter((op) => GRAD_TABLE[op] !== 'nondifferentiable' && !covered.has(op));
    expect(missing).toEqual([]);
  });
});

// Second derivatives: every rule's backward is written in differentiable ops, so gradients of
// gradients must be right too. Piecewise-linear ops have zero second derivatives (checked too).
describe('gradgradcheck over every differentiable op (float64, CPU)', () => {
  for (const c of cases) {
    if (c.op === 'cast') continue; // float32 round trip: too coarse for second differences
    it(`${c.op}: ${c.name}`, () => {
      const inputs = c.inputs();
      const result = gradgradcheck(c.fn, inputs, c.options);
      expect(result.ok, result.report).toBe(true);
      for (const t of inputs) t.dispose();
    });
  }
});

/**
 * Elementwise ops with NumPy broadcasting and PyTorch type promotion. Each is a primitive kernel
 * call (`unary`, `binary`, `where`) wrapped by `runOp` so autograd and fused kernels can hook in.
 */
import type { BinaryOp, UnaryOp } from '../backend.js';
import { isFloat, type DType } from '../dtype.js';
import { broadcastShapes } from '../shape.js';
import { Tensor, type TensorLike } from '../tensor.js';
import { cast } from './cast.js';
import { broadcastView, fromData, runOp, sameBackend, viewOf } from './dispatch.js';
import { checkOperand, resultType, scalarOn } from './scalar.js';

type BinaryKind = 'arith' | 'truediv' | 'compare' | 'logical';

/** Runs `fn(a, b)` with scalar operands turned into 0-d tensors on the other operand's device. */
function withTensors(
  op: string,
  a: TensorLike,
  b: TensorLike,
  dtype: DType,
  fn: (a: Tensor, b: Tensor) => Tensor,
  device: Tensor | null = null,
): Tensor {
  checkOperand(op, a, 'input');
  checkOperand(op, b, 'other');
  const like = a instanceof Tensor ? a : b instanceof Tensor ? b : device;
  if (like === null) throw new TypeError(`${op}: at least one operand must be a Tensor`);
  const ta = a instanceof Tensor ? a : scalarOn(like.backend, a, dtype);
  const tb = b instanceof Tensor ? b : scalarOn(like.backend, b, dtype);
  try {
    return fn(ta, tb);
  } finally {
    if (ta !== a) ta.dispose();
    if (tb !== b) tb.dispose();
  }
}

function binary(name: string, op: BinaryOp, kind: BinaryKind, a: TensorLike, b: TensorLike): Tensor {
  let compute = resultType(a, b);
  if (kind === 'truediv' && !isFloat(compute)) compute = 'float32';
  const outDtype: DType = kind === 'compare' || kind === 'logical' ? 'bool' : compute;
  return withTensors(name, a, b, compute, (ta, tb) => binaryTensors(name, op, ta, tb, compute, outDtype));
}

function binaryTensors(name: string, op: BinaryOp, a: Tensor, b: Tensor, compute: DType, outDtype: DType): Tensor {
  const backend = sameBackend(name, [a, b]);
  const shape = broadcastShapes(name, a.shape, b.shape);
  return runOp(name, [a, b], {}, () => {
    const ca = a.dtype === compute ? a : cast(a, compute);
    const cb = b.dtype === compute ? b : cast(b, compute);
    try {
      const data = backend.binary(op, broadcastView(ca, shape), broadcastView(cb, shape), outDtype);
      return fromData(backend, data, outDtype, shape);
    } finally {
      if (ca !== a) ca.dispose();
      if (cb !== b) cb.dispose();
    }
  });
}

type UnaryKind = 'float' | 'same' | 'bool';

function unary(name: string, op: UnaryOp, kind: UnaryKind, x: Tensor): Tensor {
  checkOperand(name, x, 'input');
  if (!(x instanceof Tensor)) throw new TypeError(`${name}: input must be a Tensor, got ${typeof x}`);
  const outDtype: DType = kind === 'bool' ? 'bool' : kind === 'float' && !isFloat(x.dtype) ? 'float32' : x.dtype;
  return runOp(name, [x], {}, () => {
    const input = kind === 'float' && x.dtype !== outDtype ? cast(x, outDtype) : x;
    try {
      return fromData(x.backend, x.backend.unary(op, viewOf(input), outDtype), outDtype, x.shape);
    } finally {
      if (input !== x) input.dispose();
    }
  });
}

/** `a + alpha * b`, broadcasting. */
export function add(a: TensorLike, b: TensorLike, alpha?: number): Tensor {
  if (alpha !== undefined && alpha !== 1) return withScaled('add', a, b, alpha, (x, y) => binary('add', 'add', 'arith', x, y));
  return binary('add', 'add', 'arith', a, b);
}

/** `a - alpha * b`, broadcasting. */
export function sub(a: TensorLike, b: TensorLike, alpha?: number): Tensor {
  if ((a instanceof Tensor || b instanceof Tensor) && resultType(a, b) === 'bool') {
    throw new TypeError('sub: subtraction with two bool operands is not supported; use logicalNot to invert a mask, or convert with .int() first');
  }
  if (alpha !== undefined && alpha !== 1) return withScaled('sub', a, b, alpha, (x, y) => binary('sub', 'sub', 'arith', x, y));
  return binary('sub', 'sub', 'arith', a, b);
}

function withScaled(op: string, a: TensorLike, b: TensorLike, alpha: number, f: (a: TensorLike, b: TensorLike) => Tensor): Tensor {
  if (typeof b !== 'object') return f(a, (b as number) * alpha);
  checkOperand(op, b, 'other');
  const scaled = mul(b, alpha);
  try {
    return f(a, scaled);
  } finally {
    scaled.dispose();
  }
}

/** `a * b`, broadcasting. */
export function mul(a: TensorLike, b: TensorLike): Tensor {
  return binary('mul', 'mul', 'arith', a, b);
}

/** True division `a / b` (integer inputs give float32). */
export function div(a: TensorLike, b: TensorLike): Tensor {
  return binary('div', 'div', 'truediv', a, b);
}

/** `a ** b`, broadcasting. */
export function pow(a: TensorLike, b: TensorLike): Tensor {
  return binary('pow', 'pow', 'arith', a, b);
}

/** Python-style remainder: the result has the sign of `b`. */
export function remainder(a: TensorLike, b: TensorLike): Tensor {
  return binary('remainder', 'remainder', 'arith', a, b);
}

/** Elementwise `atan2(a, b)`. */
export function atan2(a: TensorLike, b: TensorLike): Tensor {
  return binary('atan2', 'atan2', 'truediv', a, b);
}

/** Elementwise maximum (NaN propagates). */
export function maximum(a: TensorLike, b: TensorLike): Tensor {
  return binary('maximum', 'maximum', 'arith', a, b);
}

/** Elementwise minimum (NaN propagates). */
export function minimum(a: TensorLike, b: TensorLike): Tensor {
  return binary('minimum', 'minimum', 'arith', a, b);
}

/** `a == b` as bool. */
export function eq(a: TensorLike, b: TensorLike): Tensor {
  return binary('eq', 'eq', 'compare', a, b);
}
/** `a != b` as bool. */
export function ne(a: TensorLike, b: TensorLike): Tensor {
  return binary('ne', 'ne', 'compare', a, b);
}
/** `a < b` as bool. */
export function lt(a: TensorLike, b: TensorLike): Tensor {
  return binary('lt', 'lt', 'compare', a, b);
}
/** `a <= b` as bool. */
export function le(a: TensorLike, b: TensorLike): Tensor {
  return binary('le', 'le', 'compare', a, b);
}
/** `a > b` as bool. */
export function gt(a: TensorLike, b: TensorLike): Tensor {
  return binary('gt', 'gt', 'compare', a, b);
}
/** `a >= b` as bool. */
export function ge(a: TensorLike, b: TensorLike): Tensor {
  return binary('ge', 'ge', 'compare', a, b);
}
/** Logical and of truthiness, as bool. */
export function logicalAnd(a: TensorLike, b: TensorLike): Tensor {
  return binary('logicalAnd', 'logicalAnd', 'logical', a, b);
}
/** Logical or of truthiness, as bool. */
export function logicalOr(a: TensorLike, b: TensorLike): Tensor {
  return binary('logicalOr', 'logicalOr', 'logical', a, b);
}

/** `-x`. */
export const neg = (x: Tensor): Tensor => {
  if (x instanceof Tensor && x.dtype === 'bool') {
    throw new TypeError('neg: negation of a bool tensor is not supported; use logicalNot to invert a mask');
  }
  return unary('neg', 'neg', 'same', x);
};
/** `|x|`. */
export const abs = (x: Tensor): Tensor => unary('abs', 'abs', 'same', x);
/** `e^x`. */
export const exp = (x: Tensor): Tensor => unary('exp', 'exp', 'float', x);
/** `e^x - 1`, accurate near 0. */
export const expm1 = (x: Tensor): Tensor => unary('expm1', 'expm1', 'float', x);
/** Natural logarithm. */
export const log = (x: Tensor): Tensor => unary('log', 'log', 'float', x);
/** `log(1 + x)`, accurate near 0. */
export const log1p = (x: Tensor): Tensor => unary('log1p', 'log1p', 'float', x);
/** Square root. */
export const sqrt = (x: Tensor): Tensor => unary('sqrt', 'sqrt', 'float', x);
/** `1 / sqrt(x)`. */
export const rsqrt = (x: Tensor): Tensor => unary('rsqrt', 'rsqrt', 'float', x);
/** `1 / x`. */
export const reciprocal = (x: Tensor): Tensor => unary('reciprocal', 'reciprocal', 'float', x);
/** Sine. */
export const sin = (x: Tensor): Tensor => unary('sin', 'sin', 'float', x);
/** Cosine. */
export const cos = (x: Tensor): Tensor => unary('cos', 'cos', 'float', x);
/** Hyperbolic tangent. */
export const tanh = (x: Tensor): Tensor => unary('tanh', 'tanh', 'float', x);
/** Logistic sigmoid `1 / (1 + e^-x)`. */
export const sigmoid = (x: Tensor): Tensor => unary('sigmoid', 'sigmoid', 'float', x);
/** Gauss error function. */
export const erf = (x: Tensor): Tensor => unary('erf', 'erf', 'float', x);
/** Round down. */
export const floor = (x: Tensor): Tensor => unary('floor', 'floor', 'same', x);
/** Round up. */
export const ceil = (x: Tensor): Tensor => unary('ceil', 'ceil', 'same', x);
/** Round half to even. */
export const round = (x: Tensor): Tensor => unary('round', 'round', 'same', x);
/** -1, 0 or 1. */
export const sign = (x: Tensor): Tensor => unary('sign', 'sign', 'same', x);
/** Logical not of truthiness, as bool. */
export const logicalNot = (x: Tensor): Tensor => unary('logicalNot', 'logicalNot', 'bool', x);
/** Whether each element is NaN. */
export const isnan = (x: Tensor): Tensor => unary('isnan', 'isnan', 'bool', x);
/** Whether each element is finite. */
export const isfinite = (x: Tensor): Tensor => unary('isfinite', 'isfinite', 'bool', x);
/** `max(x, 0)`. */
export const reluPrimitive = (x: Tensor): Tensor => unary('relu', 'relu', 'same', x);

/** `x * x`. */
export function square(x: Tensor): Tensor {
  return mul(x, x);
}

/**
 * Clamps into `[min, max]`; either bound may be omitted (null/undefined). As in PyTorch, the
 * gradient reaches `x` where `min <= x <= max` (bounds included), a tensor bound where `x` is
 * beyond it, and `max` wins where `min > max`.
 */
export function clamp(x: Tensor, min?: number | Tensor | null, max?: number | Tensor | null): Tensor {
  if ((min === undefined || min === null) && (max === undefined || max === null)) {
    throw new TypeError("clamp: at least one of 'min' or 'max' must not be None");
  }
  return runOp('clamp', [x], { min, max }, () => {
    const lo = min === undefined || min === null ? x : replaceWhere(x, lt(x, min), min);
    if (max === undefined || max === null) return lo;
    try {
      return replaceWhere(lo, gt(lo, max), max);
    } finally {
      if (lo !== x) lo.dispose();
    }
  });
}

/** `where(mask, value, x)`, disposing `mask`. */
function replaceWhere(x: Tensor, mask: Tensor, value: number | Tensor): Tensor {
  try {
    return where(mask, value, x);
  } finally {
    mask.dispose();
  }
}

/** `condition ? a : b`, elementwise with broadcasting; `condition` must be bool. */
export function where(condition: Tensor, a: TensorLike, b: TensorLike): Tensor {
  if (!(condition instanceof Tensor)) throw new TypeError('where: condition must be a bool Tensor');
  if (condition.dtype !== 'bool') throw new TypeError(`where: expected condition to be a bool tensor, got ${condition.dtype}`);
  const dtype = resultType(a, b);
  return withTensors('where', a, b, dtype, (ta, tb) => {
    const backend = sameBackend('where', [condition, ta, tb]);
    const shape = broadcastShapes('where', broadcastShapes('where', condition.shape, ta.shape), tb.shape);
    return runOp('where', [condition, ta, tb], {}, () => {
      const ca = ta.dtype === dtype ? ta : cast(ta, dtype);
      const cb = tb.dtype === dtype ? tb : cast(tb, dtype);
      try {
        const data = backend.where(broadcastView(condition, shape), broadcastView(ca, shape), broadcastView(cb, shape), dtype);
        return fromData(backend, data, dtype, shape);
      } finally {
        if (ca !== ta) ca.dispose();
        if (cb !== tb) cb.dispose();
      }
    });
  }, condition);
}

/**
 * Monomorphic loops for common unary ops on float32/float64 input, used by `unaryImpl` when the
 * rows it walks are contiguous: one copy of each loop per array type, so V8's type feedback stays
 * monomorphic (see `binary_fast.ts`). Same expressions as `unary.ts`, so results are bit-identical.
 */
import type { TypedArray, UnaryOp } from '@tessera/core';

/** `out[o + i] = op(x[xi + i])` for i < n. */
export type UnaryLoop = (x: TypedArray, xi: number, out: TypedArray, o: number, n: number) => void;

/** The monomorphic loop for `op` from `x`'s array type into `out`'s, if there is one. */
export function fastUnaryLoop(op: UnaryOp, x: TypedArray, out: TypedArray): UnaryLoop | undefined {
  let loop: unknown;
  if (x instanceof Float32Array && out instanceof Float32Array) loop = F32[op];
  else if (x instanceof Float64Array && out instanceof Float64Array) loop = F64[op];
  return loop as UnaryLoop | undefined;
}

type Loop<A> = (x: A, xi: number, out: A, o: number, n: number) => void;

const F32: Partial<Record<UnaryOp, Loop<Float32Array>>> = {
  neg: negF32, abs: absF32, exp: expF32, log: logF32, sqrt: sqrtF32, tanh: tanhF32, sigmoid: sigmoidF32, relu: reluF32,
};
const F64: Partial<Record<UnaryOp, Loop<Float64Array>>> = {
  neg: negF64, abs: absF64, exp: expF64, log: logF64, sqrt: sqrtF64, tanh: tanhF64, sigmoid: sigmoidF64, relu: reluF64,
};

// ---- Float32Array ----

function negF32(x: Float32Array, xi: number, out: Float32Array, o: number, n: number): void {
  for (let i = 0; i < n; i++) out[o + i] = -x[xi + i]!;
}

function absF32(x: Float32Array, xi: number, out: Float32Array, o: number, n: number): void {
  for (let i = 0; i < n; i++) out[o + i] = Math.abs(x[xi + i]!);
}

function expF32(x: Float32Array, xi: number, out: Float32Array, o: number, n: number): void {
  for (let i = 0; i < n; i++) out[o + i] = Math.exp(x[xi + i]!);
}

function logF32(x: Float32Array, xi: number, out: Float32Array, o: number, n: number): void {
  for (let i = 0; i < n; i++) out[o + i] = Math.log(x[xi + i]!);
}

function sqrtF32(x: Float32Array, xi: number, out: Float32Array, o: number, n: number): void {
  for (let i = 0; i < n; i++) out[o + i] = Math.sqrt(x[xi + i]!);
}

function tanhF32(x: Float32Array, xi: number, out: Float32Array, o: number, n: number): void {
  for (let i = 0; i < n; i++) out[o + i] = Math.tanh(x[xi + i]!);
}

function sigmoidF32(x: Float32Array, xi: number, out: Float32Array, o: number, n: number): void {
  for (let i = 0; i < n; i++) {
    const v = x[xi + i]!;
    if (v >= 0) {
      out[o + i] = 1 / (1 + Math.exp(-v));
    } else {
      const e = Math.exp(v);
      out[o + i] = e / (1 + e);
    }
  }
}

function reluF32(x: Float32Array, xi: number, out: Float32Array, o: number, n: number): void {
  for (let i = 0; i < n; i++) {
    const v = x[xi + i]!;
    out[o + i] = v < 0 ? 0 : v;
  }
}


// ---- Float64Array ----

function negF64(x: Float64Array, xi: number, out: Float64Array, o: number, n: number): void {
  for (let i = 0; i < n; i++) out[o + i] = -x[xi + i]!;
}

function absF64(x: Float64Array, xi: number, out: Float64Array, o: number, n: number): void {
  for (let i = 0; i < n; i++) out[o + i] = Math.abs(x[xi + i]!);
}

function expF64(x: Float64Array, xi: number, out: Float64Array, o: number, n: number): void {
  for (let i = 0; i < n; i++) out[o + i] = Math.exp(x[xi + i]!);
}

function logF64(x: Float64Array, xi: number, out: Float64Array, o: number, n: number): void {
  for (let i = 0; i < n; i++) out[o + i] = Math.log(x[xi + i]!);
}

function sqrtF64(x: Float64Array, xi: number, out: Float64Array, o: number, n: number): void {
  for (let i = 0; i < n; i++) out[o + i] = Math.sqrt(x[xi + i]!);
}

function tanhF64(x: Float64Array, xi: number, out: Float64Array, o: number, n: number): void {
  for (let i = 0; i < n; i++) out[o + i] = Math.tanh(x[xi + i]!);
}

function sigmoidF64(x: Float64Array, xi: number, out: Float64Array, o: number, n: number): void {
  for (let i = 0; i < n; i++) {
    const v = x[xi + i]!;
    if (v >= 0) {
      out[o + i] = 1 / (1 + Math.exp(-v));
    } else {
      const e = Math.exp(v);
      out[o + i] = e / (1 + e);
    }
  }
}

function reluF64(x: Float64Array, xi: number, out: Float64Array, o: number, n: number): void {
  for (let i = 0; i < n; i++) {
    const v = x[xi + i]!;
    out[o + i] = v < 0 ? 0 : v;
  }
}

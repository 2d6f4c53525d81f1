/**
 * Monomorphic loops for the hottest binary ops on float32 or float64 operands, used by
 * `binaryImpl` whenever every row it walks has each operand contiguous or broadcast (step 1 or 0):
 * same-shape, scalar, and row- or channel-broadcast operands all qualify.
 *
 * Why a separate copy of every loop per array type: V8 keeps type feedback per function, so the
 * shared loops of `binary.ts` turn polymorphic once a process has seen several array types
 * (float32, float64, int32, uint8), which costs about 1.6x per element (2.5 -> 4 ns). A loop here only
 * ever sees one array type. The expressions are those of `binary.ts`, so results are bit-identical
 * (`test/fast_paths.test.ts` checks every op).
 */
import type { BinaryOp, TypedArray } from '@tessera/core';

/**
 * `out[o + i] = a[ai + i*as] op b[bi + i*bs]` for i < n, where (as, bs) is (1, 1), (1, 0) or (0, 1).
 */
export type BinaryLoop = (a: TypedArray, ai: number, as: number, b: TypedArray, bi: number, bs: number, out: TypedArray, o: number, n: number) => void;

/** The monomorphic loop for `op` on these arrays, if there is one. */
export function fastBinaryLoop(op: BinaryOp, a: TypedArray, b: TypedArray, out: TypedArray): BinaryLoop | undefined {
  let loop: unknown;
  if (a instanceof Float32Array && b instanceof Float32Array) {
    if (out instanceof Float32Array) loop = F32_ARITH[op];
    else if (out instanceof Uint8Array) loop = F32_CMP[op];
  } else if (a instanceof Float64Array && b instanceof Float64Array) {
    if (out instanceof Float64Array) loop = F64_ARITH[op];
    else if (out instanceof Uint8Array) loop = F64_CMP[op];
  }
  return loop as BinaryLoop | undefined;
}

type Loop<A, O> = (a: A, ai: number, as: number, b: A, bi: number, bs: number, out: O, o: number, n: number) => void;

const F32_ARITH: Partial<Record<BinaryOp, Loop<Float32Array, Float32Array>>> = {
  add: addF32, sub: subF32, mul: mulF32, div: divF32, maximum: maximumF32, minimum: minimumF32,
};
const F32_CMP: Partial<Record<BinaryOp, Loop<Float32Array, Uint8Array>>> = {
  eq: eqF32, ne: neF32, lt: ltF32, le: leF32, gt: gtF32, ge: geF32,
};
const F64_ARITH: Partial<Record<BinaryOp, Loop<Float64Array, Float64Array>>> = {
  add: addF64, sub: subF64, mul: mulF64, div: divF64, maximum: maximumF64, minimum: minimumF64,
};
const F64_CMP: Partial<Record<BinaryOp, Loop<Float64Array, Uint8Array>>> = {
  eq: eqF64, ne: neF64, lt: ltF64, le: leF64, gt: gtF64, ge: geF64,
};

// ---- Float32Array ----
function addF32(a: Float32Array, ai: number, as: number, b: Float32Array, bi: number, bs: number, out: Float32Array, o: number, n: number): void {
  if (bs === 0) {
    const y = b[bi]!;
    for (let i = 0; i < n; i++) out[o + i] = a[ai + i]! + y;
  } else if (as === 0) {
    const x = a[ai]!;
    for (let i = 0; i < n; i++) out[o + i] = x + b[bi + i]!;
  } else {
    for (let i = 0; i < n; i++) out[o + i] = a[ai + i]! + b[bi + i]!;
  }
}

function subF32(a: Float32Array, ai: number, as: number, b: Float32Array, bi: number, bs: number, out: Float32Array, o: number, n: number): void {
  if (bs === 0) {
    const y = b[bi]!;
    for (let i = 0; i < n; i++) out[o + i] = a[ai + i]! - y;
  } else if (as === 0) {
    const x = a[ai]!;
    for (let i = 0; i < n; i++) out[o + i] = x - b[bi + i]!;
  } else {
    for (let i = 0; i < n; i++) out[o + i] = a[ai + i]! - b[bi + i]!;
  }
}

function mulF32(a: Float32Array, ai: number, as: number, b: Float32Array, bi: number, bs: number, out: Float32Array, o: number, n: number): void {
  if (bs === 0) {
    const y = b[bi]!;
    for (let i = 0; i < n; i++) out[o + i] = a[ai + i]! * y;
  } else if (as === 0) {
    const x = a[ai]!;
    for (let i = 0; i < n; i++) out[o + i] = x * b[bi + i]!;
  } else {
    for (let i = 0; i < n; i++) out[o + i] = a[ai + i]! * b[bi + i]!;
  }
}

function divF32(a: Float32Array, ai: number, as: number, b: Float32Array, bi: number, bs: number, out: Float32Array, o: number, n: number): void {
  if (bs === 0) {
    const y = b[bi]!;
    for (let i = 0; i < n; i++) out[o + i] = a[ai + i]! / y;
  } else if (as === 0) {
    const x = a[ai]!;
    for (let i = 0; i < n; i++) out[o + i] = x / b[bi + i]!;
  } else {
    for (let i = 0; i < n; i++) out[o + i] = a[ai + i]! / b[bi + i]!;
  }
}

function maximumF32(a: Float32Array, ai: number, as: number, b: Float32Array, bi: number, bs: number, out: Float32Array, o: number, n: number): void {
  if (bs === 0) {
    const y = b[bi]!;
    for (let i = 0; i < n; i++) {
      const x = a[ai + i]!;
      out[o + i] = x > y || x !== x ? x : y;
    }
  } else if (as === 0) {
    const x = a[ai]!;
    for (let i = 0; i < n; i++) {
      const y = b[bi + i]!;
      out[o + i] = x > y || x !== x ? x : y;
    }
  } else {
    for (let i = 0; i < n; i++) {
      const x = a[ai + i]!;
      const y = b[bi + i]!;
      out[o + i] = x > y || x !== x ? x : y;
    }
  }
}

function minimumF32(a: Float32Array, ai: number, as: number, b: Float32Array, bi: number, bs: number, out: Float32Array, o: number, n: number): void {
  if (bs === 0) {
    const y = b[bi]!;
    for (let i = 0; i < n; i++) {
      const x = a[ai + i]!;
      out[o + i] = x < y || x !== x ? x : y;
    }
  } else if (as === 0) {
    const x = a[ai]!;
    for (let i = 0; i < n; i++) {
      const y = b[bi + i]!;
      out[o + i] = x < y || x !== x ? x : y;
    }
  } else {
    for (let i = 0; i < n; i++) {
      const x = a[ai + i]!;
      const y = b[bi + i]!;
      out[o + i] = x < y || x !== x ? x : y;
    }
  }
}

function eqF32(a: Float32Array, ai: number, as: number, b: Float32Array, bi: number, bs: number, out: Uint8Array, o: number, n: number): void {
  if (bs === 0) {
    const y = b[bi]!;
    for (let i = 0; i < n; i++) out[o + i] = a[ai + i]! === y ? 1 : 0;
  } else if (as === 0) {
    const x = a[ai]!;
    for (let i = 0; i < n; i++) out[o + i] = x === b[bi + i]! ? 1 : 0;
  } else {
    for (let i = 0; i < n; i++) out[o + i] = a[ai + i]! === b[bi + i]! ? 1 : 0;
  }
}

function neF32(a: Float32Array, ai: number, as: number, b: Float32Array, bi: number, bs: number, out: Uint8Array, o: number, n: number): void {
  if (bs === 0) {
    const y = b[bi]!;
    for (let i = 0; i < n; i++) out[o + i] = a[ai + i]! !== y ? 1 : 0;
  } else if (as === 0) {
    const x = a[ai]!;
    for (let i = 0; i < n; i++) out[o + i] = x !== b[bi + i]! ? 1 : 0;
  } else {
    for (let i = 0; i < n; i++) out[o + i] = a[ai + i]! !== b[bi + i]! ? 1 : 0;
  }
}

function ltF32(a: Float32Array, ai: number, as: number, b: Float32Array, bi: number, bs: number, out: Uint8Array, o: number, n: number): void {
  if (bs === 0) {
    const y = b[bi]!;
    for (let i = 0; i < n; i++) out[o + i] = a[ai + i]! < y ? 1 : 0;
  } else if (as === 0) {
    const x = a[ai]!;
    for (let i = 0; i < n; i++) out[o + i] = x < b[bi + i]! ? 1 : 0;
  } else {
    for (let i = 0; i < n; i++) out[o + i] = a[ai + i]! < b[bi + i]! ? 1 : 0;
  }
}

function leF32(a: Float32Array, ai: number, as: number, b: Float32Array, bi: number, bs: number, out: Uint8Array, o: number, n: number): void {
  if (bs === 0) {
    const y = b[bi]!;
    for (let i = 0; i < n; i++) out[o + i] = a[ai + i]! <= y ? 1 : 0;
  } else if (as === 0) {
    const x = a[ai]!;
    for (let i = 0; i < n; i++) out[o + i] = x <= b[bi + i]! ? 1 : 0;
  } else {
    for (let i = 0; i < n; i++) out[o + i] = a[ai + i]! <= b[bi + i]! ? 1 : 0;
  }
}

function gtF32(a: Float32Array, ai: number, as: number, b: Float32Array, bi: number, bs: number, out: Uint8Array, o: number, n: number): void {
  if (bs === 0) {
    const y = b[bi]!;
    for (let i = 0; i < n; i++) out[o + i] = a[ai + i]! > y ? 1 : 0;
  } else if (as === 0) {
    const x = a[ai]!;
    for (let i = 0; i < n; i++) out[o + i] = x > b[bi + i]! ? 1 : 0;
  } else {
    for (let i = 0; i < n; i++) out[o + i] = a[ai + i]! > b[bi + i]! ? 1 : 0;
  }
}

function geF32(a: Float32Array, ai: number, as: number, b: Float32Array, bi: number, bs: number, out: Uint8Array, o: number, n: number): void {
  if (bs === 0) {
    const y = b[bi]!;
    for (let i = 0; i < n; i++) out[o + i] = a[ai + i]! >= y ? 1 : 0;
  } else if (as === 0) {
    const x = a[ai]!;
    for (let i = 0; i < n; i++) out[o + i] = x >= b[bi + i]! ? 1 : 0;
  } else {
    for (let i = 0; i < n; i++) out[o + i] = a[ai + i]! >= b[bi + i]! ? 1 : 0;
  }
}


// ---- Float64Array ----
function addF64(a: Float64Array, ai: number, as: number, b: Float64Array, bi: number, bs: number, out: Float64Array, o: number, n: number): void {
  if (bs === 0) {
    const y = b[bi]!;
    for (let i = 0; i < n; i++) out[o + i] = a[ai + i]! + y;
  } else if (as === 0) {
    const x = a[ai]!;
    for (let i = 0; i < n; i++) out[o + i] = x + b[bi + i]!;
  } else {
    for (let i = 0; i < n; i++) out[o + i] = a[ai + i]! + b[bi + i]!;
  }
}

function subF64(a: Float64Array, ai: number, as: number, b: Float64Array, bi: number, bs: number, out: Float64Array, o: number, n: number): void {
  if (bs === 0) {
    const y = b[bi]!;
    for (let i = 0; i < n; i++) out[o + i] = a[ai + i]! - y;
  } else if (as === 0) {
    const x = a[ai]!;
    for (let i = 0; i < n; i++) out[o + i] = x - b[bi + i]!;
  } else {
    for (let i = 0; i < n; i++) out[o + i] = a[ai + i]! - b[bi + i]!;
  }
}

function mulF64(a: Float64Array, ai: number, as: number, b: Float64Array, bi: number, bs: number, out: Float64Array, o: number, n: number): void {
  if (bs === 0) {
    const y = b[bi]!;
    for (let i = 0; i < n; i++) out[o + i] = a[ai + i]! * y;
  } else if (as === 0) {
    const x = a[ai]!;
    for (let i = 0; i < n; i++) out[o + i] = x * b[bi + i]!;
  } else {
    for (let i = 0; i < n; i++) out[o + i] = a[ai + i]! * b[bi + i]!;
  }
}

function divF64(a: Float64Array, ai: number, as: number, b: Float64Array, bi: number, bs: number, out: Float64Array, o: number, n: number): void {
  if (bs === 0) {
    const y = b[bi]!;
    for (let i = 0; i < n; i++) out[o + i] = a[ai + i]! / y;
  } else if (as === 0) {
    const x = a[ai]!;
    for (let i = 0; i < n; i++) out[o + i] = x / b[bi + i]!;
  } else {
    for (let i = 0; i < n; i++) out[o + i] = a[ai + i]! / b[bi + i]!;
  }
}

function maximumF64(a: Float64Array, ai: number, as: number, b: Float64Array, bi: number, bs: number, out: Float64Array, o: number, n: number): void {
  if (bs === 0) {
    const y = b[bi]!;
    for (let i = 0; i < n; i++) {
      const x = a[ai + i]!;
      out[o + i] = x > y || x !== x ? x : y;
    }
  } else if (as === 0) {
    const x = a[ai]!;
    for (let i = 0; i < n; i++) {
      const y = b[bi + i]!;
      out[o + i] = x > y || x !== x ? x : y;
    }
  } else {
    for (let i = 0; i < n; i++) {
      const x = a[ai + i]!;
      const y = b[bi + i]!;
      out[o + i] = x > y || x !== x ? x : y;
    }
  }
}

function minimumF64(a: Float64Array, ai: number, as: number, b: Float64Array, bi: number, bs: number, out: Float64Array, o: number, n: number): void {
  if (bs === 0) {
    const y = b[bi]!;
    for (let i = 0; i < n; i++) {
      const x = a[ai + i]!;
      out[o + i] = x < y || x !== x ? x : y;
    }
  } else if (as === 0) {
    const x = a[ai]!;
    for (let i = 0; i < n; i++) {
      const y = b[bi + i]!;
      out[o + i] = x < y || x !== x ? x : y;
    }
  } else {
    for (let i = 0; i < n; i++) {
      const x = a[ai + i]!;
      const y = b[bi + i]!;
      out[o + i] = x < y || x !== x ? x : y;
    }
  }
}

function eqF64(a: Float64Array, ai: number, as: number, b: Float64Array, bi: number, bs: number, out: Uint8Array, o: number, n: number): void {
  if (bs === 0) {
    const y = b[bi]!;
    for (let i = 0; i < n; i++) out[o + i] = a[ai + i]! === y ? 1 : 0;
  } else if (as === 0) {
    const x = a[ai]!;
    for (let i = 0; i < n; i++) out[o + i] = x === b[bi + i]! ? 1 : 0;
  } else {
    for (let i = 0; i < n; i++) out[o + i] = a[ai + i]! === b[bi + i]! ? 1 : 0;
  }
}

function neF64(a: Float64Array, ai: number, as: number, b: Float64Array, bi: number, bs: number, out: Uint8Array, o: number, n: number): void {
  if (bs === 0) {
    const y = b[bi]!;
    for (let i = 0; i < n; i++) out[o + i] = a[ai + i]! !== y ? 1 : 0;
  } else if (as === 0) {
    const x = a[ai]!;
    for (let i = 0; i < n; i++) out[o + i] = x !== b[bi + i]! ? 1 : 0;
  } else {
    for (let i = 0; i < n; i++) out[o + i] = a[ai + i]! !== b[bi + i]! ? 1 : 0;
  }
}

function ltF64(a: Float64Array, ai: number, as: number, b: Float64Array, bi: number, bs: number, out: Uint8Array, o: number, n: number): void {
  if (bs === 0) {
    const y = b[bi]!;
    for (let i = 0; i < n; i++) out[o + i] = a[ai + i]! < y ? 1 : 0;
  } else if (as === 0) {
    const x = a[ai]!;
    for (let i = 0; i < n; i++) out[o + i] = x < b[bi + i]! ? 1 : 0;
  } else {
    for (let i = 0; i < n; i++) out[o + i] = a[ai + i]! < b[bi + i]! ? 1 : 0;
  }
}

function leF64(a: Float64Array, ai: number, as: number, b: Float64Array, bi: number, bs: number, out: Uint8Array, o: number, n: number): void {
  if (bs === 0) {
    const y = b[bi]!;
    for (let i = 0; i < n; i++) out[o + i] = a[ai + i]! <= y ? 1 : 0;
  } else if (as === 0) {
    const x = a[ai]!;
    for (let i = 0; i < n; i++) out[o + i] = x <= b[bi + i]! ? 1 : 0;
  } else {
    for (let i = 0; i < n; i++) out[o + i] = a[ai + i]! <= b[bi + i]! ? 1 : 0;
  }
}

function gtF64(a: Float64Array, ai: number, as: number, b: Float64Array, bi: number, bs: number, out: Uint8Array, o: number, n: number): void {
  if (bs === 0) {
    const y = b[bi]!;
    for (let i = 0; i < n; i++) out[o + i] = a[ai + i]! > y ? 1 : 0;
  } else if (as === 0) {
    const x = a[ai]!;
    for (let i = 0; i < n; i++) out[o + i] = x > b[bi + i]! ? 1 : 0;
  } else {
    for (let i = 0; i < n; i++) out[o + i] = a[ai + i]! > b[bi + i]! ? 1 : 0;
  }
}

function geF64(a: Float64Array, ai: number, as: number, b: Float64Array, bi: number, bs: number, out: Uint8Array, o: number, n: number): void {
  if (bs === 0) {
    const y = b[bi]!;
    for (let i = 0; i < n; i++) out[o + i] = a[ai + i]! >= y ? 1 : 0;
  } else if (as === 0) {
    const x = a[ai]!;
    for (let i = 0; i < n; i++) out[o + i] = x >= b[bi + i]! ? 1 : 0;
  } else {
    for (let i = 0; i < n; i++) out[o + i] = a[ai + i]! >= b[bi + i]! ? 1 : 0;
  }
}

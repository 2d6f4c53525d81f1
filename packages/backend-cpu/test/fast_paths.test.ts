import type { BinaryOp, TypedArray, UnaryOp } from '@tessera/core';
import { describe, expect, it } from 'vitest';
import { fastBinaryLoop } from '../src/kernels/binary_fast.js';
import { binaryImpl } from '../src/kernels/binary.js';
import type { ArrayView } from '../src/kernels/strided.js';
import { fastUnaryLoop } from '../src/kernels/unary_fast.js';
import { unaryImpl } from '../src/kernels/unary.js';
import { rand } from './helpers.js';

const SPECIAL = [NaN, Infinity, -Infinity, 0, -0, 1, -1, 0.5, 3e38, -3e38, 1e-40, 88.8, -104];
const BINARY: BinaryOp[] = ['add', 'sub', 'mul', 'div', 'maximum', 'minimum', 'eq', 'ne', 'lt', 'le', 'gt', 'ge'];
const UNARY: UnaryOp[] = ['neg', 'abs', 'exp', 'log', 'sqrt', 'tanh', 'sigmoid', 'relu'];
const ARRAYS = { float32: Float32Array, float64: Float64Array } as const;
const isCompare = (op: BinaryOp): boolean => ['eq', 'ne', 'lt', 'le', 'gt', 'ge'].includes(op);

/** 64 values: specials, their pairs with each other, and random ones. */
function data(seed: number): number[] {
  const v = rand(64, seed).map((x) => x * 5);
  SPECIAL.forEach((s, i) => (v[(i * 5 + seed) % 64] = s));
  return v;
}

type Ctor = Float32ArrayConstructor | Float64ArrayConstructor;

/**
 * The same logical [4, 16] tensor in layouts the fast loops take (dense; rows padded apart) and in
 * one they do not (every other element, step 2), which runs the generic loops as the reference.
 */
function layouts(Ctor: Ctor, v: number[]): { dense: ArrayView; padded: ArrayView; generic: ArrayView } {
  const padded = new Ctor(4 * 17 + 3);
  const spread = new Ctor(2 * 64 + 1);
  for (let r = 0; r < 4; r++) {
    for (let c = 0; c < 16; c++) {
      padded[3 + r * 17 + c] = v[r * 16 + c]!;
      spread[1 + 2 * (r * 16 + c)] = v[r * 16 + c]!;
    }
  }
  return {
    dense: { values: Ctor.from(v), shape: [4, 16], strides: [16, 1], offset: 0 },
    padded: { values: padded, shape: [4, 16], strides: [17, 1], offset: 3 },
    generic: { values: spread, shape: [4, 16], strides: [32, 2], offset: 1 },
  };
}

/** A broadcast scalar, or a row [16] (or column [4]) broadcast over [4, 16], and a generic-loop twin of each. */
function broadcasts(Ctor: Ctor, s: number, v: number[]): [ArrayView, ArrayView][] {
  const row = Ctor.from(v.slice(0, 16));
  const rowSpread = new Ctor(32);
  row.forEach((x, i) => (rowSpread[2 * i] = x));
  const col = Ctor.from(v.slice(16, 20));
  return [
    [{ values: Ctor.of(0, s), shape: [4, 16], strides: [0, 0], offset: 1 }, { values: new Ctor(32).fill(s), shape: [4, 16], strides: [0, 2], offset: 0 }],
    [{ values: row, shape: [4, 16], strides: [0, 1], offset: 0 }, { values: rowSpread, shape: [4, 16], strides: [0, 2], offset: 0 }],
    [{ values: col, shape: [4, 16], strides: [1, 0], offset: 0 }, { values: col, shape: [4, 16], strides: [1, 0], offset: 0 }],
  ];
}

function same(got: TypedArray, want: TypedArray): void {
  expect(got.constructor).toBe(want.constructor);
  for (let i = 0; i < want.length; i++) if (!Object.is(got[i], want[i])) expect([i, got[i]]).toEqual([i, want[i]]);
}

describe('monomorphic elementwise fast paths', () => {
  it.each(Object.keys(ARRAYS) as (keyof typeof ARRAYS)[])('binary ops on %s agree bit for bit with the generic loops', (dtype) => {
    const Ctor = ARRAYS[dtype];
    const a = layouts(Ctor, data(1));
    const b = layouts(Ctor, data(2));
    for (const op of BINARY) {
      const Out = isCompare(op) ? Uint8Array : Ctor;
      expect(fastBinaryLoop(op, a.dense.values, b.dense.values, new Out(1)), op).toBeDefined();
      const check = (x: ArrayView, y: ArrayView, xRef: ArrayView, yRef: ArrayView): void => {
        const got = new Out(64);
        binaryImpl(op, x, y, got);
        const want = new Out(64);
        binaryImpl(op, xRef, yRef, want);
        same(got, want);
      };
      check(a.dense, b.dense, a.generic, b.generic);
      check(a.padded, b.dense, a.generic, b.generic);
      for (const s of SPECIAL) {
        for (const [bc, bcRef] of broadcasts(Ctor, s, data(3))) {
          check(a.dense, bc, a.generic, bcRef);
          check(bc, b.padded, bcRef, b.generic);
        }
      }
    }
  });

  it.each(Object.keys(ARRAYS) as (keyof typeof ARRAYS)[])('unary ops on %s agree bit for bit with the generic loops', (dtype) => {
    const Ctor = ARRAYS[dtype];
    const x = layouts(Ctor, data(3));
    for (const op of UNARY) {
      expect(fastUnaryLoop(op, x.dense.values, new Ctor(1)), op).toBeDefined();
      const want = new Ctor(64);
      unaryImpl(op, x.generic, want);
      for (const v of [x.dense, x.padded]) {
        const got = new Ctor(64);
        unaryImpl(op, v, got);
        same(got, want);
      }
    }
  });

  it('has no fast loop for other dtypes and ops, whose generic loops still run', () => {
    const f32 = new Float32Array(4);
    expect(fastBinaryLoop('add', new Int32Array(4), new Int32Array(4), new Int32Array(4))).toBeUndefined();
    expect(fastBinaryLoop('add', f32, f32, new Float64Array(4))).toBeUndefined();
    expect(fastBinaryLoop('add', f32, new Float64Array(4), f32)).toBeUndefined();
    expect(fastBinaryLoop('pow', f32, f32, f32)).toBeUndefined();
    expect(fastBinaryLoop('lt', f32, f32, f32)).toBeUndefined();
    expect(fastUnaryLoop('erf', f32, f32)).toBeUndefined();
    expect(fastUnaryLoop('exp', f32, new Float64Array(4))).toBeUndefined();
    // Both operands broadcast: not a fast case, still right.
    const out = new Float32Array(64);
    const s = (x: number): ArrayView => ({ values: Float32Array.of(x), shape: [4, 16], strides: [0, 0], offset: 0 });
    binaryImpl('add', s(1), s(2), out);
    expect(out.every((v) => v === 3)).toBe(true);
  });
});

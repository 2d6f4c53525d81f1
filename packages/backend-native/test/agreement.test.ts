/**
 * The native kernels against the reference CPU backend on random inputs: every primitive, every
 * dtype, dense, transposed, stepped and broadcast layouts. Integer and bool results must match
 * exactly (the CPU backend defines the semantics); float results within float32 tolerance.
 */
import { describe, it } from 'vitest';
import type { BinaryOp, DType, ReduceOp, TypedArray, UnaryOp } from '@tessera/core';
import { BINARY_OPS, REDUCE_OPS, UNARY_OPS } from '../src/backend.js';
import { cpu, dense, expectClose, freeTwin, native, numel, randomLayout, randomValues, rng, twin } from './helpers.js';

const DTYPES: DType[] = ['float32', 'float64', 'int32', 'uint8', 'bool'];
// Ops whose results on bool (0/1) inputs are bools again. For the others (log, div, ...) the CPU
// backend stores ToUint8 of the float result in a bool tensor, while native stores result != 0:
// core never asks for them (it casts to float first).
const BOOL_OPS = new Set([
  'abs', 'relu', 'floor', 'ceil', 'round', 'sign', 'logicalNot', 'isnan', 'isfinite',
  'add', 'mul', 'maximum', 'minimum', 'eq', 'ne', 'lt', 'le', 'gt', 'ge', 'logicalAnd', 'logicalOr',
]);
const PREDICATES = new Set(['logicalNot', 'isnan', 'isfinite', 'eq', 'ne', 'lt', 'le', 'gt', 'ge', 'logicalAnd', 'logicalOr']);

function randomShape(r: () => number, maxDims = 4, maxSize = 5): number[] {
  const nd = Math.floor(r() * (maxDims + 1));
  return Array.from({ length: nd }, () => 1 + Math.floor(r() * maxSize));
}

function read(b: typeof cpu | typeof native, data: object, dtype: DType, n: number): TypedArray {
  return b.readSync!(data, dtype, n);
}

/** Compares outputs of both backends (bool outputs by truthiness: the CPU backend may store 2 for true). */
function compare(cData: object, nData: object, dtype: DType, n: number, what: string, rtol = 1e-5): void {
  let c = Array.from(read(cpu, cData, dtype, n));
  let v = Array.from(read(native, nData, dtype, n));
  if (dtype === 'bool') {
    c = c.map((x) => (x !== 0 ? 1 : 0));
    v = v.map((x) => (x !== 0 ? 1 : 0));
  }
  const exact = dtype !== 'float32' && dtype !== 'float64';
  expectClose(v, c, what, exact ? 0 : dtype === 'float64' ? 1e-12 : rtol, exact ? 0 : dtype === 'float64' ? 1e-14 : 1e-6);
  cpu.free(cData);
  native.free(nData);
}

describe('agreement with the CPU backend', () => {
  it('unary: every op and dtype, any layout', () => {
    const r = rng(11);
    for (const op of UNARY_OPS as UnaryOp[]) {
      for (const dtype of DTYPES) {
        if (dtype === 'bool' && !BOOL_OPS.has(op)) continue;
        // exp of a large integer, truncated modulo 2^32 or 2^8, depends on its last bits, where
        // V8's and the C library's exp may differ (and core never asks for it: it casts to float).
        if ((op === 'exp' || op === 'expm1') && (dtype === 'int32' || dtype === 'uint8')) continue;
        for (let trial = 0; trial < 4; trial++) {
          const shape = randomShape(r);
          const layout = randomLayout(shape, r);
          const t = twin(dtype, shape, layout, randomValues(dtype, layout.size, r));
          const out: DType = PREDICATES.has(op) ? 'bool' : dtype;
          // float32 transcendental functions: libm's single-precision versions (about 1 ulp).
          compare(cpu.unary(op, t.c, out), native.unary(op, t.n, out), out, numel(shape), `${op} ${dtype} [${shape}]`, 2e-6);
          freeTwin(t);
        }
      }
    }
  });

  it('binary: every op and dtype, with broadcasting', () => {
    const r = rng(12);
    for (const op of BINARY_OPS as BinaryOp[]) {
      for (const dtype of DTYPES) {
        if (dtype === 'bool' && !BOOL_OPS.has(op)) continue;
        for (let trial = 0; trial < 4; trial++) {
          const shape = randomShape(r);
          const la = randomLayout(shape, r);
          const lb = randomLayout(shape, r);
          const a = twin(dtype, shape, la, randomValues(dtype, la.size, r));
          const b = twin(dtype, shape, lb, randomValues(dtype, lb.size, r));
          const out: DType = PREDICATES.has(op) ? 'bool' : dtype;
          compare(cpu.binary(op, a.c, b.c, out), native.binary(op, a.n, b.n, out), out, numel(shape), `${op} ${dtype} [${shape}]`);
          freeTwin(a);
          freeTwin(b);
        }
      }
    }
  });

  it('binary over large contiguous and broadcast operands (vectorised and threaded paths)', () => {
    const r = rng(13);
    for (const [sa, sb] of [
      [[300, 1000], [300, 1000]],
      [[300, 1000], [1, 1000]],
      [[1000, 300], [1000, 1]],
      [[200000], [1]],
    ] as [number[], number[]][]) {
      const shape = sa.map((d, i) => Math.max(d, sb[i]!));
      const bStrides = dense(sb).map((s, i) => (sb[i] === 1 ? 0 : s));
      for (const op of ['add', 'mul', 'maximum', 'div', 'lt'] as BinaryOp[]) {
        const a = twin('float32', shape, { size: numel(sa), strides: dense(sa), offset: 0 }, randomValues('float32', numel(sa), r));
        const b = twin('float32', shape, { size: numel(sb), strides: bStrides, offset: 0 }, randomValues('float32', numel(sb), r));
        const out: DType = op === 'lt' ? 'bool' : 'float32';
        compare(cpu.binary(op, a.c, b.c, out), native.binary(op, a.n, b.n, out), out, numel(shape), `${op} [${sa}] [${sb}]`);
        freeTwin(a);
        freeTwin(b);
      }
    }
  });

  it('where: any condition dtype', () => {
    const r = rng(14);
    for (const cd of DTYPES) {
      for (const dtype of DTYPES) {
        const shape = randomShape(r);
        const lc = randomLayout(shape, r);
        const la = randomLayout(shape, r);
        const lb = randomLayout(shape, r);
        const c = twin(cd, shape, lc, randomValues(cd, lc.size, r));
        const a = twin(dtype, shape, la, randomValues(dtype, la.size, r));
        const b = twin(dtype, shape, lb, randomValues(dtype, lb.size, r));
        compare(cpu.where(c.c, a.c, b.c, dtype), native.where(c.n, a.n, b.n, dtype), dtype, numel(shape), `where ${cd} ${dtype}`);
        [a, b, c].forEach(freeTwin);
      }
    }
  });

  it('cast: every pair of dtypes, with NaN, infinities and out-of-range values', () => {
    const r = rng(15);
    for (const from of DTYPES) {
      for (const to of DTYPES) {
        const shape = randomShape(r);
        const l = randomLayout(shape, r);
        const values = randomValues(from, l.size, r);
        if (from === 'float32' || from === 'float64') {
          for (let i = 0; i < values.length; i += 3) values[i] = [3e9, -3e9, 1e20, -1.5, 255.9, 256.5, -0.7, 2 ** 31][i % 8]!;
        }
        const t = twin(from, shape, l, values);
        compare(cpu.cast(t.c, to), native.cast(t.n, to), to, numel(shape), `cast ${from} -> ${to}`);
        freeTwin(t);
      }
    }
  });

  it('copy into strided destinations', () => {
    const r = rng(16);
    for (const dtype of DTYPES) {
      for (let trial = 0; trial < 6; trial++) {
        const shape = randomShape(r);
        const ls = randomLayout(shape, r);
        // destinations must not broadcast (stride 0 would write one element several times)
        const ld = randomLayout(shape, r);
        ld.strides = ld.strides.map((s, i) => (s === 0 && shape[i]! > 1 ? 0 : s));
        if (ld.strides.some((s, i) => s === 0 && shape[i]! > 1)) Object.assign(ld, { size: numel(shape) + 1, strides: dense(shape), offset: 1 });
        const src = twin(dtype, shape, ls, randomValues(dtype, ls.size, r));
        const dst = twin(dtype, shape, ld, randomValues(dtype, ld.size, r));
        cpu.copy(src.c, dst.c);
        native.copy(src.n, dst.n);
        const c = Array.from(read(cpu, dst.c.data, dtype, ld.size));
        const v = Array.from(read(native, dst.n.data, dtype, ld.size));
        expectClose(v, c, `copy ${dtype} [${shape}]`, 0, 0);
        freeTwin(src);
        freeTwin(dst);
      }
    }
  });

  it('reduce: every op, dtype and set of axes, any layout', () => {
    const r = rng(17);
    for (const op of REDUCE_OPS as ReduceOp[]) {
      for (const dtype of DTYPES) {
        for (let trial = 0; trial < 6; trial++) {
          const shape = randomShape(r, 4, 6);
          const axes = shape.map((_, i) => i).filter(() => r() < 0.5);
          const l = randomLayout(shape, r);
          const values = randomValues(dtype, l.size, r, op !== 'prod');
          const t = twin(dtype, shape, l, values);
          const outDtype: DType = dtype === 'bool' && op === 'sum' ? 'int32' : dtype;
          const size = numel(shape.filter((_, i) => !axes.includes(i)));
          compare(cpu.reduce(op, t.c, axes, outDtype), native.reduce(op, t.n, axes, outDtype), outDtype, size, `${op} ${dtype} [${shape}] axes [${axes}]`, 1e-5);
          freeTwin(t);
        }
      }
    }
  });

  it('reduce: large inputs (threaded), rows and columns', () => {
    const r = rng(18);
    for (const [shape, axes] of [
      [[1 << 18], [0]],
      [[512, 700], [1]],
      [[700, 512], [0]],
      [[64, 64, 64], [0, 2]],
    ] as [number[], number[]][]) {
      for (const op of ['sum', 'max'] as ReduceOp[]) {
        const n = numel(shape);
        const t = twin('float32', shape, { size: n, strides: dense(shape), offset: 0 }, randomValues('float32', n, r, false));
        const size = numel(shape.filter((_, i) => !axes.includes(i)));
        compare(cpu.reduce(op, t.c, axes, 'float32'), native.reduce(op, t.n, axes, 'float32'), 'float32', size, `${op} [${shape}]`, 1e-5);
        freeTwin(t);
      }
    }
  });

  it('matmul: float32, float64 and int32; transposes, offsets, batch broadcasting, edge sizes', () => {
    const r = rng(19);
    const cases: [number, number, number, number, number][] = [
      // [batchA, batchB, M, K, N]
      [1, 1, 1, 1, 1],
      [1, 1, 1, 7, 5],
      [1, 1, 9, 7, 1],
      [1, 1, 6, 16, 16],
      [1, 1, 13, 0, 4],
      [1, 1, 37, 41, 43],
      [3, 3, 20, 11, 18],
      [4, 1, 17, 9, 33],
      [1, 5, 8, 12, 19],
      [1, 1, 130, 300, 70],
      [1, 1, 257, 129, 300],
      [2, 2, 150, 260, 100],
    ];
    for (const dtype of ['float32', 'float64', 'int32'] as DType[]) {
      for (const [ba, bb, M, K, N] of cases) {
        for (const transA of [false, true]) {
          for (const transB of [false, true]) {
            const off = Math.floor(r() * 3);
            const aStrides = transA ? [M * K, 1, M] : [M * K, K, 1];
            const bStrides = transB ? [K * N, 1, K] : [K * N, N, 1];
            if (ba === 1) aStrides[0] = 0;
            if (bb === 1) bStrides[0] = 0;
            const sa = ba * M * K + off + 1;
            const sb = bb * K * N + off + 1;
            const A = twin(dtype, [ba, M, K], { size: sa, strides: aStrides, offset: off }, randomValues(dtype, sa, r, false));
            const B = twin(dtype, [bb, K, N], { size: sb, strides: bStrides, offset: off }, randomValues(dtype, sb, r, false));
            const n = Math.max(ba, bb) * M * N;
            const rtol = dtype === 'float32' ? 1e-4 : 1e-10;
            const c = Array.from(read(cpu, cpu.matmul(A.c, B.c, dtype), dtype, n));
            const v = Array.from(read(native, native.matmul(A.n, B.n, dtype), dtype, n));
            expectClose(v, c, `matmul ${dtype} ${[ba, bb, M, K, N]} ${transA} ${transB}`, dtype === 'int32' ? 0 : rtol, dtype === 'int32' ? 0 : rtol * K);
            freeTwin(A);
            freeTwin(B);
          }
        }
      }
    }
  });

  it('gather and scatterAdd, and their out-of-range errors', () => {
    const r = rng(20);
    for (const dtype of DTYPES) {
      for (let trial = 0; trial < 8; trial++) {
        const shape = randomShape(r, 3, 5).map((d) => d + 1);
        const nd = shape.length;
        const dim = nd === 0 ? 0 : Math.floor(r() * nd);
        const idxShape = shape.map((d, i) => (i === dim ? 1 + Math.floor(r() * 6) : 1 + Math.floor(r() * d)));
        const size = nd === 0 ? 1 : shape[dim]!;
        const idxVals = new Int32Array(numel(idxShape)).map(() => Math.floor(r() * size));
        const lx = randomLayout(shape, r);
        const x = twin(dtype, shape, lx, randomValues(dtype, lx.size, r));
        const idx = twin('int32', idxShape, { size: idxVals.length, strides: dense(idxShape), offset: 0 }, idxVals);
        compare(cpu.gather(x.c, dim, idx.c), native.gather(x.n, dim, idx.n), dtype, idxVals.length, `gather ${dtype} [${shape}] dim ${dim}`);
        if (dtype !== 'bool') {
          const base = randomValues(dtype, numel(shape), r, false);
          const tc = cpu.upload(base, dtype);
          const tn = native.upload(base, dtype);
          const src = twin(dtype, idxShape, { size: idxVals.length, strides: dense(idxShape), offset: 0 }, randomValues(dtype, idxVals.length, r, false));
          cpu.scatterAdd(tc, shape, dim, idx.c, src.c);
          native.scatterAdd(tn, shape, dim, idx.n, src.n);
          compare(tc, tn, dtype, numel(shape), `scatterAdd ${dtype} [${shape}] dim ${dim}`);
          freeTwin(src);
        }
        freeTwin(x);
        freeTwin(idx);
      }
    }
    const x = twin('float32', [3], { size: 3, strides: [1], offset: 0 }, new Float32Array([1, 2, 3]));
    const bad = twin('int32', [2], { size: 2, strides: [1], offset: 0 }, new Int32Array([0, 5]));
    let cpuError = '';
    try {
      cpu.gather(x.c, 0, bad.c);
    } catch (e) {
      cpuError = (e as Error).message;
    }
    let nativeError = '';
    try {
      native.gather(x.n, 0, bad.n);
    } catch (e) {
      nativeError = (e as Error).message;
    }
    if (nativeError !== cpuError || !cpuError) throw new Error(`gather errors differ: '${nativeError}' vs '${cpuError}'`);
    freeTwin(x);
    freeTwin(bad);
  });
});


/**
 * Every entry point of the addon with random and hostile arguments: bad handles (freed, foreign,
 * fractional, huge), bad dtypes, shapes, strides and offsets (negative, fractional, NaN, huge,
 * reaching outside the buffer), wrong ranks, and garbage in the meta buffer. Each call must either
 * succeed or throw a JavaScript error; a crash would take the test process down. Afterwards no
 * buffer may be left behind.
 */
import { describe, expect, it } from 'vitest';
import type { DType, View } from '@tessera/core';
import * as core from '@tessera/core';
import * as nat from '@tessera/backend-native';
import { BINARY_OPS, NativeData, REDUCE_OPS, UNARY_OPS } from '../src/backend.js';
import { cpu, native, rng } from './helpers.js';

const DTYPES: unknown[] = ['float32', 'float64', 'int32', 'uint8', 'bool', 'float16', '', undefined, 3, null];
const SIZES = [0, 1, 2, 3, 5, 1, 2, 3, 4, -1, 1.5, NaN, Infinity, 2 ** 53, 2 ** 60, -(2 ** 53)];
const STRIDES = [0, 1, 2, 3, 1, 1, 5, -1, -2, 1.5, NaN, Infinity, 2 ** 53, -(2 ** 53), 2 ** 60, 1e300];
const OFFSETS = [0, 0, 1, 2, 5, 19, -1, 0.5, NaN, 2 ** 53, 2 ** 60, -Infinity];

type R = () => number;
const pick = <T>(r: R, xs: readonly T[]): T => xs[Math.floor(r() * xs.length)]!;

describe('fuzz: hostile arguments throw, never crash', () => {
  const r = rng(4242);
  const before = native.memory();
  const live: { data: NativeData; dtype: DType; size: number }[] = [];
  const freed: NativeData[] = [];

  function handle(): unknown {
    const u = r();
    if (u < 0.75 && live.length > 0) return pick(r, live).data;
    if (u < 0.82 && freed.length > 0) return pick(r, freed);
    return pick(r, [
      {},
      null,
      undefined,
      { id: -1 },
      { id: 1.5 },
      { id: 2 ** 60 },
      { id: NaN },
      { id: 'x' },
      { values: new Float32Array(4) },
      new NativeData(123456789),
      cpu.upload(new Float32Array(3), 'float32'),
    ]);
  }

  function view(): View {
    const u = r();
    const h = handle();
    const entry = live.find((e) => e.data === h);
    const nd = u < 0.03 ? pick(r, [33, 40, -1]) : Math.floor(r() * 5);
    const dtype = entry && r() < 0.8 ? entry.dtype : (pick(r, DTYPES) as DType);
    const shape = Array.from({ length: Math.max(0, nd) }, () => (r() < 0.85 ? pick(r, [0, 1, 2, 3, 1, 2]) : pick(r, SIZES)));
    const strides = shape.map(() => (r() < 0.8 ? pick(r, [0, 1, 2, 3, 1, 4]) : pick(r, STRIDES)));
    if (r() < 0.1) strides.pop();
    return { data: h as object, dtype, shape, strides, offset: r() < 0.85 ? pick(r, [0, 0, 1, 2]) : pick(r, OFFSETS) };
  }

  function refill(): void {
    while (live.length < 24) {
      const dtype = pick(r, ['float32', 'float64', 'int32', 'uint8', 'bool'] as DType[]);
      const size = Math.floor(r() * 40);
      const data = native.upload(new Float64Array(size).map(() => Math.floor((r() - 0.5) * 6)), dtype) as NativeData;
      live.push({ data, dtype, size });
    }
  }

  function keep(out: unknown, dtype: DType): void {
    if (out instanceof NativeData) {
      if (r() < 0.5) live.push({ data: out, dtype, size: 0 });
      else {
        native.free(out);
        freed.push(out);
      }
    }
  }

  function attempt(fn: () => unknown): 'ok' | 'threw' {
    try {
      fn();
      return 'ok';
    } catch (e) {
      expect(e).toBeInstanceOf(Error);
      return 'threw';
    }
  }

  it('backend methods', () => {
    let ok = 0;
    let threw = 0;
    for (let i = 0; i < 6000; i++) {
      refill();
      const which = Math.floor(r() * 13);
      const outDtype = pick(r, DTYPES) as DType;
      const res = attempt(() => {
        switch (which) {
          case 0:
            return keep(native.unary(pick(r, [...UNARY_OPS, 'nope' as never]), view(), outDtype), outDtype);
          case 1:
            return keep(native.binary(pick(r, [...BINARY_OPS, 'nope' as never]), view(), view(), outDtype), outDtype);
          case 2:
            return keep(native.where(view(), view(), view(), outDtype), outDtype);
          case 3:
            return keep(native.cast(view(), outDtype), outDtype);
          case 4: {
            const axes = Array.from({ length: Math.floor(r() * 4) }, () => pick(r, [0, 1, 2, 3, -1, 1.5, NaN, 40]));
            return keep(native.reduce(pick(r, [...REDUCE_OPS, 'mean' as never]), view(), axes, outDtype), outDtype);
          }
          case 5:
            return native.copy(view(), view());
          case 6:
            return keep(native.matmul(view(), view(), outDtype), outDtype);
          case 7: {
            const x = view();
            return keep(native.gather(x, pick(r, [0, 1, 2, -1, 1.5, NaN, 99]), view()), x.dtype);
          }
          case 8: {
            const shape = Array.from({ length: Math.floor(r() * 4) }, () => pick(r, SIZES));
            return native.scatterAdd(handle() as object, shape, pick(r, [0, 1, 2, -1, NaN]), view(), view());
          }
          case 9: {
            const size = pick(r, [0, 1, 7, -1, NaN, 1.5, 2 ** 53, 2 ** 60, Infinity]);
            return keep(native.allocate(outDtype, size), outDtype);
          }
          case 10: {
            const values = pick(r, [new Float32Array(3), new Int32Array(2), new Uint8Array(5), new Float64Array(1), new Int16Array(2), [1, 2], 'abc', null]);
            return keep(native.upload(values as Float32Array, outDtype), outDtype);
          }
          case 11:
            return native.readSync(handle() as object, outDtype, pick(r, [0, 1, 3, 100, -1, NaN, 1.5, 2 ** 60]));
          default: {
            const h = handle();
            native.free(h as object);
            const k = live.findIndex((e) => e.data === h);
            if (k >= 0) freed.push(live.splice(k, 1)[0]!.data);
            return undefined;
          }
        }
      });
      if (res === 'ok') ok++;
      else threw++;
    }
    // Both outcomes must actually occur, or the fuzzer is not exercising anything.
    expect(ok).toBeGreaterThan(300);
    expect(threw).toBeGreaterThan(300);
  });

  it('raw addon calls with garbage in the meta buffer', () => {
    const addon = native.addon;
    const m = native.meta;
    const values = [...SIZES, ...STRIDES, ...OFFSETS, 0, 1, 2, 4, 5, -100];
    for (let i = 0; i < 6000; i++) {
      refill();
      // Mostly well-formed views with random fields, then random numbers.
      let p = 0;
      for (let v = 0; v < 4; v++) {
        const h = pick(r, live).data.id;
        const nd = Math.floor(r() * 5);
        m[p++] = r() < 0.9 ? h : pick(r, values);
        m[p++] = r() < 0.9 ? Math.floor(r() * 5) : pick(r, values);
        m[p++] = r() < 0.95 ? nd : pick(r, values);
        m[p++] = r() < 0.9 ? Math.floor(r() * 3) : pick(r, values);
        for (let d = 0; d < 2 * nd; d++) m[p++] = r() < 0.85 ? Math.floor(r() * 4) : pick(r, values);
        if (r() < 0.3) m[p++] = r() < 0.5 ? 1 : 0; // optional-operand flags
      }
      for (let k = 0; k < 40; k++) m[p++] = r() < 0.7 ? Math.floor(r() * 4) : pick(r, values);
      const a = pick(r, values);
      const b = pick(r, values);
      attempt(() => {
        let out: unknown;
        switch (Math.floor(r() * 12)) {
          case 0:
            out = addon.unary(Math.floor(r() * 25) - 1, Math.floor(r() * 6));
            break;
          case 1:
            out = addon.binary(Math.floor(r() * 19) - 1, Math.floor(r() * 6));
            break;
          case 2:
            out = addon.where(Math.floor(r() * 6));
            break;
          case 3:
            out = addon.cast(a);
            break;
          case 4:
            addon.copy();
            break;
          case 5:
            out = addon.reduce(Math.floor(r() * 5), Math.floor(r() * 6));
            break;
          case 6:
            out = addon.matmul(Math.floor(r() * 4));
            break;
          case 7:
            out = addon.gather(a);
            break;
          case 8:
            addon.scatterAdd(pick(r, live).data.id, b);
            break;
          case 9:
            out = addon.read(pick(r, live).data.id, a, b);
            break;
          default:
            out = addon.fused(r() < 0.95 ? Math.floor(r() * 15) : a);
        }
        for (const id of Array.isArray(out) ? out : [out]) if (typeof id === 'number') addon.free(id);
      });
    }
  });

  it('fused kernels through the package API with random shapes and options', () => {
    const made: core.Tensor[] = [];
    const t = (shape: number[], dtype: DType = 'float32') => {
      const x = core.tidy(() => core.randn(shape, { device: 'native' }).cast(dtype));
      made.push(x);
      return x;
    };
    const small = () => Array.from({ length: Math.floor(r() * 5) }, () => Math.floor(r() * 4));
    const opt = () => pick(r, [0, 1, 2, 3, -1, 1.5, NaN, [1, 2], [0, 0], [2, 1, 1], 'x', undefined, 2 ** 40]);
    for (let i = 0; i < 1500; i++) {
      const x = t(small(), pick(r, ['float32', 'float64', 'int32'] as DType[]));
      const w = t(small());
      const bias = r() < 0.5 ? t(small()) : null;
      const calls: (() => unknown)[] = [
        () => nat.softmax(x, Math.floor(r() * 5) - 2, r() < 0.5),
        () => nat.softmaxBackward(x, w, Math.floor(r() * 4), r() < 0.5),
        () => nat.crossEntropy(x, t(small(), 'int32'), { reduction: pick(r, ['mean', 'sum', 'none', 'x'] as never[]), ignoreIndex: opt() as number }),
        () => nat.biasActivation(x, bias, pick(r, ['none', 'relu', 'gelu', 'geluTanh', 'sigmoid', 'tanh', 'silu', 'nope'] as never[])),
        () => nat.activationBackward(x, w, pick(r, ['relu', 'gelu', 'tanh', 'x'] as never[])),
        () => nat.linear(x, w, bias, 'relu'),
        () => nat.conv2d(x, w, bias, { stride: opt() as number, padding: opt() as number, dilation: opt() as number, groups: opt() as number }),
        () => nat.conv2dBackwardInput(x, w, small(), { stride: opt() as number, padding: opt() as number }),
        () => nat.conv2dBackwardWeight(x, w, small(), { stride: opt() as number, bias: r() < 0.5 }),
        () => nat.maxPool2d(x, { kernelSize: opt() as number, stride: opt() as number, padding: opt() as number, ceilMode: r() < 0.5 }),
        () => nat.maxPool2dBackward(x, t(small(), 'int32'), small()),
        () => nat.avgPool2d(x, { kernelSize: opt() as number, padding: opt() as number, countIncludePad: r() < 0.5, divisorOverride: opt() as number }),
        () => nat.avgPool2dBackward(x, small(), { kernelSize: opt() as number }),
        () => nat.adamStep(x, w, t(small()), t(small()), { lr: 0.1, step: opt() as number }),
        () => nat.sgdStep(x, w, r() < 0.5 ? t(small()) : null, { lr: 0.1, momentum: opt() as number }),
      ];
      attempt(() => {
        const out = pick(r, calls)();
        core.dispose(out as core.TensorContainer);
      });
      core.dispose(made.splice(0));
    }
  });

  it('leaves no buffer behind', () => {
    for (const e of live.splice(0)) native.free(e.data);
    expect(native.memory()).toEqual(before);
  });
});

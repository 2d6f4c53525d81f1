/** Reading values back (data/array/item, sync variants, printing), dtype conversion and devices. */
import { expect } from 'vitest';
import {
  arange,
  getDefaultDevice,
  linspace,
  listDevices,
  tensor,
  zeros,
  type DType,
  type Tensor,
} from '@tessera/core';
import { PRINTS } from '../fixtures/torch.js';
import { cases, expectTensor } from '../helpers.js';
import type { SuiteContext } from '../run.js';

/** The tensors whose PyTorch `repr()` is in `PRINTS`, built the same way. */
function printed(name: string): Tensor {
  const f32 = (v: number[]): Tensor => tensor(v);
  switch (name) {
    case 'matrix': return tensor([[1, 2], [3, 4]]);
    case 'negatives': return f32([1, -10, 0]);
    case 'fractions': return f32([0.5, 0.25, -1.125]);
    case 'sci': return f32([1e-5, 1, 100]);
    case 'special': return f32([Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY, 1]);
    case 'int32': return tensor([1, 20, -3], { dtype: 'int32' });
    case 'uint8': return tensor([1, 2, 255], { dtype: 'uint8' });
    case 'bool': return tensor([true, false, true]);
    case 'boolAllTrue': return tensor([[true, true]]);
    case 'scalarFloat': return tensor(3.5);
    case 'scalarWhole': return tensor(-2);
    case 'scalarInt': return tensor(7, { dtype: 'int32' });
    case 'scalarBool': return tensor(false);
    case 'empty': return zeros([0]);
    case 'empty2d': return zeros([0, 3]);
    case 'emptyInt': return zeros([2, 0], { dtype: 'int32' });
    case 'cube': return arange(24, { dtype: 'float32' }).reshape(2, 3, 4);
    case 'wrapped': return linspace(0, 1, 20);
    case 'longInt': return arange(2000);
    case 'longFloat': return arange(2000, { dtype: 'float32' });
    case 'bigMatrix': return arange(10000).remainder(7).float().reshape(100, 100);
    case 'bigMatrixSci': return arange(10000, { dtype: 'float32' }).reshape(100, 100);
    case 'float64': return tensor([1.5, 2], { dtype: 'float64' });
    default: throw new Error(`no tensor for print case ${name}`);
  }
}

/**
 * `print` (PyTorch's printout of a CPU tensor) as PyTorch prints it on another device: with
 * `device='...'` right after the values, before any size and dtype.
 */
function onDevice(print: string, device: string): string {
  if (device === 'cpu') return print;
  return print.replace(/((?:, (?:size|dtype)=[^\n]*)?)\)$/, `, device='${device}'$1)`);
}

export function readingSuite(ctx: SuiteContext): void {
  const it = cases(ctx, 'reading');

  it('data() returns the typed array of the dtype, in row-major order', async () => {
    const cases_: [DType, typeof Float32Array | typeof Int32Array | typeof Uint8Array][] = [
      ['float32', Float32Array],
      ['int32', Int32Array],
      ['uint8', Uint8Array],
      ['bool', Uint8Array],
    ];
    for (const [dtype, ctor] of cases_) {
      const d = await tensor([[1, 0], [1, 1]], { dtype }).data();
      expect(d).toBeInstanceOf(ctor);
      expect(Array.from(d)).toEqual([1, 0, 1, 1]);
    }
    const t = arange(6, { dtype: 'float32' }).reshape(2, 3).t();
    expect(Array.from(await t.data())).toEqual([0, 3, 1, 4, 2, 5]);
    expect(Array.from(await arange(10).slice(0, 2, 9, 3).data())).toEqual([2, 5, 8]);
    expect(Array.from(await tensor([[7], [8]]).expand(2, 2).data())).toEqual([7, 7, 8, 8]);
    expect(Array.from(await zeros([0, 2]).data())).toEqual([]);
  });

  it('data() of float64 is a Float64Array with full precision', async () => {
    const d = await tensor([0.1, 1 / 3], { dtype: 'float64' }).data();
    expect(d).toBeInstanceOf(Float64Array);
    expect(Array.from(d)).toEqual([0.1, 1 / 3]);
  }, { skip: !ctx.float64 });

  it('data() returns a copy the caller may modify', async () => {
    const t = tensor([1, 2]);
    const d = await t.data();
    d[0] = 100;
    await expectTensor(t, [1, 2]);
  });

  it('array() gives nested arrays, booleans for bool, a bare value for 0-d', async () => {
    expect(await tensor([[1, 2], [3, 4]]).array()).toEqual([[1, 2], [3, 4]]);
    expect(await tensor([true, false]).array()).toEqual([true, false]);
    expect(await tensor(2.5).array()).toBe(2.5);
    expect(await tensor(true).array()).toBe(true);
    expect(await zeros([2, 0]).array()).toEqual([[], []]);
    expect(await arange(6).reshape(3, 2).t().array()).toEqual([[0, 2, 4], [1, 3, 5]]);
  });

  it('item() of one-element tensors', async () => {
    expect(await tensor(2.5).item()).toBe(2.5);
    expect(await tensor([[7]], { dtype: 'int32' }).item()).toBe(7);
    expect(await tensor([false]).item()).toBe(false);
    expect(await tensor([1, 2, 3]).select(0, 2).item()).toBe(3);
    await expect(Promise.resolve().then(() => tensor([1, 2, 3]).item())).rejects.toThrow('item: a Tensor with 3 elements cannot be converted to a scalar');
  });

  it('dataSync, arraySync and itemSync', () => {
    const t = tensor([[1, 2], [3, 4]]).t();
    expect(Array.from(t.dataSync())).toEqual([1, 3, 2, 4]);
    expect(t.arraySync()).toEqual([[1, 3], [2, 4]]);
    expect(tensor([true]).itemSync()).toBe(true);
    expect(() => t.itemSync()).toThrow(/item: a Tensor with 4 elements cannot be converted to a scalar/);
  }, { skip: !ctx.syncRead });

  it('dataSync throws on a device without synchronous reads', () => {
    expect(() => tensor([1]).dataSync()).toThrow(/dataSync: device '.*' cannot read synchronously; use 'await t.data\(\)'/);
  }, { skip: ctx.syncRead });

  for (const name of Object.keys(PRINTS)) {
    it(`toString prints like PyTorch: ${name}`, () => {
      expect(printed(name).toString()).toBe(onDevice(PRINTS[name]!, ctx.device));
    }, { skip: !ctx.syncRead || (name === 'float64' && !ctx.float64) });
  }

  it('toString of non-contiguous views and disposed tensors', () => {
    expect(tensor([[1, 2], [3, 4]]).t().toString()).toBe(onDevice('tensor([[1., 3.],\n        [2., 4.]])', ctx.device));
    expect(arange(10).slice(0, 1, null, 4).toString()).toBe(onDevice('tensor([1, 5, 9], dtype=int32)', ctx.device));
    const d = tensor([1, 2]);
    d.dispose();
    expect(d.toString()).toBe('tensor(<disposed>, shape=[2])');
  }, { skip: !ctx.syncRead });

  it('to(dtype), cast and the float/int/bool shorthands', async () => {
    const f = tensor([-1.7, -0.5, 0, 0.5, 2.9]);
    await expectTensor(f.to('int32'), [-1, 0, 0, 0, 2], { dtype: 'int32' });
    await expectTensor(f.int(), [-1, 0, 0, 0, 2], { dtype: 'int32' });
    await expectTensor(f.bool(), [true, true, false, true, true], { dtype: 'bool' });
    await expectTensor(f.cast('bool'), [true, true, false, true, true], { dtype: 'bool' });
    await expectTensor(tensor([Number.NaN]).bool(), [true]);
    await expectTensor(tensor([3, -4], { dtype: 'int32' }).float(), [3, -4], { dtype: 'float32' });
    await expectTensor(tensor([true, false]).float(), [1, 0], { dtype: 'float32' });
    await expectTensor(tensor([true, false]).to('int32'), [1, 0], { dtype: 'int32' });
    await expectTensor(tensor([0, 7], { dtype: 'int32' }).bool(), [false, true]);
    await expectTensor(tensor([300, 255, 256], { dtype: 'int32' }).to('uint8'), [44, 255, 0], { dtype: 'uint8' });
    await expectTensor(tensor([200], { dtype: 'uint8' }).int(), [200], { dtype: 'int32' });
    await expectTensor(tensor([16777217], { dtype: 'int32' }).float(), [16777216], { dtype: 'float32' });
    const same = f.to('float32');
    expect(same.dtype).toBe('float32');
    await expectTensor(same, [-1.7, -0.5, 0, 0.5, 2.9]);
    await expectTensor(arange(6, { dtype: 'float32' }).reshape(2, 3).t().int(), [[0, 3], [1, 4], [2, 5]], { dtype: 'int32' });
    await expectTensor(zeros([0]).int(), [], { dtype: 'int32', shape: [0] });
    expect(() => f.cast('int8' as DType)).toThrow(/cast: unknown dtype "int8"/);
  });

  it('double() and float64 round trips', async () => {
    const d = tensor([0.1, 16777217], { dtype: 'float64' });
    expect(Array.from(await d.data())).toEqual([0.1, 16777217]);
    await expectTensor(d.float(), [Math.fround(0.1), 16777216], { dtype: 'float32', atol: 0, rtol: 0 });
    await expectTensor(tensor([0.5]).double(), [0.5], { dtype: 'float64' });
    await expectTensor(tensor([-2.5], { dtype: 'float64' }).int(), [-2], { dtype: 'int32' });
  }, { skip: !ctx.float64 });

  it(`tensors and results live on the device under test`, async () => {
    expect(getDefaultDevice()).toBe(ctx.device);
    expect(listDevices()).toContain(ctx.device);
    const a = tensor([1, 2]);
    expect(a.device).toBe(ctx.device);
    for (const r of [a.add(1), a.sum(), a.reshape(2, 1), a.matmul(a), a.int(), a.gt(1), a.sort().indices]) expect(r.device).toBe(ctx.device);
    const moved = a.to(ctx.device);
    expect(moved.device).toBe(ctx.device);
    await expectTensor(moved, [1, 2]);
    expect(zeros([2], { device: ctx.device }).device).toBe(ctx.device);
    expect(() => tensor([1], { device: 'no-such-device' })).toThrow(/unknown device 'no-such-device' \(registered devices: .*\)/);
  });
}

/**
 * Memory: tidy, keep, dispose and memory() accounting, and that no op leaks intermediates.
 * Every measurement runs synchronously between the two readings, so no garbage-collection
 * callback (the FinalizationRegistry safety net) can change the counts in between.
 */
import { expect } from 'vitest';
import {
  arange,
  argsort,
  cat,
  clamp,
  cumsum,
  dispose,
  embedding,
  gelu,
  indexSelect,
  keep,
  logSoftmax,
  logsumexp,
  matmul,
  memory,
  oneHot,
  pad,
  softmax,
  softplus,
  stack,
  tensor,
  tidy,
  topk,
  zeros,
  type Tensor,
  type TensorContainer,
} from '@tessera/core';
import { cases, expectTensor, liveOn } from '../helpers.js';
import type { SuiteContext } from '../run.js';

export function memorySuite(ctx: SuiteContext): void {
  const it = cases(ctx, 'memory');
  const live = (): { tensors: number; bytes: number } => liveOn(ctx.device);
  const buffers = (): number => memory().devices[ctx.device]?.buffers ?? 0;

  it('memory() counts tensors and bytes per dtype', () => {
    const base = live();
    const ts = [
      zeros([2, 3]),
      zeros([5], { dtype: 'int32' }),
      zeros([7], { dtype: 'uint8' }),
      zeros([3], { dtype: 'bool' }),
      ...(ctx.float64 ? [zeros([2], { dtype: 'float64' })] : []),
    ];
    const now = live();
    expect(now.tensors - base.tensors).toBe(ts.length);
    expect(now.bytes - base.bytes).toBe(24 + 20 + 7 + 3 + (ctx.float64 ? 16 : 0));
    dispose(ts);
    expect(live()).toEqual(base);
  });

  it('memory() totals are the sum over devices', () => {
    const m = memory();
    const devices = Object.values(m.devices);
    expect(m.numTensors).toBe(devices.reduce((a, d) => a + d.tensors, 0));
    expect(m.numBytes).toBe(devices.reduce((a, d) => a + d.bytes, 0));
    expect(Object.keys(m.devices)).toContain(ctx.device);
  });

  it('views count as tensors but not bytes; memory goes with the last view', () => {
    const base = live();
    const baseBuffers = buffers();
    const x = zeros([4, 4]);
    const t = x.t();
    const v = t.slice(0, 1);
    expect(live()).toEqual({ tensors: base.tensors + 3, bytes: base.bytes + 64 });
    x.dispose();
    t.dispose();
    expect(live()).toEqual({ tensors: base.tensors + 1, bytes: base.bytes + 64 });
    expect(buffers()).toBe(baseBuffers + 1);
    v.dispose();
    expect(live()).toEqual(base);
    expect(buffers()).toBe(baseBuffers);
  });

  it('dispose is idempotent and disposed tensors refuse use', async () => {
    const base = live();
    const x = tensor([1, 2, 3]);
    x.dispose();
    x.dispose();
    expect(x.isDisposed).toBe(true);
    expect(live()).toEqual(base);
    expect(() => x.add(1)).toThrow(/Tensor #\d+ \(shape \[3\]\) has been disposed/);
    expect(() => x.reshape(3, 1)).toThrow(/has been disposed/);
    expect(() => x.sum()).toThrow(/has been disposed/);
    await expect(x.data()).rejects.toThrow(/has been disposed/);
  });

  it('dispose() frees tensors in nested containers', () => {
    const base = live();
    const a = zeros([2]);
    const b = zeros([3]);
    const c = zeros([4]);
    dispose({ list: [a, { b }], c, n: 3, s: 'x', z: null } as unknown as TensorContainer);
    expect(live()).toEqual(base);
    expect([a, b, c].every((t) => t.isDisposed)).toBe(true);
  });

  it('tidy frees every intermediate and keeps the result', async () => {
    const x = tensor([1, 2, 3]);
    const base = live();
    const y = tidy(() => x.mul(2).add(1).exp().log());
    expect(live()).toEqual({ tensors: base.tensors + 1, bytes: base.bytes + 12 });
    expect(x.isDisposed).toBe(false);
    await expectTensor(y, [3, 5, 7]);
  });

  it('tidy keeps tensors returned in arrays and objects', () => {
    const base = live();
    const out = tidy(() => {
      const a = arange(4, { dtype: 'float32' });
      const b = a.mul(2);
      return { sum: b.sum(), parts: [a.add(1), a.sub(1)], n: 3 };
    });
    expect(out.n).toBe(3);
    expect(live().tensors - base.tensors).toBe(3);
    expect(live().bytes - base.bytes).toBe(4 + 16 + 16);
    dispose(out as unknown as TensorContainer);
    expect(live()).toEqual(base);
  });

  it('keep saves a tensor from tidy', async () => {
    const base = live();
    let kept: Tensor | null = null;
    tidy(() => {
      kept = keep(tensor([1, 2]).mul(3));
      tensor([5]);
    });
    expect(live().tensors - base.tensors).toBe(1);
    await expectTensor(kept!, [3, 6]);
    kept!.dispose();
    expect(live()).toEqual(base);
  });

  it('nested tidy: the inner result belongs to the outer scope', () => {
    const base = live();
    let inner: Tensor | null = null;
    const outer = tidy(() => {
      inner = tidy(() => zeros([2]).add(1));
      expect(inner.isDisposed).toBe(false);
      const unused = tidy(() => zeros([2]).add(2));
      return unused.add(inner).sum();
    });
    expect(inner!.isDisposed).toBe(true);
    expect(live().tensors - base.tensors).toBe(1);
    outer.dispose();
    expect(live()).toEqual(base);
  });

  it('tidy frees intermediates when the function throws', () => {
    const base = live();
    expect(() =>
      tidy(() => {
        zeros([10]).add(1);
        throw new Error('boom');
      }),
    ).toThrow('boom');
    expect(live()).toEqual(base);
  });

  it('tidy rejects async functions', () => {
    expect(() => tidy((async () => zeros([1])) as unknown as () => Tensor)).toThrow(/tidy: the function must be synchronous/);
  });

  it('a long training-like loop in tidy returns to the baseline', () => {
    const base = live();
    const baseBuffers = buffers();
    let w = tidy(() => zeros([8, 8]).add(0.5));
    const x = tidy(() => arange(16, { dtype: 'float32' }).reshape(2, 8).div(16));
    for (let step = 0; step < 300; step++) {
      const next = tidy(() => {
        const h = x.matmul(w).relu();
        const loss = h.softmax(-1).log().neg().mean();
        const g = h.t().matmul(h).mul(loss).mul(1e-3);
        return w.sub(g.clamp(-1, 1));
      });
      w.dispose();
      w = next;
    }
    expect(live().tensors - base.tensors).toBe(2);
    w.dispose();
    x.dispose();
    expect(live()).toEqual(base);
    expect(buffers()).toBe(baseBuffers);
  });

  it('ops leave no intermediates behind (default compositions and kernels)', () => {
    const x = tidy(() => arange(12, { dtype: 'float32' }).reshape(3, 4).div(7));
    const idx = tensor([2, 0], { dtype: 'int32' });
    const row = tensor([1, 2, 3, 4]);
    const mask = x.gt(0.5);
    const col = tensor([[0], [1], [2]], { dtype: 'int32' });
    const ones14 = tensor([[1, 1, 1, 1]], { dtype: 'int32' });
    const x0 = x.select(0, 0);
    const xt = x.t();
    const xe = tidy(() => x.unsqueeze(0).expand(2, 3, 4));
    const xi = x.int();
    const ops: [string, () => TensorContainer][] = [
      ['add scalar', () => x.add(1)],
      ['mul broadcast', () => x.mul(row)],
      ['div int', () => idx.div(2)],
      ['clamp', () => clamp(x, 0.2, 0.8)],
      ['gelu', () => gelu(x)],
      ['gelu tanh', () => gelu(x, 'tanh')],
      ['softplus', () => softplus(x, 2)],
      ['silu', () => x.silu()],
      ['where', () => x.where(mask, 0)],
      ['sum', () => x.sum(1)],
      ['mean', () => x.mean([0, 1])],
      ['var', () => x.var(0)],
      ['std', () => x.std(1, { keepdim: true })],
      ['logsumexp', () => logsumexp(x, 1)],
      ['argmax', () => x.argmax(1)],
      ['argmin all', () => x.argmin()],
      ['all', () => x.all(1)],
      ['any', () => x.any()],
      ['cumsum', () => cumsum(x, 0)],
      ['softmax', () => softmax(x, 1)],
      ['logSoftmax', () => logSoftmax(x, 0)],
      ['matmul 1-D', () => matmul(x0, xt)],
      ['matmul batched', () => matmul(xe, xt)],
      ['reshape copy', () => xt.reshape(12)],
      ['index', () => x.index(1, '::2')],
      ['contiguous', () => xt.contiguous()],
      ['cat', () => cat([x, xi], 1)],
      ['stack', () => stack([x, x])],
      ['split', () => x.split(2)],
      ['pad', () => pad(x, [1, -1, 2, 0], 3)],
      ['gather', () => x.gather(1, col)],
      ['scatterAdd', () => x.scatterAdd(0, ones14, x)],
      ['indexSelect', () => indexSelect(x, 0, idx)],
      ['embedding', () => embedding(idx, x)],
      ['oneHot', () => oneHot(idx, 3)],
      ['sort', () => x.sort(1, true)],
      ['argsort', () => argsort(x, 0)],
      ['topk', () => topk(x, 2)],
      ['cast', () => x.int()],
      ['to', () => x.to(ctx.device)],
    ];
    for (const [name, op] of ops) {
      const base = live();
      const baseBuffers = buffers();
      const out = op();
      dispose(out);
      expect(live(), `${name} leaked`).toEqual(base);
      expect(buffers(), `${name} leaked a buffer`).toBe(baseBuffers);
    }
  });

  // Where the runtime can force garbage collection (Node), check the safety net: tensors dropped
  // without dispose() give back their handles, bytes and backend buffers once collected, both the
  // small ones core registers lazily (at the next microtask or every few hundred creations) and
  // the large ones it registers at once.
  it('tensors garbage collected undisposed release their memory', async () => {
    const gc = await forcedGc();
    if (gc === null) return;
    // Collection and the registry's callbacks are asynchronous and may lag on a loaded machine:
    // collect until the counts stop changing (before), or reach the baseline (after), with a
    // generous bound so that a real leak still fails.
    const sameCounts = (x: { tensors: number; bytes: number }, y: { tensors: number; bytes: number }): boolean =>
      x.tensors === y.tensors && x.bytes === y.bytes;
    const collect = async (done: () => boolean): Promise<void> => {
      for (let round = 0; round < 200 && !done(); round++) {
        gc();
        await new Promise((resolve) => setTimeout(resolve, round < 5 ? 0 : 10));
      }
    };
    let last = live();
    let stable = 0;
    await collect(() => {
      const now = live();
      stable = sameCounts(now, last) ? stable + 1 : 0;
      last = now;
      return stable >= 3;
    });
    const base = live();
    const baseBuffers = buffers();
    (() => {
      for (let i = 0; i < 1500; i++) tensor([i, i + 1, i + 2]).add(1).reshape([3, 1]);
      zeros([60, 1000]).mul(2);
    })();
    expect(live().tensors - base.tensors).toBe(1500 * 3 + 2);
    await collect(() => sameCounts(live(), base) && buffers() === baseBuffers);
    expect(live()).toEqual(base);
    expect(buffers()).toBe(baseBuffers);
  });
}

/** `gc()` where the runtime lets a running program expose it (Node's V8), else null. */
async function forcedGc(): Promise<(() => void) | null> {
  const g = globalThis as { gc?: () => void; process?: { versions?: { node?: string } } };
  if (typeof g.gc === 'function') return g.gc;
  if (!g.process?.versions?.node) return null;
  const v8 = await import('node:v8');
  const vm = await import('node:vm');
  v8.setFlagsFromString('--expose-gc');
  return vm.runInNewContext('gc') as () => void;
}

/**
 * Optimizer-step ops (`adamStep`, `sgdStep`): in-place updates checked against a float64
 * reference of PyTorch's formulas over several steps, on contiguous and strided tensors, with
 * storage versions bumped and the parameter returned.
 */
import { expect } from 'vitest';
import { adamStep, sgdStep, tensor, tidy, zeros, type AdamStepOptions, type SgdStepOptions } from '@tessera/core';
import { cases, expectTensor } from '../helpers.js';
import type { SuiteContext } from '../run.js';

type Dt = 'float32' | 'float64';

/** Deterministic values in [-1, 1) (a small LCG), so every backend sees the same numbers. */
function vals(n: number, seed: number): number[] {
  let s = seed >>> 0;
  return Array.from({ length: n }, () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 31 - 1;
  });
}

const round32 = (xs: number[]): number[] => Array.from(Float32Array.from(xs));

interface AdamRef {
  p: number[];
  m: number[];
  v: number[];
  vmax: number[] | null;
}

/** PyTorch's Adam/AdamW step in float64 over plain arrays (updates `s` in place). */
function adamRef(s: AdamRef, g0: number[], o: Required<Omit<AdamStepOptions, 'step'>> & { step: number }): void {
  const bc1 = 1 - o.beta1 ** o.step;
  const bc2s = Math.sqrt(1 - o.beta2 ** o.step);
  for (let i = 0; i < s.p.length; i++) {
    let g = o.maximize ? -g0[i]! : g0[i]!;
    if (o.weightDecay !== 0) {
      if (o.decoupled) s.p[i]! *= 1 - o.lr * o.weightDecay;
      else g += o.weightDecay * s.p[i]!;
    }
    s.m[i] = o.beta1 * s.m[i]! + (1 - o.beta1) * g;
    s.v[i] = o.beta2 * s.v[i]! + (1 - o.beta2) * g * g;
    let second = s.v[i]!;
    if (s.vmax) {
      s.vmax[i] = Math.max(s.vmax[i]!, s.v[i]!);
      second = s.vmax[i]!;
    }
    s.p[i] = s.p[i]! - (o.lr / bc1) * (s.m[i]! / (Math.sqrt(second) / bc2s + o.eps));
  }
}

/** PyTorch's SGD step in float64 (updates `p` and `buf` in place). */
function sgdRef(p: number[], buf: number[], g0: number[], o: Required<SgdStepOptions>): void {
  for (let i = 0; i < p.length; i++) {
    let d = o.maximize ? -g0[i]! : g0[i]!;
    if (o.weightDecay !== 0) d += o.weightDecay * p[i]!;
    if (o.momentum !== 0) {
      buf[i] = o.first ? d : o.momentum * buf[i]! + (1 - o.dampening) * d;
      d = o.nesterov ? d + o.momentum * buf[i]! : buf[i]!;
    }
    p[i] = p[i]! - o.lr * d;
  }
}

const ADAM_VARIANTS: [string, Partial<AdamStepOptions> & { amsgrad?: boolean }][] = [
  ['Adam', {}],
  ['Adam with L2 weight decay', { weightDecay: 0.1 }],
  ['AdamW (decoupled weight decay)', { weightDecay: 0.1, decoupled: true }],
  ['AMSGrad, maximize', { amsgrad: true, maximize: true, beta1: 0.8, beta2: 0.99, eps: 1e-6 }],
];

const SGD_VARIANTS: [string, Partial<SgdStepOptions>][] = [
  ['plain', {}],
  ['momentum, dampening, weight decay', { momentum: 0.9, dampening: 0.1, weightDecay: 0.01 }],
  ['Nesterov, maximize', { momentum: 0.8, nesterov: true, maximize: true }],
];

export function optimSuite(ctx: SuiteContext): void {
  const it = cases(ctx, 'optim');
  const dtypes: Dt[] = ctx.float64 ? ['float32', 'float64'] : ['float32'];
  const tol = (dt: Dt) => (dt === 'float64' ? { atol: 1e-12, rtol: 1e-10 } : { atol: 1e-6, rtol: 1e-5 });
  const SHAPE = [3, 5];
  const N = 15;

  for (const dtype of dtypes) {
    for (const [name, variant] of ADAM_VARIANTS) {
      it(`adamStep ${name} matches PyTorch's formulas over 3 steps (${dtype})`, async () => {
        const { amsgrad, ...o } = variant;
        const opts = { lr: 0.01, beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay: 0, decoupled: false, maximize: false, ...o };
        const p0 = vals(N, 1);
        const ref: AdamRef = {
          p: dtype === 'float32' ? round32(p0) : p0,
          m: new Array(N).fill(0),
          v: new Array(N).fill(0),
          vmax: amsgrad ? new Array(N).fill(0) : null,
        };
        const p = tensor(p0, { dtype }).reshape(SHAPE);
        const m = zeros(SHAPE, { dtype });
        const v = zeros(SHAPE, { dtype });
        const vmax = amsgrad ? zeros(SHAPE, { dtype }) : null;
        for (let step = 1; step <= 3; step++) {
          const g0 = vals(N, 10 + step);
          const g = tensor(g0, { dtype }).reshape(SHAPE);
          const before = p.storage.version;
          const r = adamStep(p, g, m, v, vmax, { ...opts, step });
          expect(r).toBe(p);
          expect(p.storage.version).toBeGreaterThan(before);
          adamRef(ref, dtype === 'float32' ? round32(g0) : g0, { ...opts, step });
          g.dispose();
        }
        await expectTensor(p, ref.p, { shape: SHAPE, dtype, ...tol(dtype) });
        await expectTensor(m, ref.m, tol(dtype));
        await expectTensor(v, ref.v, tol(dtype));
        if (vmax) await expectTensor(vmax, ref.vmax!, tol(dtype));
        for (const t of [p, m, v, vmax]) t?.dispose();
      });
    }

    for (const [name, o] of SGD_VARIANTS) {
      it(`sgdStep ${name} matches PyTorch's formulas over 3 steps (${dtype})`, async () => {
        const opts = { lr: 0.1, momentum: 0, dampening: 0, weightDecay: 0, nesterov: false, maximize: false, ...o };
        const p0 = vals(N, 2);
        const refP = dtype === 'float32' ? round32(p0) : p0;
        const refB = new Array<number>(N).fill(0);
        const p = tensor(p0, { dtype }).reshape(SHAPE);
        const buf = opts.momentum !== 0 ? zeros(SHAPE, { dtype }) : null;
        for (let step = 1; step <= 3; step++) {
          const g0 = vals(N, 20 + step);
          const g = tensor(g0, { dtype }).reshape(SHAPE);
          const before = p.storage.version;
          expect(sgdStep(p, g, buf, { ...opts, first: step === 1 })).toBe(p);
          expect(p.storage.version).toBeGreaterThan(before);
          sgdRef(refP, refB, dtype === 'float32' ? round32(g0) : g0, { ...opts, first: step === 1 });
          g.dispose();
        }
        await expectTensor(p, refP, { shape: SHAPE, dtype, ...tol(dtype) });
        if (buf) await expectTensor(buf, refB, tol(dtype));
        p.dispose();
        buf?.dispose();
      });
    }
  }

  it('adamStep and sgdStep write through strided views and read strided gradients', async () => {
    // The parameter is a transposed view: the update lands in its base, element by element.
    const base = tensor(vals(N, 3)).reshape([5, 3]);
    const p = base.t();
    const pRef = Array.from(await p.contiguous().data());
    const gBase = tensor(vals(2 * N, 4)).reshape([3, 10]);
    const g = gBase.slice(1, 0, 10, 2); // [3, 5], stride 2
    const gRef = Array.from(await g.contiguous().data());
    const ref: AdamRef = { p: [...pRef], m: new Array(N).fill(0), v: new Array(N).fill(0), vmax: null };
    const m = zeros([3, 5]);
    const v = zeros([3, 5]);
    adamStep(p, g, m, v, null, { lr: 0.1, step: 1, weightDecay: 0.05 });
    adamRef(ref, gRef, { lr: 0.1, beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay: 0.05, decoupled: false, maximize: false, step: 1 });
    await expectTensor(p, ref.p, { atol: 1e-6 });
    await expectTensor(base.t(), ref.p, { atol: 1e-6 });

    const sp = [...ref.p];
    sgdStep(p, g, null, { lr: 0.5 });
    sgdRef(sp, [], gRef, { lr: 0.5, momentum: 0, dampening: 0, weightDecay: 0, nesterov: false, maximize: false, first: false });
    await expectTensor(p, sp, { atol: 1e-6 });
    for (const t of [base, p, gBase, g, m, v]) t.dispose();
  });

  it('adamStep and sgdStep reject mismatched shapes and a missing momentum buffer', () => {
    tidy(() => {
      const p = zeros([2, 3]);
      const bad = zeros([3, 2]);
      expect(() => adamStep(p, bad, zeros([2, 3]), zeros([2, 3]), null, { lr: 0.1, step: 1 })).toThrow(/adamStep: grad of shape \[3,2\]/);
      expect(() => adamStep(p, p, zeros([2, 3]), zeros([2, 3]), null, { lr: 0.1, step: 0 })).toThrow(/adamStep: step must be at least 1/);
      expect(() => sgdStep(p, bad, null, { lr: 0.1 })).toThrow(/sgdStep: grad of shape/);
      expect(() => sgdStep(p, p, null, { lr: 0.1, momentum: 0.9 })).toThrow(/sgdStep: a momentum buffer is needed/);
    });
  });
}

/**
 * The fused kernels against references: core's compositions on the CPU backend, and plain loops
 * written from PyTorch's definitions (conv2d, pooling, optimizer steps).
 */
import { describe, expect, it } from 'vitest';
import * as core from '@tessera/core';
import type { Tensor } from '@tessera/core';
import '@tessera/backend-cpu';
import * as nat from '@tessera/backend-native';
import { expectClose, rng } from './helpers.js';

const onCpu = (t: Tensor): Tensor => t.to('cpu');
const vals = (t: Tensor): number[] => Array.from(t.dataSync());

function randn(shape: number[], seed: number, device = 'native'): Tensor {
  const r = rng(seed);
  const n = shape.reduce((a, b) => a * b, 1);
  return core.tensor(Float32Array.from({ length: n }, () => (r() - 0.5) * 4), { shape, device });
}

describe('registered kernels replace core compositions', () => {
  it('softmax and logSoftmax: every dim, strided input, NaN and infinities, float64, int input', () => {
    for (const shape of [[7], [3, 5], [2, 3, 4], [4, 1, 6], [2, 300]]) {
      const x = randn(shape, 1);
      for (let dim = -shape.length; dim < shape.length; dim++) {
        for (const f of [core.softmax, core.logSoftmax]) {
          expectClose(vals(f(x, dim)), vals(f(onCpu(x), dim)), `${f.name} [${shape}] dim ${dim}`, 1e-5, 1e-6);
          const xt = x.ndim > 1 ? x.transpose(0, -1) : x;
          expectClose(vals(f(xt, dim)), vals(f(onCpu(xt), dim)), `${f.name} transposed [${shape}] dim ${dim}`, 1e-5, 1e-6);
        }
      }
    }
    const special = core.tensor([[1, NaN, 2], [-Infinity, 0, 1], [Infinity, 1, 2], [-Infinity, -Infinity, -Infinity]]);
    for (const f of [core.softmax, core.logSoftmax]) expectClose(vals(f(special, 1)), vals(f(onCpu(special), 1)), `${f.name} specials`);
    const d = core.tensor([[1, 2, 3]], { dtype: 'float64' });
    expectClose(vals(core.softmax(d, 1)), vals(core.softmax(onCpu(d), 1)), 'softmax float64', 1e-12, 1e-15);
    const i = core.tensor([[1, 2, 3]], { dtype: 'int32' });
    const s = core.softmax(i, 1);
    expect(s.dtype).toBe('float32');
    expectClose(vals(s), vals(core.softmax(onCpu(i), 1)), 'softmax int32');
  });

  it('gelu (exact and tanh) and silu', () => {
    const x = randn([5, 33], 2);
    expectClose(vals(core.gelu(x)), vals(core.gelu(onCpu(x))), 'gelu', 1e-5, 1e-6);
    expectClose(vals(core.gelu(x, 'tanh')), vals(core.gelu(onCpu(x), 'tanh')), 'gelu tanh', 1e-5, 1e-6);
    expectClose(vals(core.silu(x)), vals(core.silu(onCpu(x))), 'silu', 1e-5, 1e-6);
  });
});

describe('fused functions', () => {
  it('crossEntropy: loss and gradient, reductions, ignoreIndex, label smoothing', () => {
    const N = 6;
    const C = 5;
    const logits = randn([N, C], 3);
    const target = core.tensor([0, 4, 2, -100, 1, 3], { dtype: 'int32' });
    const x = vals(logits);
    const t = vals(target);
    for (const reduction of ['mean', 'sum', 'none'] as const) {
      for (const eps of [0, 0.1]) {
        const { loss, gradLogits } = nat.crossEntropy(logits, target, { reduction, labelSmoothing: eps });
        const rows: number[] = [];
        const grad: number[] = [];
        let count = 0;
        for (let i = 0; i < N; i++) {
          const row = x.slice(i * C, i * C + C);
          const m = Math.max(...row);
          const lse = m + Math.log(row.reduce((a, v) => a + Math.exp(v - m), 0));
          if (t[i] === -100) {
            rows.push(0);
            grad.push(...row.map(() => 0));
            continue;
          }
          count++;
          const logp = row.map((v) => v - lse);
          rows.push(-(1 - eps) * logp[t[i]!]! - (eps / C) * logp.reduce((a, b) => a + b, 0));
          grad.push(...logp.map((lp, c) => Math.exp(lp) - eps / C - (c === t[i] ? 1 - eps : 0)));
        }
        const scale = reduction === 'mean' ? 1 / count : 1;
        const want = reduction === 'none' ? rows : [rows.reduce((a, b) => a + b, 0) * scale];
        expectClose(vals(loss), want, `loss ${reduction} ${eps}`, 1e-5, 1e-6);
        expectClose(vals(gradLogits), grad.map((g) => g * scale), `grad ${reduction} ${eps}`, 1e-5, 1e-6);
      }
    }
    expect(() => nat.crossEntropy(logits, core.tensor([0, 1, 2, 3, 4, 5], { dtype: 'int32' }))).toThrow(/target 5 is out of bounds for 5 classes/);
  });

  it('biasActivation and activationBackward', () => {
    const x = randn([4, 9], 4);
    const b = randn([9], 5);
    const xc = onCpu(x).add(onCpu(b));
    const refs: Record<string, Tensor> = {
      none: xc,
      relu: xc.relu(),
      gelu: core.gelu(xc),
      geluTanh: core.gelu(xc, 'tanh'),
      sigmoid: xc.sigmoid(),
      tanh: xc.tanh(),
      silu: core.silu(xc),
    };
    for (const [act, ref] of Object.entries(refs)) {
      expectClose(vals(nat.biasActivation(x, b, act as nat.Activation)), vals(ref), `biasActivation ${act}`, 1e-5, 1e-6);
      // derivative against central differences in float64
      const x64 = x.double();
      const h = 1e-6;
      const up = nat.biasActivation(x64.add(h), null, act as nat.Activation);
      const down = nat.biasActivation(x64.sub(h), null, act as nat.Activation);
      const numeric = vals(up.sub(down).div(2 * h));
      const dy = core.onesLike(x64);
      expectClose(vals(nat.activationBackward(x64, dy, act as nat.Activation)), numeric, `activationBackward ${act}`, 1e-5, 1e-6);
    }
  });

  it('biasActivation over many blocks and threads (with and without a bias; relu keeps NaN)', () => {
    const acts = ['none', 'relu', 'gelu', 'sigmoid', 'silu'] as const;
    const cpuAct = (t: Tensor, act: (typeof acts)[number]): Tensor =>
      act === 'none' ? t : act === 'relu' ? t.relu() : act === 'gelu' ? core.gelu(t) : act === 'sigmoid' ? t.sigmoid() : core.silu(t);
    // a convnet's activation: [64, 32, 26, 26], no bias (rows of 26)
    const x = randn([64, 32, 26, 26], 41);
    for (const act of acts) expectClose(vals(nat.biasActivation(x, null, act)), vals(cpuAct(onCpu(x), act)), `no bias, ${act}`, 1e-5, 1e-6);
    // rows of 37 with a bias, in many blocks of rows
    const x2 = randn([3000, 37], 42);
    const b2 = randn([37], 43);
    const xb = onCpu(x2).add(onCpu(b2));
    for (const act of acts) expectClose(vals(nat.biasActivation(x2, b2, act)), vals(cpuAct(xb, act)), `bias, ${act}`, 1e-5, 1e-6);
    const y = vals(nat.biasActivation(core.tensor([NaN, -1, 0, 2], { device: 'native' }), null, 'relu'));
    expect(y[0]).toBeNaN();
    expect(y.slice(1)).toEqual([0, 0, 2]);
  });

  it('softmaxBackward', () => {
    const x = randn([3, 7], 6);
    const dy = randn([3, 7], 7);
    for (const log of [false, true]) {
      const y = nat.softmax(x, 1, log);
      // reference: d/dx of sum(y * dy)
      const yv = vals(y);
      const g = vals(dy);
      const want: number[] = [];
      for (let i = 0; i < 3; i++) {
        const row = yv.slice(i * 7, i * 7 + 7);
        const gr = g.slice(i * 7, i * 7 + 7);
        if (log) {
          const s = gr.reduce((a, b) => a + b, 0);
          want.push(...row.map((v, j) => gr[j]! - Math.exp(v) * s));
        } else {
          const s = row.reduce((a, v, j) => a + v * gr[j]!, 0);
          want.push(...row.map((v, j) => v * (gr[j]! - s)));
        }
      }
      expectClose(vals(nat.softmaxBackward(y, dy, 1, log)), want, `softmaxBackward log=${log}`, 1e-5, 1e-6);
    }
  });

  it('linear: GEMM with bias and activation epilogue, any leading dims', () => {
    const x = randn([2, 3, 20], 8);
    const w = randn([7, 20], 9);
    const b = randn([7], 10);
    const ref = onCpu(x).matmul(onCpu(w).t()).add(onCpu(b)).relu();
    expectClose(vals(nat.linear(x, w, b, 'relu')), vals(ref), 'linear relu', 1e-5, 1e-5);
    expectClose(vals(nat.linear(x, w.t().contiguous().t())), vals(onCpu(x).matmul(onCpu(w).t())), 'linear strided weight', 1e-5, 1e-5);
  });
});

// ---- conv2d and pooling against loops written from the definitions ----

interface ConvCase {
  N: number;
  C: number;
  H: number;
  W: number;
  O: number;
  kh: number;
  kw: number;
  s: [number, number];
  p: [number, number];
  d: [number, number];
  g: number;
}

function convRef(x: number[], w: number[], b: number[] | null, c: ConvCase): { y: number[]; OH: number; OW: number } {
  const OH = Math.floor((c.H + 2 * c.p[0] - c.d[0] * (c.kh - 1) - 1) / c.s[0]) + 1;
  const OW = Math.floor((c.W + 2 * c.p[1] - c.d[1] * (c.kw - 1) - 1) / c.s[1]) + 1;
  const Cg = c.C / c.g;
  const Og = c.O / c.g;
  const y = new Array<number>(c.N * c.O * OH * OW).fill(0);
  for (let n = 0; n < c.N; n++)
    for (let o = 0; o < c.O; o++)
      for (let oh = 0; oh < OH; oh++)
        for (let ow = 0; ow < OW; ow++) {
          let s = b ? b[o]! : 0;
          const grp = Math.floor(o / Og);
          for (let ci = 0; ci < Cg; ci++)
            for (let i = 0; i < c.kh; i++)
              for (let j = 0; j < c.kw; j++) {
                const ih = oh * c.s[0] - c.p[0] + i * c.d[0];
                const iw = ow * c.s[1] - c.p[1] + j * c.d[1];
                if (ih < 0 || ih >= c.H || iw < 0 || iw >= c.W) continue;
                s += x[((n * c.C + grp * Cg + ci) * c.H + ih) * c.W + iw]! * w[((o * Cg + ci) * c.kh + i) * c.kw + j]!;
              }
          y[((n * c.O + o) * OH + oh) * OW + ow] = s;
        }
  return { y, OH, OW };
}

/** Gradients of sum(y * dy) by the same loops (the adjoint of convRef). */
function convGradRef(x: number[], w: number[], dy: number[], c: ConvCase, OH: number, OW: number): { dx: number[]; dw: number[]; db: number[] } {
  const Cg = c.C / c.g;
  const Og = c.O / c.g;
  const dx = new Array<number>(x.length).fill(0);
  const dw = new Array<number>(w.length).fill(0);
  const db = new Array<number>(c.O).fill(0);
  for (let n = 0; n < c.N; n++)
    for (let o = 0; o < c.O; o++)
      for (let oh = 0; oh < OH; oh++)
        for (let ow = 0; ow < OW; ow++) {
          const g = dy[((n * c.O + o) * OH + oh) * OW + ow]!;
          db[o] += g;
          const grp = Math.floor(o / Og);
          for (let ci = 0; ci < Cg; ci++)
            for (let i = 0; i < c.kh; i++)
              for (let j = 0; j < c.kw; j++) {
                const ih = oh * c.s[0] - c.p[0] + i * c.d[0];
                const iw = ow * c.s[1] - c.p[1] + j * c.d[1];
                if (ih < 0 || ih >= c.H || iw < 0 || iw >= c.W) continue;
                const xi = ((n * c.C + grp * Cg + ci) * c.H + ih) * c.W + iw;
                const wi = ((o * Cg + ci) * c.kh + i) * c.kw + j;
                dx[xi] += g * w[wi]!;
                dw[wi] += g * x[xi]!;
              }
        }
  return { dx, dw, db };
}

describe('conv2d', () => {
  const cases: ConvCase[] = [
    { N: 2, C: 3, H: 7, W: 6, O: 4, kh: 3, kw: 3, s: [1, 1], p: [0, 0], d: [1, 1], g: 1 },
    { N: 1, C: 4, H: 9, W: 8, O: 6, kh: 3, kw: 2, s: [2, 1], p: [1, 2], d: [1, 1], g: 2 },
    { N: 3, C: 2, H: 10, W: 10, O: 3, kh: 3, kw: 3, s: [1, 2], p: [2, 1], d: [2, 2], g: 1 },
    { N: 2, C: 6, H: 5, W: 5, O: 6, kh: 1, kw: 1, s: [1, 1], p: [0, 0], d: [1, 1], g: 3 },
    { N: 5, C: 1, H: 12, W: 12, O: 8, kh: 5, kw: 5, s: [1, 1], p: [2, 2], d: [1, 1], g: 1 },
    // rows longer than 16 columns (im2col's bulk copy) and shorter than 4 after padding
    { N: 2, C: 2, H: 6, W: 21, O: 3, kh: 3, kw: 3, s: [1, 1], p: [1, 1], d: [1, 1], g: 1 },
    { N: 2, C: 2, H: 5, W: 3, O: 2, kh: 2, kw: 2, s: [1, 1], p: [0, 0], d: [1, 1], g: 1 },
    // large enough for the threaded paths
    { N: 8, C: 16, H: 14, W: 14, O: 32, kh: 3, kw: 3, s: [1, 1], p: [1, 1], d: [1, 1], g: 1 },
  ];
  cases.forEach((c, k) => {
    it(`forward and both gradients: case ${k} (${c.kh}x${c.kw}, stride ${c.s}, padding ${c.p}, dilation ${c.d}, groups ${c.g})`, () => {
      const x = randn([c.N, c.C, c.H, c.W], 100 + k);
      const w = randn([c.O, c.C / c.g, c.kh, c.kw], 200 + k);
      const b = randn([c.O], 300 + k);
      const opts = { stride: c.s, padding: c.p, dilation: c.d, groups: c.g };
      const y = nat.conv2d(x, w, b, opts);
      const ref = convRef(vals(x), vals(w), vals(b), c);
      expect([...y.shape]).toEqual([c.N, c.O, ref.OH, ref.OW]);
      const tol = 1e-4 * Math.sqrt((c.C / c.g) * c.kh * c.kw);
      expectClose(vals(y), ref.y, 'conv2d', 1e-4, tol);
      const dy = randn([c.N, c.O, ref.OH, ref.OW], 400 + k);
      const g = convGradRef(vals(x), vals(w), vals(dy), c, ref.OH, ref.OW);
      expectClose(vals(nat.conv2dBackwardInput(dy, w, x.shape, opts)), g.dx, 'conv2dBackwardInput', 1e-4, tol);
      const { gradWeight, gradBias } = nat.conv2dBackwardWeight(x, dy, w.shape, { ...opts, bias: true });
      expectClose(vals(gradWeight), g.dw, 'conv2dBackwardWeight', 1e-4, tol * Math.sqrt(c.N * ref.OH * ref.OW));
      expectClose(vals(gradBias!), g.db, 'conv2d bias gradient', 1e-4, 1e-3);
      // float64 runs the same kernels with 4-lane rows (im2col's short-row copies differ)
      const [x64, w64, dy64] = [x, w, dy].map((t) => t.to('float64'));
      expectClose(vals(nat.conv2d(x64, w64, null, opts)), ref.y.map((v, i) => v - vals(b)[Math.floor(i / (ref.OH * ref.OW)) % c.O]!), 'conv2d float64', 1e-9, 1e-9);
      expectClose(vals(nat.conv2dBackwardInput(dy64, w64, x.shape, opts)), g.dx, 'conv2dBackwardInput float64', 1e-9, 1e-9);
      expectClose(vals(nat.conv2dBackwardWeight(x64, dy64, w.shape, opts).gradWeight), g.dw, 'conv2dBackwardWeight float64', 1e-9, 1e-9);
    });
  });

  it('unbatched [C, H, W] input, and errors that name the op', () => {
    const x = randn([2, 5, 5], 7);
    const w = randn([3, 2, 3, 3], 8);
    const y = nat.conv2d(x, w);
    expect([...y.shape]).toEqual([3, 3, 3]);
    expectClose(vals(y), vals(nat.conv2d(x.unsqueeze(0), w)), 'unbatched');
    expect(() => nat.conv2d(randn([1, 3, 5, 5], 1), w)).toThrow(/conv2d: weight \[3,2,3,3\] expects 2 input channels/);
    expect(() => nat.conv2d(randn([1, 2, 2, 2], 1), w)).toThrow(/conv2d: kernel 3x3 .* is larger than the padded input 2x2/);
  });
});

describe('pooling', () => {
  function poolRef(x: number[], [N, C, H, W]: number[], k: [number, number], s: [number, number], p: [number, number], ceil: boolean, max: boolean, includePad = true) {
    const out = (n: number, kk: number, pp: number, ss: number) => {
      let o = Math.floor((n + 2 * pp - (kk - 1) - 1 + (ceil ? ss - 1 : 0)) / ss) + 1;
      if (ceil && (o - 1) * ss >= n + pp) o--;
      return o;
    };
    const OH = out(H!, k[0], p[0], s[0]);
    const OW = out(W!, k[1], p[1], s[1]);
    const y: number[] = [];
    const idx: number[] = [];
    for (let pl = 0; pl < N! * C!; pl++)
      for (let oh = 0; oh < OH; oh++)
        for (let ow = 0; ow < OW; ow++) {
          const h0 = oh * s[0] - p[0];
          const w0 = ow * s[1] - p[1];
          let best = -Infinity;
          let bi = -1;
          let sum = 0;
          let cnt = 0;
          for (let h = h0; h < h0 + k[0]; h++)
            for (let w = w0; w < w0 + k[1]; w++) {
              if (h < 0 || h >= H! || w < 0 || w >= W!) continue;
              const v = x[pl * H! * W! + h * W! + w]!;
              if (bi < 0) bi = h * W! + w;
              if (v > best || Number.isNaN(v)) {
                best = v;
                bi = h * W! + w;
              }
              sum += v;
              cnt++;
            }
          const full = (Math.min(h0 + k[0], H! + p[0]) - h0) * (Math.min(w0 + k[1], W! + p[1]) - w0);
          y.push(max ? best : sum / (includePad ? full : cnt));
          idx.push(bi);
        }
    return { y, idx, shape: [N!, C!, OH, OW] };
  }

  for (const [shape, k, s, p, ceil] of [
    [[2, 3, 8, 8], [2, 2], [2, 2], [0, 0], false],
    [[1, 2, 7, 9], [3, 3], [2, 2], [1, 1], false],
    [[2, 1, 7, 7], [3, 2], [2, 3], [1, 0], true],
    [[64, 32, 26, 26], [2, 2], [2, 2], [0, 0], false],
  ] as [number[], [number, number], [number, number], [number, number], boolean][]) {
    it(`max and average pooling with gradients: [${shape}] kernel ${k} stride ${s} padding ${p} ceil ${ceil}`, () => {
      const x = randn(shape, 50);
      const xv = vals(x);
      const m = nat.maxPool2d(x, { kernelSize: k, stride: s, padding: p, ceilMode: ceil });
      const ref = poolRef(xv, shape, k, s, p, ceil, true);
      expect([...m.output.shape]).toEqual(ref.shape);
      expectClose(vals(m.output), ref.y, 'maxPool2d', 0, 0);
      expectClose(vals(m.indices), ref.idx, 'maxPool2d indices', 0, 0);
      const dy = randn(ref.shape, 51);
      const dx = new Array<number>(xv.length).fill(0);
      const HW = shape[2]! * shape[3]!;
      const Q = ref.shape[2]! * ref.shape[3]!;
      vals(dy).forEach((g, o) => (dx[Math.floor(o / Q) * HW + ref.idx[o]!] += g));
      expectClose(vals(nat.maxPool2dBackward(dy, m.indices, shape)), dx, 'maxPool2dBackward', 1e-6, 1e-6);
      for (const countIncludePad of [true, false]) {
        const opts = { kernelSize: k, stride: s, padding: p, ceilMode: ceil, countIncludePad };
        const a = nat.avgPool2d(x, opts);
        const aref = poolRef(xv, shape, k, s, p, ceil, false, countIncludePad);
        expectClose(vals(a), aref.y, `avgPool2d includePad=${countIncludePad}`, 1e-5, 1e-6);
        // gradient of sum(avg * dy) by finite differences of the (linear) forward
        const g = vals(nat.avgPool2dBackward(dy, shape, opts));
        const probe = randn(shape, 52);
        const dyv = vals(dy);
        const lhs = vals(nat.avgPool2d(probe, opts)).reduce((acc, v, i) => acc + v * dyv[i]!, 0);
        const rhs = vals(probe).reduce((acc, v, i) => acc + v * g[i]!, 0);
        expect(Math.abs(lhs - rhs)).toBeLessThan(1e-3 * (1 + Math.abs(lhs)));
      }
    });
  }
});

describe('optimizer steps', () => {
  it('adamStep matches PyTorch formulas (Adam, AdamW, AMSGrad, weight decay, maximize)', () => {
    for (const variant of [{}, { weightDecay: 0.1 }, { weightDecay: 0.1, decoupled: true }, { amsgrad: true }, { maximize: true }]) {
      const n = 1000;
      const p = randn([n], 60);
      const m = core.zeros([n]);
      const v = core.zeros([n]);
      const vmax = core.zeros([n]);
      const P = vals(p);
      const M = new Array<number>(n).fill(0);
      const V = new Array<number>(n).fill(0);
      const VM = new Array<number>(n).fill(0);
      const lr = 0.01, b1 = 0.9, b2 = 0.999, eps = 1e-8;
      const wd = (variant as { weightDecay?: number }).weightDecay ?? 0;
      for (let step = 1; step <= 5; step++) {
        const g = randn([n], 70 + step);
        const G = vals(g);
        nat.adamStep(p, g, m, v, {
          lr,
          step,
          weightDecay: wd,
          decoupled: (variant as { decoupled?: boolean }).decoupled,
          maximize: (variant as { maximize?: boolean }).maximize,
          maxExpAvgSq: (variant as { amsgrad?: boolean }).amsgrad ? vmax : null,
        });
        for (let i = 0; i < n; i++) {
          let gi = (variant as { maximize?: boolean }).maximize ? -G[i]! : G[i]!;
          if ((variant as { decoupled?: boolean }).decoupled) P[i]! *= 1 - lr * wd;
          else gi += wd * P[i]!;
          M[i] = b1 * M[i]! + (1 - b1) * gi;
          V[i] = b2 * V[i]! + (1 - b2) * gi * gi;
          VM[i] = Math.max(VM[i]!, V[i]!);
          const vv = (variant as { amsgrad?: boolean }).amsgrad ? VM[i]! : V[i]!;
          const denom = Math.sqrt(vv) / Math.sqrt(1 - b2 ** step) + eps;
          P[i] = P[i]! - (lr / (1 - b1 ** step)) * (M[i]! / denom);
        }
      }
      expectClose(vals(p), P, `adam ${JSON.stringify(variant)}`, 1e-4, 1e-6);
      expectClose(vals(m), M, 'adam exp_avg', 1e-4, 1e-6);
    }
  });

  it('sgdStep matches PyTorch formulas (momentum, dampening, Nesterov, weight decay)', () => {
    for (const o of [{ momentum: 0 }, { momentum: 0.9 }, { momentum: 0.9, dampening: 0.5, weightDecay: 0.01 }, { momentum: 0.9, nesterov: true }]) {
      const n = 300;
      const p = randn([n], 80);
      const buf = core.zeros([n]);
      const P = vals(p);
      const B = new Array<number>(n).fill(0);
      for (let step = 1; step <= 4; step++) {
        const g = randn([n], 90 + step);
        const G = vals(g);
        nat.sgdStep(p, g, buf, { lr: 0.1, ...o, first: step === 1 });
        for (let i = 0; i < n; i++) {
          let gi = G[i]! + (o.weightDecay ?? 0) * P[i]!;
          if (o.momentum) {
            B[i] = step === 1 ? gi : o.momentum * B[i]! + (1 - (o.dampening ?? 0)) * gi;
            gi = o.nesterov ? gi + o.momentum * B[i]! : B[i]!;
          }
          P[i] = P[i]! - 0.1 * gi;
        }
      }
      expectClose(vals(p), P, `sgd ${JSON.stringify(o)}`, 1e-5, 1e-6);
    }
  });

  it('rejects non-contiguous or mismatched state', () => {
    const p = core.zeros([4, 4]);
    expect(() => nat.adamStep(p.t(), p, p, p, { lr: 1, step: 1 })).toThrow(/adamStep: param must be contiguous/);
    expect(() => nat.adamStep(p, core.zeros([3]), p, p, { lr: 1, step: 1 })).toThrow(/adamStep: grad must have the parameter's dtype and 16 elements/);
    expect(() => nat.sgdStep(p, p, null, { lr: 1, momentum: 0.9 })).toThrow(/momentum buffer/);
  });
});

describe("core's conv and pooling ops on 'native' (registered kernels) agree with the CPU compositions", () => {
  it('conv2d: strides, dilation, groups, asymmetric "same" padding, bias, unbatched', () => {
    const x = randn([2, 4, 9, 8], 500);
    const cases: [number[], core.Conv2dOptions, boolean][] = [
      [[6, 4, 3, 3], {}, true],
      [[6, 2, 3, 2], { stride: [2, 1], padding: [1, 2], groups: 2 }, false],
      [[4, 4, 4, 4], { padding: 'same' }, true],
      [[4, 4, 2, 3], { padding: 'same', dilation: [2, 1] }, false],
      [[8, 1, 3, 3], { groups: 4, dilation: 2 }, true],
    ];
    for (const [wShape, opts, withBias] of cases) {
      const w = randn(wShape, 501);
      const b = withBias ? randn([wShape[0]!], 502) : null;
      const y = core.conv2d(x, w, b, opts);
      const ref = core.conv2d(onCpu(x), onCpu(w), b && onCpu(b), opts);
      expect([...y.shape]).toEqual([...ref.shape]);
      expectClose(vals(y), vals(ref), `conv2d ${JSON.stringify(opts)}`, 1e-4, 1e-4);
    }
    const u = core.conv2d(randn([3, 6, 6], 503), randn([2, 3, 3, 3], 504));
    expect([...u.shape]).toEqual([2, 4, 4]);
  });

  it('maxPool2d and avgPool2d: ceil mode, padding, dilation, countIncludePad, divisorOverride', () => {
    const x = randn([2, 3, 9, 10], 510);
    const maxCases: [number | [number, number], core.MaxPool2dOptions][] = [
      [2, {}],
      [3, { stride: 2, padding: 1, ceilMode: true }],
      [[3, 2], { stride: [1, 2], dilation: [2, 1] }],
    ];
    for (const [k, o] of maxCases) expectClose(vals(core.maxPool2d(x, k, o)), vals(core.maxPool2d(onCpu(x), k, o)), `maxPool2d ${k} ${JSON.stringify(o)}`, 0, 0);
    const avgCases: [number | [number, number], core.AvgPool2dOptions][] = [
      [2, {}],
      [3, { stride: 2, padding: 1, ceilMode: true }],
      [3, { stride: 2, padding: 1, countIncludePad: false, ceilMode: true }],
      [[2, 3], { divisorOverride: 2.5 }],
    ];
    for (const [k, o] of avgCases) expectClose(vals(core.avgPool2d(x, k, o)), vals(core.avgPool2d(onCpu(x), k, o)), `avgPool2d ${k} ${JSON.stringify(o)}`, 1e-5, 1e-6);
    expectClose(vals(core.maxPool2d(randn([3, 8, 8], 511), 2)), vals(core.maxPool2d(onCpu(randn([3, 8, 8], 511)), 2)), 'unbatched maxPool2d', 0, 0);
  });

  it('foldWindows2d (col2im), including integer windows', () => {
    const geometry = { kernel: [3, 2] as [number, number], stride: [2, 1] as [number, number], dilation: [1, 2] as [number, number] };
    const w = randn([2, 3, 4, 5, 3, 2], 520);
    expectClose(vals(core.foldWindows2d(w, [10, 8], geometry)), vals(core.foldWindows2d(onCpu(w), [10, 8], geometry)), 'fold', 1e-5, 1e-5);
    const wt = w.permute([5, 4, 3, 2, 1, 0]).permute([5, 4, 3, 2, 1, 0]); // same values through a view
    expectClose(vals(core.foldWindows2d(wt, [10, 8], geometry)), vals(core.foldWindows2d(onCpu(w), [10, 8], geometry)), 'fold view', 1e-5, 1e-5);
    const wi = core.randint(-5, 5, [3, 4, 5, 3, 2]).cast('int32');
    const fi = core.foldWindows2d(wi, [10, 8], geometry);
    expect(fi.dtype).toBe('int32');
    expectClose(vals(fi), vals(core.foldWindows2d(onCpu(wi), [10, 8], geometry)), 'fold int32', 0, 0);
  });
});

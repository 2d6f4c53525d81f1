import * as T from '@tessera/core';
import { tensor } from '@tessera/core';
import { describe, expect, it } from 'vitest';
import * as nn from '../src/index.js';
import { F } from '../src/index.js';
import { checkCase } from './helpers.js';

const reductions = ['mean', 'sum', 'none'] as const;
const run = (m: nn.Module) => (i: Record<string, T.Tensor>) => ({ y: m.forward(i.x!, i.t!) as T.Tensor });
const weight = tensor([0.5, 1.0, 2.0, 1.5]);

describe('losses match PyTorch (values and input gradients)', () => {
  for (const r of reductions) {
    it(`MSELoss ${r}`, () => checkCase(`mse_${r}`, null, run(new nn.MSELoss({ reduction: r }))));
    it(`L1Loss ${r}`, () => checkCase(`l1_${r}`, null, run(new nn.L1Loss({ reduction: r }))));
    it(`SmoothL1Loss ${r} (beta 0.5)`, () => checkCase(`smooth_l1_${r}`, null, run(new nn.SmoothL1Loss({ reduction: r, beta: 0.5 }))));
    it(`HuberLoss ${r} (delta 0.7)`, () => checkCase(`huber_${r}`, null, run(new nn.HuberLoss({ reduction: r, delta: 0.7 }))));
  }
  it('SmoothL1Loss with beta 0 is L1', () => checkCase('smooth_l1_beta0', null, run(new nn.SmoothL1Loss({ beta: 0 }))));

  const ce: Record<string, F.CrossEntropyOptions> = {
    ce: {},
    ce_weight: { weight },
    ce_ignore: { ignoreIndex: 2 },
    ce_smooth: { labelSmoothing: 0.1 },
    ce_all: { weight, ignoreIndex: 2, labelSmoothing: 0.2 },
    ce_prob: {},
    ce_prob_all: { weight, labelSmoothing: 0.15 },
  };
  for (const [name, opts] of Object.entries(ce)) {
    for (const r of reductions) {
      it(`CrossEntropyLoss ${name} ${r}`, () => checkCase(`${name}_${r}`, null, run(new nn.CrossEntropyLoss({ ...opts, reduction: r }))));
    }
  }
  for (const r of ['mean', 'none'] as const) {
    it(`CrossEntropyLoss on [N, C, d1, d2] with ignoreIndex and smoothing, ${r}`, () =>
      checkCase(`ce_nd_${r}`, null, run(new nn.CrossEntropyLoss({ reduction: r, ignoreIndex: 1, labelSmoothing: 0.1 }))));
  }
  it('CrossEntropyLoss on unbatched [C] input with a 0-d target', () => checkCase('ce_unbatched', null, run(new nn.CrossEntropyLoss())));

  for (const r of reductions) {
    it(`NLLLoss ${r} with weight and ignoreIndex`, () => checkCase(`nll_${r}`, null, run(new nn.NLLLoss({ reduction: r, weight, ignoreIndex: 2 }))));
  }
  it('NLLLoss on [N, C, d]', () => checkCase('nll_nd', null, run(new nn.NLLLoss())));

  for (const r of reductions) {
    it(`BCELoss ${r}`, () => checkCase(`bce_${r}`, null, run(new nn.BCELoss({ reduction: r }))));
    it(`BCELoss ${r} with weight`, () =>
      checkCase(`bce_weight_${r}`, null, (i) => ({ y: new nn.BCELoss({ reduction: r, weight: i.w! }).forward(i.x!, i.t!) })));
    it(`BCEWithLogitsLoss ${r} with weight and posWeight`, () =>
      checkCase(`bce_logits_pw_${r}`, null, (i) => ({ y: new nn.BCEWithLogitsLoss({ reduction: r, weight: i.w!, posWeight: i.pw! }).forward(i.x!, i.t!) })));
    it(`BCEWithLogitsLoss ${r} (logits up to +-80)`, () => checkCase(`bce_logits_${r}`, null, run(new nn.BCEWithLogitsLoss({ reduction: r }))));
  }
  it('BCELoss clamps the logs at -100 for probabilities of exactly 0 and 1', () => {
    checkCase('bce_clamp', null, run(new nn.BCELoss({ reduction: 'none' })));
  });
  for (const r of [...reductions, 'batchmean'] as const) {
    it(`KLDivLoss ${r} (a zero in the target)`, () => checkCase(`kl_${r}`, null, run(new nn.KLDivLoss({ reduction: r }))));
    it(`KLDivLoss ${r} with logTarget`, () => checkCase(`kl_log_${r}`, null, run(new nn.KLDivLoss({ reduction: r, logTarget: true }))));
  }
});

describe('loss errors and details', () => {
  it('cross-entropy is stable for huge logits (log-sum-exp)', () => {
    const loss = F.crossEntropy(tensor([[1000, 0, -1000]]), tensor([1], { dtype: 'int32' }));
    expect(loss.itemSync()).toBeCloseTo(1000, 3);
  });
  it('names bad targets', () => {
    const x = T.randn([3, 4]);
    expect(() => F.crossEntropy(x, tensor([0, 4, 1], { dtype: 'int32' }))).toThrow('target 4 is out of bounds for 4 classes');
    expect(() => F.crossEntropy(x, tensor([0, 1], { dtype: 'int32' }))).toThrow('input [3, 4] needs a target of shape [3], got [2]');
    expect(() => F.crossEntropy(x, T.randn([3, 5]))).toThrow('probability targets must have the input');
    expect(() => F.nllLoss(x, tensor([0, 1, 2]))).toThrow('expected class indices as an int32 target');
    expect(() => F.mseLoss(x, x, { reduction: 'avg' as 'mean' })).toThrow("reduction must be one of 'mean', 'sum', 'none'");
    expect(() => F.binaryCrossEntropy(x, T.randn([4, 3]))).toThrow('target [4, 3] must have the input');
  });
  it('class weights are buffers, saved as PyTorch does', () => {
    const m = new nn.CrossEntropyLoss({ weight });
    expect(Object.keys(m.stateDict())).toEqual(['weight']);
    expect(Object.keys(new nn.BCEWithLogitsLoss({ posWeight: weight }).stateDict())).toEqual(['pos_weight']);
    expect(Object.keys(new nn.MSELoss().stateDict())).toEqual([]);
  });
});

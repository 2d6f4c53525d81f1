import { manualSeed, type Tensor } from '@tessera/core';
import { describe, expect, it } from 'vitest';
import * as nn from '../src/index.js';
import { checkCase } from './helpers.js';

const rnnCall = (m: nn.RNN | nn.GRU) => (i: Record<string, Tensor>) => {
  const [y, h] = m.forward(i.x!, i.h0);
  return { y, h };
};
const lstmCall = (m: nn.LSTM) => (i: Record<string, Tensor>) => {
  const [y, [h, c]] = m.forward(i.x!, i.h0 ? [i.h0, i.c0!] : null);
  return { y, h, c };
};

describe('recurrent layers match PyTorch (state dicts with PyTorch names, outputs, gradients)', () => {
  it('RNN tanh: 2 layers, bidirectional, batchFirst, initial state', () => {
    const m = new nn.RNN(4, 5, { numLayers: 2, bidirectional: true, batchFirst: true });
    checkCase('rnn_tanh', m, rnnCall(m));
  });
  it('RNN relu without bias', () => {
    const m = new nn.RNN(4, 5, { nonlinearity: 'relu', bias: false });
    checkCase('rnn_relu', m, rnnCall(m));
  });
  it('LSTM: 2 layers, bidirectional, batchFirst, initial (h, c)', () => {
    const m = new nn.LSTM(4, 5, { numLayers: 2, bidirectional: true, batchFirst: true });
    checkCase('lstm', m, lstmCall(m));
  });
  it('LSTM on unbatched input', () => {
    const m = new nn.LSTM(3, 4);
    checkCase('lstm_unbatched', m, lstmCall(m));
  });
  it('GRU: 2 layers, bidirectional', () => {
    const m = new nn.GRU(4, 5, { numLayers: 2, bidirectional: true });
    checkCase('gru', m, rnnCall(m));
  });
  it('GRU: 1 layer, batchFirst, no initial state', () => {
    const m = new nn.GRU(3, 4, { batchFirst: true });
    checkCase('gru_1layer', m, rnnCall(m));
  });

  it('parameter names and order follow PyTorch', () => {
    const m = new nn.LSTM(3, 4, { numLayers: 2, bidirectional: true });
    expect([...m.namedParameters()].map(([k]) => k).slice(0, 8)).toEqual([
      'weight_ih_l0', 'weight_hh_l0', 'bias_ih_l0', 'bias_hh_l0',
      'weight_ih_l0_reverse', 'weight_hh_l0_reverse', 'bias_ih_l0_reverse', 'bias_hh_l0_reverse',
    ]);
    expect(m.getWeight('weight_ih', 1, true)!.shape).toEqual([16, 8]);
    expect(m.getWeight('weight_hh', 0)!.shape).toEqual([16, 4]);
  });

  it('initialises every weight from U(-1/sqrt(hidden), 1/sqrt(hidden))', () => {
    // Seeded: the smallest tensor (a 48-element bias) misses 0.2 by chance with probability ~0.6%.
    manualSeed(7);
    const m = new nn.GRU(6, 16);
    for (const p of m.parameters()) {
      const d = p.dataSync();
      expect(Math.max(...d)).toBeLessThanOrEqual(0.25);
      expect(Math.min(...d)).toBeGreaterThanOrEqual(-0.25);
      expect(Math.max(...d)).toBeGreaterThan(0.2);
    }
  });

  it('applies dropout between layers only in training mode', () => {
    const m = new nn.LSTM(3, 4, { numLayers: 2, dropout: 0.5 });
    const x = (globalThis as unknown as { __x?: Tensor }).__x ?? null;
    expect(x).toBeNull();
    const input = nnRandn([5, 2, 3]);
    m.eval();
    const [a] = m.forward(input);
    const [b] = m.forward(input);
    expect(Array.from(a.dataSync())).toEqual(Array.from(b.dataSync()));
    m.train();
    const [c] = m.forward(input);
    expect(Array.from(c.dataSync())).not.toEqual(Array.from(a.dataSync()));
  });

  it('cells: RNNCell, LSTMCell, GRUCell agree with one step of the full layers', () => {
    const lstm = new nn.LSTM(3, 4);
    const cell = new nn.LSTMCell(3, 4);
    cell.loadStateDict({
      weight_ih: lstm.getWeight('weight_ih', 0)!, weight_hh: lstm.getWeight('weight_hh', 0)!,
      bias_ih: lstm.getWeight('bias_ih', 0)!, bias_hh: lstm.getWeight('bias_hh', 0)!,
    });
    const x = nnRandn([1, 2, 3]);
    const [, [h, c]] = lstm.forward(x);
    const [h2, c2] = cell.forward(x.select(0, 0));
    expectNear(h2, h.select(0, 0));
    expectNear(c2, c.select(0, 0));
    const gru = new nn.GRU(3, 4);
    const gcell = new nn.GRUCell(3, 4);
    gcell.loadStateDict({
      weight_ih: gru.getWeight('weight_ih', 0)!, weight_hh: gru.getWeight('weight_hh', 0)!,
      bias_ih: gru.getWeight('bias_ih', 0)!, bias_hh: gru.getWeight('bias_hh', 0)!,
    });
    expectNear(gcell.forward(x.select(0, 0)), gru.forward(x)[1].select(0, 0));
    const rcell = new nn.RNNCell(3, 4, { nonlinearity: 'relu' });
    expect(rcell.forward(x.select(0, 0)).shape).toEqual([2, 4]);
  });

  it('names the layer and the expected sizes on bad input', () => {
    const m = new nn.LSTM(4, 5);
    expect(() => m.forward(nnRandn([3, 2, 7]))).toThrow('LSTM(4, 5): input [3, 2, 7] has last dim 7, expected 4');
    expect(() => m.forward(nnRandn([3, 2, 4]), [nnRandn([1, 3, 5]), nnRandn([1, 2, 5])])).toThrow('expected hidden state of shape [1, 2, 5], got [1, 3, 5]');
  });
});

import { randn } from '@tessera/core';
function nnRandn(shape: number[]): Tensor {
  return randn(shape);
}
function expectNear(a: Tensor, b: Tensor): void {
  const x = a.dataSync();
  const y = b.dataSync();
  expect(x.length).toBe(y.length);
  for (let i = 0; i < x.length; i++) expect(Math.abs(x[i]! - y[i]!)).toBeLessThan(1e-6);
}

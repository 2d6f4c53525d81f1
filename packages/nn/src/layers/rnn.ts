/**
 * Recurrent layers `RNN`, `LSTM`, `GRU` and their cells, with PyTorch's gate order (LSTM: input,
 * forget, cell, output; GRU: reset, update, new) and parameter names (`weight_ih_l0`,
 * `bias_hh_l1_reverse`, ...), so PyTorch state dicts load unchanged.
 */
import * as T from '@tessera/core';
import { tidy, type Tensor } from '@tessera/core';
import { dropout, linear } from '../functional/linear.js';
import * as init from '../init.js';
import { Module } from '../module.js';
import type { Parameter } from '../parameter.js';
import { fmt } from '../util.js';
import { emptyParameter, type FactoryOptions } from './linear.js';

type Mode = 'RNN_TANH' | 'RNN_RELU' | 'LSTM' | 'GRU';

const GATES: Record<Mode, number> = { RNN_TANH: 1, RNN_RELU: 1, LSTM: 4, GRU: 3 };

/**
 * One time step given the input's projection `xw` = W_ih x + b_ih [N, G]; returns [h', c'].
 * (c is only used by the LSTM.)
 */
function step(mode: Mode, xw: Tensor, h: Tensor, c: Tensor | null, whh: Tensor, bhh: Tensor | null): [Tensor, Tensor | null] {
  const hw = linear(h, whh, bhh);
  switch (mode) {
    case 'RNN_TANH':
      return [T.tanh(T.add(xw, hw)), null];
    case 'RNN_RELU':
      return [T.relu(T.add(xw, hw)), null];
    case 'LSTM': {
      const [i, f, g, o] = T.chunk(T.add(xw, hw), 4, -1);
      const c2 = T.add(T.mul(T.sigmoid(f!), c!), T.mul(T.sigmoid(i!), T.tanh(g!)));
      return [T.mul(T.sigmoid(o!), T.tanh(c2)), c2];
    }
    case 'GRU': {
      const [xr, xz, xn] = T.chunk(xw, 3, -1);
      const [hr, hz, hn] = T.chunk(hw, 3, -1);
      const r = T.sigmoid(T.add(xr!, hr!));
      const z = T.sigmoid(T.add(xz!, hz!));
      const n = T.tanh(T.add(xn!, T.mul(r, hn!)));
      // (1 - z) * n + z * h
      return [T.add(n, T.mul(z, T.sub(h, n))), null];
    }
  }
}

/** Options of `RNN`, `LSTM` and `GRU`. */
export interface RNNOptions extends FactoryOptions {
  /** Stacked layers. Default 1. */
  numLayers?: number;
  /** Use biases. Default true. */
  bias?: boolean;
  /** Input and output are [N, T, *] instead of [T, N, *]. Default false. */
  batchFirst?: boolean;
  /** Dropout on the outputs of every layer but the last, while training. Default 0. */
  dropout?: number;
  /** Run a second pass backwards in time and concatenate. Default false. */
  bidirectional?: boolean;
}

abstract class RNNBase extends Module {
  readonly numLayers: number;
  readonly bias: boolean;
  readonly batchFirst: boolean;
  readonly dropout: number;
  readonly bidirectional: boolean;

  constructor(
    protected readonly mode: Mode,
    readonly inputSize: number,
    readonly hiddenSize: number,
    options: RNNOptions,
  ) {
    super();
    this.numLayers = options.numLayers ?? 1;
    this.bias = options.bias ?? true;
    this.batchFirst = options.batchFirst ?? false;
    this.dropout = options.dropout ?? 0;
    this.bidirectional = options.bidirectional ?? false;
    if (!Number.isInteger(hiddenSize) || hiddenSize <= 0) throw new RangeError(`${this.constructor.name}: hidden_size must be a positive integer, got ${hiddenSize}`);
    if (!Number.isInteger(this.numLayers) || this.numLayers <= 0) throw new RangeError(`${this.constructor.name}: num_layers must be a positive integer, got ${this.numLayers}`);
    if (!(this.dropout >= 0 && this.dropout <= 1)) throw new RangeError(`${this.constructor.name}: dropout must be in [0, 1], got ${this.dropout}`);
    const G = GATES[mode] * hiddenSize;
    const D = this.bidirectional ? 2 : 1;
    const self = this as unknown as Record<string, Parameter>;
    for (let l = 0; l < this.numLayers; l++) {
      for (let d = 0; d < D; d++) {
        const sfx = `_l${l}${d === 1 ? '_reverse' : ''}`;
        const inSize = l === 0 ? inputSize : hiddenSize * D;
        self[`weight_ih${sfx}`] = emptyParameter([G, inSize], options);
        self[`weight_hh${sfx}`] = emptyParameter([G, hiddenSize], options);
        if (this.bias) {
          self[`bias_ih${sfx}`] = emptyParameter([G], options);
          self[`bias_hh${sfx}`] = emptyParameter([G], options);
        }
      }
    }
    this.resetParameters();
  }

  /** Every weight and bias from U(-1/sqrt(hiddenSize), 1/sqrt(hiddenSize)), as PyTorch. */
  resetParameters(): void {
    const k = 1 / Math.sqrt(this.hiddenSize);
    for (const p of this.parameters()) init.uniform_(p, -k, k);
  }

  /** The parameter `weight_ih` / `weight_hh` / `bias_ih` / `bias_hh` of `layer` (and direction). */
  getWeight(kind: 'weight_ih' | 'weight_hh' | 'bias_ih' | 'bias_hh', layer: number, reverse = false): Parameter | null {
    return ((this as unknown as Record<string, Parameter>)[`${kind}_l${layer}${reverse ? '_reverse' : ''}`] ?? null) as Parameter | null;
  }

  protected describe(): string {
    return `${this.constructor.name}(${this.inputSize}, ${this.hiddenSize})`;
  }

  /** Runs every layer and direction; `x` is [T, N, I], states are [L*D, N, H]. */
  protected run(x: Tensor, h0: Tensor, c0: Tensor | null): [Tensor, Tensor, Tensor | null] {
    const D = this.bidirectional ? 2 : 1;
    const Tlen = x.shape[0]!;
    const hs: Tensor[] = [];
    const cs: Tensor[] = [];
    let layerInput = x;
    for (let l = 0; l < this.numLayers; l++) {
      if (l > 0 && this.dropout > 0 && this.training) layerInput = dropout(layerInput, this.dropout, true);
      const dirOutputs: Tensor[] = [];
      for (let d = 0; d < D; d++) {
        const reverse = d === 1;
        const xw = linear(layerInput, this.getWeight('weight_ih', l, reverse)!, this.getWeight('bias_ih', l, reverse)); // [T, N, G]
        const whh = this.getWeight('weight_hh', l, reverse)!;
        const bhh = this.getWeight('bias_hh', l, reverse);
        let h = T.select(h0, 0, l * D + d);
        let c = c0 ? T.select(c0, 0, l * D + d) : null;
        const outs = new Array<Tensor>(Tlen);
        for (let s = 0; s < Tlen; s++) {
          const t = reverse ? Tlen - 1 - s : s;
          [h, c] = step(this.mode, T.select(xw, 0, t), h, c, whh, bhh);
          outs[t] = h;
        }
        hs.push(h);
        if (c) cs.push(c);
        dirOutputs.push(Tlen > 0 ? T.stack(outs, 0) : T.zeros([0, x.shape[1]!, this.hiddenSize], { dtype: x.dtype, device: x.device }));
      }
      layerInput = D === 1 ? dirOutputs[0]! : T.cat(dirOutputs, -1);
    }
    return [layerInput, T.stack(hs, 0), c0 ? T.stack(cs, 0) : null];
  }

  /** Validates shapes and moves input to [T, N, I]; returns the layout facts. */
  protected prepare(input: Tensor, states: (Tensor | null | undefined)[]): { x: Tensor; batched: boolean; states: Tensor[] } {
    const name = this.describe();
    if (input.ndim !== 2 && input.ndim !== 3) {
      throw new RangeError(`${name}: expected input ${this.batchFirst ? '[N, T, I]' : '[T, N, I]'} or unbatched [T, I], got ${fmt(input.shape)}`);
    }
    if (input.shape[input.ndim - 1] !== this.inputSize) {
      throw new RangeError(`${name}: input ${fmt(input.shape)} has last dim ${input.shape[input.ndim - 1]}, expected ${this.inputSize}`);
    }
    const batched = input.ndim === 3;
    let x = batched ? input : T.unsqueeze(input, 1);
    if (batched && this.batchFirst) x = T.transpose(x, 0, 1);
    const N = x.shape[1]!;
    const D = this.bidirectional ? 2 : 1;
    const expected = [this.numLayers * D, N, this.hiddenSize];
    const out: Tensor[] = [];
    for (const s of states) {
      if (s === null || s === undefined) {
        out.push(T.zeros(expected, { dtype: input.dtype, device: input.device }));
        continue;
      }
      const st = batched ? s : s.ndim === 2 ? T.unsqueeze(s, 1) : s;
      if (st.ndim !== 3 || st.shape.some((v, i) => v !== expected[i])) {
        const shown = batched ? expected : [expected[0]!, expected[2]!];
        throw new RangeError(`${name}: expected hidden state of shape ${fmt(shown)}, got ${fmt(s.shape)}`);
      }
      out.push(st);
    }
    return { x, batched, states: out };
  }

  /** Back to the caller's layout. */
  protected finish(y: Tensor, batched: boolean): Tensor {
    if (!batched) return T.squeeze(y, 1);
    return this.batchFirst ? T.transpose(y, 0, 1) : y;
  }

  override extraRepr(): string {
    const parts = [`${this.inputSize}, ${this.hiddenSize}`];
    if (this.numLayers !== 1) parts.push(`num_layers=${this.numLayers}`);
    if (!this.bias) parts.push('bias=False');
    if (this.batchFirst) parts.push('batch_first=True');
    if (this.dropout) parts.push(`dropout=${this.dropout}`);
    if (this.bidirectional) parts.push('bidirectional=True');
    return parts.join(', ');
  }
}

/** Options of `RNN`. */
export interface ElmanRNNOptions extends RNNOptions {
  nonlinearity?: 'tanh' | 'relu';
}

/**
 * Elman RNN: `h_t = tanh(W_ih x_t + b_ih + W_hh h_(t-1) + b_hh)` (or relu).
 * `forward(x, h0?)` returns `[output, hN]`.
 *
 * @example
 * const rnn = new RNN(10, 20, { numLayers: 2 });
 * const [out, hn] = rnn.forward(randn([5, 3, 10])); // out [5, 3, 20], hn [2, 3, 20]
 */
export class RNN extends RNNBase {
  readonly nonlinearity: 'tanh' | 'relu';

  constructor(inputSize: number, hiddenSize: number, options: ElmanRNNOptions = {}) {
    const nl = options.nonlinearity ?? 'tanh';
    if (nl !== 'tanh' && nl !== 'relu') throw new RangeError(`RNN: unknown nonlinearity ${JSON.stringify(nl)} (expected 'tanh' or 'relu')`);
    super(nl === 'tanh' ? 'RNN_TANH' : 'RNN_RELU', inputSize, hiddenSize, options);
    this.nonlinearity = nl;
  }

  forward(input: Tensor, h0?: Tensor | null): [Tensor, Tensor] {
    return tidy(() => {
      const { x, batched, states } = this.prepare(input, [h0]);
      const [y, h] = this.run(x, states[0]!, null);
      return [this.finish(y, batched), batched ? h : T.squeeze(h, 1)];
    });
  }
}

/**
 * Long short-term memory. `forward(x, [h0, c0]?)` returns `[output, [hN, cN]]`.
 *
 * @example
 * const lstm = new LSTM(10, 20, { batchFirst: true });
 * const [out, [hn, cn]] = lstm.forward(randn([3, 5, 10])); // out [3, 5, 20]
 */
export class LSTM extends RNNBase {
  constructor(inputSize: number, hiddenSize: number, options: RNNOptions = {}) {
    super('LSTM', inputSize, hiddenSize, options);
  }

  forward(input: Tensor, hx?: readonly [Tensor, Tensor] | null): [Tensor, [Tensor, Tensor]] {
    return tidy(() => {
      const { x, batched, states } = this.prepare(input, [hx?.[0], hx?.[1]]);
      const [y, h, c] = this.run(x, states[0]!, states[1]!);
      const sq = (t: Tensor): Tensor => (batched ? t : T.squeeze(t, 1));
      return [this.finish(y, batched), [sq(h), sq(c!)]] as [Tensor, [Tensor, Tensor]];
    });
  }
}

/** Gated recurrent unit. `forward(x, h0?)` returns `[output, hN]`. */
export class GRU extends RNNBase {
  constructor(inputSize: number, hiddenSize: number, options: RNNOptions = {}) {
    super('GRU', inputSize, hiddenSize, options);
  }

  forward(input: Tensor, h0?: Tensor | null): [Tensor, Tensor] {
    return tidy(() => {
      const { x, batched, states } = this.prepare(input, [h0]);
      const [y, h] = this.run(x, states[0]!, null);
      return [this.finish(y, batched), batched ? h : T.squeeze(h, 1)];
    });
  }
}

abstract class CellBase extends Module {
  weight_ih: Parameter;
  weight_hh: Parameter;
  bias_ih: Parameter | null;
  bias_hh: Parameter | null;

  constructor(
    protected readonly mode: Mode,
    readonly inputSize: number,
    readonly hiddenSize: number,
    options: FactoryOptions & { bias?: boolean },
  ) {
    super();
    const G = GATES[mode] * hiddenSize;
    this.weight_ih = emptyParameter([G, inputSize], options);
    this.weight_hh = emptyParameter([G, hiddenSize], options);
    const bias = options.bias ?? true;
    this.bias_ih = bias ? emptyParameter([G], options) : null;
    this.bias_hh = bias ? emptyParameter([G], options) : null;
    this.resetParameters();
  }

  resetParameters(): void {
    const k = 1 / Math.sqrt(this.hiddenSize);
    for (const p of this.parameters()) init.uniform_(p, -k, k);
  }

  protected cell(x: Tensor, h: Tensor | null | undefined, c: Tensor | null | undefined): [Tensor, Tensor | null] {
    const name = `${this.constructor.name}(${this.inputSize}, ${this.hiddenSize})`;
    if ((x.ndim !== 1 && x.ndim !== 2) || x.shape[x.ndim - 1] !== this.inputSize) {
      throw new RangeError(`${name}: input ${fmt(x.shape)} has last dim ${x.shape[x.ndim - 1]}, expected ${this.inputSize}`);
    }
    const batched = x.ndim === 2;
    const xb = batched ? x : T.unsqueeze(x, 0);
    const zeros = (): Tensor => T.zeros([xb.shape[0]!, this.hiddenSize], { dtype: x.dtype, device: x.device });
    const hb = h ? (batched ? h : T.unsqueeze(h, 0)) : zeros();
    const cb = this.mode === 'LSTM' ? (c ? (batched ? c : T.unsqueeze(c, 0)) : zeros()) : null;
    const [h2, c2] = step(this.mode, linear(xb, this.weight_ih, this.bias_ih), hb, cb, this.weight_hh, this.bias_hh);
    return batched ? [h2, c2] : [T.squeeze(h2, 0), c2 ? T.squeeze(c2, 0) : null];
  }
}

/** One step of an Elman RNN: `forward(x, h?)` returns h'. */
export class RNNCell extends CellBase {
  constructor(inputSize: number, hiddenSize: number, options: FactoryOptions & { bias?: boolean; nonlinearity?: 'tanh' | 'relu' } = {}) {
    super(options.nonlinearity === 'relu' ? 'RNN_RELU' : 'RNN_TANH', inputSize, hiddenSize, options);
  }

  forward(x: Tensor, h?: Tensor | null): Tensor {
    return tidy(() => this.cell(x, h, null)[0]);
  }
}

/** One LSTM step: `forward(x, [h, c]?)` returns `[h', c']`. */
export class LSTMCell extends CellBase {
  constructor(inputSize: number, hiddenSize: number, options: FactoryOptions & { bias?: boolean } = {}) {
    super('LSTM', inputSize, hiddenSize, options);
  }

  forward(x: Tensor, hx?: readonly [Tensor, Tensor] | null): [Tensor, Tensor] {
    return tidy(() => this.cell(x, hx?.[0], hx?.[1]) as [Tensor, Tensor]);
  }
}

/** One GRU step: `forward(x, h?)` returns h'. */
export class GRUCell extends CellBase {
  constructor(inputSize: number, hiddenSize: number, options: FactoryOptions & { bias?: boolean } = {}) {
    super('GRU', inputSize, hiddenSize, options);
  }

  forward(x: Tensor, h?: Tensor | null): Tensor {
    return tidy(() => this.cell(x, h, null)[0]);
  }
}

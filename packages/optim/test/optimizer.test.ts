/** The Optimizer base class: parameter groups, hyperparameter checks, step, zeroGrad and state dicts. */
import { noGrad } from '@tessera/autograd';
import { dispose, isfinite, memory, tensor, type Tensor } from '@tessera/core';
import { describe, expect, it } from 'vitest';
import { Adagrad, Adam, AdamW, Optimizer, RMSprop, SGD, type OptimizerStateDict, type ParamGroup } from '../src/index.js';
import { values } from './helpers.js';

const leaf = (v: number[]): Tensor => tensor(v).requiresGrad_();

/** Sets `p.grad` to a fresh tensor (what backward would leave). */
function setGrad(p: Tensor, v: number[]): void {
  p.grad?.dispose();
  p.grad = tensor(v);
}

describe('parameter groups', () => {
  it('takes parameters from any iterable and fills in the defaults', () => {
    const a = leaf([1, 2]);
    const b = leaf([3]);
    function* gen(): Generator<Tensor> {
      yield a;
      yield b;
    }
    const opt = new SGD(gen(), { lr: 0.1, momentum: 0.9 });
    expect(opt.paramGroups).toHaveLength(1);
    expect(opt.paramGroups[0]).toEqual({ params: [a, b], lr: 0.1, momentum: 0.9, dampening: 0, weightDecay: 0, nesterov: false, maximize: false });
    expect(new Adam(new Set([a])).paramGroups[0]).toMatchObject({ lr: 1e-3, betas: [0.9, 0.999], eps: 1e-8, weightDecay: 0, amsgrad: false });
    expect(new AdamW([a]).paramGroups[0]!.weightDecay).toBe(1e-2);
    expect(new RMSprop([a]).paramGroups[0]).toMatchObject({ lr: 1e-2, alpha: 0.99, eps: 1e-8, momentum: 0, centered: false });
    expect(new Adagrad([a]).paramGroups[0]).toMatchObject({ lr: 1e-2, lrDecay: 0, initialAccumulatorValue: 0, eps: 1e-10 });
  });

  it('gives each group its own hyperparameters', () => {
    const a = leaf([1]);
    const b = leaf([1]);
    const opt = new SGD([{ params: [a] }, { params: b, lr: 0.5 }], { lr: 0.1 });
    expect(opt.paramGroups.map((g) => g.lr)).toEqual([0.1, 0.5]);
    expect(opt.paramGroups[1]!.params).toEqual([b]);
    setGrad(a, [1]);
    setGrad(b, [1]);
    opt.step();
    expect(values(a)[0]).toBeCloseTo(0.9, 6);
    expect(values(b)[0]).toBeCloseTo(0.5, 6);
  });

  it('lets an SGD group supply the learning rate the defaults leave out', () => {
    const a = leaf([1]);
    expect(new SGD([{ params: [a], lr: 0.3 }]).paramGroups[0]!.lr).toBe(0.3);
    expect(() => new SGD([a])).toThrow("SGD: parameter group 0 didn't specify a value of required optimization parameter lr");
  });

  it('adds groups later, with the defaults', () => {
    const a = leaf([1]);
    const b = leaf([2]);
    const opt = new Adam([a], { lr: 0.01 });
    opt.addParamGroup({ params: [b], betas: [0.5, 0.6] });
    expect(opt.paramGroups[1]).toMatchObject({ params: [b], lr: 0.01, betas: [0.5, 0.6] });
    setGrad(b, [1]);
    opt.step();
    expect(opt.state.has(b)).toBe(true);
    expect(opt.state.has(a)).toBe(false); // no gradient, no step, no state
    expect(values(a)).toEqual([1]);
  });

  it('rejects duplicates, non-tensors, non-leaves and empty lists', () => {
    const a = leaf([1]);
    const b = leaf([2]);
    expect(() => new SGD([{ params: [a] }, { params: [b, a] }], { lr: 1 })).toThrow('SGD: some parameters appear in more than one parameter group');
    expect(() => new SGD([a, a], { lr: 1 })).toThrow('SGD: parameter group 0 contains the same parameter more than once');
    const opt = new Adam([a]);
    expect(() => opt.addParamGroup({ params: [a] })).toThrow('Adam: some parameters appear in more than one parameter group');
    expect(opt.paramGroups).toHaveLength(1);
    expect(() => new Adam([])).toThrow('Adam: got an empty parameter list');
    expect(() => new Adam(a as unknown as Tensor[])).toThrow(/Adam: params should be an iterable of Tensors or parameter groups, but got a single Tensor/);
    expect(() => new Adam([{ params: [a, 3 as unknown as Tensor] }])).toThrow('Adam: can only optimize Tensors, but parameter 1 of group 0 is number 3');
    expect(() => new Adam([a.mul(2)])).toThrow(/Adam: can't optimize a non-leaf Tensor \(parameter 0 of group 0\)/);
    expect(() => new Adam([{ lr: 1 } as never])).toThrow(/Adam: parameter group 0 needs 'params'/);
  });
});

describe('hyperparameter checks name the optimizer and the value', () => {
  const p = (): Tensor[] => [leaf([1])];
  it.each([
    [() => new Adam(p(), { lr: -1 }), 'Adam: invalid learning rate: -1'],
    [() => new AdamW(p(), { eps: -1e-8 }), 'AdamW: invalid epsilon value: -1e-8'],
    [() => new Adam(p(), { betas: [1, 0.999] }), 'Adam: invalid beta parameter at index 0: 1'],
    [() => new Adam(p(), { betas: [0.9, -0.1] }), 'Adam: invalid beta parameter at index 1: -0.1'],
    [() => new Adam(p(), { weightDecay: -1 }), 'Adam: invalid weightDecay value: -1'],
    [() => new Adam(p(), { amsgrad: 'yes' as unknown as boolean }), 'Adam: amsgrad must be a boolean, got "yes"'],
    [() => new SGD(p(), { lr: -0.1 }), 'SGD: invalid learning rate: -0.1'],
    [() => new SGD(p(), { lr: Number.NaN }), 'SGD: invalid learning rate: NaN'],
    [() => new SGD(p(), { lr: 0.1, momentum: -0.5 }), 'SGD: invalid momentum value: -0.5'],
    [() => new SGD(p(), { lr: 0.1, nesterov: true }), 'SGD: Nesterov momentum requires a momentum and zero dampening'],
    [() => new SGD(p(), { lr: 0.1, nesterov: true, momentum: 0.9, dampening: 0.1 }), 'SGD: Nesterov momentum requires a momentum and zero dampening'],
    [() => new RMSprop(p(), { alpha: -1 }), 'RMSprop: invalid alpha value: -1'],
    [() => new RMSprop(p(), { momentum: -1 }), 'RMSprop: invalid momentum value: -1'],
    [() => new Adagrad(p(), { lrDecay: -1 }), 'Adagrad: invalid lrDecay value: -1'],
    [() => new Adagrad(p(), { initialAccumulatorValue: -1 }), 'Adagrad: invalid initialAccumulatorValue value: -1'],
    [() => new Adam([{ params: p() }, { params: p(), lr: -2 }]), 'Adam: invalid learning rate: -2 (parameter group 1)'],
  ])('%#', (make, message) => {
    expect(make).toThrow(message);
  });
});

describe('step', () => {
  it('runs the closure with grad mode on and returns its loss', () => {
    const w = leaf([1, -2]);
    const opt = new SGD([w], { lr: 0.1 });
    const loss = noGrad(() =>
      opt.step(() => {
        opt.zeroGrad();
        const l = w.square().sum();
        l.backward();
        return l;
      }),
    );
    expect(values(loss!)).toEqual([5]);
    expectCloseArray(values(w), [0.8, -1.6]);
  });

  it('uses the current learning rate of the group', () => {
    const w = leaf([1]);
    const opt = new SGD([w], { lr: 0.1 });
    setGrad(w, [1]);
    opt.paramGroups[0]!.lr = 0.5;
    opt.step();
    expectCloseArray(values(w), [0.5]);
  });

  it('leaves parameters without gradient untouched', () => {
    const a = leaf([1]);
    const b = leaf([2]);
    const opt = new Adam([a, b], { lr: 0.1 });
    setGrad(a, [1]);
    opt.step();
    expect(values(b)).toEqual([2]);
    expect(values(a)[0]).toBeCloseTo(0.9, 6);
  });

  it('works on float64 parameters, with state in float64', () => {
    const w = tensor([1, 2], { dtype: 'float64' }).requiresGrad_();
    const opt = new Adam([w], { lr: 0.1 });
    w.grad = tensor([0.5, -0.5], { dtype: 'float64' });
    opt.step();
    expect(w.dtype).toBe('float64');
    expect(opt.state.get(w)!.expAvg!.dtype).toBe('float64');
    expect(values(w)[0]).toBeCloseTo(1 - (0.1 * 0.5) / (0.5 + 1e-8), 12); // float64 resolves eps
  });

  it('prints its groups like PyTorch', () => {
    const opt = new SGD([leaf([1])], { lr: 0.1 });
    expect(opt.toString()).toBe(
      'SGD (\nParameter Group 0\n    dampening: 0\n    lr: 0.1\n    maximize: false\n    momentum: 0\n    nesterov: false\n    weightDecay: 0\n)',
    );
  });
});

describe('a custom optimizer only implements updateParam', () => {
  class SignSGD extends Optimizer<{ lr: number }> {
    constructor(params: Iterable<Tensor>, lr: number) {
      super(params, { lr });
    }
    protected override validate(h: Partial<{ lr: number }>): void {
      if (h.lr !== undefined && h.lr <= 0) throw new RangeError(`SignSGD: invalid learning rate: ${h.lr}`);
    }
    protected updateParam(p: Tensor, grad: Tensor, group: ParamGroup<{ lr: number }>): void {
      p.sub_(grad.sign(), group.lr);
    }
  }

  it('steps, and names itself in errors', () => {
    const w = leaf([1, -1]);
    const opt = new SignSGD([w], 0.25);
    setGrad(w, [3, -0.1]);
    opt.step();
    expect(values(w)).toEqual([0.75, -0.75]);
    expect(() => new SignSGD([w], 0)).toThrow('SignSGD: invalid learning rate: 0');
    expect(() => new SignSGD([], 1)).toThrow('SignSGD: got an empty parameter list');
  });
});

describe('state dicts', () => {
  const trainSteps = (opt: Optimizer, ps: Tensor[], from: number, to: number): void => {
    for (let k = from; k < to; k++) {
      ps.forEach((p, i) => setGrad(p, p.shape[0] === 2 ? [Math.sin(k + i), Math.cos(k * 3)] : [Math.cos(k + 1)]));
      opt.step();
    }
  };
  const makers: [string, (ps: Tensor[]) => Optimizer][] = [
    ['SGD', (ps) => new SGD([{ params: [ps[0]!] }, { params: [ps[1]!], lr: 0.05 }], { lr: 0.1, momentum: 0.9 })],
    ['Adam', (ps) => new Adam([{ params: [ps[0]!] }, { params: [ps[1]!], betas: [0.8, 0.9] }], { lr: 0.1, amsgrad: true })],
    ['AdamW', (ps) => new AdamW(ps, { lr: 0.1 })],
    ['RMSprop', (ps) => new RMSprop(ps, { lr: 0.01, centered: true, momentum: 0.5 })],
    ['Adagrad', (ps) => new Adagrad(ps, { lr: 0.1, lrDecay: 0.1 })],
  ];

  for (const [name, make] of makers) {
    it(`${name}: saving and loading resumes exactly where training stopped`, () => {
      const ps = [leaf([1, 2]), leaf([3])];
      const opt = make(ps);
      trainSteps(opt, ps, 0, 5);
      const sd = opt.stateDict();
      const copies = noGrad(() => ps.map((p) => p.clone().requiresGrad_()));
      const resumed = make(copies);
      resumed.loadStateDict(sd);
      trainSteps(opt, ps, 5, 10);
      trainSteps(resumed, copies, 5, 10);
      ps.forEach((p, i) => expect(values(copies[i]!)).toEqual(values(p)));
      expect(resumed.paramGroups.map(({ params: _, ...h }) => h)).toEqual(opt.paramGroups.map(({ params: _, ...h }) => h));
      dispose(sd as never);
    });
  }

  it("uses PyTorch's layout and names, with cloned tensors", () => {
    const a = leaf([1, 2]);
    const b = leaf([3]);
    const opt = new Adam([{ params: [a] }, { params: [b], lr: 0.5 }], { lr: 0.1, weightDecay: 0.01 });
    setGrad(a, [1, 1]);
    setGrad(b, [1]);
    opt.step();
    const sd = opt.stateDict();
    expect(sd.param_groups).toEqual([
      { lr: 0.1, betas: [0.9, 0.999], eps: 1e-8, weight_decay: 0.01, amsgrad: false, maximize: false, params: [0] },
      { lr: 0.5, betas: [0.9, 0.999], eps: 1e-8, weight_decay: 0.01, amsgrad: false, maximize: false, params: [1] },
    ]);
    expect(Object.keys(sd.state)).toEqual(['0', '1']);
    expect(Object.keys(sd.state[0]!)).toEqual(['step', 'exp_avg', 'exp_avg_sq']);
    expect(sd.state[0]!.step).toBe(1);
    const saved = values(sd.state[0]!.exp_avg as Tensor);
    opt.step();
    expect(values(sd.state[0]!.exp_avg as Tensor)).toEqual(saved); // a snapshot, not the live state
    expect(sd.state[0]!.exp_avg).not.toBe(opt.state.get(a)!.expAvg);
  });

  it('accepts a 0-d step tensor (PyTorch 1.13 keeps Adam steps as tensors)', () => {
    const a = leaf([1, 2]);
    const opt = new Adam([a]);
    opt.loadStateDict({
      state: { 0: { step: tensor(3), exp_avg: tensor([0.1, 0.2]), exp_avg_sq: tensor([0.01, 0.04]) } },
      param_groups: [{ lr: 0.01, betas: [0.9, 0.999], eps: 1e-8, weight_decay: 0, amsgrad: false, maximize: false, foreach: null, capturable: false, differentiable: false, params: [0] }],
    });
    expect(opt.state.get(a)!.step).toBe(3);
    expect(opt.paramGroups[0]!.lr).toBe(0.01);
  });

  it('moves loaded state onto the parameter dtype', () => {
    const a = tensor([1, 2], { dtype: 'float64' }).requiresGrad_();
    const opt = new SGD([a], { lr: 0.1, momentum: 0.9 });
    const buf = tensor([1, 2]);
    opt.loadStateDict({ state: { 0: { momentum_buffer: buf } }, param_groups: [{ lr: 0.1, momentum: 0.9, dampening: 0, weight_decay: 0, nesterov: false, maximize: false, params: [0] }] });
    const loaded = opt.state.get(a)!.momentumBuffer!;
    expect(loaded.dtype).toBe('float64');
    expect(loaded).not.toBe(buf);
    expect(values(loaded)).toEqual([1, 2]);
  });

  it('checks everything first and changes nothing on a mismatch', () => {
    const a = leaf([1, 2]);
    const b = leaf([3]);
    const opt = new SGD([a, b], { lr: 0.1, momentum: 0.9 });
    setGrad(a, [1, 1]);
    setGrad(b, [1]);
    opt.step();
    const good = opt.stateDict();
    const stateBefore = opt.state.get(a)!.momentumBuffer;
    const bad = (change: (sd: OptimizerStateDict) => void): OptimizerStateDict => {
      const sd = opt.stateDict();
      change(sd);
      return sd;
    };
    expect(() => opt.loadStateDict(bad((sd) => (sd.state[1]!.momentum_buffer = tensor([1, 2, 3]))))).toThrow(
      'SGD.loadStateDict: state[1].momentum_buffer has shape [3], but its parameter has shape [1]',
    );
    expect(() => opt.loadStateDict(bad((sd) => sd.param_groups.push({ lr: 1, params: [] })))).toThrow(
      'SGD.loadStateDict: the state dict has 2 parameter groups, but the optimizer has 1',
    );
    expect(() => opt.loadStateDict(bad((sd) => sd.param_groups[0]!.params.pop()))).toThrow(
      'SGD.loadStateDict: parameter group 0 has 1 parameters in the state dict, but 2 in the optimizer',
    );
    expect(() => opt.loadStateDict(bad((sd) => (sd.param_groups[0]!.lr = -1)))).toThrow('SGD: invalid learning rate: -1 (parameter group 0)');
    expect(() => opt.loadStateDict(bad((sd) => (sd.state[7] = {})))).toThrow('SGD.loadStateDict: the state dict has state for parameter 7, which no parameter group lists');
    expect(() => opt.loadStateDict({} as OptimizerStateDict)).toThrow(/expected an object with 'state' and 'param_groups'/);
    expect(opt.state.get(a)!.momentumBuffer).toBe(stateBefore);
    expect(stateBefore!.isDisposed).toBe(false);
    expect(opt.paramGroups[0]!.lr).toBe(0.1);
    opt.loadStateDict(good);
    expect(stateBefore!.isDisposed).toBe(true); // replaced state is freed
  });

  it('loading state frees the tensors it replaces', () => {
    const a = leaf([1, 2]);
    const opt = new Adam([a]);
    setGrad(a, [1, 1]);
    opt.step();
    const before = memory();
    for (let i = 0; i < 10; i++) {
      const sd = opt.stateDict();
      opt.loadStateDict(sd);
      dispose(sd as never);
    }
    expect(memory().numTensors).toBe(before.numTensors);
    expect(values(isfinite(opt.state.get(a)!.expAvg!))).toEqual([1, 1]);
  });
});

function expectCloseArray(got: number[], want: number[]): void {
  got.forEach((g, i) => expect(g).toBeCloseTo(want[i]!, 6));
}

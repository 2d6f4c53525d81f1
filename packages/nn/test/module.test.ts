import { noGrad } from '@tessera/autograd';
import { CpuBackend } from '@tessera/backend-cpu';
import * as T from '@tessera/core';
import { memory, registerBackend, tensor, tidy, type Tensor } from '@tessera/core';
import { describe, expect, it } from 'vitest';
import * as nn from '../src/index.js';
import { cloneModule, Module, Parameter } from '../src/index.js';

class Block extends Module {
  fc = new nn.Linear(3, 3);
  forward(x: Tensor): Tensor {
    return this.fc.forward(x).relu();
  }
}

class Net extends Module {
  scale = new Parameter(T.ones([1]));
  stem = new nn.Linear(4, 3);
  blocks = [new Block(), new Block()];
  heads = new Map<string, Module>([['cls', new nn.Linear(3, 2)], ['reg', new nn.Linear(3, 1)]]);
  extra = { norm: new nn.LayerNorm(3) };
  _private = new nn.Linear(2, 2);
  notAParam = T.zeros([2]);
  label = 'net';

  constructor() {
    super();
    this.registerBuffer('steps', T.zeros([1]));
    this.registerBuffer('cache', T.zeros([3]), false);
  }

  forward(x: Tensor): Tensor {
    let h = this.stem.forward(x).mul(this.scale);
    for (const b of this.blocks) h = b.forward(h);
    return this.heads.get('cls')!.forward((this.extra.norm.forward(h)));
  }
}

describe('Module discovers parameters and submodules from fields', () => {
  it('finds fields, arrays, Maps and plain objects with dotted names, in PyTorch order', () => {
    const net = new Net();
    expect([...net.namedParameters()].map(([k]) => k)).toEqual([
      'scale',
      'stem.weight', 'stem.bias',
      'blocks.0.fc.weight', 'blocks.0.fc.bias', 'blocks.1.fc.weight', 'blocks.1.fc.bias',
      'heads.cls.weight', 'heads.cls.bias', 'heads.reg.weight', 'heads.reg.bias',
      'extra.norm.weight', 'extra.norm.bias',
    ]);
    expect(net.parameters()).toHaveLength(13);
    expect(net.parameters()[0]).toBe(net.scale);
    expect([...net.namedChildren()].map(([k]) => k)).toEqual(['stem', 'blocks.0', 'blocks.1', 'heads.cls', 'heads.reg', 'extra.norm']);
    expect([...net.children()]).toHaveLength(6);
    expect([...net.namedModules()].map(([k]) => k)).toEqual([
      '', 'stem', 'blocks.0', 'blocks.0.fc', 'blocks.1', 'blocks.1.fc', 'heads.cls', 'heads.reg', 'extra.norm',
    ]);
    expect([...net.modules()]).toHaveLength(9);
    expect(net.getSubmodule('blocks.1.fc')).toBe(net.blocks[1]!.fc);
    expect(net.getParameter('heads.reg.bias')).toBe((net.heads.get('reg') as nn.Linear).bias);
    expect(() => net.getSubmodule('nope')).toThrow("has no submodule 'nope'");
  });

  it('lists a shared parameter once in parameters() but under every key in the state dict', () => {
    class Tied extends Module {
      emb = new nn.Embedding(5, 3);
      out = new nn.Linear(3, 5, { bias: false });
      constructor() {
        super();
        this.out.weight = this.emb.weight;
      }
      forward(x: Tensor) {
        return x;
      }
    }
    const m = new Tied();
    expect(m.parameters()).toHaveLength(1);
    expect(Object.keys(m.stateDict())).toEqual(['emb.weight', 'out.weight']);
  });

  it('registers buffers (persistent ones go into the state dict), readable as fields', () => {
    const net = new Net();
    expect([...net.namedBuffers()].map(([k]) => k)).toEqual(['steps', 'cache']);
    expect(net.buffers()).toHaveLength(2);
    expect((net as unknown as { steps: Tensor }).steps.shape).toEqual([1]);
    const sd = net.stateDict();
    expect(Object.keys(sd)).toContain('steps');
    expect(Object.keys(sd)).not.toContain('cache');
    expect(Object.keys(sd)).not.toContain('notAParam');
    expect(Object.keys(sd).some((k) => k.startsWith('_private'))).toBe(false);
    (net as unknown as { steps: Tensor }).steps = T.ones([1]);
    expect(net.getBuffer('steps')!.arraySync()).toEqual([1]);
    expect(() => net.registerBuffer('a.b', null)).toThrow('can\'t be empty or contain "."');
    const bn = new nn.BatchNorm1d(3);
    expect([...bn.namedBuffers()].map(([k]) => k)).toEqual(['running_mean', 'running_var', 'num_batches_tracked']);
    expect(bn.numBatchesTracked!.dtype).toBe('int32');
  });

  it('train() / eval() set the mode recursively; apply() visits children first', () => {
    const net = new Net();
    expect(net.training).toBe(true);
    net.eval();
    expect([...net.modules()].every((m) => !m.training)).toBe(true);
    net.train();
    expect(net.blocks[0]!.fc.training).toBe(true);
    const order: string[] = [];
    new nn.Sequential(new nn.ReLU(), new nn.Sequential(new nn.Tanh())).apply((m) => order.push(m.constructor.name));
    expect(order).toEqual(['ReLU', 'Tanh', 'Sequential', 'Sequential']);
  });

  it('zeroGrad() clears gradients (to null by default, or to zeros)', () => {
    const net = new Net();
    net.forward(T.randn([2, 4])).sum().backward();
    expect(net.stem.weight.grad).not.toBeNull();
    net.zeroGrad({ setToNone: false });
    expect(Array.from(net.stem.weight.grad!.dataSync()).every((v) => v === 0)).toBe(true);
    net.zeroGrad();
    expect(net.stem.weight.grad).toBeNull();
  });

  it('forward hooks run through call()', () => {
    const lin = new nn.Linear(2, 2);
    const seen: number[][] = [];
    const h = lin.registerForwardHook((_m, _args, out) => {
      seen.push([...(out as Tensor).shape]);
    });
    const pre = lin.registerForwardPreHook((_m, args) => [(args[0] as Tensor).mul(0)]);
    const y = lin.call(T.ones([3, 2])) as Tensor;
    expect(seen).toEqual([[3, 2]]);
    expectArrayClose(y.dataSync(), lin.bias!.expand([3, 2]).contiguous().dataSync());
    h.remove();
    pre.remove();
    lin.call(T.ones([1, 2]));
    expect(seen).toHaveLength(1);
  });

  it('prints like PyTorch', () => {
    const m = new nn.Sequential(new nn.Linear(4, 3), new nn.ReLU());
    expect(m.toString()).toBe('Sequential(\n  (0): Linear(in_features=4, out_features=3, bias=True)\n  (1): ReLU()\n)');
    expect(new nn.Conv2d(3, 8, 3, { stride: 2, padding: 1 }).toString()).toBe('Conv2d(3, 8, kernel_size=(3, 3), stride=(2, 2), padding=(1, 1))');
  });
});

describe('stateDict / loadStateDict', () => {
  it('round-trips into a fresh model and reports missing and unexpected keys', () => {
    const a = new Net();
    const b = new Net();
    const x = T.randn([2, 4]);
    const r = b.loadStateDict(a.stateDict());
    expect(r).toEqual({ missingKeys: [], unexpectedKeys: [] });
    expectArrayClose(b.forward(x).dataSync(), a.forward(x).dataSync());
    const sd = a.stateDict();
    delete sd['stem.bias'];
    sd['bogus.weight'] = T.zeros([1]);
    expect(() => b.loadStateDict(sd)).toThrow(/unexpected key\(s\) in state_dict: "bogus.weight"[\s\S]*missing key\(s\) in state_dict: "stem.bias"/);
    expect(b.loadStateDict(sd, { strict: false })).toEqual({ missingKeys: ['stem.bias'], unexpectedKeys: ['bogus.weight'] });
  });

  it('a shape mismatch names the key and both shapes and changes nothing', () => {
    const m = new nn.Sequential(new nn.Linear(4, 3), new nn.Linear(3, 2));
    const before = m.stateDict();
    const snapshot = Object.fromEntries(Object.entries(before).map(([k, v]) => [k, Array.from(v.dataSync())]));
    const sd = Object.fromEntries(Object.entries(new nn.Sequential(new nn.Linear(4, 3), new nn.Linear(3, 2)).stateDict()));
    sd['1.weight'] = T.zeros([2, 4]);
    expect(() => m.loadStateDict(sd)).toThrow('size mismatch for 1.weight: copying a param with shape [2, 4] from checkpoint, the shape in current model is [2, 3]');
    expect(() => m.loadStateDict(sd, { strict: false })).toThrow('size mismatch for 1.weight');
    for (const [k, v] of Object.entries(m.stateDict())) expect(Array.from(v.dataSync()), k).toEqual(snapshot[k]);
  });

  it('keeps parameter identity, accepts Maps, casts dtypes, and values share memory with the module', () => {
    const m = new nn.Linear(2, 2);
    const w = m.weight;
    m.loadStateDict(new Map([['weight', T.ones([2, 2], { dtype: 'float64' })], ['bias', T.zeros([2])]]));
    expect(m.weight).toBe(w);
    expect(m.weight.dtype).toBe('float32');
    expect(m.weight.arraySync()).toEqual([[1, 1], [1, 1]]);
    const sd = m.stateDict();
    noGrad(() => m.weight.fill_(3));
    expect(sd.weight!.arraySync()).toEqual([[3, 3], [3, 3]]);
    expect(sd.weight!.requiresGrad).toBe(false);
    expect(m.stateDict({ keepVars: true }).weight).toBe(m.weight);
    expect(Object.keys(m.stateDict({ prefix: 'enc.' }))).toEqual(['enc.weight', 'enc.bias']);
  });

  it('loads PyTorch buffer names (BatchNorm running stats) and the int64 counter as int32', () => {
    const bn = new nn.BatchNorm2d(2);
    bn.loadStateDict({
      weight: tensor([1, 2]), bias: tensor([0, 1]), running_mean: tensor([0.5, -0.5]), running_var: tensor([2, 3]),
      num_batches_tracked: tensor(7 as unknown as number[], { dtype: 'int32' }),
    });
    expect(bn.runningMean!.arraySync()).toEqual([0.5, -0.5]);
    expect(bn.numBatchesTracked!.itemSync()).toBe(7);
  });
});

describe('to(), dtype conversion, cloning, containers', () => {
  it('to(dtype) converts floating parameters and buffers in place, keeping Parameter identity', () => {
    const m = new nn.Sequential(new nn.Linear(3, 2), new nn.BatchNorm1d(2));
    const w = (m.get(0) as nn.Linear).weight;
    const before = Array.from(w.dataSync());
    m.double();
    expect((m.get(0) as nn.Linear).weight).toBe(w);
    expect(w.dtype).toBe('float64');
    expect(Array.from(w.dataSync())).toEqual(before.map((v) => v));
    expect((m.get(1) as nn.BatchNorm1d).runningMean!.dtype).toBe('float64');
    expect((m.get(1) as nn.BatchNorm1d).numBatchesTracked!.dtype).toBe('int32');
    const y = m.forward(T.randn([4, 3], { dtype: 'float64' }));
    expect(y.dtype).toBe('float64');
    y.sum().backward();
    expect(w.grad!.dtype).toBe('float64');
    m.float();
    expect(w.dtype).toBe('float32');
    expect(w.grad!.dtype).toBe('float32');
  });

  it('to(device) moves parameters, gradients and buffers to another device, keeping identity', () => {
    class Cpu2 extends CpuBackend {
      override readonly name: string = 'cpu2';
    }
    registerBackend(new Cpu2(), { priority: -1 });
    const m = new nn.BatchNorm1d(3);
    const w = m.weight!;
    m.forward(T.randn([4, 3])).sum().backward();
    const live = memory().devices.cpu2?.tensors ?? 0;
    m.to('cpu2');
    expect(m.weight).toBe(w);
    expect(w.device).toBe('cpu2');
    expect(w.grad!.device).toBe('cpu2');
    expect(m.runningMean!.device).toBe('cpu2');
    expect(m.forward(T.randn([4, 3], { device: 'cpu2' })).device).toBe('cpu2');
    expect(memory().devices.cpu2!.tensors).toBeGreaterThan(live);
    m.to('cpu');
    expect(w.device).toBe('cpu');
    expect(w.arraySync()).toEqual([1, 1, 1]);
  });

  it('cloneModule deep-copies parameters and buffers', () => {
    const a = new nn.BatchNorm1d(2);
    const b = cloneModule(a);
    expect(b).toBeInstanceOf(nn.BatchNorm1d);
    expect(b.weight).not.toBe(a.weight);
    expect(b.runningMean).not.toBe(a.runningMean);
    noGrad(() => b.weight!.fill_(5));
    expect(a.weight!.arraySync()).toEqual([1, 1]);
    expect(b.weight!.requiresGrad).toBe(true);
    const seq = new nn.Sequential(new nn.Linear(2, 2), new nn.ReLU());
    const copy = cloneModule(seq);
    expect(copy[0]).not.toBe(seq[0]);
    expect(copy[0]).toBe(copy.get(0));
    expect((copy[0] as nn.Linear).weight.arraySync()).toEqual((seq[0] as nn.Linear).weight.arraySync());
  });

  it('Sequential, ModuleList and ModuleDict', () => {
    const seq = new nn.Sequential(new Map<string, Module>([['fc', new nn.Linear(2, 3)], ['act', new nn.ReLU()]]));
    expect(Object.keys(seq.stateDict())).toEqual(['fc.weight', 'fc.bias']);
    expect(seq.length).toBe(2);
    expect(seq[1]).toBeInstanceOf(nn.ReLU);
    expect(seq.get(-1)).toBeInstanceOf(nn.ReLU);
    seq.append(new nn.Linear(3, 1));
    expect(seq.forward(T.randn([5, 2])).shape).toEqual([5, 1]);
    expect([...seq]).toHaveLength(3);

    const list = new nn.ModuleList([new nn.Linear(1, 1)]);
    list.append(new nn.Linear(1, 2)).extend([new nn.Tanh()]);
    list.insert(0, new nn.Identity());
    expect(list.length).toBe(4);
    expect(list[1]).toBeInstanceOf(nn.Linear);
    expect(Object.keys(list.stateDict())).toEqual(['1.weight', '1.bias', '2.weight', '2.bias']);
    expect(() => list.forward()).toThrow('ModuleList has no forward');

    class WithList extends Module {
      layers = new nn.ModuleList([new nn.Linear(2, 2), new nn.Linear(2, 2)]);
      heads = new nn.ModuleDict({ a: new nn.Linear(2, 1) });
      forward(x: Tensor) {
        return x;
      }
    }
    const w = new WithList();
    expect(Object.keys(w.stateDict())).toEqual(['layers.0.weight', 'layers.0.bias', 'layers.1.weight', 'layers.1.bias', 'heads.a.weight', 'heads.a.bias']);
    w.heads.set('b', new nn.Linear(2, 3));
    expect([...w.heads.keys()]).toEqual(['a', 'b']);
    expect(w.heads.get('b')).toBeInstanceOf(nn.Linear);
    expect(() => w.heads.get('c')).toThrow("no module 'c'");
  });

  it('Parameter is a Tensor kept out of tidy, requiring grad', () => {
    let p: Parameter | null = null;
    tidy(() => {
      p = new Parameter(T.randn([2]));
    });
    expect(p!.isDisposed).toBe(false);
    expect(p!.requiresGrad).toBe(true);
    expect(p).toBeInstanceOf(T.Tensor);
    expect(nn.isParameter(p)).toBe(true);
    expect(nn.isParameter(T.zeros([1]))).toBe(false);
    expect(new Parameter(T.zeros([1]), false).requiresGrad).toBe(false);
    expect(p!.toString()).toMatch(/^Parameter containing:\ntensor/);
  });

  it('dispose() frees parameters and buffers', () => {
    const m = new nn.BatchNorm1d(3);
    m.dispose();
    expect(m.weight!.isDisposed).toBe(true);
    expect(m.runningMean!.isDisposed).toBe(true);
  });
});

function expectArrayClose(a: ArrayLike<number>, b: ArrayLike<number>): void {
  expect(a.length).toBe(b.length);
  for (let i = 0; i < a.length; i++) expect(Math.abs(a[i]! - b[i]!)).toBeLessThan(1e-6);
}

/**
 * The Keras API is a layer over nn and optim: optimizers drive `@tessera/optim` optimizers,
 * losses and forward passes are nn's functional ops. These tests pin that down, and that Keras's
 * formulas (where they differ from PyTorch's) still come out.
 */
import { manualSeed, oneHot, randint, randn, rand, tensor, type Tensor } from '@tessera/core';
import { F } from '@tessera/nn';
import * as optim from '@tessera/optim';
import { describe, expect, it } from 'vitest';
import * as tk from '../src/index.js';
import { expectClose } from './helpers.js';

/** A weight and a copy of it, with the same gradients to step on. */
function pair(shape: number[]): { v: tk.LayerVariable; p: Tensor } {
  const w = randn(shape);
  const v = new tk.LayerVariable(w.clone(), 'w');
  const p = w.clone().requiresGrad_(true);
  return { v, p };
}

/** Runs `steps` steps of the Keras optimizer on `v` and of `step(p)` on `p`, with the same random gradients. */
function runBoth(opt: tk.optimizers.Optimizer, v: tk.LayerVariable, p: Tensor, steps: number, step: (t: number) => void): Tensor[] {
  const grads: Tensor[] = [];
  for (let t = 1; t <= steps; t++) {
    const g = randn(p.shape).mul(t % 2 === 0 ? 0.01 : 1);
    grads.push(g);
    v.read().grad = g.clone();
    opt.applyGradients([v]);
    p.grad = g.clone();
    step(t);
  }
  return grads;
}

describe('Keras optimizers delegate to @tessera/optim', () => {
  it('Adam: an optim.Adam with Keras defaults, eps scaled per step to Keras formula', () => {
    manualSeed(0);
    const { v, p } = pair([3, 4]);
    const w0 = Array.from(v.read().dataSync());
    const opt = tk.optimizers.getOptimizer('adam');
    const ref = new optim.Adam([p], { lr: 1e-3, betas: [0.9, 0.999], eps: 1e-7 });
    const grads = runBoth(opt, v, p, 3, (t) => {
      ref.paramGroups[0]!.eps = 1e-7 / Math.sqrt(1 - 0.999 ** t);
      ref.step();
    });
    expect(opt.delegate).toBeInstanceOf(optim.Adam);
    expect(opt.delegate!.paramGroups[0]!.lr).toBe(1e-3);
    expectClose(v.read(), p, 0);

    // Keras 3's update, by hand in float64: alpha = lr·√(1−β2^t)/(1−β1^t), p −= alpha·m/(√v + ε).
    const m = new Float64Array(w0.length);
    const s = new Float64Array(w0.length);
    const w = Float64Array.from(w0);
    grads.forEach((gt, i) => {
      const t = i + 1;
      const g = gt.dataSync();
      const alpha = (1e-3 * Math.sqrt(1 - 0.999 ** t)) / (1 - 0.9 ** t);
      for (let j = 0; j < w.length; j++) {
        m[j] = 0.9 * m[j]! + 0.1 * g[j]!;
        s[j] = 0.999 * s[j]! + 0.001 * g[j]! * g[j]!;
        w[j] = w[j]! - (alpha * m[j]!) / (Math.sqrt(s[j]!) + 1e-7);
      }
    });
    expectClose(v.read(), w, 1e-6);

    // Keras's saved slots are the delegate's state-dict tensors.
    const sd = opt.delegate!.stateDict();
    const weights = opt.getWeights();
    expect(weights.map((x) => x.name)).toEqual(['iteration', 'learning_rate', 'w/momentum', 'w/velocity']);
    expectClose(weights[2]!.tensor, sd.state[0]!['exp_avg'] as Tensor, 0);
    expectClose(weights[3]!.tensor, sd.state[0]!['exp_avg_sq'] as Tensor, 0);
  });

  it('SGD with momentum and Nesterov is optim.SGD; the Keras momentum slot is −lr · momentum_buffer', () => {
    manualSeed(1);
    for (const nesterov of [false, true]) {
      const { v, p } = pair([5]);
      const opt = new tk.optimizers.SGD({ momentum: 0.9, nesterov });
      const ref = new optim.SGD([p], { lr: 0.01, momentum: 0.9, nesterov });
      runBoth(opt, v, p, 4, () => ref.step());
      expect(opt.delegate).toBeInstanceOf(optim.SGD);
      expectClose(v.read(), p, 0);
      const buf = ref.stateDict().state[0]!['momentum_buffer'] as Tensor;
      expectClose(opt.getWeights()[2]!.tensor, buf.mul(-0.01), 1e-9);
    }
  });

  it('SGD momentum keeps Keras velocity when the learning rate changes (buffers rescaled by old / new)', () => {
    manualSeed(12);
    for (const nesterov of [false, true]) {
      const { v } = pair([4]);
      const w = Float64Array.from(v.read().dataSync());
      const m = new Float64Array(w.length);
      const opt = new tk.optimizers.SGD({ learningRate: 0.1, momentum: 0.9, nesterov });
      for (const lr of [0.1, 0.1, 0.02, 0.02, 0.5]) {
        opt.learningRate = lr;
        const g = randn([4]);
        v.read().grad = g.clone();
        opt.applyGradients([v]);
        // Keras 3: m = μm − lr·g; p += m (Nesterov: p += μm − lr·g).
        const gd = g.dataSync();
        for (let j = 0; j < w.length; j++) {
          m[j] = 0.9 * m[j]! - lr * gd[j]!;
          w[j] = w[j]! + (nesterov ? 0.9 * m[j]! - lr * gd[j]! : m[j]!);
        }
      }
      expectClose(v.read(), w, 1e-5);
      expectClose(opt.getWeights()[2]!.tensor, m, 1e-5);
    }
  });

  it('RMSprop is an optim.RMSprop (rho → alpha) computing Keras update, ε inside the square root', () => {
    manualSeed(2);
    const { v } = pair([6]);
    const w = Float64Array.from(v.read().dataSync());
    const opt = tk.optimizers.getOptimizer('rmsprop');
    const sq = new Float64Array(w.length);
    for (let t = 1; t <= 3; t++) {
      const g = randn([6]).mul(0.001);
      v.read().grad = g.clone();
      opt.applyGradients([v]);
      const gd = g.dataSync();
      for (let j = 0; j < w.length; j++) {
        sq[j] = 0.9 * sq[j]! + 0.1 * gd[j]! ** 2;
        w[j] = w[j]! - (1e-3 * gd[j]!) / Math.sqrt(sq[j]! + 1e-7);
      }
    }
    expect(opt.delegate).toBeInstanceOf(optim.RMSprop);
    expect(opt.delegate!.paramGroups[0]!['alpha']).toBe(0.9);
    expectClose(v.read(), w, 1e-6);
  });

  it('Adagrad is an optim.Adagrad whose sums hold Keras accumulator (initial 0.1) plus ε', () => {
    manualSeed(3);
    const { v } = pair([4]);
    const w = Float64Array.from(v.read().dataSync());
    const opt = tk.optimizers.getOptimizer('adagrad');
    const acc = new Float64Array(w.length).fill(0.1);
    for (let t = 1; t <= 3; t++) {
      const g = randn([4]);
      v.read().grad = g.clone();
      opt.applyGradients([v]);
      const gd = g.dataSync();
      for (let j = 0; j < w.length; j++) {
        acc[j] = acc[j]! + gd[j]! ** 2;
        w[j] = w[j]! - (1e-3 * gd[j]!) / Math.sqrt(acc[j]! + 1e-7);
      }
    }
    expect(opt.delegate).toBeInstanceOf(optim.Adagrad);
    expectClose(v.read(), w, 1e-6);
    expectClose(opt.getWeights()[2]!.tensor, acc, 1e-5);
  });

  it('restoring saved state goes through loadStateDict and continues exactly', () => {
    manualSeed(4);
    const { v } = pair([3, 2]);
    const twin = new tk.LayerVariable(v.read().detach().clone(), 'w');
    const a = new tk.optimizers.Adam({ learningRate: 0.01 });
    for (let t = 0; t < 2; t++) {
      v.read().grad = randn([3, 2]);
      a.applyGradients([v]);
    }
    twin.write(v.read());
    const b = new tk.optimizers.Adam({ learningRate: 0.5 });
    b.setWeights(a.getWeights(), [twin]);
    expect(b.iterations).toBe(2);
    expect(b.learningRate).toBe(0.01);
    expect(b.delegate!.paramGroups[0]!.lr).toBe(0.01);
    expect(b.delegate!.state.get(twin.read())!['step']).toBe(2);
    const g = randn([3, 2]);
    v.read().grad = g.clone();
    twin.read().grad = g.clone();
    a.applyGradients([v]);
    b.applyGradients([twin]);
    expectClose(twin.read(), v.read(), 0);
  });

  it('learning-rate callbacks reach the param groups of the optim optimizer', async () => {
    manualSeed(5);
    const x = randn([32, 4]);
    const y = randn([32, 1]);
    const model = tk.sequential({ layers: [tk.layers.dense({ units: 1, inputShape: [4] })] });
    model.compile({ optimizer: 'sgd', loss: 'mse' });
    const seen: number[] = [];
    const probe = { onEpochEnd: () => void seen.push(model.optimizer!.delegate!.paramGroups[0]!.lr) };
    const schedule = new tk.callbacks.LearningRateScheduler((epoch) => 0.1 / (epoch + 1));
    await model.fit(x, y, { epochs: 3, batchSize: 8, verbose: 0, callbacks: [schedule, probe] });
    expect(seen).toEqual([0.1, 0.05, 0.1 / 3]);
    const plateau = new tk.callbacks.ReduceLROnPlateau({ monitor: 'loss', patience: 0, minDelta: 1e9, factor: 0.5 });
    await model.fit(x, y, { epochs: 1, batchSize: 8, verbose: 0, callbacks: [plateau] });
    expect(model.optimizer!.delegate!.paramGroups[0]!.lr).toBe(model.optimizer!.learningRate);
  });
});

describe('Keras losses are nn.F losses', () => {
  it('cross-entropies from logits and from probabilities (clipped at 1e-7)', () => {
    manualSeed(6);
    const logits = randn([5, 4]);
    const labels = randint(0, 4, [5]);
    const ce = (id: string, config: Record<string, unknown> = {}): ((t: Tensor, p: Tensor) => Tensor) => tk.losses.getLoss({ className: id, config });
    expectClose(ce('SparseCategoricalCrossentropy', { from_logits: true })(labels, logits), F.crossEntropy(logits, labels, { reduction: 'none' }), 0);
    const probs = logits.softmax(-1);
    expectClose(ce('SparseCategoricalCrossentropy')(labels, probs), F.nllLoss(probs.clamp(1e-7, 1 - 1e-7).log(), labels, { reduction: 'none' }), 1e-6);
    const target = oneHot(labels, 4).float();
    expectClose(ce('CategoricalCrossentropy', { from_logits: true, label_smoothing: 0.1 })(target, logits), F.crossEntropy(logits, target, { reduction: 'none', labelSmoothing: 0.1 }), 0);
    // A zero probability for the true class costs −log(1e-7), as in Keras.
    const hard = tensor([[0, 1]]);
    expectClose(ce('SparseCategoricalCrossentropy')(tensor([0], { dtype: 'int32' }), hard), [-Math.log(1e-7)], 1e-4);
    expectClose(ce('CategoricalCrossentropy')(tensor([[1, 0]]), hard), [-Math.log(1e-7)], 1e-4);
  });

  it('binary cross-entropy, mse, mae and huber', () => {
    manualSeed(7);
    const p = rand([6, 3]);
    const t = randint(0, 2, [6, 3]).float();
    const loss = (id: string): ((t: Tensor, p: Tensor) => Tensor) => tk.losses.getLoss(id);
    expectClose(loss('binary_crossentropy')(t, p), F.binaryCrossEntropy(p.clamp(1e-7, 1 - 1e-7), t, { reduction: 'none' }).mean(-1), 0);
    const logits = randn([6, 3]);
    expectClose(tk.losses.getLoss({ className: 'BinaryCrossentropy', config: { from_logits: true } })(t, logits), F.binaryCrossEntropyWithLogits(logits, t, { reduction: 'none' }).mean(-1), 0);
    const y = randn([6, 3]);
    expectClose(loss('mse')(y, p), F.mseLoss(p, y, { reduction: 'none' }).mean(-1), 0);
    expectClose(loss('mae')(y, p), F.l1Loss(p, y, { reduction: 'none' }).mean(-1), 0);
    expectClose(loss('huber')(y, p.mul(3)), F.huberLoss(p.mul(3), y, { reduction: 'none' }).mean(-1), 0);
  });
});

describe('layer forward passes are nn.F ops on permuted inputs', () => {
  it('Dense is F.linear with the [in, out] kernel transposed', () => {
    manualSeed(8);
    const d = tk.layers.dense({ units: 3, inputShape: [4], biasInitializer: 'random_normal' });
    const x = randn([2, 4]);
    const y = d.apply(x) as Tensor;
    const [k, b] = d.getWeights();
    expect(k!.shape).toEqual([4, 3]);
    expectClose(y, F.linear(x, k!.t(), b!), 0);
  });

  it('Conv2D (HWIO kernel, channels last) is F.conv2d on NCHW with an OIHW weight', () => {
    manualSeed(9);
    const c = tk.layers.conv2d({ filters: 4, kernelSize: 3, strides: 2, inputShape: [7, 7, 2], biasInitializer: 'random_normal' });
    const x = randn([2, 7, 7, 2]);
    const y = c.apply(x) as Tensor;
    const [k, b] = c.getWeights();
    expect(k!.shape).toEqual([3, 3, 2, 4]);
    const ref = F.conv2d(x.permute([0, 3, 1, 2]), k!.permute([3, 2, 0, 1]), b!, { stride: 2 }).permute([0, 2, 3, 1]);
    expectClose(y, ref, 1e-5);
  });

  it('BatchNormalization at inference is F.batchNorm over the channel axis; LayerNormalization is F.layerNorm', () => {
    manualSeed(10);
    const bn = tk.layers.batchNormalization({ inputShape: [3, 3, 2], movingMeanInitializer: 'random_normal', gammaInitializer: 'random_uniform' });
    const x = randn([2, 3, 3, 2]);
    const y = bn.apply(x) as Tensor;
    const [gamma, beta, mean, variance] = bn.getWeights();
    const ref = F.batchNorm(x.permute([0, 3, 1, 2]), mean!, variance!, { weight: gamma!, bias: beta!, eps: 1e-3 }).permute([0, 2, 3, 1]);
    expectClose(y, ref, 1e-6);
    const ln = tk.layers.layerNormalization({ inputShape: [5] });
    const z = randn([4, 5]);
    const out = ln.apply(z) as Tensor;
    const [g2, b2] = ln.getWeights();
    expectClose(out, F.layerNorm(z, [5], g2!, b2!, 1e-3), 1e-6);
  });

  it('MultiHeadAttention runs on F.linear and F.scaledDotProductAttention, equal to the explicit path that returns the scores', () => {
    manualSeed(11);
    const mha = tk.layers.multiHeadAttention({ numHeads: 2, keyDim: 3, biasInitializer: 'random_normal' });
    const q = randn([2, 4, 5]);
    const v = randn([2, 6, 5]);
    const [withScores] = mha.apply(q, { value: v, returnAttentionScores: true }) as Tensor[];
    expectClose(mha.apply(q, { value: v }) as Tensor, withScores!, 1e-5);
    const [causalWithScores] = mha.apply(q, { value: q, useCausalMask: true, returnAttentionScores: true }) as Tensor[];
    expectClose(mha.apply(q, { value: q, useCausalMask: true }) as Tensor, causalWithScores!, 1e-5);
  });
});

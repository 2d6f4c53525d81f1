// Tessera on its native backend (@tessera/backend-native, the C++ addon), measured in this process
// with the addon's default thread count (the machine's cores, or TESSERA_NUM_THREADS). The MLP
// epoch trains as a user does, with @tessera/nn and @tessera/optim (as the PyTorch peer does with
// torch.nn and torch.optim); the convnet cases use core ops + @tessera/autograd + the backend's
// fused Adam step. Skipped when the addon is not built.
import { createRequire } from 'node:module';
import { checkMatmul } from './tessera-cpu.mjs';

const require = createRequire(import.meta.url);
const pkg = (name) => new URL(`../../packages/${name}/`, import.meta.url);

let core;
let native;
let autograd;
let nn;
let optim;
const dev = { device: 'native' };

/** Deterministic pseudo-random floats in [-0.5, 0.5) (fast: no Box-Muller for 47M values). */
function fill(n, seed) {
  const a = new Float32Array(n);
  let s = seed >>> 0 || 1;
  for (let i = 0; i < n; i++) {
    s ^= s << 13;
    s >>>= 0;
    s ^= s >>> 17;
    s ^= s << 5;
    s >>>= 0;
    a[i] = s / 4294967296 - 0.5;
  }
  return a;
}

function labels(n, seed) {
  const f = fill(n, seed);
  return core.tensor(Int32Array.from(f, (v) => Math.floor((v + 0.5) * 10)), { shape: [n, 1], ...dev });
}

/** Parameters (requiring grad) and an Adam step over them using the fused kernel. */
function trainable(shapes, lr) {
  const params = shapes.map(([shape, scale], i) => core.tensor(fill(shape.reduce((a, b) => a * b, 1), 7 + i).map((v) => v * scale), { shape, ...dev }).requiresGrad_());
  const state = params.map((p) => [core.zerosLike(p), core.zerosLike(p)]);
  let t = 0;
  const step = () => {
    t++;
    params.forEach((p, i) => {
      native.adamStep(p, p.grad, state[i][0], state[i][1], { lr, step: t });
      p.grad.dispose();
      p.grad = null;
    });
  };
  const dispose = () => core.dispose([...params, ...state.flat()]);
  return { params, step, dispose };
}

/** Cross-entropy through autograd: -mean(logSoftmax(logits)[y]). */
const crossEntropy = (logits, y) => logits.logSoftmax(1).gather(1, y).mean().neg();

/**
 * The convnet's layers as custom autograd functions over the backend's fused kernels (conv2d
 * forward and both gradients, max pooling with indices, relu, cross-entropy with its gradient):
 * autograd's rules for core's conv2d/maxPool2d now call the same kernels (through core's gradient
 * ops), so 'convnet-step' and this case differ mainly in relu and the loss.
 */
function fusedLayers() {
  const { defineFunction } = autograd;
  const conv = defineFunction({
    name: 'conv2d',
    forward: (ctx, x, w, b) => {
      ctx.saveForBackward(x, w);
      return native.conv2d(x, w, b);
    },
    backward: (ctx, g) => {
      const [x, w] = ctx.savedTensors;
      const dx = ctx.needsInputGrad[0] ? native.conv2dBackwardInput(g, w, x.shape) : null;
      const { gradWeight, gradBias } = native.conv2dBackwardWeight(x, g, w.shape, { bias: true });
      return [dx, gradWeight, gradBias];
    },
  });
  const pool = defineFunction({
    name: 'maxPool2d',
    forward: (ctx, x) => {
      const { output, indices } = native.maxPool2d(x, { kernelSize: 2 });
      ctx.values.indices = indices;
      ctx.values.shape = x.shape;
      return output;
    },
    backward: (ctx, g) => native.maxPool2dBackward(g, ctx.values.indices, ctx.values.shape),
  });
  const relu = defineFunction({
    name: 'relu',
    forward: (ctx, x) => {
      ctx.saveForBackward(x);
      return native.biasActivation(x, null, 'relu');
    },
    backward: (ctx, g) => native.activationBackward(ctx.savedTensors[0], g, 'relu'),
  });
  const loss = defineFunction({
    name: 'crossEntropy',
    forward: (ctx, logits, y) => {
      const { loss: l, gradLogits } = native.crossEntropy(logits, y);
      ctx.values.grad = gradLogits;
      return l;
    },
    backward: (ctx, g) => [ctx.values.grad.mul(g), null],
  });
  return { conv, pool, relu, loss };
}

export default {
  id: 'tessera-native',

  async setup() {
    try {
      core = await import('@tessera/core');
      native = await import(new URL('dist/index.js', pkg('backend-native')).href);
      autograd = await import(new URL('dist/index.js', pkg('autograd')).href);
      nn = await import(new URL('dist/index.js', pkg('nn')).href);
      optim = await import(new URL('dist/index.js', pkg('optim')).href);
    } catch (e) {
      return { skip: `@tessera/backend-native is not available: ${String(e?.message ?? e).split('\n')[0]}` };
    }
    const info = native.nativeInfo();
    const version = require(new URL('package.json', pkg('backend-native')).pathname).version;
    return {
      label: `@tessera/backend-native ${version} (${info.simd}, SGEMM ${info.gemmKernel}, ${info.threads} thread${info.threads === 1 ? '' : 's'})`,
      info: { simd: info.simd, gemmKernel: info.gemmKernel, threads: info.threads },
    };
  },

  prepare(kase) {
    switch (kase.kind) {
      case 'matmul':
      case 'sgemm': {
        const { n } = kase.params;
        const a = core.randn([n, n], dev);
        const b = core.randn([n, n], dev);
        const c = a.matmul(b);
        checkMatmul(a.dataSync(), b.dataSync(), c.dataSync(), n);
        c.dispose();
        return {
          fn: () => a.matmul(b).dispose(),
          cleanup: () => core.dispose([a, b]),
        };
      }
      case 'addDispatch': {
        const { size } = kase.params;
        const a = core.randn([size], dev);
        const b = core.randn([size], dev);
        return { fn: () => a.add(b).dispose(), cleanup: () => core.dispose([a, b]) };
      }
      case 'mlpEpoch': {
        // What a user writes (as the PyTorch peer): nn.Linear/ReLU, F.crossEntropy, optim.Adam with
        // zeroGrad/backward/step. Linear, cross-entropy and the Adam step each run as one op here
        // (the addon's fused kernels).
        const { images, batch, hidden, lr } = kase.params;
        const x = core.tensor(fill(images * 784, 1), { shape: [images, 784], ...dev });
        const y2 = labels(images, 2);
        const y = y2.reshape([images]);
        const model = new nn.Sequential(new nn.Linear(784, hidden, dev), new nn.ReLU(), new nn.Linear(hidden, 10, dev));
        const opt = new optim.Adam(model.parameters(), { lr });
        return {
          fn: () => {
            for (let i = 0; i + batch <= images; i += batch) {
              opt.zeroGrad();
              core.tidy(() => {
                nn.F.crossEntropy(model.forward(x.slice(0, i, i + batch)), y.slice(0, i, i + batch)).backward();
              });
              opt.step();
            }
          },
          cleanup: () => {
            opt.zeroGrad();
            for (const st of opt.state.values()) core.dispose(Object.values(st).filter((v) => v instanceof core.Tensor));
            core.dispose([...model.parameters(), x, y, y2]);
          },
        };
      }
      case 'convStep': {
        const { batch, lr, fused } = kase.params;
        const x = core.tensor(fill(batch * 784, 3), { shape: [batch, 1, 28, 28], ...dev });
        const y = labels(batch, 4);
        const m = trainable([[[32, 1, 3, 3], 0.6], [[32], 0], [[64, 32, 3, 3], 0.1], [[64], 0], [[1600, 10], 0.05], [[10], 0]], lr);
        const [w1, b1, w2, b2, w3, b3] = m.params;
        const f = fused ? fusedLayers() : null;
        const y1 = fused ? y.reshape([batch]) : null;
        return {
          fn: () => {
            core.tidy(() => {
              if (f) {
                let h = f.pool(f.relu(f.conv(x, w1, b1)));
                h = f.pool(f.relu(f.conv(h, w2, b2)));
                f.loss(h.reshape([batch, 1600]).matmul(w3).add(b3), y1).backward();
                return;
              }
              let h = core.maxPool2d(core.conv2d(x, w1, b1).relu(), 2);
              h = core.maxPool2d(core.conv2d(h, w2, b2).relu(), 2);
              crossEntropy(h.reshape([batch, 1600]).matmul(w3).add(b3), y).backward();
            });
            m.step();
          },
          cleanup: () => {
            m.dispose();
            core.dispose([x, y, y1]);
          },
        };
      }
      default:
        return null;
    }
  },
};

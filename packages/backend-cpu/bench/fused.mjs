// Fused kernels against core's compositions: each case runs on 'cpu' (fused) and on 'cpu-ref', a
// second CpuBackend without fused kernels. Samples are interleaved and medians reported (the
// machine may be shared). `pnpm build && node bench/fused.mjs [filter]`.
import * as core from '@tessera/core';
import { CpuBackend } from '../dist/index.js';

core.registerBackend(new CpuBackend({ name: 'cpu-ref' }), { priority: -1 });
const filter = process.argv[2] ?? '';

const randn = (shape) => core.randn(shape);
const cases = [
  ['softmax [128, 1000] dim -1', () => [randn([128, 1000])], ([x]) => core.softmax(x, -1)],
  ['logSoftmax [128, 1000] dim -1', () => [randn([128, 1000])], ([x]) => core.logSoftmax(x, -1)],
  ['softmax [32, 10, 28, 28] dim 1', () => [randn([32, 10, 28, 28])], ([x]) => core.softmax(x, 1)],
  ['logsumexp [128, 1000] dim -1', () => [randn([128, 1000])], ([x]) => core.logsumexp(x, -1)],
  ['mean [128, 1000] dim -1', () => [randn([128, 1000])], ([x]) => core.mean(x, -1)],
  ['var [128, 1000] dim 0', () => [randn([128, 1000])], ([x]) => core.variance(x, 0)],
  ['cumsum [256, 1024] dim -1', () => [randn([256, 1024])], ([x]) => core.cumsum(x, -1)],
  ['argmax [256, 1000] dim -1', () => [randn([256, 1000])], ([x]) => core.argmax(x, -1)],
  ['sort [16, 512] dim -1', () => [randn([16, 512])], ([x]) => Object.values(core.sort(x, -1))],
  ['conv2d [64,1,28,28] * [32,1,3,3]', () => [randn([64, 1, 28, 28]), randn([32, 1, 3, 3]), randn([32])], ([x, w, b]) => core.conv2d(x, w, b)],
  ['conv2d [64,32,13,13] * [64,32,3,3]', () => [randn([64, 32, 13, 13]), randn([64, 32, 3, 3]), randn([64])], ([x, w, b]) => core.conv2d(x, w, b)],
  ['conv2d [8,64,32,32] * [64,64,3,3] pad 1', () => [randn([8, 64, 32, 32]), randn([64, 64, 3, 3])], ([x, w]) => core.conv2d(x, w, null, { padding: 1 })],
  ['conv2d [8,64,32,32] * [128,64,1,1]', () => [randn([8, 64, 32, 32]), randn([128, 64, 1, 1])], ([x, w]) => core.conv2d(x, w)],
  ['convTranspose2d [8,32,14,14] * [32,16,4,4] s2', () => [randn([8, 32, 14, 14]), randn([32, 16, 4, 4])], ([x, w]) => core.convTranspose2d(x, w, null, { stride: 2 })],
  ['foldWindows2d [64,32,26,26,3,3] -> 28x28', () => [randn([64, 32, 26, 26, 3, 3])], ([w]) => core.foldWindows2d(w, [28, 28], { kernel: [3, 3], stride: [1, 1], dilation: [1, 1] })],
  ['maxPool2d [64,32,26,26] k2', () => [randn([64, 32, 26, 26])], ([x]) => core.maxPool2d(x, 2)],
  ['avgPool2d [64,32,26,26] k3 s2 p1', () => [randn([64, 32, 26, 26])], ([x]) => core.avgPool2d(x, 3, { stride: 2, padding: 1 })],
];

const median = (xs) => [...xs].sort((a, b) => a - b)[xs.length >> 1];
const dispose = (y) => (Array.isArray(y) ? y.forEach((t) => t.dispose()) : y.dispose());
console.log(`${'case'.padEnd(46)} ${'fused ms'.padStart(9)} ${'composed ms'.padStart(12)} ${'speedup'.padStart(8)}`);
for (const [name, make, run] of cases) {
  if (!name.includes(filter)) continue;
  const fused = make();
  const ref = fused.map((t) => t.to('cpu-ref'));
  const time = (inputs) => {
    const t0 = performance.now();
    dispose(run(inputs));
    return performance.now() - t0;
  };
  time(fused);
  const refFirst = time(ref);
  const rounds = Math.max(3, Math.min(15, Math.floor(3000 / Math.max(refFirst, 1))));
  const tf = [];
  const tr = [];
  for (let r = 0; r < rounds; r++) {
    tf.push(time(fused));
    tr.push(time(ref));
  }
  const f = median(tf);
  const c = median(tr);
  console.log(`${name.padEnd(46)} ${f.toFixed(2).padStart(9)} ${c.toFixed(2).padStart(12)} ${(c / f).toFixed(1).padStart(7)}x`);
  [...fused, ...ref].forEach((t) => t.dispose());
}

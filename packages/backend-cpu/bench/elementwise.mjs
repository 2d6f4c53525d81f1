// Elementwise and reduction throughput of the built kernels: `pnpm build && node bench/elementwise.mjs`.
import { binaryImpl, reduceImpl, unaryImpl } from '../dist/index.js';

const R = 1024, C = 1024, n = R * C;
const x = new Float32Array(n).map(() => Math.random());
const y = new Float32Array(n).map(() => Math.random());
const out = new Float32Array(n);
const dense = (v) => ({ values: v, shape: [R, C], strides: [C, 1], offset: 0 });
const cases = {
  'add contiguous': () => binaryImpl('add', dense(x), dense(y), out),
  'add scalar': () => binaryImpl('add', dense(x), { values: y, shape: [R, C], strides: [0, 0], offset: 0 }, out),
  'add row-broadcast': () => binaryImpl('add', dense(x), { values: y, shape: [R, C], strides: [0, 1], offset: 0 }, out),
  'add transposed': () => binaryImpl('add', dense(x), { values: y, shape: [R, C], strides: [1, R], offset: 0 }, out),
  'exp contiguous': () => unaryImpl('exp', dense(x), out),
  'relu contiguous': () => unaryImpl('relu', dense(x), out),
  'sum last axis': () => reduceImpl('sum', dense(x), [1], new Float32Array(R)),
  'sum first axis': () => reduceImpl('sum', dense(x), [0], new Float32Array(C)),
  'sum all': () => reduceImpl('sum', dense(x), [0, 1], new Float32Array(1)),
  'max last axis': () => reduceImpl('max', dense(x), [1], new Float32Array(R)),
};
for (const [name, fn] of Object.entries(cases)) {
  let best = Infinity;
  for (let r = 0; r < 30; r++) {
    const t = performance.now();
    fn();
    best = Math.min(best, performance.now() - t);
  }
  console.log(`${name.padEnd(20)} ${best.toFixed(3)} ms  (${(n / best / 1e6).toFixed(2)} Gelem/s)`);
}

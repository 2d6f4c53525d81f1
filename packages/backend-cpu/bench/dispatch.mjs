// End-to-end cost of a small op, `a.add(b).dispose()` on 1,000 float32 elements, against
// tfjs-backend-cpu in the same process (samples interleaved, medians reported: the machine may be
// shared). `--pollute` first runs ops on every dtype, as a real program does, so that shared loops
// have seen several array types. `pnpm build && node bench/dispatch.mjs [--pollute]`.
import { createRequire } from 'node:module';
import * as core from '@tessera/core';
import '../dist/index.js';

const require = createRequire(import.meta.url);
const tf = require('@tensorflow/tfjs-core');
require('@tensorflow/tfjs-backend-cpu');
tf.env().set('PROD', true);
await tf.setBackend('cpu');

const SIZE = 1000;
if (process.argv.includes('--pollute')) {
  for (const dtype of ['float64', 'int32', 'uint8', 'bool', 'float32']) {
    const x = core.cast(core.randn([SIZE]).mul(10), dtype);
    const y = core.cast(core.randn([7, 3]).mul(10), dtype);
    for (let i = 0; i < 500; i++) {
      for (const op of ['add', 'mul', 'maximum', 'lt', 'eq']) {
        core[op](x, x).dispose();
        core[op](y, y.transpose(0, 1).transpose(0, 1)).dispose();
      }
      for (const op of ['exp', 'relu', 'abs']) core[op](x).dispose();
    }
  }
}

const a = core.randn([SIZE]);
const b = core.randn([SIZE]);
const ta = tf.randomNormal([SIZE]);
const tb = tf.randomNormal([SIZE]);
const cases = {
  tessera: () => a.add(b).dispose(),
  'tfjs-cpu': () => tf.add(ta, tb).dispose(),
};
const CALLS = 2000;
const samples = Object.fromEntries(Object.keys(cases).map((k) => [k, []]));
for (let round = 0; round < 40; round++) {
  for (const [name, fn] of Object.entries(cases)) {
    const t0 = performance.now();
    for (let i = 0; i < CALLS; i++) fn();
    if (round >= 5) samples[name].push(((performance.now() - t0) * 1e3) / CALLS);
  }
}
const median = (xs) => [...xs].sort((p, q) => p - q)[xs.length >> 1];
for (const [name, xs] of Object.entries(samples)) {
  console.log(`${name.padEnd(9)} add ${SIZE} float32: ${median(xs).toFixed(2)} us/op (median of ${xs.length})`);
}

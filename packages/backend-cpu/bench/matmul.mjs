// Matmul throughput of the built kernel: `pnpm build && node --expose-gc bench/matmul.mjs [sizes...]`.
import { matmulImpl } from '../dist/index.js';

const sizes = process.argv.slice(2).map(Number);
if (sizes.length === 0) sizes.push(128, 256, 512, 1024);
const dtypes = (process.env.DTYPES ?? 'float32,float64').split(',');

function randomArray(Ctor, n) {
  const a = new Ctor(n);
  for (let i = 0; i < n; i++) a[i] = Math.random() * 2 - 1;
  return a;
}

for (const dtype of dtypes) {
  const Ctor = dtype === 'float64' ? Float64Array : Float32Array;
  for (const n of sizes) {
    const a = { values: randomArray(Ctor, n * n), shape: [1, n, n], strides: [n * n, n, 1], offset: 0 };
    const b = { values: randomArray(Ctor, n * n), shape: [1, n, n], strides: [n * n, n, 1], offset: 0 };
    const flops = 2 * n ** 3;
    const reps = Math.max(3, Math.round(3e9 / flops));
    let best = Infinity;
    for (let r = 0; r < reps + 2; r++) {
      globalThis.gc?.();
      const out = new Ctor(n * n);
      const t0 = performance.now();
      matmulImpl(a, b, out);
      const ms = performance.now() - t0;
      if (r >= 2) best = Math.min(best, ms); // the first runs warm up the JIT
    }
    console.log(`${dtype} ${n}x${n}x${n}: ${(flops / best / 1e6).toFixed(2)} GFLOP/s (${best.toFixed(2)} ms)`);
  }
}

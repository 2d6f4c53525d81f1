// Tessera on its pure-TypeScript CPU backend, measured in this process.
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);

let core;

export default {
  id: 'tessera-cpu',

  async setup() {
    core = await import('@tessera/core');
    await import('@tessera/backend-cpu');
    if (typeof core.setDefaultDevice === 'function') core.setDefaultDevice('cpu');
    const v = (name) => require(`${name}/package.json`).version;
    return {
      label: `@tessera/core ${v('@tessera/core')} + backend-cpu ${v('@tessera/backend-cpu')}`,
      info: { threads: 1 },
    };
  },

  /** Returns `{ fn, cleanup }` for an in-process case, or null when the case is not supported. */
  prepare(kase) {
    const { randn } = core;
    switch (kase.kind) {
      case 'matmul': {
        const { n } = kase.params;
        const a = randn([n, n]);
        const b = randn([n, n]);
        const c = a.matmul(b);
        checkMatmul(a.dataSync(), b.dataSync(), c.dataSync(), n);
        c.dispose();
        return {
          fn: () => {
            const out = a.matmul(b);
            out.dataSync();
            out.dispose();
          },
          cleanup: () => {
            a.dispose();
            b.dispose();
          },
        };
      }
      case 'addDispatch': {
        const { size } = kase.params;
        const a = randn([size]);
        const b = randn([size]);
        return {
          fn: () => a.add(b).dispose(),
          cleanup: () => {
            a.dispose();
            b.dispose();
          },
        };
      }
      default:
        return null;
    }
  },
};

/** A benchmark of a wrong answer is worthless: spot-check one row of the product. */
export function checkMatmul(a, b, c, n) {
  for (const j of [0, n >> 1, n - 1]) {
    let ref = 0;
    for (let k = 0; k < n; k++) ref += a[k] * b[k * n + j];
    if (Math.abs(c[j] - ref) > 1e-3 * Math.sqrt(n) * (1 + Math.abs(ref))) {
      throw new Error(`matmul ${n}: c[0, ${j}] = ${c[j]}, expected ${ref}`);
    }
  }
}

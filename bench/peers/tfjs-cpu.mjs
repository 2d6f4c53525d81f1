// TensorFlow.js with its pure-JavaScript CPU backend (@tensorflow/tfjs-backend-cpu), in this process.
import { createRequire } from 'node:module';
import { checkMatmul } from './tessera-cpu.mjs';

const require = createRequire(import.meta.url);

let tf;

export default {
  id: 'tfjs-cpu',

  async setup() {
    tf = require('@tensorflow/tfjs-core');
    require('@tensorflow/tfjs-backend-cpu');
    tf.env().set('PROD', true); // skip debug-mode checks, as a production user would
    if (!(await tf.setBackend('cpu'))) throw new Error("tf.setBackend('cpu') failed");
    await tf.ready();
    return {
      label: `tfjs-core ${require('@tensorflow/tfjs-core/package.json').version} + tfjs-backend-cpu ${require('@tensorflow/tfjs-backend-cpu/package.json').version}`,
      info: { backend: tf.getBackend(), threads: 1 },
    };
  },

  prepare(kase) {
    switch (kase.kind) {
      case 'matmul': {
        const { n } = kase.params;
        const a = tf.randomNormal([n, n], 0, 1, 'float32');
        const b = tf.randomNormal([n, n], 0, 1, 'float32');
        const c = tf.matMul(a, b);
        checkMatmul(a.dataSync(), b.dataSync(), c.dataSync(), n);
        c.dispose();
        return {
          fn: () => {
            const out = tf.matMul(a, b);
            out.dataSync();
            out.dispose();
          },
          cleanup: () => tf.dispose([a, b]),
        };
      }
      case 'addDispatch': {
        const { size } = kase.params;
        const a = tf.randomNormal([size], 0, 1, 'float32');
        const b = tf.randomNormal([size], 0, 1, 'float32');
        return {
          fn: () => tf.add(a, b).dispose(),
          cleanup: () => tf.dispose([a, b]),
        };
      }
      default:
        return null;
    }
  },
};

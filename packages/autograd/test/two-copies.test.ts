/**
 * ESM and CommonJS copies of the packages loaded side by side share one engine and one autograd
 * state: a graph recorded through one copy is differentiated by the other.
 */
import '@tessera/backend-cpu';
import { tensor, type Tensor } from '@tessera/core';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import { grad } from '../src/index.js';

const require = createRequire(import.meta.url);
const built = existsSync(new URL('../dist/index.cjs', import.meta.url));

describe.skipIf(!built)('two loaded copies (needs the build)', () => {
  it('share the recorder state across ESM and CommonJS', () => {
    const cjsCore = require('@tessera/core') as typeof import('@tessera/core');
    const cjsAutograd = require('../dist/index.cjs') as typeof import('../src/index.js');
    const x = tensor([1, 2], { requiresGrad: true }); // ESM core
    const y = cjsCore.mul(x, x).sum(); // CommonJS core, CommonJS autograd's recorder
    y.backward();
    expect(x.grad!.arraySync()).toEqual([2, 4]);
    const d = cjsAutograd.grad((t: Tensor) => t.pow(3).sum())(tensor([2]));
    expect(d.arraySync()).toEqual([12]);
    expect(grad((t: Tensor) => cjsCore.exp(t).sum())(tensor([0])).arraySync()).toEqual([1]);
  });
});

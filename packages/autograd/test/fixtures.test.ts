/**
 * Gradients of composite expressions against PyTorch: fixtures/*.json were written by
 * fixtures/generate.py (PyTorch, float64 reference on float32 inputs); Tessera computes in float32.
 */
import '@tessera/backend-cpu';
import * as core from '@tessera/core';
import { tensor, type Tensor } from '@tessera/core';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import '../src/index.js';

interface Encoded {
  shape: number[];
  dtype: 'float32' | 'int32';
  data: number[];
}
interface Fixture {
  description: string;
  inputs: Record<string, Encoded>;
  outputs: Record<string, Encoded>;
  grads: Record<string, Encoded>;
}

const here = dirname(fileURLToPath(import.meta.url));
const load = (name: string): Fixture => JSON.parse(readFileSync(join(here, '..', 'fixtures', `${name}.json`), 'utf8')) as Fixture;

/** Fixture inputs as tensors; those with a reference gradient require grad. */
function inputsOf(f: Fixture): Record<string, Tensor> {
  const out: Record<string, Tensor> = {};
  for (const [k, v] of Object.entries(f.inputs)) {
    const values = v.dtype === 'int32' ? Int32Array.from(v.data) : Float32Array.from(v.data);
    out[k] = tensor(values, { shape: v.shape, dtype: v.dtype, requiresGrad: k in f.grads });
  }
  return out;
}

/** Compares with float32 tolerance: |got - want| <= 1e-4 + 1e-4 |want|. */
function expectClose(name: string, got: Tensor | null, want: Encoded): void {
  expect(got, `${name} is missing`).not.toBeNull();
  expect(got!.shape, `${name} shape`).toEqual(want.shape);
  const data = got!.dataSync();
  let worst = 0;
  let at = -1;
  want.data.forEach((w, i) => {
    const excess = Math.abs(data[i]! - w) - (1e-4 + 1e-4 * Math.abs(w));
    if (excess > worst) [worst, at] = [excess, i];
  });
  expect(at, `${name}[${at}]: got ${data[at]}, PyTorch ${want.data[at]}`).toBe(-1);
}

function check(f: Fixture, p: Record<string, Tensor>, outputs: Record<string, Tensor>): void {
  for (const [k, v] of Object.entries(f.outputs)) expectClose(`output ${k}`, outputs[k]!, v);
  for (const [k, v] of Object.entries(f.grads)) expectClose(`grad of ${k}`, p[k]!.grad, v);
}

describe('gradients match PyTorch', () => {
  it('MLP layer: linear + relu + linear', () => {
    const f = load('mlp');
    const p = inputsOf(f);
    const hidden = p.x!.matmul(p.w1!.t()).add(p.b1!).relu();
    const out = hidden.matmul(p.w2!.t()).add(p.b2!);
    const loss = out.mul(p.r!).sum();
    loss.backward();
    check(f, p, { out, loss });
  });

  it('softmax cross-entropy: logSoftmax + gather + mean', () => {
    const f = load('cross_entropy');
    const p = inputsOf(f);
    const logp = p.logits!.logSoftmax(1);
    const loss = logp.gather(1, p.target!.unsqueeze(1)).mean().neg();
    loss.backward();
    check(f, p, { loss });
  });

  it('layer norm written with mean, var, sqrt and broadcasting', () => {
    const f = load('layer_norm');
    const p = inputsOf(f);
    const x = p.x!;
    const mu = x.mean(-1, true);
    const variance = x.var(-1, { correction: 0, keepdim: true });
    const y = x.sub(mu).div(variance.add(1e-5).sqrt()).mul(p.gamma!).add(p.beta!);
    const loss = y.mul(p.r!).sum();
    loss.backward();
    check(f, p, { y, loss });
  });

  it('conv2d + relu + max pooling', () => {
    const f = load('conv_pool');
    const p = inputsOf(f);
    const conv = core.conv2d(p.x!, p.w!, p.b, { stride: 1, padding: 1 });
    const pooled = core.maxPool2d(conv.relu(), 2, { stride: 2 });
    const loss = pooled.mul(p.r!).sum();
    loss.backward();
    check(f, p, { pooled, loss });
  });
});

/** Shared test helpers: fixture loading, tolerant comparison, running a case forward and backward. */
import '@tessera/backend-cpu';
import '@tessera/autograd';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Tensor, tidy } from '@tessera/core';
import { expect } from 'vitest';
import {
  AdaptiveAvgPool2d, BatchNorm2d, Conv2d, Flatten, Linear, MaxPool2d, Module, parseSafetensors, ReLU, Sequential,
} from '../src/index.js';

const DIR = join(__dirname, 'fixtures');

export const INDEX = JSON.parse(readFileSync(join(DIR, 'index.json'), 'utf8')) as {
  torch: string;
  cases: Record<string, { group: string } & Record<string, unknown>>;
};

const groups = new Map<string, Record<string, Tensor>>();

function group(name: string): Record<string, Tensor> {
  let g = groups.get(name);
  if (!g) {
    const bytes = readFileSync(join(DIR, `${name}.safetensors`));
    g = parseSafetensors(new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength)).tensors;
    groups.set(name, g);
  }
  return g;
}

/** One fixture case: state dict, inputs, outputs, upstream and expected gradients. */
export interface Case {
  name: string;
  config: Record<string, unknown>;
  sd: Record<string, Tensor>;
  inputs: Record<string, Tensor>;
  outputs: Record<string, Tensor>;
  gouts: Record<string, Tensor>;
  gradIn: Record<string, Tensor>;
  gradSd: Record<string, Tensor>;
  after: Record<string, Tensor>;
}

export function loadCase(name: string): Case {
  const info = INDEX.cases[name];
  if (!info) throw new Error(`no fixture case '${name}'`);
  const g = group(info.group);
  const c: Case = { name, config: info, sd: {}, inputs: {}, outputs: {}, gouts: {}, gradIn: {}, gradSd: {}, after: {} };
  const prefix = `${name}/`;
  for (const [k, t] of Object.entries(g)) {
    if (!k.startsWith(prefix)) continue;
    const rest = k.slice(prefix.length);
    const take = (p: string, into: Record<string, Tensor>): boolean => {
      if (!rest.startsWith(p)) return false;
      into[rest.slice(p.length)] = t;
      return true;
    };
    take('sd/', c.sd) || take('in/', c.inputs) || take('out/', c.outputs) || take('gout/', c.gouts) ||
      take('grad/in/', c.gradIn) || take('grad/sd/', c.gradSd) || take('after/', c.after);
  }
  return c;
}

/** Asserts two tensors have the same shape and values within `atol + rtol * |expected|`. */
export function expectClose(actual: Tensor | null | undefined, expected: Tensor, label = '', tol: { atol?: number; rtol?: number } = {}): void {
  const atol = tol.atol ?? 1e-5;
  const rtol = tol.rtol ?? 1e-4;
  expect(actual, `${label}: missing`).toBeInstanceOf(Tensor);
  expect([...actual!.shape], `${label}: shape`).toEqual([...expected.shape]);
  const a = actual!.dataSync();
  const e = expected.dataSync();
  let worst = -1;
  let worstErr = 0;
  for (let i = 0; i < e.length; i++) {
    const x = Number(a[i]);
    const y = Number(e[i]);
    if (Number.isNaN(y) && Number.isNaN(x)) continue;
    if (!Number.isFinite(y) && x === y) continue;
    const err = Math.abs(x - y) - (atol + rtol * Math.abs(y));
    if (!(err <= 0) && (worst < 0 || !(err <= worstErr))) {
      worst = i;
      worstErr = err;
    }
  }
  if (worst >= 0) {
    expect.fail(`${label}: element ${worst} is ${a[worst]}, expected ${e[worst]} (shape [${expected.shape.join(', ')}], atol ${atol}, rtol ${rtol})`);
  }
}

/** The inputs of a case as fresh tensors; float ones require grad when `grad`. */
export function inputsOf(c: Case, grad = true): Record<string, Tensor> {
  const out: Record<string, Tensor> = {};
  for (const [k, t] of Object.entries(c.inputs)) {
    const x = t.clone();
    if (grad && (x.dtype === 'float32' || x.dtype === 'float64') && c.gradIn[k]) x.requiresGrad_(true);
    out[k] = x;
  }
  return out;
}

/**
 * Runs a fixture case: loads the state dict into `module` (strict), calls `run`, compares the
 * outputs, back-propagates `sum(out * gout)` and compares input and parameter gradients.
 */
export function checkCase(
  name: string,
  module: Module | null,
  run: (inputs: Record<string, Tensor>) => Record<string, Tensor | null>,
  tol: { atol?: number; rtol?: number } = {},
): Case {
  const c = loadCase(name);
  if (module) {
    const r = module.loadStateDict(c.sd);
    expect(r).toEqual({ missingKeys: [], unexpectedKeys: [] });
    expect(new Set(Object.keys(module.stateDict()))).toEqual(new Set(Object.keys(c.sd)));
  }
  const inputs = inputsOf(c);
  tidy(() => {
    const outs = run(inputs);
    let loss: Tensor | null = null;
    for (const [k, expected] of Object.entries(c.outputs)) {
      const o = outs[k];
      expectClose(o, expected, `${name} out/${k}`, tol);
      const g = c.gouts[k];
      if (g && o) {
        const term = o.mul(g).sum();
        loss = loss ? loss.add(term) : term;
      }
    }
    if (loss) loss.backward();
  });
  for (const [k, expected] of Object.entries(c.gradIn)) expectClose(inputs[k]!.grad, expected, `${name} grad/in/${k}`, tol);
  if (module) {
    const params = new Map(module.namedParameters());
    for (const [k, expected] of Object.entries(c.gradSd)) expectClose(params.get(k)?.grad, expected, `${name} grad/sd/${k}`, tol);
    for (const [k, expected] of Object.entries(c.after)) {
      if (k.endsWith('num_batches_tracked')) continue;
      expectClose(module.stateDict()[k], expected, `${name} after/${k}`, tol);
    }
  }
  return c;
}

/** The CNN of the fixtures (generate.py's make_cnn). */
export function makeCnn(): Sequential {
  return new Sequential(
    new Conv2d(1, 4, 3, { padding: 1 }), new BatchNorm2d(4), new ReLU(), new MaxPool2d(2),
    new Conv2d(4, 8, 3), new ReLU(), new AdaptiveAvgPool2d(1), new Flatten(), new Linear(8, 5),
  );
}

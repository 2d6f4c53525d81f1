#!/usr/bin/env node
// Package-install test: installs the packed tarballs of every publishable package into a fresh
// project outside the workspace, the way a user gets them from the registry, and checks that
//   - `import` (ESM) and `require` (CommonJS) of every package load and compute the right
//     numbers (tensors, autograd, an nn + optim loop, datasets, a Keras-style model, and the
//     native backend compiled from source by npm install);
//   - the shipped type declarations type-check a strict consumer under moduleResolution
//     node16 (ESM and CJS files), bundler and node10 (the CommonJS-only resolution tslab uses);
//   - every file named by main/module/types/exports is in the tarball and no `workspace:`
//     range leaks into a published package.json.
// Needs the packages built (`pnpm build`); the root `test` and `test:pack` scripts do that.
// Network: only the npm registry (typescript, @types/node, pinned peers). Set KEEP_PACK_TEST=1 to keep
// the temp folders for inspection.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const rootPkg = readJson(join(root, 'package.json'));
const started = Date.now();

class Failure extends Error {}
function fail(msg) {
  throw new Failure(msg);
}
function readJson(file) {
  return JSON.parse(readFileSync(file, 'utf8'));
}
function step(msg) {
  console.log(`[pack-test] ${msg}`);
}

/** Runs a command; on failure throws with its output. */
function run(cmd, args, opts = {}) {
  const r = spawnSync(cmd, args, { encoding: 'utf8', maxBuffer: 64 << 20, ...opts });
  if (r.error) fail(`${opts.what ?? cmd}: could not start '${cmd}': ${r.error.message}`);
  if (r.status !== 0) {
    const out = `${r.stdout ?? ''}${r.stderr ?? ''}`.trim();
    fail(`${opts.what ?? `${cmd} ${args.join(' ')}`} failed (exit ${r.status ?? r.signal}) in ${opts.cwd ?? process.cwd()}:\n${out}`);
  }
  return r.stdout;
}

/** How to call pnpm: the one running this script, else pnpm on PATH, else npx with the pinned version. */
function pnpmCommand() {
  const exec = process.env.npm_execpath;
  if (exec && /pnpm/.test(exec) && existsSync(exec)) {
    return /\.[cm]?js$/.test(exec) ? [process.execPath, [exec]] : [exec, []];
  }
  if (spawnSync('pnpm', ['--version'], { encoding: 'utf8' }).status === 0) return ['pnpm', []];
  const pinned = String(rootPkg.packageManager ?? 'pnpm').split('+')[0];
  return ['npx', ['-y', pinned]];
}

/**
 * The environment for npm in the test project: without the npm_* variables pnpm sets for its
 * scripts (they would make npm read pnpm's config files), but keeping registry and network settings.
 */
function cleanEnv() {
  const keep = /^npm_config_(registry|cafile|ca|cert|key|proxy|https_proxy|http_proxy|noproxy|no_proxy|strict_ssl|cache|userconfig|@.*:registry)$/i;
  const env = {};
  for (const [k, v] of Object.entries(process.env)) {
    if (/^(npm|pnpm)_/i.test(k) && !keep.test(k)) continue;
    env[k] = v;
  }
  return env;
}

function publishablePackages() {
  const dir = join(root, 'packages');
  return readdirSync(dir, { withFileTypes: true })
    .filter((d) => d.isDirectory() && existsSync(join(dir, d.name, 'package.json')))
    .map((d) => ({ dir: join(dir, d.name), pkg: readJson(join(dir, d.name, 'package.json')) }))
    .filter(({ pkg }) => !pkg.private)
    .sort((a, b) => a.pkg.name.localeCompare(b.pkg.name));
}

/** Every relative file path named by an exports map (conditions nested at any depth). */
function exportTargets(exp, out = []) {
  if (typeof exp === 'string') out.push(exp);
  else if (Array.isArray(exp)) exp.forEach((e) => exportTargets(e, out));
  else if (exp && typeof exp === 'object') Object.values(exp).forEach((e) => exportTargets(e, out));
  return out;
}

// ---------------------------------------------------------------------------------------------
// The consumer project's files.

const ESM_TEST = `
import assert from 'node:assert/strict';
import { tensor, Tensor } from '@tessera/core';
import '@tessera/backend-cpu';

const a = tensor([[1, 2], [3, 4]]);
assert.ok(a instanceof Tensor, 'tensor() returns a Tensor');
assert.deepEqual([...a.shape], [2, 2]);
const sum = a.add(tensor([10, 20]));            // broadcasting
assert.deepEqual(Array.from(await sum.data()), [11, 22, 13, 24]);
const prod = a.matmul(a);
assert.deepEqual(Array.from(prod.dataSync()), [7, 10, 15, 22]);
assert.deepEqual(Array.from(prod.sum(1).dataSync()), [17, 37]);
const sm = Array.from(tensor([0, Math.log(3)]).softmax(-1).dataSync());
assert.ok(Math.abs(sm[0] - 0.25) < 1e-6 && Math.abs(sm[1] - 0.75) < 1e-6, 'softmax: ' + sm);
assert.equal(typeof prod.toString(), 'string');
// autograd: d/dw sum((w * x)^2) = 2 * w * x^2
const { noGrad } = await import('@tessera/autograd');
const w = tensor([1, 2], { requiresGrad: true });
w.mul(tensor([3, 4])).pow(2).sum().backward();
assert.deepEqual(Array.from(w.grad.dataSync()), [18, 64]);
noGrad(() => w.sub_(w.grad.mul(0.5)));
assert.deepEqual(Array.from(w.dataSync()), [-8, -30]);

// nn + optim: issue #4's PyTorch-style loop converges to the target.
const nn = await import('@tessera/nn');
const optim = await import('@tessera/optim');
class LinearModel extends nn.Module {
  linear = new nn.Linear(1, 1);
  forward(x) { return this.linear.forward(x); }
}
const model = new LinearModel();
assert.deepEqual([...model.namedParameters()].map(([k]) => k), ['linear.weight', 'linear.bias']);
const criterion = new nn.MSELoss();
const optimizer = new optim.SGD(model.parameters(), { lr: 0.01 });
for (let epoch = 0; epoch < 200; epoch++) {
  const loss = criterion.forward(model.forward(tensor([[1.0]])), tensor([[2.0]]));
  optimizer.zeroGrad(); loss.backward(); optimizer.step();
}
const fitted = model.forward(tensor([[1.0]])).itemSync();
assert.ok(Math.abs(fitted - 2) < 1e-3, 'nn + optim loop converges: ' + fitted);

// datasets: iris ships in the package; a DataLoader batches it.
const { iris, TensorDataset, DataLoader } = await import('@tessera/datasets');
const { x: irisX, y: irisY } = iris.loadData();
assert.deepEqual([...irisX.shape], [150, 4]);
let batches = 0;
for await (const [bx] of new DataLoader(new TensorDataset(irisX, irisY), { batchSize: 32, shuffle: true })) {
  assert.equal(bx.shape[1], 4);
  batches++;
}
assert.equal(batches, 5);

// layers: a Keras-style model trains on iris.
const tk = await import('@tessera/layers');
const km = tk.sequential({ layers: [
  tk.layers.dense({ units: 16, activation: 'relu', inputShape: [4] }),
  tk.layers.dense({ units: 3, activation: 'softmax' }),
]});
km.compile({ optimizer: 'adam', loss: 'sparse_categorical_crossentropy', metrics: ['accuracy'] });
const history = await km.fit(irisX, irisY, { epochs: 3, verbose: 0 });
assert.equal(history.history.loss.length, 3);
assert.deepEqual([...km.predict(irisX).shape], [150, 3]);

// The native backend, compiled from source by npm install, becomes the default device.
const native = await import('@tessera/backend-native');
const { getDefaultDevice } = await import('@tessera/core');
assert.equal(getDefaultDevice(), 'native');
const n = tensor([[1, 2], [3, 4]]);
assert.equal(n.device, 'native');
assert.deepEqual(Array.from(n.matmul(n).dataSync()), [7, 10, 15, 22]);
assert.equal(typeof native.nativeInfo().simd, 'string');
console.log('esm ok');
`;

const CJS_TEST = `
const assert = require('node:assert/strict');
const { tensor, Tensor } = require('@tessera/core');
require('@tessera/backend-cpu');

const a = tensor([[1, 2], [3, 4]]);
assert.ok(a instanceof Tensor, 'tensor() returns a Tensor');
assert.deepEqual(Array.from(a.matmul(a).dataSync()), [7, 10, 15, 22]);
assert.deepEqual(Array.from(a.add(1).sum(0).dataSync()), [6, 8]);
const { grad } = require('@tessera/autograd');
const dsq = grad((x) => x.mul(x).sum());
assert.deepEqual(Array.from(dsq(tensor([1, -2])).dataSync()), [2, -4]);
const nn = require('@tessera/nn');
const optim = require('@tessera/optim');
const lin = new nn.Linear(3, 2);
const opt = new optim.Adam(lin.parameters(), { lr: 0.1 });
const before = Array.from(lin.weight.dataSync());
lin.forward(tensor([[1, 2, 3]])).sum().backward();
opt.step();
assert.notDeepEqual(Array.from(lin.weight.dataSync()), before);
const { iris } = require('@tessera/datasets');
assert.deepEqual([...iris.loadData().y.shape], [150]);
const tk = require('@tessera/layers');
const m = tk.sequential({ layers: [tk.layers.dense({ units: 2, inputShape: [3] })] });
assert.deepEqual([...m.predict(tensor([[1, 2, 3]])).shape], [1, 2]);
require('@tessera/backend-native');
assert.deepEqual(Array.from(tensor([1, 2]).add(1).dataSync()), [2, 3]);
console.log('cjs ok');
`;

// Type-level use of the public API; only type-checked, never run.
const TYPED_API = `
import { tensor, Tensor } from '@tessera/core';
import '@tessera/backend-cpu';
import { noGrad, valueAndGrad } from '@tessera/autograd';
import * as nn from '@tessera/nn';
import { F } from '@tessera/nn';
import * as optim from '@tessera/optim';
import { DataLoader, TensorDataset, iris } from '@tessera/datasets';
import * as tk from '@tessera/layers';
import { setNumThreads } from '@tessera/backend-native';

export function train(w: Tensor): Tensor {
  const f = valueAndGrad((p: Tensor) => p.mul(p).sum());
  const [value, g] = f(w);
  noGrad(() => w.sub_(g.mul(0.1)));
  return value;
}

export async function check(): Promise<number> {
  const x: Tensor = tensor([[1, 2], [3, 4]]);
  const y: Tensor = x.matmul(x).add(1).sum(1);
  const shape: readonly number[] = y.shape;
  const values = await y.data();
  const first: number = values[0] ?? 0;
  const text: string = y.softmax(-1).toString();
  y.dispose();
  return first + shape.length + text.length;
}

export class Net extends nn.Module {
  fc = new nn.Linear(4, 3);
  forward(x: Tensor): Tensor {
    return F.relu(this.fc.forward(x));
  }
}

export function step(net: Net, x: Tensor, y: Tensor): number {
  const opt: optim.Optimizer = new optim.AdamW(net.parameters(), { lr: 1e-3, weightDecay: 0.01 });
  const loss = F.crossEntropy(net.forward(x), y);
  opt.zeroGrad();
  loss.backward();
  opt.step();
  return loss.itemSync() as number;
}

export async function keras(): Promise<void> {
  const { x, y } = iris.loadData();
  const m: tk.LayersModel = tk.sequential({ layers: [tk.layers.dense({ units: 3, inputShape: [4], activation: 'softmax' })] });
  m.compile({ optimizer: 'sgd', loss: 'sparse_categorical_crossentropy' });
  await m.fit(x, y, { epochs: 1, batchSize: 50, verbose: 0 });
  for await (const [bx] of new DataLoader(new TensorDataset(x, y), { batchSize: 10 })) bx.dispose();
  setNumThreads(1);
}
`;

function tsconfig(compilerOptions, files) {
  return JSON.stringify(
    {
      compilerOptions: {
        strict: true,
        noEmit: true,
        target: 'ES2022',
        // Check the shipped .d.ts files too, not only the consumer's code.
        skipLibCheck: false,
        types: ['node'],
        ...compilerOptions,
      },
      files,
    },
    null,
    2,
  );
}

// ---------------------------------------------------------------------------------------------

function main() {
  const packages = publishablePackages();
  if (packages.length === 0) fail('no publishable packages under packages/*');
  for (const { dir, pkg } of packages) {
    const missing = ['main', 'module', 'types']
      .map((f) => pkg[f])
      .concat(exportTargets(pkg.exports))
      .filter((f) => typeof f === 'string' && f.startsWith('./dist/') && !existsSync(join(dir, f)));
    if (missing.length > 0) {
      fail(`${pkg.name}: ${missing.join(', ')} missing in ${relative(root, dir)}; build first (pnpm build)`);
    }
  }

  const work = mkdtempSync(join(tmpdir(), 'tessera-pack-test-'));
  const tarballs = join(work, 'tarballs');
  const project = join(work, 'project');
  mkdirSync(tarballs);
  mkdirSync(project);
  let ok = false;
  try {
    // 1. Pack: pnpm rewrites workspace:^ ranges to the real versions.
    const [pnpm, pnpmArgs] = pnpmCommand();
    const tgz = [];
    for (const { dir, pkg } of packages) {
      const dest = join(tarballs, pkg.name.replace(/[@/]/g, '_'));
      mkdirSync(dest);
      run(pnpm, [...pnpmArgs, 'pack', '--pack-destination', dest], { cwd: dir, what: `pnpm pack (${pkg.name})` });
      const files = readdirSync(dest).filter((f) => f.endsWith('.tgz'));
      if (files.length !== 1) fail(`pnpm pack (${pkg.name}) produced ${files.length} tarballs in ${dest}`);
      tgz.push(join(dest, files[0]));
      step(`packed ${pkg.name}@${pkg.version} -> ${files[0]}`);
    }

    // 2. A fresh project outside the workspace installing the tarballs with npm.
    const typescript = rootPkg.devDependencies?.typescript;
    const typesNode = rootPkg.devDependencies?.['@types/node'];
    if (!typescript || !typesNode) fail('root package.json must pin typescript and @types/node in devDependencies');
    writeFileSync(join(project, 'package.json'), JSON.stringify({ name: 'tessera-pack-test', private: true, version: '0.0.0' }, null, 2));
    writeFileSync(join(project, 'esm.mjs'), ESM_TEST);
    writeFileSync(join(project, 'cjs.cjs'), CJS_TEST);
    writeFileSync(join(project, 'api.mts'), TYPED_API); // ESM under node16
    writeFileSync(join(project, 'api.cts'), TYPED_API); // CommonJS under node16: resolves the `require` condition
    writeFileSync(join(project, 'api.ts'), TYPED_API); // node10 / bundler
    writeFileSync(join(project, 'tsconfig.node16.json'), tsconfig({ module: 'node16', moduleResolution: 'node16' }, ['api.mts', 'api.cts']));
    writeFileSync(join(project, 'tsconfig.nodenext.json'), tsconfig({ module: 'nodenext', moduleResolution: 'nodenext' }, ['api.mts', 'api.cts']));
    writeFileSync(join(project, 'tsconfig.bundler.json'), tsconfig({ module: 'esnext', moduleResolution: 'bundler' }, ['api.ts']));
    writeFileSync(
      join(project, 'tsconfig.node10.json'),
      tsconfig({ module: 'commonjs', moduleResolution: 'node10', esModuleInterop: true }, ['api.ts']),
    );

    // Peer dependencies (e.g. vitest for @tessera/conformance) at the versions the workspace pins,
    // so that npm does not pick whatever is newest.
    const extra = [`typescript@${typescript}`, `@types/node@${typesNode}`];
    const local = new Set(packages.map(({ pkg }) => pkg.name));
    for (const { pkg } of packages) {
      for (const peer of Object.keys(pkg.peerDependencies ?? {})) {
        const pinned = rootPkg.devDependencies?.[peer];
        if (!local.has(peer) && pinned && !extra.some((e) => e.startsWith(`${peer}@`))) extra.push(`${peer}@${pinned}`);
      }
    }
    const env = cleanEnv();
    step(`npm install in ${project} (tarballs + ${extra.join(' + ')})`);
    run(
      'npm',
      [
        'install',
        '--no-audit',
        '--no-fund',
        '--no-package-lock',
        '--prefer-offline',
        '--loglevel=error',
        ...tgz,
        ...extra,
      ],
      { cwd: project, env, what: 'npm install of the packed tarballs' },
    );

    // 3. The installed packages: complete, no workspace ranges, one copy of each.
    for (const { pkg } of packages) {
      const dir = join(project, 'node_modules', ...pkg.name.split('/'));
      const installed = readJson(join(dir, 'package.json'));
      if (installed.version !== pkg.version) fail(`${pkg.name}: installed ${installed.version}, expected the local ${pkg.version}`);
      for (const field of ['dependencies', 'peerDependencies', 'optionalDependencies']) {
        for (const [dep, range] of Object.entries(installed[field] ?? {})) {
          if (String(range).startsWith('workspace:')) fail(`${pkg.name}: published ${field} has '${dep}: ${range}'`);
          if (existsSync(join(dir, 'node_modules', ...dep.split('/')))) {
            fail(`${pkg.name}: npm installed a second copy of ${dep} under it (range ${range} does not match the local build?)`);
          }
        }
      }
      const targets = ['main', 'module', 'types'].map((f) => installed[f]).concat(exportTargets(installed.exports));
      const missing = targets.filter((f) => typeof f === 'string' && !existsSync(join(dir, f)));
      if (missing.length > 0) fail(`${pkg.name}: the tarball lacks ${missing.join(', ')} (named in package.json)`);
    }
    step('installed packages are complete');

    // 4. Run and type-check as a consumer.
    run(process.execPath, ['esm.mjs'], { cwd: project, env, what: 'ESM import test (esm.mjs)' });
    step('ESM import: ok');
    run(process.execPath, ['cjs.cjs'], { cwd: project, env, what: 'CommonJS require test (cjs.cjs)' });
    step('CommonJS require: ok');
    const tsc = join(project, 'node_modules', 'typescript', 'bin', 'tsc');
    for (const mode of ['node16', 'nodenext', 'bundler', 'node10']) {
      run(process.execPath, [tsc, '-p', `tsconfig.${mode}.json`], { cwd: project, env, what: `tsc --noEmit (moduleResolution ${mode})` });
      step(`tsc --noEmit, moduleResolution ${mode}: ok`);
    }
    ok = true;
  } finally {
    if (process.env.KEEP_PACK_TEST) step(`kept ${work}`);
    else if (ok) rmSync(work, { recursive: true, force: true });
    else step(`left ${work} for inspection`);
  }
  step(`all checks passed in ${((Date.now() - started) / 1000).toFixed(1)}s`);
}

try {
  main();
} catch (e) {
  if (e instanceof Failure) {
    console.error(`\n[pack-test] FAILED: ${e.message}`);
    process.exit(1);
  }
  throw e;
}

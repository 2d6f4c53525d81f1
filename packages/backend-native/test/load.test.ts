/**
 * Loading: the error when the addon is missing, the CPU fallback of bestDevice(), one shared
 * backend for the ESM and CommonJS builds, the thread controls (API and TESSERA_NUM_THREADS), and
 * the portable (non-AVX2) kernels, run in child processes where a fresh process is needed.
 */
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it, vi } from 'vitest';

const pkg = join(dirname(fileURLToPath(import.meta.url)), '..');
const dist = join(pkg, 'dist');
const built = existsSync(join(dist, 'index.js')) && existsSync(join(dist, 'index.cjs'));
const KEY = Symbol.for('tessera.backend-native.v1');

/** Runs an ES module snippet in a fresh node process (dist/ paths available as DIST). */
function runNode(code: string, env: Record<string, string> = {}): { status: number | null; out: string } {
  const r = spawnSync(process.execPath, ['--input-type=module', '-e', `const DIST = ${JSON.stringify(dist)};\n${code}`], {
    cwd: pkg,
    encoding: 'utf8',
    env: { ...process.env, ...env },
    timeout: 60_000,
  });
  return { status: r.status, out: `${r.stdout}${r.stderr}` };
}


/** Script lines shared by the child processes that compare native kernels with the CPU backend. */
const AGREEMENT_PRELUDE = `
  await import('@tessera/backend-cpu');
  const nat = await import(DIST + '/index.js');
  const core = await import('@tessera/core');
  const info = nat.nativeInfo();
  const diff = (a, b) => { const x = a.dataSync(), y = b.to('native').dataSync(); let m = 0; for (let i = 0; i < x.length; i++) m = Math.max(m, Math.abs(x[i] - y[i]) / (1 + Math.abs(y[i]))); return m; };
  const worst = [];
`;
describe('when the addon is missing', () => {
  const tmp = join(pkg, 'test', `.tmp-load-${process.pid}`);
  afterAll(() => rmSync(tmp, { recursive: true, force: true }));

  async function freshCopy(name: string, failure?: string): Promise<string> {
    const dir = join(tmp, name);
    mkdirSync(dir, { recursive: true });
    cpSync(join(pkg, 'src'), join(dir, 'src'), { recursive: true });
    if (failure !== undefined) {
      mkdirSync(join(dir, 'build'), { recursive: true });
      writeFileSync(join(dir, 'build', 'failure.txt'), failure);
    }
    return dir;
  }

  it('importing the package throws an error that says why and how to fix it', async () => {
    const saved = (globalThis as Record<symbol, unknown>)[KEY];
    try {
      delete (globalThis as Record<symbol, unknown>)[KEY];
      const never = await freshCopy('never');
      await expect(import(join(never, 'src', 'index.ts'))).rejects.toThrow(
        /@tessera\/backend-native: the native addon is not available: it was never built .*\nTo fix it, install a C\+\+ compiler, make and python3 .* `npm rebuild @tessera\/backend-native`/s,
      );
      delete (globalThis as Record<symbol, unknown>)[KEY];
      const failed = await freshCopy('failed', 'compiling the addon (node-gyp build) failed: g++: not found\n\nlog...');
      await expect(import(join(failed, 'src', 'index.ts'))).rejects.toThrow(
        /the build failed at install time: compiling the addon \(node-gyp build\) failed: g\+\+: not found \(full log: .*failure\.txt\)/,
      );
    } finally {
      (globalThis as Record<symbol, unknown>)[KEY] = saved;
      if (saved === undefined) delete (globalThis as Record<symbol, unknown>)[KEY];
    }
  });

  it("bestDevice() falls back to 'cpu' with a one-line warning, once", async () => {
    const saved = (globalThis as Record<symbol, unknown>)[KEY];
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
    try {
      delete (globalThis as Record<symbol, unknown>)[KEY];
      const dir = await freshCopy('fallback');
      const load = await import(join(dir, 'src', 'load.ts'));
      expect(load.loadNativeBackend()).toBeNull();
      expect(load.bestDevice()).toBe('cpu');
      expect(load.bestDevice()).toBe('cpu');
      expect(warn).toHaveBeenCalledTimes(1);
      const line = String(warn.mock.calls[0]![0]);
      expect(line).not.toContain('\n');
      expect(line).toMatch(/^tessera: the native addon is not available: .*; falling back to 'cpu' \(run `npm rebuild @tessera\/backend-native`/);
    } finally {
      warn.mockRestore();
      (globalThis as Record<symbol, unknown>)[KEY] = saved;
      if (saved === undefined) delete (globalThis as Record<symbol, unknown>)[KEY];
    }
  });
});

describe.skipIf(!built)('in a fresh process (built package)', () => {
  it("registers 'native' above 'cpu', once for the ESM and CommonJS builds together", () => {
    const r = runNode(`
      import { createRequire } from 'node:module';
      const require = createRequire(import.meta.url);
      const cpu = await import('@tessera/backend-cpu');
      const esm = await import(DIST + '/index.js');
      const cjs = require(DIST + '/index.cjs');
      const core = await import('@tessera/core');
      const load = await import(DIST + '/load.js');
      if (esm.nativeBackend !== cjs.nativeBackend) throw new Error('two backends');
      const devices = core.listDevices();
      if (devices.join() !== 'native,cpu') throw new Error('devices: ' + devices);
      if (core.getDefaultDevice() !== 'native' || load.bestDevice() !== 'native') throw new Error('default');
      const a = cjs.nativeBackend === core.getBackend('native');
      console.log('ok', a);
    `);
    expect(r.out).toContain('ok true');
  });

  it('TESSERA_NUM_THREADS sets the thread count; setNumThreads changes it', () => {
    const r = runNode(
      `
      const nat = await import(DIST + '/index.js');
      const core = await import('@tessera/core');
      const before = nat.getNumThreads();
      nat.setNumThreads(3);
      const a = core.randn([300, 300]);
      const x = a.matmul(a).sum().itemSync();
      nat.setNumThreads(1);
      const y = a.matmul(a).sum().itemSync();
      let err = '';
      try { nat.setNumThreads(0); } catch (e) { err = e.message; }
      console.log(JSON.stringify({ before, after: nat.getNumThreads(), same: Math.abs(x - y) < 1e-2 * Math.abs(x) + 1, err }));
    `,
      { TESSERA_NUM_THREADS: '1' },
    );
    const res = JSON.parse(r.out.trim().split('\n').pop()!);
    expect(res).toEqual({ before: 1, after: 1, same: true, err: 'setNumThreads: expected an integer in [1, 256], got 0' });
  });

  it('the portable kernels (TESSERA_NATIVE_SIMD=portable, as on CPUs without AVX2) agree with the CPU backend', () => {
    const r = runNode(
      `
      ${AGREEMENT_PRELUDE}
      for (const [M, K, N] of [[7, 5, 3], [100, 70, 50], [300, 257, 129]]) {
        const a = core.randn([M, K]), b = core.randn([K, N]);
        worst.push(diff(a.matmul(b), a.to('cpu').matmul(b.to('cpu'))));
        worst.push(diff(a.t().contiguous().t().matmul(b), a.to('cpu').matmul(b.to('cpu'))));
      }
      const x = core.randn([20, 33]);
      worst.push(diff(x.softmax(1), x.to('cpu').softmax(1)));
      worst.push(diff(x.add(x.exp()), x.to('cpu').add(x.to('cpu').exp())));
      console.log(JSON.stringify({ simd: info.simd, kernel: info.gemmKernel, worst: Math.max(...worst) }));
    `,
      { TESSERA_NATIVE_SIMD: 'portable' },
    );
    const res = JSON.parse(r.out.trim().split('\n').pop()!);
    expect(res.simd).toBe('portable');
    expect(res.kernel).toBe('portable 6x16');
    expect(res.worst).toBeLessThan(1e-4);
  });

  // Every x86 SGEMM kernel this CPU can run (AVX-512 12x32 where present, AVX2 6x16), through
  // partial tiles, K remainders, transposed operands, the threaded paths (300 x 1500 x 301: the
  // shared-A path of large products) and batches.
  for (const simd of ['', 'avx2']) {
    it(`the ${simd || 'default'} SGEMM kernel agrees with the CPU backend on edge shapes`, () => {
      const r = runNode(
        `
        ${AGREEMENT_PRELUDE}
        const shapes = [[1, 3, 33], [5, 17, 31], [6, 64, 32], [7, 65, 16], [13, 1, 17], [32, 784, 128], [48, 100, 33], [50, 257, 47], [97, 513, 65], [200, 300, 257], [24, 300, 70], [64, 1600, 10], [1600, 64, 10], [100, 9, 2], [9, 70, 16], [300, 1500, 301]];
        for (const [M, K, N] of shapes) {
          const a = core.randn([M, K]), b = core.randn([K, N]);
          const ref = a.to('cpu').matmul(b.to('cpu'));
          worst.push(diff(a.matmul(b), ref));
          worst.push(diff(a.t().contiguous().t().matmul(b), ref));
          worst.push(diff(a.matmul(b.t().contiguous().t()), ref));
        }
        const a = core.randn([3, 37, 70]), b = core.randn([3, 70, 45]);
        worst.push(diff(a.matmul(b), a.to('cpu').matmul(b.to('cpu'))));
        console.log(JSON.stringify({ simd: info.simd, kernel: info.gemmKernel, worst: Math.max(...worst) }));
      `,
        simd ? { TESSERA_NATIVE_SIMD: simd } : {},
      );
      const res = JSON.parse(r.out.trim().split('\n').pop()!);
      if (simd === 'avx2' && res.simd !== 'portable') expect(res.kernel).toBe('avx2-fma 6x16');
      expect(res.worst).toBeLessThan(1e-4);
    });
  }
});

// The addon must also build on arm64, where none of the x86 kernels exist and only the portable
// paths compile. With Debian's cross compiler (g++-aarch64-linux-gnu, which CI installs) every
// source file is compiled for aarch64 with binding.gyp's defines and warnings as errors, and
// the objects are linked into a shared library. Skipped where the cross compiler is missing.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const CXX = 'aarch64-linux-gnu-g++';
const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const nodeInclude = resolve(dirname(process.execPath), '..', 'include', 'node');
const hasCross = spawnSync(CXX, ['--version']).status === 0;
const hasHeaders = existsSync(join(nodeInclude, 'node_api.h'));

function compile(args: string[]): Promise<{ code: number; stderr: string }> {
  return new Promise((done) => {
    const p = spawn(CXX, args, { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    p.stderr.on('data', (d) => (stderr += String(d)));
    p.on('close', (code) => done({ code: code ?? 1, stderr }));
  });
}

describe('arm64 build', () => {
  it.skipIf(!hasCross || !hasHeaders)(
    'every native source compiles for aarch64 without warnings and links into a shared object',
    async () => {
      const napi = createRequire(import.meta.url)('node-addon-api').include_dir as string;
      const sources = readdirSync(join(root, 'native')).filter((f) => f.endsWith('.cc'));
      expect(sources.length).toBeGreaterThan(10);
      const out = mkdtempSync(join(tmpdir(), 'tessera-arm64-'));
      try {
        const flags = [
          ...['-std=c++17', '-O0', '-fPIC', '-fexceptions', '-Wall', '-Werror', '-Wno-unused-function'],
          ...['-DNAPI_VERSION=8', '-DNAPI_CPP_EXCEPTIONS', '-DNODE_ADDON_API_DISABLE_DEPRECATED'],
          `-I${resolve(process.cwd(), napi)}`, // include_dir is relative to the working directory
          `-I${nodeInclude}`,
        ];
        const failures: string[] = [];
        // two compilers at a time (CI machines have two cores)
        for (let i = 0; i < sources.length; i += 2) {
          const batch = sources.slice(i, i + 2);
          const results = await Promise.all(batch.map((f) => compile([...flags, '-c', join(root, 'native', f), '-o', join(out, `${f}.o`)])));
          results.forEach((r, k) => {
            if (r.code !== 0 || r.stderr.trim()) failures.push(`${batch[k]}:\n${r.stderr}`);
          });
        }
        expect(failures).toEqual([]);
        const lib = join(out, 'tessera_native.node');
        const link = await compile(['-shared', '-pthread', '-o', lib, ...sources.map((f) => join(out, `${f}.o`))]);
        expect(link.stderr).toBe('');
        expect(link.code).toBe(0);
        const elf = readFileSync(lib);
        expect(elf.subarray(0, 4).toString('latin1')).toBe('\x7fELF');
        expect(elf.readUInt16LE(18)).toBe(183); // e_machine: EM_AARCH64
      } finally {
        rmSync(out, { recursive: true, force: true });
      }
    },
    300_000,
  );
});

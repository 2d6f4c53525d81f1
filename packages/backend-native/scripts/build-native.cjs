#!/usr/bin/env node
'use strict';
/**
 * Builds the native addon from source with node-gyp. Runs as the package's `install` script (and
 * from `build` in the monorepo, where it only recompiles what changed).
 *
 * It never fails the install: when the toolchain or the Node.js headers are missing, or the
 * compiler fails, it writes why to build/failure.txt and exits 0. `import '@tessera/backend-native'`
 * then throws an error quoting that reason and saying how to fix it.
 *
 * Nothing is downloaded: node-gyp is given the headers that ship next to the running `node`
 * binary (`--nodedir`, derived from process.execPath), so no npmrc setting is needed either.
 *
 *   node scripts/build-native.cjs          configure + build unless the addon is up to date
 *   node scripts/build-native.cjs --force  rebuild from scratch
 *   TESSERA_NATIVE_SKIP_BUILD=1            skip the build (the backend then reports why it is missing)
 */
const { spawnSync } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');

const PKG = '@tessera/backend-native';
const pkgDir = path.resolve(__dirname, '..');
const buildDir = path.join(pkgDir, 'build');
const failureFile = path.join(buildDir, 'failure.txt');
const addonFile = path.join(buildDir, 'Release', 'tessera_native.node');
const force = process.argv.includes('--force');
const started = Date.now();

function log(msg) {
  console.log(`[${PKG}] ${msg}`);
}

/** Newest modification time of the sources the addon is built from. */
function sourcesMtime() {
  let newest = fs.statSync(path.join(pkgDir, 'binding.gyp')).mtimeMs;
  const walk = (dir) => {
    for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
      const p = path.join(dir, e.name);
      if (e.isDirectory()) walk(p);
      else newest = Math.max(newest, fs.statSync(p).mtimeMs);
    }
  };
  walk(path.join(pkgDir, 'native'));
  return newest;
}

function mtime(file) {
  try {
    return fs.statSync(file).mtimeMs;
  } catch {
    return -1;
  }
}

/** node-gyp: this package's dependency, else the copy npm passes or bundles. */
function findNodeGyp() {
  try {
    return require.resolve('node-gyp/bin/node-gyp.js', { paths: [pkgDir] });
  } catch {
    // fall through
  }
  const candidates = [
    process.env.npm_config_node_gyp,
    path.join(path.dirname(process.execPath), '..', 'lib', 'node_modules', 'npm', 'node_modules', 'node-gyp', 'bin', 'node-gyp.js'),
  ];
  return candidates.find((c) => c && fs.existsSync(c)) ?? null;
}

/** The directory holding include/node/ for the running node (official tarballs, distro packages). */
function findNodeDir() {
  const candidates = [path.resolve(path.dirname(process.execPath), '..'), process.env.npm_config_nodedir];
  for (const dir of candidates) {
    if (!dir) continue;
    const inc = path.join(dir, 'include', 'node');
    if (fs.existsSync(path.join(inc, 'node_api.h')) && fs.existsSync(path.join(inc, 'common.gypi'))) return dir;
  }
  return null;
}

function fail(reason, details = '') {
  fs.mkdirSync(buildDir, { recursive: true });
  try {
    fs.rmSync(addonFile, { force: true });
  } catch {
    // ignore
  }
  const text = `${reason}\n\nnode ${process.version} (${process.execPath}) on ${process.platform}-${process.arch}\n${details ? `\n${details}\n` : ''}`;
  fs.writeFileSync(failureFile, text);
  log(`could not build the native addon: ${reason}`);
  log(`the package is installed without it; see ${path.relative(process.cwd(), failureFile) || failureFile}`);
  process.exit(0);
}

function run(args, what) {
  const r = spawnSync(process.execPath, args, {
    cwd: pkgDir,
    encoding: 'utf8',
    maxBuffer: 64 << 20,
    env: { ...process.env, npm_config_loglevel: process.env.npm_config_loglevel ?? 'warn' },
  });
  const out = `${r.stdout ?? ''}${r.stderr ?? ''}`;
  if (r.error || r.status !== 0) {
    const firstError = out.split('\n').find((l) => /error[: ]/i.test(l) && !/^gyp (ERR|info)/.test(l)) ?? '';
    fail(`${what} failed${firstError ? `: ${firstError.trim()}` : ` (exit ${r.status ?? r.signal})`}`, out.slice(-8000));
  }
  return out;
}

function main() {
  if (process.env.TESSERA_NATIVE_SKIP_BUILD) fail('the build was skipped (TESSERA_NATIVE_SKIP_BUILD is set)');
  const fresh = !force && mtime(addonFile) > sourcesMtime() && !fs.existsSync(failureFile);
  if (fresh) {
    if (!process.argv.includes('--dev')) log('native addon is up to date');
    return;
  }
  const nodeGyp = findNodeGyp();
  if (!nodeGyp) fail('node-gyp was not found (it is a dependency of this package: was it installed?)');
  const nodeDir = findNodeDir();
  if (!nodeDir) {
    fail(
      `the Node.js C headers were not found next to ${process.execPath} (looked for include/node/node_api.h and common.gypi ` +
        `under ${path.resolve(path.dirname(process.execPath), '..')}); install a Node.js build that ships them ` +
        `(the official tarballs and installers do), or set npm_config_nodedir to a directory that has include/node`,
    );
  }
  fs.rmSync(failureFile, { force: true });
  const common = [`--nodedir=${nodeDir}`, '--release'];
  const configured = mtime(path.join(buildDir, 'config.gypi'));
  if (force || configured < 0 || configured < mtime(path.join(pkgDir, 'binding.gyp'))) {
    run([nodeGyp, 'configure', ...common], 'node-gyp configure');
  }
  const jobs = Math.max(1, os.availableParallelism?.() ?? os.cpus().length);
  run([nodeGyp, 'build', ...common, `--jobs=${jobs}`], 'compiling the addon (node-gyp build)');
  if (!fs.existsSync(addonFile)) fail(`node-gyp reported success but ${addonFile} is missing`);
  // Load it once in a separate process: a library that builds but cannot load is a failure too.
  const probe = spawnSync(process.execPath, ['-e', 'require(process.argv[1])', addonFile], { encoding: 'utf8' });
  if (probe.status !== 0) fail(`the built addon does not load: ${(probe.stderr || '').trim().split('\n')[0]}`, probe.stderr);
  log(`built the native addon in ${((Date.now() - started) / 1000).toFixed(1)}s`);
}

try {
  main();
} catch (e) {
  fail(`unexpected error: ${e && e.message ? e.message : e}`, e && e.stack ? e.stack : '');
}

// PyTorch (CPU) as an out-of-process peer: a Python subprocess measures each case with the same
// plan and reports seconds per op (see pytorch_peer.py). Skipped when `python3 -c 'import torch'`
// fails. Python: $TESSERA_BENCH_PYTHON, else /usr/bin/python3 (Debian's python3-torch), else
// python3 on PATH.
//
// The thread count is fixed before torch loads (OMP/OpenBLAS/MKL variables) and again with
// torch.set_num_threads: torch.set_num_threads alone does not limit OpenBLAS, whose matmul would
// then use every core. The label names the BLAS library torch.mm actually loaded.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

const script = fileURLToPath(new URL('./pytorch_peer.py', import.meta.url));

function findPython() {
  const candidates = [process.env.TESSERA_BENCH_PYTHON, '/usr/bin/python3', 'python3'].filter(Boolean);
  for (const py of candidates) {
    if (py.includes('/') && !existsSync(py)) continue;
    const r = spawnSync(py, ['-c', 'import torch'], { encoding: 'utf8', timeout: 60_000 });
    if (r.status === 0) return py;
  }
  return null;
}

/** A PyTorch peer pinned to `threads` threads. */
export function createPytorchPeer({ id, threads }) {
  let child;
  let lines;

  async function request(obj) {
    child.stdin.write(`${JSON.stringify(obj)}\n`);
    const { value, done } = await lines.next();
    if (done) throw new Error('the Python process exited');
    return JSON.parse(value);
  }

  return {
    id,

    async setup() {
      const python = findPython();
      if (!python) return { skip: "no python3 with torch (`python3 -c 'import torch'` failed)" };
      const n = String(threads);
      child = spawn(python, [script, n], {
        stdio: ['pipe', 'pipe', 'inherit'],
        env: { ...process.env, OMP_NUM_THREADS: n, OPENBLAS_NUM_THREADS: n, MKL_NUM_THREADS: n },
      });
      lines = createInterface({ input: child.stdout })[Symbol.asyncIterator]();
      const { value, done } = await lines.next();
      if (done) throw new Error(`${python} ${script} exited before it was ready`);
      const ready = JSON.parse(value);
      return {
        label: `PyTorch ${ready.torch} (${ready.blas}, ${ready.threads} thread${ready.threads === 1 ? '' : 's'})`,
        info: { python, pythonVersion: ready.python, torch: ready.torch, threads: ready.threads, blas: ready.blas },
      };
    },

    /** Out-of-process: returns seconds-per-op samples, or null when not supported. */
    async measure(kase, plan) {
      const r = await request({ kind: kase.kind, params: kase.params, plan });
      if (r.unsupported) return null;
      if (r.error) throw new Error(r.error);
      return { samples: r.samples };
    },

    async teardown() {
      if (!child) return;
      child.stdin.end();
      await new Promise((resolve) => (child.exitCode !== null ? resolve() : child.once('exit', resolve)));
    },
  };
}

export default createPytorchPeer({ id: 'pytorch-cpu', threads: 1 });

/**
 * Keras's progress display. On a terminal: a bar redrawn in place with `\r` (steps, ETA, running
 * loss and metrics); elsewhere (a pipe, a log file, CI, a browser console): one plain line per epoch.
 */

type Out = { write(s: string): void; isTTY: boolean };

function stdout(): Out {
  const proc = (globalThis as { process?: { stdout?: { write(s: string): boolean; isTTY?: boolean } } }).process;
  const so = proc?.stdout;
  if (so && typeof so.write === 'function') return { write: (s) => void so.write(s), isTTY: Boolean(so.isTTY) };
  let pending = '';
  return {
    write: (s) => {
      pending += s;
      const lines = pending.split('\n');
      pending = lines.pop() ?? '';
      for (const l of lines) console.log(l);
    },
    isTTY: false,
  };
}

/** Formats one log value as Keras does (4 decimals, or scientific for tiny values). */
export function formatValue(v: number): string {
  if (!Number.isFinite(v)) return String(v);
  return Math.abs(v) > 1e-3 || v === 0 ? v.toFixed(4) : v.toExponential(4).replace(/e([+-])(\d)$/, 'e$10$2');
}

/** Log keys in Keras 3's display order: training values sorted, then validation values sorted. */
export function orderedKeys(logs: Record<string, number>): string[] {
  const keys = Object.keys(logs).filter((k) => k !== 'batch' && k !== 'size');
  const train = keys.filter((k) => !k.startsWith('val_')).sort();
  const val = keys.filter((k) => k.startsWith('val_')).sort();
  return [...train, ...val];
}

function formatLogs(logs: Record<string, number>): string {
  return orderedKeys(logs)
    .map((k) => ` - ${k}: ${formatValue(logs[k]!)}`)
    .join('');
}

function formatEta(seconds: number): string {
  const s = Math.round(seconds);
  if (s > 3600) return `${Math.floor(s / 3600)}:${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}:${String(s % 60).padStart(2, '0')}`;
  if (s > 60) return `${Math.floor(s / 60)}:${String(s % 60).padStart(2, '0')}`;
  return `${s}s`;
}

function formatPerStep(seconds: number): string {
  if (seconds >= 1) return `${seconds.toFixed(0)}s/step`;
  if (seconds >= 1e-3) return `${(seconds * 1e3).toFixed(0)}ms/step`;
  return `${(seconds * 1e6).toFixed(0)}us/step`;
}

/** A progress bar over `target` steps (Keras's `Progbar`). */
export class Progbar {
  private readonly out: Out;
  private readonly start = Date.now();
  private lastDraw = 0;
  private drawnWidth = 0;
  readonly dynamic: boolean;

  constructor(
    readonly target: number | null,
    private readonly width = 20,
    /** 1: bar on a terminal (plain line elsewhere); 2: one line per epoch always. */
    verbose = 1,
    out?: Out,
    /** Text before the plain per-epoch line (`Epoch 1/5 - `). */
    private readonly prefix = '',
  ) {
    this.out = out ?? stdout();
    this.dynamic = verbose === 1 && this.out.isTTY;
  }

  /** Redraws for `current` steps done (throttled to 20 redraws a second unless `final`). */
  update(current: number, logs: Record<string, number>, final = false): void {
    const now = Date.now();
    if (!this.dynamic) {
      if (!final) return;
      const elapsed = (now - this.start) / 1000;
      const per = current > 0 ? elapsed / current : 0;
      const steps = this.target !== null ? `${current}/${this.target}` : `${current}`;
      this.out.write(`${this.prefix}${steps} - ${Math.round(elapsed)}s - ${formatPerStep(per)}${formatLogs(logs)}\n`);
      return;
    }
    if (!final && now - this.lastDraw < 50) return;
    this.lastDraw = now;
    const elapsed = (now - this.start) / 1000;
    const per = current > 0 ? elapsed / current : 0;
    let line: string;
    if (this.target !== null) {
      const digits = String(this.target).length;
      const frac = Math.min(1, current / this.target);
      const done = Math.floor(this.width * frac);
      const bar = `\x1b[1m${'━'.repeat(done)}\x1b[0m\x1b[37m${'━'.repeat(this.width - done)}\x1b[0m`;
      const time = current < this.target ? ` \x1b[1m${formatEta(per * (this.target - current))}\x1b[0m` : ` \x1b[1m${Math.round(elapsed)}s\x1b[0m`;
      line = `${String(current).padStart(digits)}/${this.target} ${bar}${time} ${formatPerStep(per)}${formatLogs(logs)}`;
    } else {
      line = `${current} \x1b[1m${Math.round(elapsed)}s\x1b[0m ${formatPerStep(per)}${formatLogs(logs)}`;
    }
    const visible = line.replace(/\x1b\[[0-9;]*m/g, '').length;
    const pad = this.drawnWidth > visible ? ' '.repeat(this.drawnWidth - visible) : '';
    this.drawnWidth = visible;
    this.out.write(`\r${line}${pad}${final ? '\n' : ''}`);
  }

  /** Writes a line of its own (e.g. `Epoch 1/5`). */
  static line(text: string, out?: Out): void {
    (out ?? stdout()).write(`${text}\n`);
  }

  /** Whether stdout is a terminal. */
  static isTTY(): boolean {
    return stdout().isTTY;
  }
}

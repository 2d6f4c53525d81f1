/** A download progress bar on stderr, drawn only on a terminal. */
import type { DownloadProgress } from '../sources/spec.js';

const WIDTH = 24;

function mb(n: number): string {
  return (n / 1e6).toFixed(1);
}

/** A progress callback drawing a bar on stderr (throttled to 10 updates a second). */
export function terminalProgress(): (e: DownloadProgress) => void {
  let last = 0;
  return (e) => {
    const now = Date.now();
    if (!e.done && now - last < 100) return;
    last = now;
    let line: string;
    if (e.total) {
      const f = Math.min(1, e.received / e.total);
      const full = Math.round(f * WIDTH);
      line = `${e.file} [${'='.repeat(full)}${' '.repeat(WIDTH - full)}] ${String(Math.floor(f * 100)).padStart(3)}% ${mb(e.received)}/${mb(e.total)} MB`;
    } else line = `${e.file} ${mb(e.received)} MB`;
    process.stderr.write(`\r\x1b[2K${line}${e.done ? '\n' : ''}`);
  };
}

/** The callback for a `progress` option: the given one, a terminal bar, or none. */
export function progressReporter(option: boolean | ((e: DownloadProgress) => void) | undefined): ((e: DownloadProgress) => void) | null {
  if (typeof option === 'function') return option;
  if (option === false) return null;
  if (option === true || process.stderr.isTTY) return terminalProgress();
  return null;
}

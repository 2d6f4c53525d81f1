/**
 * A small reader of tar archives (POSIX ustar, with GNU long names and pax path records), enough
 * for dataset tarballs such as CIFAR-10's. Entries are views of the input: nothing is copied.
 */
import { DatasetFormatError } from '../errors.js';

/** One archive member. */
export interface TarEntry {
  /** Path inside the archive. */
  name: string;
  /** `'file'`, `'directory'` or `'other'` (links, devices...). */
  type: 'file' | 'directory' | 'other';
  /** The member's bytes (a view of the archive). */
  data: Uint8Array;
}

const BLOCK = 512;
const decoder = new TextDecoder();

/**
 * Lists the members of an uncompressed tar archive.
 *
 * @example
 * const batch = readTar(await gunzip(tgz)).find((e) => e.name.endsWith('/test_batch.bin'));
 */
export function readTar(bytes: Uint8Array, file = '<tar archive>'): TarEntry[] {
  const entries: TarEntry[] = [];
  let at = 0;
  let longName: string | null = null;
  let paxPath: string | null = null;
  while (at + BLOCK <= bytes.length) {
    const header = bytes.subarray(at, at + BLOCK);
    if (header.every((b) => b === 0)) return entries; // end-of-archive marker
    checkHeaderChecksum(header, file, at);
    const size = readSize(header, file, at);
    const typeflag = String.fromCharCode(header[156]!);
    const dataStart = at + BLOCK;
    const dataEnd = dataStart + size;
    if (dataEnd > bytes.length) {
      throw new DatasetFormatError(file, `truncated: member at offset ${at} declares ${size} bytes, only ${bytes.length - dataStart} remain`);
    }
    const data = bytes.subarray(dataStart, dataEnd);
    at = dataStart + Math.ceil(size / BLOCK) * BLOCK;
    if (typeflag === 'L') {
      longName = cString(data);
      continue;
    }
    if (typeflag === 'x') {
      paxPath = paxRecord(data, 'path') ?? paxPath;
      continue;
    }
    if (typeflag === 'g') continue;
    let name = longName ?? paxPath ?? ustarName(header);
    longName = null;
    paxPath = null;
    if (name.startsWith('./')) name = name.slice(2);
    const type = typeflag === '0' || typeflag === '\0' || typeflag === '7' ? 'file' : typeflag === '5' ? 'directory' : 'other';
    entries.push({ name, type, data });
  }
  if (at < bytes.length) throw new DatasetFormatError(file, `truncated: the archive ends inside the header at offset ${at} (${bytes.length - at} of 512 bytes)`);
  if (at > bytes.length) throw new DatasetFormatError(file, `truncated: the archive ends inside the padding of its last member (${at - bytes.length} bytes missing)`);
  return entries; // no end-of-archive marker: accepted, as tar does
}

function cString(b: Uint8Array): string {
  const end = b.indexOf(0);
  return decoder.decode(end < 0 ? b : b.subarray(0, end));
}

function ustarName(h: Uint8Array): string {
  const name = cString(h.subarray(0, 100));
  const isUstar = cString(h.subarray(257, 263)).startsWith('ustar');
  const prefix = isUstar && h[262] === 0 ? cString(h.subarray(345, 500)) : ''; // POSIX only; GNU uses those bytes otherwise
  return prefix ? `${prefix}/${name}` : name;
}

function readOctal(field: Uint8Array): number {
  const text = cString(field).trim();
  return text === '' ? 0 : parseInt(text, 8);
}

function readSize(h: Uint8Array, file: string, at: number): number {
  const field = h.subarray(124, 136);
  let size: number;
  if (field[0]! & 0x80) {
    // GNU base-256 encoding for sizes of 8 GiB and more.
    size = field[0]! & 0x7f;
    for (let i = 1; i < field.length; i++) size = size * 256 + field[i]!;
  } else size = readOctal(field);
  if (!Number.isSafeInteger(size) || size < 0) throw new DatasetFormatError(file, `bad tar header at offset ${at}: invalid size field`);
  return size;
}

function checkHeaderChecksum(h: Uint8Array, file: string, at: number): void {
  const stored = readOctal(h.subarray(148, 156));
  let sum = 0;
  for (let i = 0; i < BLOCK; i++) sum += i >= 148 && i < 156 ? 0x20 : h[i]!;
  if (stored !== sum) throw new DatasetFormatError(file, `bad tar header at offset ${at}: checksum ${stored} does not match ${sum} (not a tar archive, or corrupt)`);
}

function paxRecord(data: Uint8Array, key: string): string | null {
  // Records are "<length> <key>=<value>\n", the length counting the whole record.
  const text = decoder.decode(data);
  let i = 0;
  while (i < text.length) {
    const space = text.indexOf(' ', i);
    if (space < 0) break;
    const len = parseInt(text.slice(i, space), 10);
    if (!(len > 0)) break;
    const rec = text.slice(space + 1, i + len - 1);
    const eq = rec.indexOf('=');
    if (eq > 0 && rec.slice(0, eq) === key) return rec.slice(eq + 1);
    i += len;
  }
  return null;
}

/** Writes a ustar archive of regular files (names up to 100 bytes); for tests and small sets. */
export function writeTar(files: readonly { name: string; data: Uint8Array }[]): Uint8Array {
  const enc = new TextEncoder();
  const size = files.reduce((s, f) => s + BLOCK + Math.ceil(f.data.length / BLOCK) * BLOCK, 0) + 2 * BLOCK;
  const out = new Uint8Array(size);
  let at = 0;
  const put = (text: string, offset: number, width: number): void => {
    const b = enc.encode(text);
    if (b.length > width) throw new RangeError(`writeTar: '${text}' does not fit in ${width} bytes`);
    out.set(b, at + offset);
  };
  const octal = (n: number, width: number): string => n.toString(8).padStart(width - 1, '0');
  for (const f of files) {
    put(f.name, 0, 100);
    put(octal(0o644, 8), 100, 8);
    put(octal(0, 8), 108, 8);
    put(octal(0, 8), 116, 8);
    put(octal(f.data.length, 12), 124, 12);
    put(octal(0, 12), 136, 12);
    out[at + 156] = 0x30; // '0': regular file
    put('ustar', 257, 6);
    put('00', 263, 2);
    out.fill(0x20, at + 148, at + 156);
    let sum = 0;
    for (let i = 0; i < BLOCK; i++) sum += out[at + i]!;
    put(`${octal(sum, 7)}\0 `, 148, 8);
    out.set(f.data, at + BLOCK);
    at += BLOCK + Math.ceil(f.data.length / BLOCK) * BLOCK;
  }
  return out;
}

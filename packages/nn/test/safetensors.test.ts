import * as T from '@tessera/core';
import { tensor } from '@tessera/core';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import * as nn from '../src/index.js';
import { expectClose, makeCnn } from './helpers.js';

const FIXTURES = join(__dirname, 'fixtures');

describe('safetensors', () => {
  it('round-trips every writable dtype with metadata (bytes and files)', async () => {
    const tensors = {
      f32: T.randn([2, 3]),
      f64: tensor([[1.5, -2]], { dtype: 'float64' }),
      i32: tensor([1, -2, 2147483647], { dtype: 'int32' }),
      u8: tensor([0, 255], { dtype: 'uint8' }),
      b: tensor([true, false, true]),
      scalar: tensor(3 as unknown as number[]),
      empty: T.zeros([0, 4]),
    };
    const bytes = await nn.serializeSafetensors(tensors, { note: 'hi' });
    expect(Array.from(nn.serializeSafetensorsSync(tensors, { note: 'hi' }))).toEqual(Array.from(bytes));
    const headerLen = Number(new DataView(bytes.buffer).getBigUint64(0, true));
    expect((8 + headerLen) % 8).toBe(0);
    const { tensors: back, metadata } = nn.parseSafetensors(bytes);
    expect(metadata).toEqual({ note: 'hi' });
    expect(Object.keys(back)).toEqual(Object.keys(tensors));
    for (const [k, t] of Object.entries(tensors)) {
      expect(back[k]!.dtype, k).toBe(t.dtype);
      expect(back[k]!.shape, k).toEqual(t.shape);
      expect(Array.from(back[k]!.dataSync()), k).toEqual(Array.from(t.dataSync()));
    }
    const dir = mkdtempSync(join(tmpdir(), 'tessera-nn-'));
    await nn.save(tensors, join(dir, 'a.safetensors'), { a: 'b' });
    const loaded = await nn.loadWithMetadata(join(dir, 'a.safetensors'));
    expect(loaded.metadata).toEqual({ a: 'b' });
    expect(Array.from(loaded.tensors.f32!.dataSync())).toEqual(Array.from(tensors.f32.dataSync()));
  });

  it('reads a state dict written from PyTorch (int64 counter) into the same model with the same outputs', async () => {
    const sd = await nn.load(join(FIXTURES, 'torch_cnn_state.safetensors'));
    const x = sd.__input__!;
    const y = sd.__output__!;
    delete sd.__input__;
    delete sd.__output__;
    expect(sd['1.num_batches_tracked']!.dtype).toBe('int32');
    expect(sd['1.num_batches_tracked']!.itemSync()).toBe(1);
    const cnn = makeCnn();
    expect(cnn.loadStateDict(sd)).toEqual({ missingKeys: [], unexpectedKeys: [] });
    cnn.eval();
    expectClose(cnn.forward(x), y, 'cnn(x)');
  });

  it('writes a file that reads back into an equal model (Tessera -> file -> Tessera)', async () => {
    const a = makeCnn();
    a.forward(T.randn([4, 1, 8, 8])); // move the running statistics
    a.eval();
    const dir = mkdtempSync(join(tmpdir(), 'tessera-nn-'));
    const path = join(dir, 'cnn.safetensors');
    const x = T.randn([3, 1, 8, 8]);
    const y = a.forward(x);
    // The layout generate.py --verify checks from PyTorch: the state dict plus __input__ / __output__.
    await nn.save({ ...a.stateDict(), __input__: x, __output__: y }, path, { format: 'pt' });
    const b = makeCnn();
    const sd = await nn.load(path);
    delete sd.__input__;
    delete sd.__output__;
    b.loadStateDict(sd);
    b.eval();
    expectClose(b.forward(x), y, 'reloaded');
    const { header } = nn.readSafetensorsHeader(new Uint8Array(readFileSync(path)));
    expect(header['0.weight']).toMatchObject({ dtype: 'F32', shape: [4, 1, 3, 3] });
    expect(header['1.num_batches_tracked']).toMatchObject({ dtype: 'I32', shape: [] });
  });

  it('decodes F16, BF16, I64, I16, I8 written by other tools', () => {
    const entries: [string, string, number[], number[]][] = [
      ['h', 'F16', [3], [0x3c00, 0xc000, 0x7bff]], // 1, -2, 65504
      ['bf', 'BF16', [2], [0x3f80, 0xc040]], // 1, -3
      ['l', 'I64', [2], [5, -7]],
      ['s', 'I16', [1], [-300]],
      ['c', 'I8', [2], [-5, 100]],
    ];
    const width: Record<string, number> = { F16: 2, BF16: 2, I64: 8, I16: 2, I8: 1 };
    let off = 0;
    const header: Record<string, unknown> = {};
    const parts: Uint8Array[] = [];
    for (const [name, dt, shape, vals] of entries) {
      const w = width[dt]!;
      const buf = new Uint8Array(vals.length * w);
      const dv = new DataView(buf.buffer);
      vals.forEach((v, i) => {
        if (dt === 'I64') dv.setBigInt64(i * 8, BigInt(v), true);
        else if (w === 2) dv.setUint16(i * 2, v & 0xffff, true);
        else dv.setInt8(i, v);
      });
      header[name] = { dtype: dt, shape, data_offsets: [off, off + buf.length] };
      off += buf.length;
      parts.push(buf);
    }
    const json = new TextEncoder().encode(JSON.stringify(header));
    const bytes = new Uint8Array(8 + json.length + off);
    new DataView(bytes.buffer).setBigUint64(0, BigInt(json.length), true);
    bytes.set(json, 8);
    let at = 8 + json.length;
    for (const p of parts) {
      bytes.set(p, at);
      at += p.length;
    }
    const { tensors } = nn.parseSafetensors(bytes);
    expect(Array.from(tensors.h!.dataSync())).toEqual([1, -2, 65504]);
    expect(Array.from(tensors.bf!.dataSync())).toEqual([1, -3]);
    expect(tensors.l!.dtype).toBe('int32');
    expect(Array.from(tensors.l!.dataSync())).toEqual([5, -7]);
    expect(Array.from(tensors.s!.dataSync())).toEqual([-300]);
    expect(Array.from(tensors.c!.dataSync())).toEqual([-5, 100]);
  });

  it('rejects malformed files with a reason', () => {
    expect(() => nn.parseSafetensors(new Uint8Array(4))).toThrow('too short');
    const bad = new Uint8Array(16);
    new DataView(bad.buffer).setBigUint64(0, 1000n, true);
    expect(() => nn.parseSafetensors(bad)).toThrow('exceeds');
    const mk = (h: unknown, data = 0): Uint8Array => {
      const json = new TextEncoder().encode(JSON.stringify(h));
      const b = new Uint8Array(8 + json.length + data);
      new DataView(b.buffer).setBigUint64(0, BigInt(json.length), true);
      b.set(json, 8);
      return b;
    };
    expect(() => nn.parseSafetensors(mk({ a: { dtype: 'F32', shape: [2], data_offsets: [0, 4] } }, 8))).toThrow("'a' (F32 [2]) needs 8 bytes but its offsets span 4");
    expect(() => nn.parseSafetensors(mk({ a: { dtype: 'F32', shape: [2], data_offsets: [0, 8] } }, 4))).toThrow('outside the 4-byte data section');
    expect(() => nn.parseSafetensors(mk({ a: { dtype: 'C64', shape: [1], data_offsets: [0, 8] } }, 8))).toThrow('unsupported dtype C64');
    const big = mk({ a: { dtype: 'I64', shape: [1], data_offsets: [0, 8] } }, 8);
    new DataView(big.buffer).setBigInt64(big.length - 8, 1n << 40n, true);
    expect(() => nn.parseSafetensors(big)).toThrow('does not fit in int32');
  });
});

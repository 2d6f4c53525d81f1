/**
 * Minimal HDF5 access for Keras weight files, through h5wasm (the HDF5 C library compiled to
 * WebAssembly), loaded on first use. Files are handled in h5wasm's in-memory file system, so this
 * works the same in Node and browsers.
 */
import { ValueError } from '../common.js';

export interface H5Dataset {
  /** Path from the root, without a leading slash: `layers/dense/vars/0`. */
  path: string;
  shape: number[];
  data: Float32Array | Float64Array | Int32Array | Uint8Array | BigInt64Array;
}

type H5Module = typeof import('h5wasm');
let mod: Promise<H5Module> | null = null;

async function h5(): Promise<H5Module> {
  mod ??= (async () => {
    const m = (await import('h5wasm')) as H5Module & { default?: H5Module };
    const lib = ('File' in m ? m : (m as unknown as { default: H5Module }).default) as H5Module;
    await lib.ready;
    return lib;
  })();
  return mod;
}

let fileCounter = 0;

function fsOf(lib: H5Module): { writeFile(p: string, d: Uint8Array): void; readFile(p: string): Uint8Array; unlink(p: string): void } {
  const fs = (lib as unknown as { FS: unknown }).FS;
  if (!fs) throw new ValueError('h5wasm did not initialize its file system');
  return fs as { writeFile(p: string, d: Uint8Array): void; readFile(p: string): Uint8Array; unlink(p: string): void };
}

/** Every dataset of an HDF5 file, and the groups (paths) it has. */
export async function readH5(bytes: Uint8Array): Promise<{ datasets: Map<string, H5Dataset>; groups: Set<string>; attrs: Map<string, unknown> }> {
  const lib = await h5();
  const fs = fsOf(lib);
  const name = `/tessera_read_${fileCounter++}.h5`;
  fs.writeFile(name, bytes);
  const f = new lib.File(name, 'r');
  const datasets = new Map<string, H5Dataset>();
  const groups = new Set<string>();
  const attrs = new Map<string, unknown>();
  try {
    const walk = (g: InstanceType<H5Module['Group']>, prefix: string): void => {
      for (const key of g.keys()) {
        const p = prefix ? `${prefix}/${key}` : key;
        const e = g.get(key);
        if (e instanceof lib.Dataset) {
          const v = e.value;
          const shape = e.shape ?? [];
          let data: H5Dataset['data'];
          if (typeof v === 'number' || typeof v === 'bigint' || typeof v === 'boolean') data = new Float64Array([Number(v)]);
          else if (ArrayBuffer.isView(v)) data = v as H5Dataset['data'];
          else throw new ValueError(`Unsupported HDF5 dataset type at '${p}'`);
          datasets.set(p, { path: p, shape, data });
        } else if (e instanceof lib.Group) {
          groups.add(p);
          walk(e, p);
        }
      }
    };
    walk(f, '');
    for (const [k, a] of Object.entries(f.attrs)) attrs.set(k, (a as { value: unknown }).value);
  } finally {
    f.close();
    fs.unlink(name);
  }
  return { datasets, groups, attrs };
}

/** Writes datasets (and empty groups) into a new HDF5 file and returns its bytes. */
export async function writeH5(datasets: H5Dataset[], groups: string[] = [], attrs: Record<string, string> = {}): Promise<Uint8Array> {
  const lib = await h5();
  const fs = fsOf(lib);
  const name = `/tessera_write_${fileCounter++}.h5`;
  const f = new lib.File(name, 'w');
  try {
    const ensure = (path: string): InstanceType<H5Module['Group']> => {
      let g: InstanceType<H5Module['Group']> = f;
      let at = '';
      for (const part of path.split('/').filter(Boolean)) {
        at = at ? `${at}/${part}` : part;
        const e = g.get(part);
        g = e instanceof lib.Group ? e : g.create_group(part);
      }
      return g;
    };
    for (const [k, v] of Object.entries(attrs)) f.create_attribute(k, v);
    for (const g of groups) ensure(g);
    for (const d of datasets) {
      const parts = d.path.split('/');
      const leaf = parts.pop()!;
      const g = ensure(parts.join('/'));
      const dtype = d.data instanceof Float32Array ? '<f' : d.data instanceof Float64Array ? '<d' : d.data instanceof Int32Array ? '<i' : d.data instanceof BigInt64Array ? '<q' : '|u1';
      g.create_dataset({ name: leaf, data: d.data, shape: d.shape, dtype });
    }
    f.flush();
  } finally {
    f.close();
  }
  try {
    return fs.readFile(name).slice();
  } finally {
    fs.unlink(name);
  }
}

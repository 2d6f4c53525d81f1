/**
 * `save` / `load` of state dicts as safetensors files. Node's `fs` is imported lazily, inside the
 * functions, so the package still loads in browsers (use `serializeSafetensors` /
 * `parseSafetensors` on bytes there).
 */
import type { Tensor } from '@tessera/core';
import { parseSafetensors, serializeSafetensors, type ParseOptions, type SafetensorsFile } from './safetensors.js';

async function fs(): Promise<typeof import('node:fs/promises')> {
  try {
    return await import('node:fs/promises');
  } catch {
    throw new Error('save/load need Node.js file system access; in a browser use serializeSafetensors / parseSafetensors on bytes');
  }
}

/**
 * Writes tensors (usually `model.stateDict()`) to `path` in the safetensors format, which
 * PyTorch reads with `safetensors.torch.load_file`.
 *
 * @example
 * await save(model.stateDict(), 'model.safetensors');
 */
export async function save(stateDict: Record<string, Tensor> | Map<string, Tensor>, path: string, metadata?: Record<string, string>): Promise<void> {
  const bytes = await serializeSafetensors(stateDict, metadata);
  await (await fs()).writeFile(path, bytes);
}

/**
 * Reads a safetensors file (e.g. written by PyTorch's `safetensors.torch.save_file`) into a
 * state dict for `loadStateDict`.
 *
 * @example
 * model.loadStateDict(await load('model.safetensors'));
 */
export async function load(path: string, options: ParseOptions = {}): Promise<Record<string, Tensor>> {
  return (await loadWithMetadata(path, options)).tensors;
}

/** `load`, also returning the file's `__metadata__`. */
export async function loadWithMetadata(path: string, options: ParseOptions = {}): Promise<SafetensorsFile> {
  const buf = await (await fs()).readFile(path);
  return parseSafetensors(new Uint8Array(buf.buffer, buf.byteOffset, buf.byteLength), options);
}

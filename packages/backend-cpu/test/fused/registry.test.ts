import { getKernel, OP_NAMES } from '@tessera/core';
import { describe, expect, it } from 'vitest';
import { FUSED_KERNELS } from '../../src/index.js';
import { REF } from './compare.js';

describe('fused kernel registry', () => {
  it('registers every fused kernel for cpu under a core op name, and none for other devices', () => {
    const names = Object.keys(FUSED_KERNELS);
    expect(names.length).toBeGreaterThan(10);
    for (const name of names) {
      expect(OP_NAMES as readonly string[]).toContain(name);
      expect(getKernel('cpu', name)).toBe(FUSED_KERNELS[name]);
      expect(getKernel(REF, name)).toBeUndefined();
    }
  });
});

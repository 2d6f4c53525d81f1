import { getBackend } from '@tessera/core';
import { describe, expect, it } from 'vitest';
import { CpuBackend, cpuBackend } from '../src/index.js';

describe('registration', () => {
  it('registers a CpuBackend as device cpu on import', () => {
    expect(cpuBackend).toBeInstanceOf(CpuBackend);
    expect(getBackend('cpu')).toBe(cpuBackend);
    expect(cpuBackend.name).toBe('cpu');
    expect(cpuBackend.supportsSyncRead).toBe(true);
    expect([...cpuBackend.dtypes].sort()).toEqual(['bool', 'float32', 'float64', 'int32', 'uint8']);
  });
});

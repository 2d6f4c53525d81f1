/** Native tensors print like the CPU's, with their device where PyTorch puts it (after the values). */
import { expect, it } from 'vitest';
import * as core from '@tessera/core';
import '@tessera/backend-cpu';
import '@tessera/backend-native';

it("toString matches the CPU printout plus device='native'", () => {
  const cases = [
    core.tensor([[1, 2], [3, 4]]),
    core.tensor([NaN, Infinity, -Infinity, 1]),
    core.tensor([1, 20, -3], { dtype: 'int32' }),
    core.tensor([true, false]),
    core.tensor(3.5),
    core.zeros([0, 3]),
    core.arange(2000).reshape([40, 50]).float().div(7),
    core.tensor([1.5, 2], { dtype: 'float64' }),
    core.tensor([[1, 2], [3, 4]]).t(),
  ];
  for (const t of cases) {
    expect(t.device).toBe('native');
    const want = t.to('cpu').toString().replace(/((?:, (?:size|dtype)=[^\n]*)?)\)$/, ", device='native'$1)");
    expect(t.toString()).toBe(want);
  }
});

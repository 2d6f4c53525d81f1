import { describe, it } from 'vitest';
import * as nn from '../src/index.js';
import { checkCase } from './helpers.js';

describe('activation modules match PyTorch (values and gradients, including 0 and +-30)', () => {
  const mods: [string, () => nn.Module][] = [
    ['relu', () => new nn.ReLU()],
    ['leaky_relu', () => new nn.LeakyReLU(0.2)],
    ['elu', () => new nn.ELU(0.7)],
    ['gelu', () => new nn.GELU()],
    ['gelu_tanh', () => new nn.GELU({ approximate: 'tanh' })],
    ['silu', () => new nn.SiLU()],
    ['sigmoid', () => new nn.Sigmoid()],
    ['tanh', () => new nn.Tanh()],
    ['softmax', () => new nn.Softmax(1)],
    ['log_softmax', () => new nn.LogSoftmax(0)],
    ['softplus', () => new nn.Softplus(2, 5)],
    ['softplus_default', () => new nn.Softplus()],
    ['relu6', () => new nn.ReLU6()],
    ['hardtanh', () => new nn.Hardtanh(-0.5, 2)],
    ['mish', () => new nn.Mish()],
    ['softmin', () => new nn.Softmin(1)],
    ['prelu', () => new nn.PReLU()],
    ['softsign', () => new nn.Softsign()],
    ['hardswish', () => new nn.Hardswish()],
    ['hardsigmoid', () => new nn.Hardsigmoid()],
  ];
  for (const [name, make] of mods) {
    it(name, () => {
      const m = make();
      checkCase(`act_${name}`, m, (i) => ({ y: m.forward(i.x!) }));
    });
  }
});

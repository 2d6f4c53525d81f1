/**
 * The example, written with core ops and autograd (no nn): Linear(1, 1) + MSELoss +
 * SGD(lr=0.01), 100 epochs on x = [[1]], y = [[2]], against PyTorch (fixtures/linear_example.json).
 */
import '@tessera/autograd';
import { tensor, tidy, type Tensor } from '@tessera/core';
import { expect, it } from 'vitest';
import * as nn from '@tessera/nn';
import { SGD } from '../src/index.js';
import { expectClose, loadFixture } from './helpers.js';

interface Fixture {
  initial: { weight: number; bias: number };
  losses: number[];
  final: { weight: number; bias: number };
}
const fixture = loadFixture<Fixture>('linear_example');

it('Linear(1, 1) trained with SGD ends where PyTorch does', () => {
  const weight = tensor([[fixture.initial.weight]], { requiresGrad: true });
  const bias = tensor([fixture.initial.bias], { requiresGrad: true });
  const forward = (x: Tensor): Tensor => x.matmul(weight.t()).add(bias);
  const mseLoss = (out: Tensor, y: Tensor): Tensor => out.sub(y).square().mean();

  const optimizer = new SGD([weight, bias], { lr: 0.01 });
  const x = tensor([[1.0]]);
  const y = tensor([[2.0]]);
  const losses: number[] = [];
  for (let epoch = 0; epoch < 100; epoch++) {
    tidy(() => {
      const out = forward(x);
      const loss = mseLoss(out, y);
      optimizer.zeroGrad();
      loss.backward();
      optimizer.step();
      losses.push(loss.itemSync() as number);
    });
  }
  expectClose('losses', losses, fixture.losses);
  expectClose('weight', [weight.itemSync() as number], [fixture.final.weight]);
  expectClose('bias', [bias.itemSync() as number], [fixture.final.bias]);
  expect(optimizer.paramGroups[0]!.params).toEqual([weight, bias]);
});

it("the issue's example verbatim (nn.Module, nn.MSELoss, optim.SGD) matches PyTorch", () => {
  class LinearModel extends nn.Module {
    linear = new nn.Linear(1, 1);
    forward(x: Tensor) { return this.linear.forward(x); }
  }
  const model = new LinearModel();
  model.loadStateDict({
    'linear.weight': tensor([[fixture.initial.weight]]),
    'linear.bias': tensor([fixture.initial.bias]),
  });
  const criterion = new nn.MSELoss();
  const optimizer = new SGD(model.parameters(), { lr: 0.01 });
  const losses: number[] = [];
  for (let epoch = 0; epoch < 100; epoch++) {
    const out = model.forward(tensor([[1.0]]));
    const loss = criterion.forward(out, tensor([[2.0]]));
    optimizer.zeroGrad(); loss.backward(); optimizer.step();
    losses.push(loss.itemSync() as number);
  }
  expectClose('losses', losses, fixture.losses);
  expectClose('weight', [model.linear.weight.itemSync() as number], [fixture.final.weight]);
  expectClose('bias', [model.linear.bias!.itemSync() as number], [fixture.final.bias]);
});

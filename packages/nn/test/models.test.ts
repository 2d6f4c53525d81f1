import { noGrad } from '@tessera/autograd';
import { tensor, type Tensor } from '@tessera/core';
import { describe, expect, it } from 'vitest';
import * as nn from '../src/index.js';
import { checkCase, expectClose, loadCase, makeCnn } from './helpers.js';

// The example, verbatim apart from the optimizer (a plain SGD step here; @tessera/optim
// provides the real one).
class LinearModel extends nn.Module {
  linear = new nn.Linear(1, 1);
  forward(x: Tensor) {
    return this.linear.forward(x);
  }
}

class LSTMClassifier extends nn.Module {
  emb = new nn.Embedding(10, 6, { paddingIdx: 0 });
  lstm = new nn.LSTM(6, 8, { batchFirst: true });
  fc = new nn.Linear(8, 3);
  forward(idx: Tensor): Tensor {
    const [y] = this.lstm.forward(this.emb.forward(idx));
    return this.fc.forward(y.select(1, -1));
  }
}

class TransformerClassifier extends nn.Module {
  encoder = new nn.TransformerEncoderLayer(16, 4, { dimFeedforward: 32, dropout: 0, batchFirst: true });
  head = new nn.Linear(16, 3);
  forward(x: Tensor, keyPaddingMask: Tensor): Tensor {
    return this.head.forward(this.encoder.forward(x, { srcKeyPaddingMask: keyPaddingMask }).mean(1));
  }
}

const classify = (call: (i: Record<string, Tensor>) => Tensor) => (i: Record<string, Tensor>) => {
  const logits = call(i);
  return { logits, loss: nn.F.crossEntropy(logits, i.t!) };
};

describe('end-to-end models match PyTorch', () => {
  it("the issue's LinearModel: 100 SGD steps (lr 0.01) give PyTorch's weights and losses", () => {
    const c = loadCase('linear_model');
    const model = new LinearModel();
    model.loadStateDict(c.sd);
    const criterion = new nn.MSELoss();
    const losses: number[] = [];
    for (let epoch = 0; epoch < 100; epoch++) {
      const out = model.forward(tensor([[1.0]]));
      const loss = criterion.forward(out, tensor([[2.0]]));
      model.zeroGrad();
      loss.backward();
      noGrad(() => {
        for (const p of model.parameters()) p.sub_(p.grad!.mul(0.01));
      });
      losses.push(loss.itemSync() as number);
    }
    const sd = model.stateDict();
    expectClose(sd['linear.weight'], c.after['linear.weight']!, 'weight');
    expectClose(sd['linear.bias'], c.after['linear.bias']!, 'bias');
    expectClose(tensor(losses), c.outputs.losses!, 'losses');
  });

  it('MLP (Sequential of Linear, ReLU, Tanh)', () => {
    const m = new nn.Sequential(new nn.Linear(10, 16), new nn.ReLU(), new nn.Linear(16, 16), new nn.Tanh(), new nn.Linear(16, 3));
    checkCase('mlp', m, classify((i) => m.forward(i.x!)));
  });

  it('CNN (Conv2d, BatchNorm2d, MaxPool2d, AdaptiveAvgPool2d, Flatten, Linear), training mode', () => {
    const m = makeCnn();
    checkCase('cnn', m, classify((i) => m.forward(i.x!)));
  });

  it('LSTM classifier (Embedding with padding, LSTM batchFirst, Linear on the last step)', () => {
    const m = new LSTMClassifier();
    checkCase('lstm_classifier', m, classify((i) => m.forward(i.x!)), { atol: 2e-5 });
  });

  it('transformer encoder layer classifier with a key padding mask', () => {
    const m = new TransformerClassifier();
    checkCase('transformer_classifier', m, classify((i) => m.forward(i.x!, i.mask!)), { atol: 2e-5 });
  });

  it('the models expose the same parameter names as PyTorch', () => {
    expect([...new LSTMClassifier().namedParameters()].map(([k]) => k)).toEqual([
      'emb.weight', 'lstm.weight_ih_l0', 'lstm.weight_hh_l0', 'lstm.bias_ih_l0', 'lstm.bias_hh_l0', 'fc.weight', 'fc.bias',
    ]);
    expect(Object.keys(makeCnn().stateDict()).slice(0, 7)).toEqual([
      '0.weight', '0.bias', '1.weight', '1.bias', '1.running_mean', '1.running_var', '1.num_batches_tracked',
    ]);
  });
});

describe('memory', () => {
  it('a training step inside tidy leaves no tensors behind (beyond the gradients it keeps)', async () => {
    const { memory, tidy, randn, randint } = await import('@tessera/core');
    const models: [nn.Module, () => Tensor][] = [
      [new nn.Sequential(new nn.Linear(6, 8), new nn.ReLU(), new nn.Dropout(0.2), new nn.Linear(8, 3)), () => randn([4, 6])],
      [makeCnnForMemory(), () => randn([2, 1, 8, 8])],
      [new LSTMClassifier(), () => randint(0, 10, [2, 5])],
    ];
    for (const [m, input] of models) {
      const step = (): void =>
        tidy(() => {
          const logits = m.forward(input()) as Tensor;
          nn.F.crossEntropy(logits, randint(0, 3, [logits.shape[0]!])).backward();
        });
      step(); // gradients now exist
      m.zeroGrad({ setToNone: false });
      const before = memory().numTensors;
      step();
      step();
      expect(memory().numTensors, m.constructor.name).toBe(before);
    }
  });
});

function makeCnnForMemory(): nn.Module {
  return new nn.Sequential(new nn.Conv2d(1, 2, 3, { padding: 1 }), new nn.BatchNorm2d(2), new nn.ReLU(), new nn.MaxPool2d(2), new nn.Flatten(), new nn.Linear(32, 3));
}

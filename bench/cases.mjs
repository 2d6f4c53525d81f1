// Benchmark cases. Each case has a `kind` that peers implement (see peers/*.mjs), `params` for it,
// how to turn seconds-per-op into the reported metric, and an optional goal for Tessera against
// a baseline peer. `speedup` everywhere means baseline time / subject time (> 1: subject faster).
// A case may name its own `subject` (default SUBJECT), and a goal's `baseline` may list several
// peers (the fastest of them counts).

/** The peer whose numbers the goals are about, unless a case names another. */
export const SUBJECT = 'tessera-cpu';

const matmul = (n) => ({
  id: `matmul-f32-${n}`,
  title: `matmul float32 ${n}x${n} @ ${n}x${n}`,
  kind: 'matmul',
  params: { n, dtype: 'float32' },
  unit: 'GFLOP/s',
  higherIsBetter: true,
  metric: (secondsPerOp) => (2 * n ** 3) / secondsPerOp / 1e9,
  goal: { baseline: 'tfjs-cpu', minSpeedup: 4, text: '>= 4x tfjs-cpu' },
});

/** SGEMM on the native backend against OpenBLAS (through PyTorch); goals where the issue sets them. */
const sgemm = (n, goal) => ({
  id: `sgemm-native-${n}`,
  title: `SGEMM float32 ${n}^3: native backend vs PyTorch's BLAS`,
  kind: 'sgemm',
  params: { n, dtype: 'float32' },
  unit: 'GFLOP/s',
  higherIsBetter: true,
  metric: (secondsPerOp) => (2 * n ** 3) / secondsPerOp / 1e9,
  subject: 'tessera-native',
  ...(goal ? { goal: { baseline: 'pytorch-cpu-2t', minSpeedup: 0.85, text: '>= 0.85x OpenBLAS, 2 threads' } } : {}),
});

export const CASES = [
  matmul(128),
  matmul(256),
  matmul(512),
  matmul(1024),
  {
    id: 'add-dispatch-1000',
    title: 'add 1,000 float32 elements (a.add(b) + dispose)',
    kind: 'addDispatch',
    params: { size: 1000, dtype: 'float32' },
    unit: 'us/op',
    higherIsBetter: false,
    metric: (secondsPerOp) => secondsPerOp * 1e6,
    goal: { baseline: 'tfjs-cpu', minSpeedup: 1, text: '<= tfjs-cpu time' },
  },
  // ---- the native backend (issue #7), against PyTorch ----
  sgemm(256),
  sgemm(512),
  sgemm(1024, true),
  sgemm(2048, true),
  {
    id: 'native-add-dispatch',
    title: 'add 1,000 float32 elements on the native backend (a.add(b) + dispose)',
    kind: 'addDispatch',
    params: { size: 1000, dtype: 'float32' },
    unit: 'us/op',
    higherIsBetter: false,
    metric: (secondsPerOp) => secondsPerOp * 1e6,
    subject: 'tessera-native',
    goal: { baseline: ['pytorch-cpu', 'pytorch-cpu-2t'], minSpeedup: 1, text: "<= PyTorch's time" },
  },
  {
    id: 'mlp-epoch',
    title: 'one epoch of the MNIST MLP (784-128-10, ReLU, Adam, batch 32, 60,000 synthetic images)',
    kind: 'mlpEpoch',
    params: { images: 60000, batch: 32, hidden: 128, lr: 1e-3 },
    unit: 's/epoch',
    higherIsBetter: false,
    metric: (secondsPerOp) => secondsPerOp,
    subject: 'tessera-native',
    goal: { baseline: ['pytorch-cpu', 'pytorch-cpu-2t'], minSpeedup: 2, text: "<= 0.5x PyTorch's best" },
  },
  {
    id: 'convnet-step',
    title: 'one training step of the small MNIST convnet (conv 32 3x3, pool, conv 64 3x3, pool, dense 10; Adam, batch 64)',
    kind: 'convStep',
    params: { batch: 64, lr: 1e-3 },
    unit: 'ms/step',
    higherIsBetter: false,
    metric: (secondsPerOp) => secondsPerOp * 1e3,
    subject: 'tessera-native',
    goal: { baseline: ['pytorch-cpu', 'pytorch-cpu-2t'], minSpeedup: 1 / 0.7, text: "<= 0.7x PyTorch's best" },
  },
  {
    id: 'convnet-step-fused',
    title: 'the convnet step with its layers as autograd functions over the native fused kernels (what nn layers can use)',
    kind: 'convStep',
    params: { batch: 64, lr: 1e-3, fused: true },
    unit: 'ms/step',
    higherIsBetter: false,
    metric: (secondsPerOp) => secondsPerOp * 1e3,
    subject: 'tessera-native',
    goal: { baseline: ['pytorch-cpu', 'pytorch-cpu-2t'], minSpeedup: 1 / 0.7, text: "<= 0.7x PyTorch's best" },
  },
];

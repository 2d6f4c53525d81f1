// Benchmark cases. Each case has a `kind` that peers implement (see peers/*.mjs), `params` for it,
// how to turn seconds-per-op into the reported metric, and an optional goal for Tessera against
// a baseline peer. `speedup` everywhere means baseline time / subject time (> 1: subject faster).

/** The peer whose numbers the goals are about. */
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
];

// Timing for in-process (JavaScript) peers: warm up, calibrate how many calls make one sample,
// then take samples until both the minimum count and the time budget are met.
// Out-of-process peers (Python) implement the same plan on their side; see peers/pytorch_peer.py.

/** The default measurement plan; `--quick` scales it down. Times in seconds. */
export const DEFAULT_PLAN = Object.freeze({
  warmupSeconds: 0.3, // run the op at least this long (and at least twice) before measuring
  sampleSeconds: 0.05, // calls per sample are chosen so a sample lasts about this long
  minSamples: 5,
  maxSamples: 30,
  budgetSeconds: 2, // stop sampling after this long, once minSamples are taken
  slowCallSeconds: 0.5, // a first call slower than this skips further warmup...
  slowMinSamples: 3, // ...and needs only this many samples (one call each)
  rounds: 5, // rounds alternating between the peers, sharing the samples and budget above
  settleSeconds: 0.25, // pause before each measurement, so the previous peer's threads are idle
});

export const QUICK_PLAN = Object.freeze({
  warmupSeconds: 0.1,
  sampleSeconds: 0.02,
  minSamples: 3,
  maxSamples: 10,
  budgetSeconds: 0.5,
  slowCallSeconds: 0.25,
  slowMinSamples: 1,
  rounds: 1,
  settleSeconds: 0.05,
});

const now = () => Number(process.hrtime.bigint()) / 1e9;

/**
 * Measures `fn` (one call = `opsPerCall` ops). Returns seconds per op for each sample.
 * @param {() => void} fn
 * @param {typeof DEFAULT_PLAN} plan
 */
export function measure(fn, plan, opsPerCall = 1) {
  // Warmup doubles as calibration. Slow ops (big matmuls) get one warmup call and fewer samples.
  const f0 = now();
  fn();
  const first = now() - f0;
  const slow = first > plan.slowCallSeconds;
  let calls = 1;
  const w0 = now();
  while (!slow && (calls < 2 || now() - w0 < plan.warmupSeconds)) {
    fn();
    calls++;
  }
  const perCall = slow ? first : (now() - w0) / Math.max(1, calls - 1);
  const callsPerSample = Math.max(1, Math.round(plan.sampleSeconds / Math.max(perCall, 1e-9)));
  const minSamples = slow ? plan.slowMinSamples : plan.minSamples;

  const samples = [];
  const s0 = now();
  while (samples.length < minSamples || (samples.length < plan.maxSamples && now() - s0 < plan.budgetSeconds)) {
    const t0 = now();
    for (let i = 0; i < callsPerSample; i++) fn();
    samples.push((now() - t0) / (callsPerSample * opsPerCall));
  }
  return { samples };
}

export function median(xs) {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

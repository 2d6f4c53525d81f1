#!/usr/bin/env node
// Benchmarks Tessera side by side with its peers in one run: prints a table of medians and
// speedups against each peer, checks the goals in bench/cases.mjs, and writes
// bench-results/latest.json. A missed goal is reported, not an error.
//
//   pnpm bench                      build, then run every case (about 1-2 minutes)
//   node scripts/bench.mjs --quick  fewer samples (smoke test)
//   node scripts/bench.mjs --only matmul-f32-256,add --peers tessera-cpu,tfjs-cpu
//   node scripts/bench.mjs --out path/to/result.json
import { mkdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { dirname, join, relative, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { fileURLToPath } from 'node:url';
import { CASES, SUBJECT } from '../bench/cases.mjs';
import { PEERS } from '../bench/peers/index.mjs';
import { DEFAULT_PLAN, QUICK_PLAN, measure, median } from '../bench/timing.mjs';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const { values: args } = parseArgs({
  options: {
    quick: { type: 'boolean', default: false },
    only: { type: 'string' },
    peers: { type: 'string' },
    out: { type: 'string', default: join(root, 'bench-results', 'latest.json') },
    help: { type: 'boolean', short: 'h', default: false },
  },
});
if (args.help) {
  console.log('usage: node scripts/bench.mjs [--quick] [--only case,...] [--peers peer,...] [--out file.json]');
  console.log(`cases: ${CASES.map((c) => c.id).join(', ')}`);
  console.log(`peers: ${PEERS.map((p) => p.id).join(', ')}`);
  process.exit(0);
}

const list = (s) => (s ? s.split(',').map((x) => x.trim()).filter(Boolean) : null);
const onlyCases = list(args.only);
const onlyPeers = list(args.peers);
const cases = CASES.filter((c) => !onlyCases || onlyCases.some((o) => c.id.includes(o)));
const plan = args.quick ? QUICK_PLAN : DEFAULT_PLAN;
const started = Date.now();
const log = (msg) => process.stderr.write(`${msg}\n`);

// ---- peers ----
const peers = [];
for (const peer of PEERS) {
  if (onlyPeers && !onlyPeers.includes(peer.id)) continue;
  const entry = { peer, id: peer.id, label: peer.id, available: false };
  try {
    const r = await peer.setup();
    if (r?.skip) entry.reason = r.skip;
    else Object.assign(entry, { available: true, label: r?.label ?? peer.id, info: r?.info ?? {} });
  } catch (e) {
    entry.reason = `setup failed: ${e?.message ?? e}`;
  }
  log(entry.available ? `peer ${peer.id}: ${entry.label}` : `peer ${peer.id}: skipped (${entry.reason})`);
  peers.push(entry);
}
const active = peers.filter((p) => p.available);

// ---- measurements ----
// Each case is measured in `plan.rounds` rounds that alternate between the peers (the order
// reverses every other round: A B C, C B A, A B C), each round with its share of the sample
// budget, and a peer's samples from all rounds are pooled. On a machine whose speed drifts over
// minutes (a shared virtual machine), peers measured one after the other would otherwise be
// compared under different conditions.
/** `plan` with its sample counts and time budget divided between `rounds` rounds. */
function roundPlan(plan, rounds) {
  if (rounds <= 1) return plan;
  return {
    ...plan,
    minSamples: Math.max(2, Math.ceil(plan.minSamples / rounds)),
    maxSamples: Math.max(2, Math.ceil(plan.maxSamples / rounds)),
    budgetSeconds: plan.budgetSeconds / rounds,
    slowMinSamples: Math.max(1, Math.ceil(plan.slowMinSamples / rounds)),
  };
}

/** Seconds-per-op samples of one round of `kase` on peer `p`, or null when it does not support it. */
async function sampleRound(p, kase, perRound) {
  if (typeof p.peer.measure === 'function') return (await p.peer.measure(kase, perRound))?.samples ?? null;
  const prep = p.peer.prepare(kase);
  if (!prep) return null;
  try {
    return measure(prep.fn, perRound, prep.opsPerCall ?? 1).samples;
  } finally {
    prep.cleanup?.();
  }
}

const results = [];
const rounds = Math.max(1, plan.rounds ?? 1);
const perRound = roundPlan(plan, rounds);
for (const kase of cases) {
  const row = { case: kase, results: {} };
  const pooled = new Map(active.map((p) => [p.id, []]));
  const perRoundMedians = new Map(active.map((p) => [p.id, []]));
  const failed = new Map();
  for (let round = 0; round < rounds; round++) {
    const order = round % 2 === 0 ? active : [...active].reverse();
    for (const p of order) {
      if (failed.has(p.id) || pooled.get(p.id) === null) continue;
      // Let the previous peer's threads go idle first (OpenBLAS's workers spin for a while after
      // a product, and would otherwise take a core from whoever runs next).
      await new Promise((done) => setTimeout(done, (plan.settleSeconds ?? 0) * 1000));
      try {
        const samples = await sampleRound(p, kase, perRound);
        if (samples === null) pooled.set(p.id, null);
        else {
          pooled.get(p.id).push(...samples);
          perRoundMedians.get(p.id).push(median(samples));
        }
      } catch (e) {
        failed.set(p.id, String(e?.message ?? e));
      }
      globalThis.gc?.();
    }
  }
  for (const p of active) {
    const samples = pooled.get(p.id);
    let r;
    if (failed.has(p.id)) r = { error: failed.get(p.id) };
    else if (samples === null) r = { unsupported: true };
    else {
      const sec = median(samples);
      r = {
        value: kase.metric(sec),
        medianSecondsPerOp: sec,
        minSecondsPerOp: Math.min(...samples),
        maxSecondsPerOp: Math.max(...samples),
        samples: samples.length,
        rounds,
        // each round's median, in the case's unit: shows whether one round (a slow stretch of
        // the machine) pulled the pooled median
        roundValues: perRoundMedians.get(p.id).map((x) => kase.metric(x)),
        roundSecondsPerOp: perRoundMedians.get(p.id),
      };
    }
    row.results[p.id] = r;
    log(`${kase.id.padEnd(20)} ${p.id.padEnd(12)} ${r.error ? `error: ${r.error}` : r.unsupported ? 'unsupported' : `${fmt(r.value)} ${kase.unit} (${r.samples} samples in ${rounds} round${rounds === 1 ? '' : 's'}${rounds > 1 ? `: ${r.roundValues.map(fmt).join(' ')}` : ''})`}`);
  }
  // Speedup of the case's subject against every other peer: their time / subject time, paired
  // by round (the median over rounds of that round's ratio), since the two were measured moments
  // apart within a round; a slow stretch of the machine that catches one peer in one round then
  // moves one ratio of several instead of a peer's pooled median. The pooled ratio is kept too.
  row.subject = kase.subject ?? SUBJECT;
  const subj = row.results[row.subject];
  row.speedups = {};
  row.pooledSpeedups = {};
  for (const p of active) {
    const other = row.results[p.id];
    if (p.id !== row.subject && subj?.medianSecondsPerOp && other?.medianSecondsPerOp) {
      row.pooledSpeedups[p.id] = other.medianSecondsPerOp / subj.medianSecondsPerOp;
      const mine = subj.roundSecondsPerOp;
      const theirs = other.roundSecondsPerOp;
      row.speedups[p.id] =
        mine.length === theirs.length && mine.length > 1
          ? median(mine.map((t, i) => theirs[i] / t))
          : row.pooledSpeedups[p.id];
    }
  }
  const g = kase.goal;
  // Several baselines: the fastest one (the smallest speedup) counts.
  const baselines = g ? [g.baseline].flat().filter((b) => row.speedups[b] !== undefined) : [];
  const s = baselines.length > 0 ? Math.min(...baselines.map((b) => row.speedups[b])) : undefined;
  row.status = !g ? '' : s === undefined ? 'n/a' : s >= g.minSpeedup ? 'PASS' : 'MISS';
  results.push(row);
}
for (const p of peers) if (p.available) await p.peer.teardown?.();

// ---- report ----
function fmt(x) {
  if (x === undefined || x === null || !Number.isFinite(x)) return '-';
  if (x >= 100) return x.toFixed(0);
  if (x >= 10) return x.toFixed(1);
  return x.toFixed(2);
}
// Speedup columns: the subject of each row against every other peer that measured anything.
const others = active.filter((p) => results.some((row) => row.speedups[p.id] !== undefined));
const header = [
  'case',
  'unit',
  ...active.map((p) => p.id),
  'subject',
  ...others.map((p) => `speedup vs ${p.id}`),
  'goal',
  'status',
];
const rows = results.map((row) => [
  row.case.id,
  row.case.unit,
  ...active.map((p) => {
    const r = row.results[p.id];
    return r.error ? 'error' : r.unsupported ? '-' : fmt(r.value);
  }),
  row.subject,
  ...others.map((p) => (row.speedups[p.id] === undefined ? '-' : `${fmt(row.speedups[p.id])}x`)),
  row.case.goal?.text ?? '',
  row.status,
]);
const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
const line = (cells) => cells.map((c, i) => (i < 2 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('  ');

console.log('');
console.log(`Tessera benchmarks: node ${process.version}, ${os.cpus()[0]?.model ?? 'unknown CPU'} (${os.cpus().length} cores), ${args.quick ? 'quick plan' : 'default plan'}`);
for (const p of peers) console.log(`  ${p.id.padEnd(12)} ${p.available ? p.label : `skipped: ${p.reason}`}`);
console.log(`Medians over repeated runs after warmup, taken in ${rounds} round${rounds === 1 ? '' : 's'} that alternate between the peers; speedup = peer time / subject time (> 1: the subject is faster)${rounds > 1 ? ", the median of the rounds' ratios" : ''}.`);
console.log('');
console.log(line(header));
console.log(widths.map((w) => '-'.repeat(w)).join('  '));
for (const r of rows) console.log(line(r));
const misses = results.filter((r) => r.status === 'MISS').length;
const errors = results.reduce((n, r) => n + Object.values(r.results).filter((x) => x.error).length, 0);
console.log('');

const json = {
  schema: 1,
  date: new Date().toISOString(),
  plan: { name: args.quick ? 'quick' : 'default', ...plan },
  environment: {
    node: process.version,
    v8: process.versions.v8,
    platform: process.platform,
    arch: process.arch,
    cpu: os.cpus()[0]?.model ?? null,
    cores: os.cpus().length,
    totalMemoryBytes: os.totalmem(),
  },
  subject: SUBJECT,
  peers: peers.map(({ id, label, available, reason, info }) => ({ id, label, available, reason, info })),
  cases: results.map((row) => ({
    id: row.case.id,
    title: row.case.title,
    kind: row.case.kind,
    params: row.case.params,
    unit: row.case.unit,
    higherIsBetter: row.case.higherIsBetter,
    subject: row.subject,
    goal: row.case.goal ?? null,
    results: row.results,
    speedups: row.speedups,
    pooledSpeedups: row.pooledSpeedups,
    status: row.status || null,
  })),
  elapsedSeconds: (Date.now() - started) / 1000,
};
mkdirSync(dirname(resolve(args.out)), { recursive: true });
writeFileSync(resolve(args.out), `${JSON.stringify(json, null, 2)}\n`);
console.log(
  `${results.length} cases, ${misses} goal${misses === 1 ? '' : 's'} missed, ${errors} error${errors === 1 ? '' : 's'}; ` +
    `${json.elapsedSeconds.toFixed(1)}s; wrote ${relative(process.cwd(), resolve(args.out)) || args.out}`,
);

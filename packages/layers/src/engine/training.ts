/**
 * compile / fit / evaluate / predict / trainOnBatch / testOnBatch. One training step runs the
 * model in training mode, sums the losses (weighted per output and per sample, plus the
 * regularization penalties), calls `backward()` and lets the optimizer update the weights in place.
 */
import { noGrad, releaseGraph } from '@tessera/autograd';
import { cat, Generator, indexSelect, keep, stack, tensor, tidy, type Tensor } from '@tessera/core';
import { isTensor, kerasArgs, singletonOrList, toList, ValueError } from '../common.js';
import { CallbackList, History, ProgbarLogger, toCallbackList, type CallbackLike, type Logs } from '../callbacks.js';
import { getLoss, type LossFn, type LossIdentifier } from '../losses.js';
import { getMetric, type MetricFn, type MetricIdentifier } from '../metrics.js';
import { getOptimizer, type OptimizerIdentifier } from '../optimizers.js';
import type { LayersModel } from './container.js';
import { formatValue, orderedKeys } from './progress.js';
import { drawSeed, epochSeed, setTrainingGenerator } from './rng.js';
import { collectActivityLosses } from './topology.js';

export { History };

/** Inputs or targets: one tensor, a list (one per model input/output), or a map by name. */
export type ModelData = Tensor | Tensor[] | Record<string, Tensor>;

/**
 * A dataset of batches: anything iterable (sync or async) whose elements are `[x, y]`,
 * `[x, y, sampleWeight]`, `{xs, ys}` (TF.js) or `{x, y}`; TF.js datasets (`.iterator()`) work
 * too, and so does a `@tessera/datasets` DataLoader.
 */
export type DatasetLike =
  | Iterable<unknown>
  | AsyncIterable<unknown>
  | { iterator(): Promise<{ next(): Promise<IteratorResult<unknown>> }> };

export interface CompileArgs {
  optimizer: OptimizerIdentifier;
  /** One loss, one per output (list), or a map by output name. */
  loss: LossIdentifier | LossIdentifier[] | Record<string, LossIdentifier>;
  metrics?: MetricIdentifier[] | MetricIdentifier | Record<string, MetricIdentifier | MetricIdentifier[]>;
  /** Weights of the outputs' losses in the total. */
  lossWeights?: number[] | Record<string, number>;
}

export interface FitArgs {
  epochs?: number;
  /** Samples per step (default 32). */
  batchSize?: number;
  /** 0: silent; 1: progress bar on a terminal, a line per epoch elsewhere; 2: a line per epoch. */
  verbose?: 0 | 1 | 2 | 'auto';
  callbacks?: CallbackLike | CallbackLike[];
  /** Fraction of the data (taken from the end, before shuffling) held out for validation. */
  validationSplit?: number;
  /** `[x, y]`, `[x, y, sampleWeight]`, or a dataset. */
  validationData?: [ModelData, ModelData] | [ModelData, ModelData, Tensor] | DatasetLike;
  validationBatchSize?: number;
  validationSteps?: number;
  /** Validate every n epochs. */
  validationFreq?: number;
  /** Shuffle the training samples every epoch (default true). */
  shuffle?: boolean;
  /** Loss weight of each class (integer or one-hot targets). */
  classWeight?: Record<number, number>;
  /** Loss weight of each sample, shape [samples]. */
  sampleWeight?: Tensor;
  /** Epoch to start from (when resuming). */
  initialEpoch?: number;
  /** Steps per epoch for datasets (default: until the dataset ends). */
  stepsPerEpoch?: number;
  /** Seed of the shuffling and dropout streams (default: drawn from `manualSeed`'s generator). */
  seed?: number;
}

export interface FitDatasetArgs extends Omit<FitArgs, 'batchSize' | 'validationSplit' | 'sampleWeight' | 'shuffle'> {
  /** TF.js's name of `stepsPerEpoch`. */
  batchesPerEpoch?: number;
}

export interface EvaluateArgs {
  batchSize?: number;
  verbose?: 0 | 1 | 2 | 'auto';
  sampleWeight?: Tensor;
  steps?: number;
}

export interface PredictArgs {
  batchSize?: number;
  verbose?: 0 | 1 | 2 | 'auto';
}

// ---------------- compile ----------------

export function compile(model: LayersModel, compileArgs: CompileArgs): void {
  const args = kerasArgs(compileArgs);
  if (!args || args.optimizer === undefined || args.loss === undefined) throw new ValueError('compile() needs an optimizer and a loss');
  model.optimizer?.dispose();
  model.optimizer = getOptimizer(args.optimizer);
  const names = model.outputNames;
  const n = names.length;
  const perOutput = <T>(v: T | T[] | Record<string, T>, what: string, fallback?: T): T[] => {
    if (Array.isArray(v)) {
      if (v.length !== n) throw new ValueError(`When passing a list as ${what}, it should have one entry per model output. The model has ${n} output(s), but you passed ${what}=${v.length} entries`);
      return v;
    }
    if (v !== null && typeof v === 'object' && !isLossObject(v)) {
      const rec = v as Record<string, T>;
      for (const k of Object.keys(rec)) if (!names.includes(k)) throw new ValueError(`Unknown entry in ${what} dictionary: '${k}'. Only expected the following keys: [${names.join(', ')}]`);
      return names.map((k) => rec[k] ?? (fallback as T));
    }
    return names.map(() => v as T);
  };
  model._lossFns = perOutput(args.loss, 'loss').map((l) => (l === undefined || l === null ? nullLoss() : getLoss(l)));
  model._lossWeights = args.lossWeights === undefined ? null : perOutput(args.lossWeights, 'lossWeights', 1);
  model._compileArgs = args;
  model._metricFns = [];
}

function isLossObject(v: unknown): boolean {
  const o = v as { className?: unknown; class_name?: unknown; fn?: unknown };
  return typeof o.className === 'string' || typeof o.class_name === 'string' || typeof o.fn === 'function';
}

function nullLoss(): LossFn {
  const f = ((t: Tensor, p: Tensor) => p.sum().mul(0).add(t.sum().mul(0))) as LossFn;
  f.lossName = 'none';
  return f;
}

function assertCompiled(model: LayersModel): void {
  if (!model.optimizer || model._lossFns.length === 0) {
    throw new ValueError('You must call compile() before using the model for training or evaluation.');
  }
}

/** Resolves metrics once the output shapes are known. */
function resolveMetrics(model: LayersModel, preds: Tensor[]): MetricFn[][] {
  if (model._metricFns.length === preds.length) return model._metricFns;
  const m = model._compileArgs?.metrics;
  const names = model.outputNames;
  const lists: MetricIdentifier[][] = names.map((name) => {
    if (m === undefined || m === null) return [];
    if (Array.isArray(m)) {
      // A list of lists gives each output its own metrics; a flat list applies to every output.
      if (m.length > 0 && Array.isArray(m[0])) return (m as unknown as MetricIdentifier[][])[names.indexOf(name)] ?? [];
      return m as MetricIdentifier[];
    }
    if (typeof m === 'string' || typeof m === 'function') return [m];
    const v = (m as Record<string, MetricIdentifier | MetricIdentifier[]>)[name];
    return v === undefined ? [] : toList(v);
  });
  model._metricFns = lists.map((ids, i) => ids.map((id) => getMetric(id, model._lossFns[i] ?? null, preds[i]!.shape)));
  return model._metricFns;
}

/** Names of the logged values in order: loss, per-output losses, metrics. */
export function metricsNames(model: LayersModel): string[] {
  const names = ['loss'];
  const outs = model.outputNames;
  if (outs.length > 1) for (const o of outs) names.push(`${o}_loss`);
  model._metricFns.forEach((ms, i) => {
    for (const m of ms) names.push(outs.length > 1 ? `${outs[i]}_${m.metricName}` : m.metricName!);
  });
  return names;
}

// ---------------- data ----------------

function standardize(model: LayersModel, data: ModelData, namesOf: () => string[], what: string): Tensor[] {
  if (isTensor(data)) return [data];
  if (Array.isArray(data)) {
    for (const t of data) if (!isTensor(t)) throw new ValueError(`${what} must be tensors`);
    return data;
  }
  if (data && typeof data === 'object') {
    const names = namesOf();
    return names.map((n) => {
      const t = (data as Record<string, Tensor>)[n];
      if (!t) throw new ValueError(`No data provided for "${n}". Need data for each key in: [${names.join(', ')}]`);
      return t;
    });
  }
  throw new ValueError(`${what} of model '${model.name}' must be a Tensor, a list of Tensors or a map by name; got ${typeof data}`);
}

function inputsOf(model: LayersModel, x: ModelData): Tensor[] {
  return standardize(model, x, () => (model.isFunctional ? model.inputNames : []), 'x');
}

function targetsOf(model: LayersModel, y: ModelData): Tensor[] {
  const ys = standardize(model, y, () => model.outputNames, 'y');
  if (ys.length !== model.outputNames.length && model._lossFns.length > 0 && ys.length !== model._lossFns.length) {
    throw new ValueError(`The model has ${model.outputNames.length} output(s) but ${ys.length} target array(s) were given`);
  }
  return ys;
}

function numSamples(ts: Tensor[], what: string): number {
  const n = ts[0]!.shape[0]!;
  for (const t of ts) {
    if (t.ndim === 0) throw new ValueError(`${what} must have a batch dimension`);
    if (t.shape[0] !== n) throw new ValueError(`Data cardinality is ambiguous: ${what} sizes: ${ts.map((x) => x.shape[0]).join(', ')}. Make sure all arrays contain the same number of samples.`);
  }
  return n;
}

function sliceRows(ts: Tensor[], start: number, end: number): Tensor[] {
  return ts.map((t) => t.slice(0, start, end));
}

function gatherRows(ts: Tensor[], index: Tensor): Tensor[] {
  return ts.map((t) => indexSelect(t, 0, index));
}

/** Per-sample weights from class weights: `classWeight[label]` (labels may be one-hot). */
function classWeights(y: Tensor, classWeight: Record<number, number>): Tensor {
  return tidy(() => {
    const labels = y.ndim >= 2 && y.shape[y.ndim - 1]! > 1 ? y.argmax(-1) : y.ndim >= 2 ? y.squeeze(-1) : y;
    const maxClass = Math.max(...Object.keys(classWeight).map(Number));
    const table = new Float32Array(maxClass + 1).fill(1);
    for (const [k, v] of Object.entries(classWeight)) table[Number(k)] = v;
    const flat = labels.flatten().int().clamp(0, maxClass);
    return indexSelect(tensor(table, { device: y.device }), 0, flat).reshape([...labels.shape]).contiguous();
  });
}

// ---------------- one step ----------------

interface StepValues {
  /** loss, per-output losses (multi-output), metrics: mean over the batch. */
  values: Tensor;
}

/** Total loss and logged values for a batch (records the graph when training). */
function lossAndMetrics(model: LayersModel, ys: Tensor[], preds: Tensor[], sampleWeight: Tensor | null, extra: Tensor[]): { loss: Tensor; logged: () => Tensor[] } {
  if (preds.length !== model._lossFns.length) {
    throw new ValueError(`The model has ${preds.length} output(s) but was compiled with ${model._lossFns.length} loss(es)`);
  }
  if (ys.length !== preds.length) throw new ValueError(`The model has ${preds.length} output(s) but ${ys.length} target array(s) were given`);
  const perOutput = preds.map((p, i) => {
    let l = model._lossFns[i]!(ys[i]!, p);
    if (l.ndim > 1) l = l.flatten(1).mean(-1);
    if (sampleWeight) l = l.mul(sampleWeight.reshape(l.shape));
    return l.mean();
  });
  let loss = perOutput.reduce((acc, l, i) => {
    const w = model._lossWeights ? model._lossWeights[i]! : 1;
    const term = w === 1 ? l : l.mul(w);
    return acc === null ? term : acc.add(term);
  }, null as Tensor | null)!;
  for (const e of extra) loss = loss.add(e);
  const metrics = resolveMetrics(model, preds);
  return {
    loss,
    logged: () =>
      noGrad(() => [
        loss.detach(),
        ...(perOutput.length > 1 ? perOutput.map((l) => l.detach()) : []),
        ...metrics.flatMap((ms, i) => ms.map((m) => m(ys[i]!, preds[i]!.detach()).mean())),
      ]),
  };
}

function regularizationLosses(model: LayersModel): Tensor[] {
  return model.layers.flatMap((l) => l.losses);
}

/** One optimizer step; returns the logged values (a small tensor to read). */
function trainStep(model: LayersModel, xs: Tensor[], ys: Tensor[], sampleWeight: Tensor | null): StepValues {
  const values = tidy(() => {
    const [preds, activity] = collectActivityLosses(() => toList(model.callConcrete(singletonOrList(xs), { training: true })));
    const { loss, logged } = lossAndMetrics(model, ys, preds, sampleWeight, [...regularizationLosses(model), ...activity]);
    // Slots are created in trainable-weights order on the first step (the order state is saved in).
    model.optimizer!.build(model.trainableWeights);
    try {
      // A model with nothing to train (every layer frozen) still reports its loss.
      if (loss.requiresGrad) loss.backward();
      return keep(stack(logged().map((t) => t.reshape([]).float())));
    } finally {
      // Branches that the loss did not use (a softmax output when the loss read its logits)
      // still hold saved tensors: free them now rather than at garbage collection.
      releaseGraph(preds);
    }
  });
  model.optimizer!.applyGradients(model.trainableWeights);
  return { values };
}

function testStep(model: LayersModel, xs: Tensor[], ys: Tensor[], sampleWeight: Tensor | null): Tensor {
  return noGrad(() =>
    tidy(() => {
      const preds = toList(model.callConcrete(singletonOrList(xs), { training: false }));
      const { logged } = lossAndMetrics(model, ys, preds, sampleWeight, regularizationLosses(model));
      return keep(stack(logged().map((t) => t.reshape([]).float())));
    }),
  );
}

async function readValues(t: Tensor): Promise<number[]> {
  try {
    return Array.from(await t.data());
  } finally {
    t.dispose();
  }
}

/** Running means weighted by batch size (Keras's stateful `Mean` metrics). */
class Accumulator {
  private sums: number[] = [];
  private count = 0;
  add(values: number[], n: number): void {
    values.forEach((v, i) => (this.sums[i] = (this.sums[i] ?? 0) + v * n));
    this.count += n;
  }
  means(names: string[]): Logs {
    const logs: Logs = {};
    names.forEach((k, i) => (logs[k] = this.count > 0 ? (this.sums[i] ?? 0) / this.count : NaN));
    return logs;
  }
}

// ---------------- fit ----------------

function verbosity(v: FitArgs['verbose']): number {
  return v === undefined || v === 'auto' ? 1 : v;
}

export async function fit(model: LayersModel, x: ModelData | DatasetLike, yOrArgs?: ModelData | FitArgs, maybeArgs?: FitArgs): Promise<History> {
  if (isDataset(x)) return fitDataset(model, x, kerasArgs((yOrArgs as FitDatasetArgs | undefined) ?? {}));
  if (yOrArgs === undefined) throw new ValueError('fit(x, y, args): targets y are required when x is not a dataset');
  const args = kerasArgs(maybeArgs ?? {});
  assertCompiled(model);
  let xs = inputsOf(model, x as ModelData);
  let ys = targetsOf(model, yOrArgs as ModelData);
  let sw = args.sampleWeight ?? null;
  const n = numSamples([...xs, ...ys], 'x and y');
  const batchSize = args.batchSize ?? 32;
  if (!Number.isInteger(batchSize) || batchSize <= 0) throw new ValueError(`batchSize must be a positive integer, got ${batchSize}`);
  let val: { xs: Tensor[]; ys: Tensor[]; sw: Tensor | null } | DatasetLike | null = null;
  let trainN = n;
  const views: Tensor[] = [];
  if (args.validationData) {
    const vd = args.validationData;
    if (isDataset(vd)) val = vd;
    else {
      const [vx, vy, vw] = vd as [ModelData, ModelData, Tensor?];
      val = { xs: inputsOf(model, vx), ys: targetsOf(model, vy), sw: vw ?? null };
    }
  } else if (args.validationSplit && args.validationSplit > 0) {
    if (args.validationSplit >= 1) throw new ValueError(`validationSplit must be in [0, 1), got ${args.validationSplit}`);
    trainN = Math.floor(n * (1 - args.validationSplit));
    if (trainN === 0 || trainN === n) throw new ValueError(`validationSplit=${args.validationSplit} leaves no training or no validation samples out of ${n}`);
    val = { xs: sliceRows(xs, trainN, n), ys: sliceRows(ys, trainN, n), sw: sw ? sw.slice(0, trainN, n) : null };
    xs = sliceRows(xs, 0, trainN);
    ys = sliceRows(ys, 0, trainN);
    if (sw) sw = sw.slice(0, 0, trainN);
    views.push(...val.xs, ...val.ys, ...xs, ...ys, ...(sw ? [sw] : []), ...(val.sw ? [val.sw] : []));
  }
  const steps = Math.ceil(trainN / batchSize);
  const shuffle = args.shuffle ?? true;
  const classWeight = args.classWeight;
  /** The tensors of batch `b` (all owned by the caller, who disposes them). */
  const getBatch = (perm: Int32Array | null, b: number): { bx: Tensor[]; by: Tensor[]; bw: Tensor | null; size: number; owned: Tensor[] } => {
    const start = b * batchSize;
    const end = Math.min(trainN, start + batchSize);
    let bx: Tensor[];
    let by: Tensor[];
    let bw: Tensor | null;
    if (perm) {
      const idx = tensor(perm.subarray(start, end), { dtype: 'int32', device: xs[0]!.device });
      bx = gatherRows(xs, idx);
      by = gatherRows(ys, idx);
      bw = sw ? indexSelect(sw, 0, idx) : null;
      idx.dispose();
    } else {
      bx = sliceRows(xs, start, end);
      by = sliceRows(ys, start, end);
      bw = sw ? sw.slice(0, start, end) : null;
    }
    const owned = [...bx, ...by, ...(bw ? [bw] : [])];
    if (classWeight) {
      const cw = classWeights(by[0]!, classWeight);
      owned.push(cw);
      bw = bw ? bw.mul(cw) : cw;
      owned.push(bw);
    }
    return { bx, by, bw, size: end - start, owned };
  };
  const epochBody = async (_epoch: number, rng: Generator, onBatch: (b: number, size: number, step: () => StepValues) => Promise<boolean>): Promise<void> => {
    let perm: Int32Array | null = null;
    if (shuffle) {
      perm = new Int32Array(trainN);
      for (let i = 0; i < trainN; i++) perm[i] = i;
      for (let i = trainN - 1; i > 0; i--) {
        const j = rng.integer(0, i + 1);
        const t = perm[i]!;
        perm[i] = perm[j]!;
        perm[j] = t;
      }
    }
    for (let b = 0; b < steps; b++) {
      const batch = getBatch(perm, b);
      const stop = await onBatch(b, batch.size, () => {
        try {
          return trainStep(model, batch.bx, batch.by, batch.bw);
        } finally {
          for (const t of new Set(batch.owned)) t.dispose();
        }
      });
      if (stop) break;
    }
  };
  try {
    return await runEpochs(model, args, steps, trainN, batchSize, val, epochBody);
  } finally {
    for (const v of views) v.dispose();
  }
}

export async function fitDataset(model: LayersModel, dataset: DatasetLike, args: FitDatasetArgs): Promise<History> {
  assertCompiled(model);
  const steps = args.stepsPerEpoch ?? args.batchesPerEpoch ?? null;
  let val: { xs: Tensor[]; ys: Tensor[]; sw: Tensor | null } | DatasetLike | null = null;
  if (args.validationData) {
    const vd = args.validationData;
    if (isDataset(vd)) val = vd;
    else {
      const [vx, vy, vw] = vd as [ModelData, ModelData, Tensor?];
      val = { xs: inputsOf(model, vx), ys: targetsOf(model, vy), sw: vw ?? null };
    }
  }
  // Batches of a loader or generator are fresh tensors: free them after their step. Those of an
  // array are reused every epoch and stay.
  const owned = !Array.isArray(dataset);
  let iter: AsyncIterator<unknown> | null = null;
  return runEpochs(model, args, steps, null, null, val, async (_epoch, _rng, onBatch) => {
    // Without stepsPerEpoch an epoch is one pass over the dataset; with it, batches continue
    // where the last epoch stopped (restarting the dataset when it ends), as in Keras.
    if (!iter || steps === null) iter = await openIterator(dataset);
    let b = 0;
    while (steps === null || b < steps) {
      let r = await iter.next();
      if (r.done) {
        if (steps === null) break;
        iter = await openIterator(dataset);
        r = await iter.next();
        if (r.done) break;
      }
      const { xs, ys, sw } = unpackBatch(model, r.value);
      const size = xs[0]!.shape[0]!;
      const cw = args.classWeight ? classWeights(ys[0]!, args.classWeight) : null;
      const w = cw && sw ? sw.mul(cw) : (cw ?? sw);
      const stop = await onBatch(b, size, () => {
        try {
          return trainStep(model, xs, ys, w);
        } finally {
          cw?.dispose();
          if (w !== sw) w?.dispose();
          if (owned) for (const t of [...xs, ...ys, ...(sw ? [sw] : [])]) t.dispose();
        }
      });
      b++;
      if (stop) break;
    }
  });
}

/** The epoch loop shared by `fit` and `fitDataset`: callbacks, logs, validation, progress. */
async function runEpochs(
  model: LayersModel,
  args: FitArgs | FitDatasetArgs,
  steps: number | null,
  samples: number | null,
  batchSize: number | null,
  val: { xs: Tensor[]; ys: Tensor[]; sw: Tensor | null } | DatasetLike | null,
  epochBody: (epoch: number, rng: Generator, onBatch: (b: number, size: number, step: () => StepValues) => Promise<boolean>) => Promise<void>,
): Promise<History> {
  const epochs = args.epochs ?? 1;
  const verbose = verbosity(args.verbose);
  const history = new History();
  const cbs = new CallbackList([...toCallbackList(args.callbacks), ...(verbose > 0 ? [new ProgbarLogger(verbose)] : []), history]);
  cbs.setModel(model);
  const params: Record<string, unknown> = { epochs, steps, samples, verbose, batchSize, doValidation: val !== null, metrics: metricsNames(model) };
  cbs.setParams(params);
  history.setParams(params);
  model.stopTraining = false;
  let seed = 'seed' in args && args.seed !== undefined ? args.seed >>> 0 : drawSeed();
  let initialEpoch = args.initialEpoch ?? 0;
  model._fitState = { seed, epoch: initialEpoch };
  await cbs.call('trainBegin', {});
  // A BackupAndRestore callback may have restored a run in onTrainBegin.
  if (model._resume) {
    initialEpoch = model._resume.epoch;
    seed = model._resume.seed;
    model._resume = null;
    model._fitState = { seed, epoch: initialEpoch };
  }
  const validationFreq = args.validationFreq ?? 1;
  try {
    for (let epoch = initialEpoch; epoch < epochs; epoch++) {
      model._fitState = { seed, epoch };
      const rng = new Generator(epochSeed(seed, epoch));
      setTrainingGenerator(rng);
      await cbs.call('epochBegin', epoch, {});
      const acc = new Accumulator();
      let names: string[] = [];
      await epochBody(epoch, rng, async (b, size, step) => {
        await cbs.call('trainBatchBegin', b, { batch: b, size });
        const { values } = step();
        if (names.length === 0) names = metricsNames(model);
        const vals = await readValues(values);
        acc.add(vals, size);
        await cbs.call('trainBatchEnd', b, acc.means(names));
        return model.stopTraining;
      });
      if (names.length === 0) names = metricsNames(model);
      const logs = acc.means(names);
      setTrainingGenerator(null);
      if (val && (epoch + 1) % validationFreq === 0) {
        const vlogs = isDataset(val)
          ? await evaluateDatasetLogs(model, val, (args as FitArgs).validationSteps ?? null)
          : await evaluateLogs(model, val.xs, val.ys, val.sw, (args as FitArgs).validationBatchSize ?? batchSize ?? 32);
        for (const [k, v] of Object.entries(vlogs)) logs[`val_${k}`] = v;
      }
      await cbs.call('epochEnd', epoch, logs);
      if (model.stopTraining) break;
    }
  } finally {
    setTrainingGenerator(null);
  }
  await cbs.call('trainEnd', {});
  model.history = history;
  return history;
}

// ---------------- evaluate / predict ----------------

async function evaluateLogs(model: LayersModel, xs: Tensor[], ys: Tensor[], sw: Tensor | null, batchSize: number): Promise<Logs> {
  const n = numSamples([...xs, ...ys], 'x and y');
  const acc = new Accumulator();
  for (let start = 0; start < n; start += batchSize) {
    const end = Math.min(n, start + batchSize);
    const v = tidy(() => testStep(model, sliceRows(xs, start, end), sliceRows(ys, start, end), sw ? sw.slice(0, start, end) : null));
    acc.add(await readValues(v), end - start);
  }
  return acc.means(metricsNames(model));
}

function evaluateLogsSync(model: LayersModel, xs: Tensor[], ys: Tensor[], sw: Tensor | null, batchSize: number, steps: number | null): [Logs, number] {
  const n = numSamples([...xs, ...ys], 'x and y');
  const acc = new Accumulator();
  let s = 0;
  for (let start = 0; start < n && (steps === null || s < steps); start += batchSize, s++) {
    const end = Math.min(n, start + batchSize);
    const v = tidy(() => testStep(model, sliceRows(xs, start, end), sliceRows(ys, start, end), sw ? sw.slice(0, start, end) : null));
    try {
      acc.add(Array.from(v.dataSync()), end - start);
    } finally {
      v.dispose();
    }
  }
  return [acc.means(metricsNames(model)), s];
}

async function evaluateDatasetLogs(model: LayersModel, dataset: DatasetLike, steps: number | null): Promise<Logs> {
  const it = await openIterator(dataset);
  const acc = new Accumulator();
  for (let s = 0; steps === null || s < steps; s++) {
    const r = await it.next();
    if (r.done) break;
    const { xs, ys, sw } = unpackBatch(model, r.value);
    acc.add(await readValues(testStep(model, xs, ys, sw)), xs[0]!.shape[0]!);
  }
  return acc.means(metricsNames(model));
}

function printEvalLine(logs: Logs, steps: number, seconds: number, verbose: number): void {
  if (verbose <= 0) return;
  const per = steps > 0 ? seconds / steps : 0;
  const perText = per >= 1 ? `${per.toFixed(0)}s/step` : per >= 1e-3 ? `${(per * 1e3).toFixed(0)}ms/step` : `${(per * 1e6).toFixed(0)}us/step`;
  const vals = orderedKeys(logs).map((k) => ` - ${k}: ${formatValue(logs[k]!)}`).join('');
  const bar = '━'.repeat(20);
  const line = `${steps}/${steps} ${bar} ${Math.round(seconds)}s ${perText}${vals}`;
  const proc = (globalThis as { process?: { stdout?: { write(s: string): boolean } } }).process;
  if (proc?.stdout) proc.stdout.write(`${line}\n`);
  else console.log(line);
}

function scalarsOf(logs: Logs, names: string[]): Tensor | Tensor[] {
  const ts = names.map((k) => tensor(logs[k]!));
  return ts.length === 1 ? ts[0]! : ts;
}

/** Loss and metrics over `x`/`y` in batches; scalar tensors in `metricsNames` order. */
export function evaluate(model: LayersModel, x: ModelData, y: ModelData, evalArgs: EvaluateArgs = {}): Tensor | Tensor[] {
  const args = kerasArgs(evalArgs);
  assertCompiled(model);
  const t0 = Date.now();
  const [logs, steps] = evaluateLogsSync(model, inputsOf(model, x), targetsOf(model, y), args.sampleWeight ?? null, args.batchSize ?? 32, args.steps ?? null);
  printEvalLine(logs, steps, (Date.now() - t0) / 1000, verbosity(args.verbose));
  return scalarsOf(logs, metricsNames(model));
}

export async function evaluateDataset(model: LayersModel, dataset: DatasetLike, args: { batches?: number; verbose?: number } = {}): Promise<Tensor | Tensor[]> {
  assertCompiled(model);
  const logs = await evaluateDatasetLogs(model, dataset, args.batches ?? null);
  return scalarsOf(logs, metricsNames(model));
}

/** Outputs in batches, in inference mode, without recording gradients. */
export function predict(model: LayersModel, x: ModelData, predictArgs: PredictArgs = {}): Tensor | Tensor[] {
  const args = kerasArgs(predictArgs);
  const xs = inputsOf(model, x);
  const n = numSamples(xs, 'x');
  const batchSize = args.batchSize ?? 32;
  const chunks: Tensor[][] = [];
  noGrad(() => {
    for (let start = 0; start < n; start += batchSize) {
      const end = Math.min(n, start + batchSize);
      const out = tidy(() => toList(model.callConcrete(singletonOrList(sliceRows(xs, start, end)), { training: false })).map((t) => (t.isContiguous() ? t : t.contiguous())));
      chunks.push(out);
    }
  });
  if (chunks.length === 0) throw new ValueError('predict() got 0 samples');
  const nOut = chunks[0]!.length;
  const outs: Tensor[] = [];
  for (let i = 0; i < nOut; i++) {
    const parts = chunks.map((c) => c[i]!);
    if (parts.length === 1) outs.push(parts[0]!);
    else {
      outs.push(cat(parts, 0));
      for (const p of parts) p.dispose();
    }
  }
  return singletonOrList(outs);
}

export async function trainOnBatch(model: LayersModel, x: ModelData, y: ModelData, args: { sampleWeight?: Tensor; classWeight?: Record<number, number> } = {}): Promise<number | number[]> {
  assertCompiled(model);
  const xs = inputsOf(model, x);
  const ys = targetsOf(model, y);
  const cw = args.classWeight ? classWeights(ys[0]!, args.classWeight) : null;
  const w = cw && args.sampleWeight ? args.sampleWeight.mul(cw) : (cw ?? args.sampleWeight ?? null);
  try {
    const vals = await readValues(trainStep(model, xs, ys, w).values);
    return vals.length === 1 ? vals[0]! : vals;
  } finally {
    cw?.dispose();
    if (w !== args.sampleWeight && w !== cw) w?.dispose();
  }
}

export function testOnBatch(model: LayersModel, x: ModelData, y: ModelData): Tensor | Tensor[] {
  assertCompiled(model);
  const v = testStep(model, inputsOf(model, x), targetsOf(model, y), null);
  try {
    const vals = Array.from(v.dataSync());
    const ts = vals.map((s) => tensor(s));
    return ts.length === 1 ? ts[0]! : ts;
  } finally {
    v.dispose();
  }
}

// ---------------- datasets ----------------

function isDataset(x: unknown): x is DatasetLike {
  if (!x || typeof x !== 'object' || isTensor(x)) return false;
  // A list of batches ([[x, y], ...] or [{xs, ys}, ...]) rather than a list of input tensors.
  if (Array.isArray(x)) return x.length > 0 && !isTensor(x[0]) && typeof x[0] === 'object' && x[0] !== null;
  const o = x as Record<string | symbol, unknown>;
  return typeof o[Symbol.asyncIterator] === 'function' || typeof o[Symbol.iterator] === 'function' || typeof o['iterator'] === 'function';
}

async function openIterator(ds: DatasetLike): Promise<AsyncIterator<unknown>> {
  const o = ds as Record<string | symbol, unknown>;
  if (typeof o[Symbol.asyncIterator] === 'function') return (o[Symbol.asyncIterator] as () => AsyncIterator<unknown>).call(ds);
  if (typeof o[Symbol.iterator] === 'function') {
    const it = (o[Symbol.iterator] as () => Iterator<unknown>).call(ds);
    return { next: async () => it.next() };
  }
  const it = await (ds as { iterator(): Promise<{ next(): Promise<IteratorResult<unknown>> }> }).iterator();
  return { next: () => it.next() };
}

function unpackBatch(model: LayersModel, el: unknown): { xs: Tensor[]; ys: Tensor[]; sw: Tensor | null } {
  let x: unknown;
  let y: unknown;
  let w: unknown = null;
  if (Array.isArray(el)) [x, y, w] = el;
  else if (el && typeof el === 'object') {
    const o = el as Record<string, unknown>;
    x = o['xs'] ?? o['x'] ?? o['input'] ?? o['inputs'] ?? o['data'];
    y = o['ys'] ?? o['y'] ?? o['target'] ?? o['targets'] ?? o['label'] ?? o['labels'];
    w = o['sampleWeight'] ?? o['sample_weight'] ?? null;
  }
  if (x === undefined || y === undefined) throw new ValueError('Each dataset element must be [x, y], [x, y, sampleWeight], {xs, ys} or {x, y}');
  return { xs: inputsOf(model, x as ModelData), ys: targetsOf(model, y as ModelData), sw: (w as Tensor | null) ?? null };
}

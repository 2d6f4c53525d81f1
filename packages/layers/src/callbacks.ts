/**
 * Training callbacks with Keras's hook names. A callback is a `Callback` subclass or a plain object
 * with any of the hooks, in camelCase (`onEpochEnd`, TF.js) or Keras's snake_case (`on_epoch_end`).
 * Hooks may be async; `fit` awaits them.
 *
 * @example
 * await model.fit(x, y, { epochs: 100, callbacks: [
 *   new callbacks.EarlyStopping({ monitor: 'val_loss', patience: 3, restoreBestWeights: true }),
 *   { onEpochEnd: (epoch, logs) => console.log(epoch, logs.loss) },
 * ]});
 */
import type { Tensor } from '@tessera/core';
import { ValueError } from './common.js';
import type { LayersModel } from './engine/container.js';
import { formatValue, orderedKeys, Progbar } from './engine/progress.js';

export type Logs = Record<string, number>;

/** Hooks, all optional. Indices are 0-based (epochs and batches). */
export interface CallbackHooks {
  onTrainBegin?(logs?: Logs): unknown;
  onTrainEnd?(logs?: Logs): unknown;
  onEpochBegin?(epoch: number, logs?: Logs): unknown;
  onEpochEnd?(epoch: number, logs?: Logs): unknown;
  onTrainBatchBegin?(batch: number, logs?: Logs): unknown;
  onTrainBatchEnd?(batch: number, logs?: Logs): unknown;
  /** TF.js's names of the training-batch hooks. */
  onBatchBegin?(batch: number, logs?: Logs): unknown;
  onBatchEnd?(batch: number, logs?: Logs): unknown;
  onTestBegin?(logs?: Logs): unknown;
  onTestEnd?(logs?: Logs): unknown;
  onTestBatchBegin?(batch: number, logs?: Logs): unknown;
  onTestBatchEnd?(batch: number, logs?: Logs): unknown;
  onPredictBegin?(logs?: Logs): unknown;
  onPredictEnd?(logs?: Logs): unknown;
  onPredictBatchBegin?(batch: number, logs?: Logs): unknown;
  onPredictBatchEnd?(batch: number, logs?: Logs): unknown;
  /** Keras's spellings are accepted too. */
  [snakeCaseHook: string]: unknown;
}

/** Base class of callbacks (`keras.callbacks.Callback`). */
export class Callback implements CallbackHooks {
  [key: string]: unknown;
  model: LayersModel | null = null;
  params: Record<string, unknown> = {};
  setModel(model: LayersModel): void {
    this.model = model;
  }
  setParams(params: Record<string, unknown>): void {
    this.params = params;
  }
}

export type CallbackLike = Callback | CallbackHooks;

type Hook =
  | 'trainBegin' | 'trainEnd' | 'epochBegin' | 'epochEnd' | 'trainBatchBegin' | 'trainBatchEnd'
  | 'testBegin' | 'testEnd' | 'testBatchBegin' | 'testBatchEnd' | 'predictBegin' | 'predictEnd' | 'predictBatchBegin' | 'predictBatchEnd';

const SPELLINGS: Record<Hook, string[]> = {
  trainBegin: ['onTrainBegin', 'on_train_begin'],
  trainEnd: ['onTrainEnd', 'on_train_end'],
  epochBegin: ['onEpochBegin', 'on_epoch_begin'],
  epochEnd: ['onEpochEnd', 'on_epoch_end'],
  trainBatchBegin: ['onTrainBatchBegin', 'on_train_batch_begin', 'onBatchBegin', 'on_batch_begin'],
  trainBatchEnd: ['onTrainBatchEnd', 'on_train_batch_end', 'onBatchEnd', 'on_batch_end'],
  testBegin: ['onTestBegin', 'on_test_begin'],
  testEnd: ['onTestEnd', 'on_test_end'],
  testBatchBegin: ['onTestBatchBegin', 'on_test_batch_begin'],
  testBatchEnd: ['onTestBatchEnd', 'on_test_batch_end'],
  predictBegin: ['onPredictBegin', 'on_predict_begin'],
  predictEnd: ['onPredictEnd', 'on_predict_end'],
  predictBatchBegin: ['onPredictBatchBegin', 'on_predict_batch_begin'],
  predictBatchEnd: ['onPredictBatchEnd', 'on_predict_batch_end'],
};

/** Calls a hook on every callback, awaiting each (first spelling found wins). */
export class CallbackList {
  constructor(readonly callbacks: CallbackLike[]) {}

  setModel(model: LayersModel): void {
    for (const cb of this.callbacks) {
      if (typeof (cb as Callback).setModel === 'function') (cb as Callback).setModel(model);
      else (cb as { model?: unknown }).model = model;
    }
  }

  setParams(params: Record<string, unknown>): void {
    for (const cb of this.callbacks) {
      if (typeof (cb as Callback).setParams === 'function') (cb as Callback).setParams(params);
      else (cb as { params?: unknown }).params = params;
    }
  }

  /** Whether any callback has this hook (lets fit skip work for batch hooks). */
  has(hook: Hook): boolean {
    return this.callbacks.some((cb) => SPELLINGS[hook].some((n) => typeof (cb as Record<string, unknown>)[n] === 'function'));
  }

  async call(hook: Hook, ...args: unknown[]): Promise<void> {
    for (const cb of this.callbacks) {
      for (const n of SPELLINGS[hook]) {
        const f = (cb as Record<string, unknown>)[n];
        if (typeof f === 'function') {
          await (f as (...a: unknown[]) => unknown).apply(cb, args);
          break;
        }
      }
    }
  }
}

/** Normalizes `callbacks:` (one object, a list, or nothing). */
export function toCallbackList(cbs: CallbackLike | CallbackLike[] | undefined | null): CallbackLike[] {
  if (!cbs) return [];
  return Array.isArray(cbs) ? cbs : [cbs];
}

// ---------------- History ----------------

/** What `fit` returns: per-epoch logs (`history.history.loss[i]`). */
export class History extends Callback {
  epoch: number[] = [];
  history: Record<string, number[]> = {};

  onTrainBegin(): void {
    this.epoch = [];
  }

  onEpochEnd(epoch: number, logs: Logs = {}): void {
    this.epoch.push(epoch);
    for (const [k, v] of Object.entries(logs)) (this.history[k] ??= []).push(v);
  }
}

// ---------------- progress ----------------

/** Prints Keras's per-epoch progress (added by `fit` when `verbose` > 0). */
export class ProgbarLogger extends Callback {
  private bar: Progbar | null = null;
  private epochs = 0;
  private steps: number | null = null;
  private seen = 0;

  constructor(private readonly verbose = 1) {
    super();
  }

  onTrainBegin(): void {
    this.epochs = Number(this.params['epochs'] ?? 1);
    const s = this.params['steps'];
    this.steps = typeof s === 'number' ? s : null;
  }

  onEpochBegin(epoch: number): void {
    this.seen = 0;
    const dynamic = this.verbose === 1 && Progbar.isTTY();
    if (dynamic) Progbar.line(`Epoch ${epoch + 1}/${this.epochs}`);
    this.bar = new Progbar(this.steps, 20, this.verbose, undefined, dynamic ? '' : `Epoch ${epoch + 1}/${this.epochs} - `);
  }

  onTrainBatchEnd(batch: number, logs: Logs = {}): void {
    this.seen = batch + 1;
    this.bar?.update(this.seen, logs);
  }

  onEpochEnd(_epoch: number, logs: Logs = {}): void {
    this.bar?.update(this.steps ?? this.seen, logs, true);
    this.bar = null;
  }
}

// ---------------- monitors ----------------

type Mode = 'auto' | 'min' | 'max';

function resolveMode(mode: Mode | undefined, monitor: string): 'min' | 'max' {
  if (mode === 'min' || mode === 'max') return mode;
  if (mode !== undefined && mode !== 'auto') throw new ValueError(`mode must be 'auto', 'min' or 'max', got '${mode}'`);
  return /acc|auc|precision|recall|fmeasure/.test(monitor) && !monitor.includes('loss') ? 'max' : 'min';
}

function warnMissing(cls: string, monitor: string, logs: Logs): void {
  console.warn(`${cls}: the monitored metric '${monitor}' is not available. Available metrics are: ${Object.keys(logs).join(',')}`);
}

export interface EarlyStoppingArgs {
  monitor?: string;
  minDelta?: number;
  patience?: number;
  verbose?: number;
  mode?: Mode;
  baseline?: number | null;
  restoreBestWeights?: boolean;
  startFromEpoch?: number;
}

/** Stops training when a monitored value stops improving. */
export class EarlyStopping extends Callback {
  readonly monitor: string;
  readonly patience: number;
  readonly minDelta: number;
  readonly mode: 'min' | 'max';
  readonly baseline: number | null;
  readonly restoreBestWeights: boolean;
  readonly startFromEpoch: number;
  readonly verbose: number;
  wait = 0;
  stoppedEpoch = 0;
  best = Infinity;
  bestEpoch = 0;
  private bestWeights: Tensor[] | null = null;

  constructor(args: EarlyStoppingArgs = {}) {
    super();
    this.monitor = args.monitor ?? 'val_loss';
    this.patience = args.patience ?? 0;
    this.minDelta = Math.abs(args.minDelta ?? 0);
    this.mode = resolveMode(args.mode, this.monitor);
    this.baseline = args.baseline ?? null;
    this.restoreBestWeights = args.restoreBestWeights ?? false;
    this.startFromEpoch = args.startFromEpoch ?? 0;
    this.verbose = args.verbose ?? 0;
  }

  private improved(value: number, ref: number): boolean {
    return this.mode === 'min' ? value + this.minDelta < ref : value - this.minDelta > ref;
  }

  onTrainBegin(): void {
    this.wait = 0;
    this.stoppedEpoch = 0;
    this.best = this.mode === 'min' ? Infinity : -Infinity;
    this.bestEpoch = 0;
    this.disposeBest();
  }

  onEpochEnd(epoch: number, logs: Logs = {}): void {
    const current = logs[this.monitor];
    if (current === undefined) {
      warnMissing('EarlyStopping', this.monitor, logs);
      return;
    }
    if (epoch < this.startFromEpoch) return;
    if (this.restoreBestWeights && this.bestWeights === null) this.bestWeights = this.model!.getWeights();
    this.wait++;
    if (this.improved(current, this.best)) {
      this.best = current;
      this.bestEpoch = epoch;
      if (this.restoreBestWeights) {
        this.disposeBest();
        this.bestWeights = this.model!.getWeights();
      }
      if (this.baseline === null || this.improved(current, this.baseline)) {
        this.wait = 0;
        return;
      }
    }
    if (this.wait >= this.patience && epoch > 0) {
      this.stoppedEpoch = epoch;
      this.model!.stopTraining = true;
      if (this.restoreBestWeights && this.bestWeights) {
        if (this.verbose > 0) console.log(`Restoring model weights from the end of the best epoch: ${this.bestEpoch + 1}.`);
        this.model!.setWeights(this.bestWeights);
      }
    }
  }

  onTrainEnd(): void {
    if (this.stoppedEpoch > 0 && this.verbose > 0) console.log(`Epoch ${this.stoppedEpoch + 1}: early stopping`);
    this.disposeBest();
  }

  private disposeBest(): void {
    for (const t of this.bestWeights ?? []) t.dispose();
    this.bestWeights = null;
  }
}

export interface ReduceLROnPlateauArgs {
  monitor?: string;
  factor?: number;
  patience?: number;
  verbose?: number;
  mode?: Mode;
  minDelta?: number;
  cooldown?: number;
  minLr?: number;
}

/** Multiplies the learning rate by `factor` when the monitored value plateaus. */
export class ReduceLROnPlateau extends Callback {
  readonly monitor: string;
  readonly factor: number;
  readonly patience: number;
  readonly verbose: number;
  readonly mode: 'min' | 'max';
  readonly minDelta: number;
  readonly cooldown: number;
  readonly minLr: number;
  wait = 0;
  cooldownCounter = 0;
  best = Infinity;

  constructor(args: ReduceLROnPlateauArgs = {}) {
    super();
    this.monitor = args.monitor ?? 'val_loss';
    this.factor = args.factor ?? 0.1;
    if (this.factor >= 1) throw new ValueError('ReduceLROnPlateau does not support a factor >= 1.0');
    this.patience = args.patience ?? 10;
    this.verbose = args.verbose ?? 0;
    this.mode = resolveMode(args.mode, this.monitor);
    this.minDelta = args.minDelta ?? 1e-4;
    this.cooldown = args.cooldown ?? 0;
    this.minLr = args.minLr ?? 0;
  }

  onTrainBegin(): void {
    this.best = this.mode === 'min' ? Infinity : -Infinity;
    this.wait = 0;
    this.cooldownCounter = 0;
  }

  onEpochEnd(epoch: number, logs: Logs = {}): void {
    const opt = this.model!.optimizer!;
    logs['learning_rate'] = opt.learningRate;
    const current = logs[this.monitor];
    if (current === undefined) {
      warnMissing('ReduceLROnPlateau', this.monitor, logs);
      return;
    }
    if (this.cooldownCounter > 0) {
      this.cooldownCounter--;
      this.wait = 0;
    }
    const better = this.mode === 'min' ? current < this.best - this.minDelta : current > this.best + this.minDelta;
    if (better) {
      this.best = current;
      this.wait = 0;
    } else if (this.cooldownCounter <= 0) {
      this.wait++;
      if (this.wait >= this.patience) {
        const old = opt.learningRate;
        if (old > this.minLr) {
          const lr = Math.max(old * this.factor, this.minLr);
          opt.learningRate = lr;
          if (this.verbose > 0) console.log(`\nEpoch ${epoch + 1}: ReduceLROnPlateau reducing learning rate to ${lr}.`);
          this.cooldownCounter = this.cooldown;
          this.wait = 0;
        }
      }
    }
  }
}

/** Sets the learning rate at the start of each epoch from `schedule(epoch, lr)`. */
export class LearningRateScheduler extends Callback {
  constructor(
    readonly schedule: (epoch: number, lr: number) => number,
    readonly verbose = 0,
  ) {
    super();
  }

  onEpochBegin(epoch: number): void {
    const opt = this.model!.optimizer!;
    const lr = this.schedule(epoch, opt.learningRate);
    if (typeof lr !== 'number' || !Number.isFinite(lr)) throw new ValueError(`The output of the "schedule" function should be a finite number, got ${lr}`);
    opt.learningRate = lr;
    if (this.verbose > 0) console.log(`\nEpoch ${epoch + 1}: LearningRateScheduler setting learning rate to ${lr}.`);
  }

  onEpochEnd(_epoch: number, logs: Logs = {}): void {
    logs['learning_rate'] = this.model!.optimizer!.learningRate;
  }
}

/** Stops training when the loss becomes NaN or infinite. */
export class TerminateOnNaN extends Callback {
  onTrainBatchEnd(batch: number, logs: Logs = {}): void {
    const loss = logs['loss'];
    if (loss !== undefined && !Number.isFinite(loss)) {
      console.log(`Batch ${batch}: Invalid loss, terminating training`);
      this.model!.stopTraining = true;
    }
  }
}

/** Streams epoch results to a CSV file (Node). */
export class CSVLogger extends Callback {
  private keys: string[] | null = null;
  private fs: typeof import('node:fs/promises') | null = null;

  constructor(
    readonly filename: string,
    readonly separator = ',',
    readonly append = false,
  ) {
    super();
  }

  async onTrainBegin(): Promise<void> {
    this.fs = await import('node:fs/promises');
    this.keys = null;
    if (this.append) {
      try {
        const text = await this.fs.readFile(this.filename, 'utf8');
        const header = text.split('\n')[0];
        if (header) this.keys = header.split(this.separator).slice(1);
      } catch {
        // no file yet: a header will be written
      }
    } else await this.fs.writeFile(this.filename, '');
  }

  async onEpochEnd(epoch: number, logs: Logs = {}): Promise<void> {
    const fs = this.fs!;
    let out = '';
    if (this.keys === null) {
      this.keys = Object.keys(logs).sort();
      out += ['epoch', ...this.keys].join(this.separator) + '\n';
    }
    out += [String(epoch), ...this.keys.map((k) => (logs[k] === undefined ? 'NA' : String(logs[k])))].join(this.separator) + '\n';
    await fs.appendFile(this.filename, out);
  }
}

/** Calls the given functions at the matching hooks (Keras's `LambdaCallback`). */
export class LambdaCallback extends Callback {
  constructor(hooks: CallbackHooks) {
    super();
    Object.assign(this, hooks);
  }
}

/** Formats a Keras checkpoint path: `weights.{epoch:02d}-{val_loss:.2f}.keras`. */
export function formatPath(template: string, epoch: number, logs: Logs): string {
  return template.replace(/\{(\w+)(?::([^}]*))?\}/g, (_m, key: string, spec: string | undefined) => {
    const v = key === 'epoch' ? epoch : logs[key];
    if (v === undefined) throw new ValueError(`Failed to format the checkpoint path '${template}': no value named '${key}' in the logs (${Object.keys(logs).join(', ')})`);
    if (!spec) return String(v);
    const m = /^(0?)(\d*)(?:\.(\d+))?([dfe])?$/.exec(spec);
    if (!m) return String(v);
    const [, zero, width, precision, type] = m;
    let s = type === 'd' ? String(Math.trunc(v)) : precision !== undefined ? (type === 'e' ? v.toExponential(Number(precision)) : v.toFixed(Number(precision))) : String(v);
    if (width) s = s.padStart(Number(width), zero ? '0' : ' ');
    return s;
  });
}

export { formatValue, orderedKeys };

// ---------------- checkpoints ----------------

export interface ModelCheckpointArgs {
  /** Where to save: `'best.keras'`, `'w.{epoch:02d}-{val_loss:.2f}.weights.h5'`, or a TF.js folder. */
  filepath: string;
  monitor?: string;
  verbose?: number;
  /** Only save when the monitored value improved. */
  saveBestOnly?: boolean;
  saveWeightsOnly?: boolean;
  mode?: Mode;
  /** `'epoch'` or a number of batches. */
  saveFreq?: 'epoch' | number;
  initialValueThreshold?: number;
}

/** Saves the model (or its weights) during training; every write is atomic. */
export class ModelCheckpoint extends Callback {
  readonly filepath: string;
  readonly monitor: string;
  readonly verbose: number;
  readonly saveBestOnly: boolean;
  readonly saveWeightsOnly: boolean;
  readonly mode: 'min' | 'max';
  readonly saveFreq: 'epoch' | number;
  best: number;
  private batchesSinceSave = 0;
  private currentEpoch = 0;

  constructor(args: ModelCheckpointArgs) {
    super();
    if (!args || typeof args.filepath !== 'string') throw new ValueError('ModelCheckpoint needs a filepath');
    this.filepath = args.filepath;
    this.monitor = args.monitor ?? 'val_loss';
    this.verbose = args.verbose ?? 0;
    this.saveBestOnly = args.saveBestOnly ?? false;
    this.saveWeightsOnly = args.saveWeightsOnly ?? false;
    this.mode = resolveMode(args.mode, this.monitor);
    this.saveFreq = args.saveFreq ?? 'epoch';
    this.best = args.initialValueThreshold ?? (this.mode === 'min' ? Infinity : -Infinity);
    if (this.saveWeightsOnly && this.filepath.endsWith('.keras')) throw new ValueError(`When saveWeightsOnly is true, the filepath must end in '.weights.h5' (got '${this.filepath}')`);
    if (!this.saveWeightsOnly && this.filepath.endsWith('.weights.h5')) throw new ValueError(`A '.weights.h5' filepath needs saveWeightsOnly: true (got '${this.filepath}')`);
  }

  onEpochBegin(epoch: number): void {
    this.currentEpoch = epoch;
  }

  async onTrainBatchEnd(batch: number, logs: Logs = {}): Promise<void> {
    if (this.saveFreq === 'epoch') return;
    this.batchesSinceSave++;
    if (this.batchesSinceSave >= this.saveFreq) {
      this.batchesSinceSave = 0;
      await this.saveModel(this.currentEpoch, logs, batch);
    }
  }

  async onEpochEnd(epoch: number, logs: Logs = {}): Promise<void> {
    if (this.saveFreq === 'epoch') await this.saveModel(epoch, logs);
  }

  private async saveModel(epoch: number, logs: Logs, batch?: number): Promise<void> {
    const path = formatPath(this.filepath, epoch + 1, { ...logs, ...(batch !== undefined ? { batch: batch + 1 } : {}) });
    if (this.saveBestOnly) {
      const current = logs[this.monitor];
      if (current === undefined) {
        warnMissing('ModelCheckpoint', this.monitor, logs);
        return;
      }
      const better = this.mode === 'min' ? current < this.best : current > this.best;
      if (!better) {
        if (this.verbose > 0) console.log(`\nEpoch ${epoch + 1}: ${this.monitor} did not improve from ${this.best.toFixed(5)}`);
        return;
      }
      if (this.verbose > 0) console.log(`\nEpoch ${epoch + 1}: ${this.monitor} improved from ${this.best.toFixed(5)} to ${current.toFixed(5)}, saving model to ${path}`);
      this.best = current;
    } else if (this.verbose > 0) console.log(`\nEpoch ${epoch + 1}: saving model to ${path}`);
    if (this.saveWeightsOnly) await this.model!.saveWeights(path);
    else await this.model!.save(path);
  }
}

export interface BackupAndRestoreArgs {
  /** Folder for the backup (created when needed). */
  backupDir: string;
  /** `'epoch'` (default). */
  saveFreq?: 'epoch';
  /** Remove the backup when training completes (default true). */
  deleteCheckpoint?: boolean;
}

/**
 * Makes training resumable: at each epoch end it saves the weights, the optimizer state, the
 * epoch and the run's seed; a later `fit` with the same callback starts from there and gives the
 * same results as an uninterrupted run.
 */
export class BackupAndRestore extends Callback {
  readonly backupDir: string;
  readonly deleteCheckpoint: boolean;
  private completed = false;

  constructor(args: BackupAndRestoreArgs) {
    super();
    if (!args || typeof args.backupDir !== 'string') throw new ValueError('BackupAndRestore needs a backupDir');
    this.backupDir = args.backupDir.replace(/\/+$/, '');
    this.deleteCheckpoint = args.deleteCheckpoint ?? true;
  }

  private get weightsPath(): string {
    return `${this.backupDir}/latest.weights.h5`;
  }

  private get metadataPath(): string {
    return `${this.backupDir}/training_metadata.json`;
  }

  async onTrainBegin(): Promise<void> {
    this.completed = false;
    const { exists, readFileBytes } = await import('./io/files.js');
    if (!(await exists(this.metadataPath)) || !(await exists(this.weightsPath))) return;
    const meta = JSON.parse(new TextDecoder().decode(await readFileBytes(this.metadataPath))) as { epoch: number; seed: number };
    await this.model!.loadWeights(this.weightsPath);
    this.model!._resume = { epoch: meta.epoch, seed: meta.seed };
  }

  async onEpochEnd(epoch: number): Promise<void> {
    const { writeFileAtomic } = await import('./io/files.js');
    // Weights first, then the metadata that points at them.
    await this.model!.saveWeights(this.weightsPath);
    const seed = this.model!._fitState?.seed ?? 0;
    await writeFileAtomic(this.metadataPath, JSON.stringify({ epoch: epoch + 1, seed }));
    const epochs = Number(this.params['epochs'] ?? 0);
    if (epoch + 1 >= epochs) this.completed = true;
  }

  async onTrainEnd(): Promise<void> {
    if (!this.deleteCheckpoint || !(this.completed || this.model!.stopTraining)) return;
    const { nodeFs } = await import('./io/files.js');
    const { fs } = await nodeFs();
    await fs.rm(this.weightsPath, { force: true });
    await fs.rm(this.metadataPath, { force: true });
  }
}

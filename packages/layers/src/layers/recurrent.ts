/**
 * Recurrent layers: SimpleRNN, LSTM, GRU (Keras's gate layouts and defaults), and `RNN(cell)`.
 * The input projection `x @ kernel + bias` is computed for all timesteps in one nn `F.linear`; the
 * loop then does one `h @ recurrentKernel` per step. Autograd differentiates through the loop.
 * The cells stay here: nn has recurrent modules but no functional cell to call with Keras's
 * weights, and Keras's GRU gate order (z, r, h) and its `reset_after: false` variant differ from
 * PyTorch's.
 */
import { noGrad } from '@tessera/autograd';
import { rand, stack, zeros, type Tensor } from '@tessera/core';
import { F } from '@tessera/nn';
import { getActivation, type Activation, type ActivationIdentifier } from '../activations.js';
import { fmtShape, ValueError, type Shape } from '../common.js';
import { getConstraint, type Constraint, type ConstraintIdentifier } from '../constraints.js';
import { getInitializer, serializeInitializer, type Initializer, type InitializerIdentifier } from '../initializers.js';
import { getRegularizer, serializeRegularizer, type Regularizer, type RegularizerIdentifier } from '../regularizers.js';
import { trainingGenerator } from '../engine/rng.js';
import { assertRank, Layer, type CallKwargs, type LayerArgs, type LayerConfig } from '../engine/topology.js';
import type { LayerVariable } from '../engine/variable.js';
import { serializeOpt } from './core.js';
import { deserializeLayer } from '../serialization.js';

export interface CellArgs extends LayerArgs {
  units: number;
  activation?: ActivationIdentifier | null;
  recurrentActivation?: ActivationIdentifier | null;
  useBias?: boolean;
  kernelInitializer?: InitializerIdentifier;
  recurrentInitializer?: InitializerIdentifier;
  biasInitializer?: InitializerIdentifier;
  kernelRegularizer?: RegularizerIdentifier | null;
  recurrentRegularizer?: RegularizerIdentifier | null;
  biasRegularizer?: RegularizerIdentifier | null;
  kernelConstraint?: ConstraintIdentifier | null;
  recurrentConstraint?: ConstraintIdentifier | null;
  biasConstraint?: ConstraintIdentifier | null;
  dropout?: number;
  recurrentDropout?: number;
  /** LSTM: add 1 to the forget-gate bias at initialization (default true). */
  unitForgetBias?: boolean;
  /** GRU: apply the reset gate after the recurrent matmul (Keras 3's default, true). */
  resetAfter?: boolean;
  /** Accepted for Keras compatibility; has no effect. */
  implementation?: number;
}

/** A recurrent cell: one timestep, split into an input projection and a recurrent update. */
export abstract class RNNCell extends Layer {
  readonly units: number;
  readonly activation: Activation;
  readonly useBias: boolean;
  readonly kernelInitializer: Initializer;
  readonly recurrentInitializer: Initializer;
  readonly biasInitializer: Initializer;
  readonly kernelRegularizer: Regularizer | null;
  readonly recurrentRegularizer: Regularizer | null;
  readonly biasRegularizer: Regularizer | null;
  readonly kernelConstraint: Constraint | null;
  readonly recurrentConstraint: Constraint | null;
  readonly biasConstraint: Constraint | null;
  readonly dropout: number;
  readonly recurrentDropout: number;
  kernel: LayerVariable | null = null;
  recurrentKernel: LayerVariable | null = null;
  bias: LayerVariable | null = null;

  constructor(args: CellArgs, defaultActivation = 'tanh') {
    super(args);
    if (!Number.isInteger(args.units) || args.units <= 0) throw new ValueError(`${this.getClassName()}: units must be a positive integer, got ${args.units}`);
    this.units = args.units;
    this.activation = getActivation(args.activation === undefined ? defaultActivation : args.activation);
    this.useBias = args.useBias ?? true;
    this.kernelInitializer = getInitializer(args.kernelInitializer, 'glorot_uniform');
    this.recurrentInitializer = getInitializer(args.recurrentInitializer, 'orthogonal');
    this.biasInitializer = getInitializer(args.biasInitializer, 'zeros');
    this.kernelRegularizer = getRegularizer(args.kernelRegularizer);
    this.recurrentRegularizer = getRegularizer(args.recurrentRegularizer);
    this.biasRegularizer = getRegularizer(args.biasRegularizer);
    this.kernelConstraint = getConstraint(args.kernelConstraint);
    this.recurrentConstraint = getConstraint(args.recurrentConstraint);
    this.biasConstraint = getConstraint(args.biasConstraint);
    this.dropout = Math.min(1, Math.max(0, args.dropout ?? 0));
    this.recurrentDropout = Math.min(1, Math.max(0, args.recurrentDropout ?? 0));
  }

  /** Sizes of the states (h for SimpleRNN/GRU; h and c for LSTM). */
  abstract get stateSize(): number[];
  /** Gates of the input projection (1 SimpleRNN, 3 GRU, 4 LSTM). */
  protected abstract get gates(): number;

  override build(inputShape: Shape | Shape[]): void {
    const s = inputShape as Shape;
    const d = s[s.length - 1];
    if (d === null || d === undefined) throw new ValueError(`${this.getClassName()} '${this.name}': the feature dimension of the inputs must be defined, got ${fmtShape(s)}`);
    const g = this.gates * this.units;
    this.kernel = this.addWeight('kernel', [d, g], { initializer: this.kernelInitializer, regularizer: this.kernelRegularizer, constraint: this.kernelConstraint });
    this.recurrentKernel = this.addWeight('recurrent_kernel', [this.units, g], { initializer: this.recurrentInitializer, regularizer: this.recurrentRegularizer, constraint: this.recurrentConstraint });
    if (this.useBias) this.buildBias();
  }

  protected buildBias(): void {
    this.bias = this.addWeight('bias', [this.gates * this.units], { initializer: this.biasInitializer, regularizer: this.biasRegularizer, constraint: this.biasConstraint });
  }

  /** `x @ kernel (+ input bias)` for all timesteps: [B, T, D] -> [B, T, gates * units]. */
  projectInputs(x: Tensor): Tensor {
    return F.linear(x, this.kernel!.read().t(), this.bias ? this.inputBias() : null);
  }

  protected inputBias(): Tensor {
    return this.bias!.read();
  }

  /** One step from the projected input of that step; returns the output and the new states. */
  abstract step(xp: Tensor, states: Tensor[]): [Tensor, Tensor[]];

  call(inputs: Tensor | Tensor[]): Tensor | Tensor[] {
    // A cell called alone takes [x_t, ...states] and returns [h, ...states].
    const [x, ...states] = inputs as Tensor[];
    const [h, ns] = this.step(this.projectInputs(x!.unsqueeze(1)).squeeze(1), states);
    return [h, ...ns];
  }

  override getConfig(): LayerConfig {
    return {
      ...super.getConfig(),
      units: this.units,
      activation: this.activation.name,
      useBias: this.useBias,
      kernelInitializer: serializeInitializer(this.kernelInitializer),
      recurrentInitializer: serializeInitializer(this.recurrentInitializer),
      biasInitializer: serializeInitializer(this.biasInitializer),
      kernelRegularizer: this.kernelRegularizer ? serializeRegularizer(this.kernelRegularizer) : null,
      recurrentRegularizer: this.recurrentRegularizer ? serializeRegularizer(this.recurrentRegularizer) : null,
      biasRegularizer: this.biasRegularizer ? serializeRegularizer(this.biasRegularizer) : null,
      kernelConstraint: serializeOpt(this.kernelConstraint),
      recurrentConstraint: serializeOpt(this.recurrentConstraint),
      biasConstraint: serializeOpt(this.biasConstraint),
      dropout: this.dropout,
      recurrentDropout: this.recurrentDropout,
    };
  }
}

export class SimpleRNNCell extends RNNCell {
  static override readonly className: string = 'SimpleRNNCell';
  get stateSize(): number[] {
    return [this.units];
  }
  protected get gates(): number {
    return 1;
  }
  step(xp: Tensor, [h]: Tensor[]): [Tensor, Tensor[]] {
    const out = this.activation.apply(xp.add(h!.matmul(this.recurrentKernel!.read())));
    return [out, [out]];
  }
}

export class LSTMCell extends RNNCell {
  static override readonly className: string = 'LSTMCell';
  readonly recurrentActivation: Activation;
  readonly unitForgetBias: boolean;
  constructor(args: CellArgs) {
    super(args);
    // Keras's default is sigmoid (TF.js's is hard_sigmoid; model files always say which).
    this.recurrentActivation = getActivation(args.recurrentActivation === undefined ? 'sigmoid' : args.recurrentActivation);
    this.unitForgetBias = args.unitForgetBias ?? true;
  }
  get stateSize(): number[] {
    return [this.units, this.units];
  }
  protected get gates(): number {
    return 4;
  }
  protected override buildBias(): void {
    super.buildBias();
    if (this.unitForgetBias) {
      // Keras: the forget gate's bias starts at one whatever the bias initializer.
      const b = this.bias!.read();
      noGrad(() => void b.narrow(0, this.units, this.units).fill_(1));
    }
  }
  step(xp: Tensor, [h, c]: Tensor[]): [Tensor, Tensor[]] {
    const z = xp.add(h!.matmul(this.recurrentKernel!.read()));
    const [zi, zf, zc, zo] = z.split(this.units, -1) as [Tensor, Tensor, Tensor, Tensor];
    const i = this.recurrentActivation.apply(zi);
    const f = this.recurrentActivation.apply(zf);
    const cNew = f.mul(c!).add(i.mul(this.activation.apply(zc)));
    const o = this.recurrentActivation.apply(zo);
    const hNew = o.mul(this.activation.apply(cNew));
    return [hNew, [hNew, cNew]];
  }
  override getConfig(): LayerConfig {
    return { ...super.getConfig(), recurrentActivation: this.recurrentActivation.name, unitForgetBias: this.unitForgetBias };
  }
}

export class GRUCell extends RNNCell {
  static override readonly className: string = 'GRUCell';
  readonly recurrentActivation: Activation;
  readonly resetAfter: boolean;
  constructor(args: CellArgs) {
    super(args);
    this.recurrentActivation = getActivation(args.recurrentActivation === undefined ? 'sigmoid' : args.recurrentActivation);
    this.resetAfter = args.resetAfter ?? true;
  }
  get stateSize(): number[] {
    return [this.units];
  }
  protected get gates(): number {
    return 3;
  }
  protected override buildBias(): void {
    // reset_after keeps separate input and recurrent biases: shape [2, 3 * units].
    const shape = this.resetAfter ? [2, 3 * this.units] : [3 * this.units];
    this.bias = this.addWeight('bias', shape, { initializer: this.biasInitializer, regularizer: this.biasRegularizer, constraint: this.biasConstraint });
  }
  protected override inputBias(): Tensor {
    const b = this.bias!.read();
    return this.resetAfter ? b.select(0, 0) : b;
  }
  step(xp: Tensor, [h]: Tensor[]): [Tensor, Tensor[]] {
    const u = this.units;
    const U = this.recurrentKernel!.read();
    const [xz, xr, xh] = xp.split(u, -1) as [Tensor, Tensor, Tensor];
    let hh: Tensor;
    let z: Tensor;
    if (this.resetAfter) {
      let inner = h!.matmul(U);
      if (this.bias) inner = inner.add(this.bias.read().select(0, 1));
      const [rz, rr, rh] = inner.split(u, -1) as [Tensor, Tensor, Tensor];
      z = this.recurrentActivation.apply(xz.add(rz));
      const r = this.recurrentActivation.apply(xr.add(rr));
      hh = this.activation.apply(xh.add(r.mul(rh)));
    } else {
      const inner = h!.matmul(U.narrow(1, 0, 2 * u));
      const [rz, rr] = inner.split(u, -1) as [Tensor, Tensor];
      z = this.recurrentActivation.apply(xz.add(rz));
      const r = this.recurrentActivation.apply(xr.add(rr));
      hh = this.activation.apply(xh.add(r.mul(h!).matmul(U.narrow(1, 2 * u, u))));
    }
    const hNew = z.mul(h!).add(z.neg().add(1).mul(hh));
    return [hNew, [hNew]];
  }
  override getConfig(): LayerConfig {
    return { ...super.getConfig(), recurrentActivation: this.recurrentActivation.name, resetAfter: this.resetAfter };
  }
}

// ---------------- RNN ----------------

export interface RNNArgs extends LayerArgs {
  returnSequences?: boolean;
  returnState?: boolean;
  goBackwards?: boolean;
  stateful?: boolean;
  unroll?: boolean;
  /** Keras 2's `input_length` (with `inputDim`): `inputShape: [inputLength, inputDim]`. */
  inputLength?: number | null;
}

/** Runs a cell over the time axis of [batch, time, features]. */
export class RNN extends Layer {
  static override readonly className: string = 'RNN';
  readonly cell: RNNCell;
  readonly returnSequences: boolean;
  readonly returnState: boolean;
  readonly goBackwards: boolean;
  readonly unroll: boolean;

  constructor(args: RNNArgs & { cell: RNNCell }) {
    const a = { ...args };
    if (a.inputDim !== undefined && !a.inputShape && !a.batchInputShape) {
      a.inputShape = [a.inputLength ?? null, a.inputDim];
      delete a.inputDim;
    }
    super(a);
    if (args.stateful) throw new ValueError(`${this.getClassName()}: stateful=true is not supported`);
    const cell = args.cell as RNNCell | { className?: string; class_name?: string; config: Record<string, unknown> };
    if (cell instanceof RNNCell) this.cell = cell;
    else if (cell && typeof cell === 'object' && 'config' in cell) {
      const c = deserializeLayer({ className: (cell.className ?? cell.class_name)!, config: cell.config });
      if (!(c instanceof RNNCell)) throw new ValueError(`RNN: cell must be a SimpleRNNCell, LSTMCell or GRUCell, got ${c.getClassName()}`);
      this.cell = c;
    } else throw new ValueError('RNN needs a cell');
    // The cell's weights are named after the layer (`lstm/kernel`), as in TF.js and Keras 2 files.
    this.cell._scopeOverride = () => this.weightScope();
    this.returnSequences = args.returnSequences ?? false;
    this.returnState = args.returnState ?? false;
    this.goBackwards = args.goBackwards ?? false;
    this.unroll = args.unroll ?? false;
  }

  override sublayers(): Layer[] {
    return [this.cell];
  }

  override build(inputShape: Shape | Shape[]): void {
    const s = (Array.isArray(inputShape[0]) ? (inputShape as Shape[])[0] : inputShape) as Shape;
    assertRank(this, s, 3);
    this.cell.maybeBuild([s[0]!, s[2]!]);
  }

  call(inputs: Tensor | Tensor[], kwargs: CallKwargs): Tensor | Tensor[] {
    const list = Array.isArray(inputs) ? inputs : [inputs];
    const x = list[0]!;
    const [B, T] = x.shape as [number, number];
    let initial = kwargs.initialState ? (Array.isArray(kwargs.initialState) ? kwargs.initialState : [kwargs.initialState]) : list.slice(1);
    const sizes = this.cell.stateSize;
    if (initial.length === 0) initial = sizes.map((u) => zeros([B, u], { dtype: x.dtype, device: x.device }));
    if (initial.length !== sizes.length) throw new ValueError(`Layer ${this.name} expects ${sizes.length} initial state(s), got ${initial.length}`);
    const training = Boolean(kwargs.training);
    const cell = this.cell;
    let xin = x;
    if (training && cell.dropout > 0) {
      const keepMask = rand([B, 1, x.shape[2]!], { generator: trainingGenerator(), device: x.device }).ge(cell.dropout);
      xin = x.mul(keepMask).div(1 - cell.dropout);
    }
    const hMask = training && cell.recurrentDropout > 0 ? rand([B, cell.units], { generator: trainingGenerator(), device: x.device }).ge(cell.recurrentDropout).float().div(1 - cell.recurrentDropout) : null;
    const xp = cell.projectInputs(xin);
    let states = initial;
    const outputs: Tensor[] = [];
    for (let k = 0; k < T; k++) {
      const t = this.goBackwards ? T - 1 - k : k;
      const s = hMask ? [states[0]!.mul(hMask), ...states.slice(1)] : states;
      const [out, next] = cell.step(xp.select(1, t), s);
      outputs.push(out);
      states = next;
    }
    const output = this.returnSequences ? stack(outputs, 1) : outputs[outputs.length - 1] ?? zeros([B, cell.units]);
    return this.returnState ? [output, ...states] : output;
  }

  override computeOutputShape(inputShape: Shape | Shape[]): Shape | Shape[] {
    const s = (Array.isArray(inputShape[0]) ? (inputShape as Shape[])[0] : inputShape) as Shape;
    const out: Shape = this.returnSequences ? [s[0]!, s[1]!, this.cell.units] : [s[0]!, this.cell.units];
    if (!this.returnState) return out;
    return [out, ...this.cell.stateSize.map((u) => [s[0]!, u] as Shape)];
  }

  override getConfig(): LayerConfig {
    return {
      ...super.getConfig(),
      returnSequences: this.returnSequences,
      returnState: this.returnState,
      goBackwards: this.goBackwards,
      stateful: false,
      unroll: this.unroll,
      ...(this.getClassName() === 'RNN' ? { cell: { className: this.cell.getClassName(), config: this.cell.getConfig() } } : {}),
    };
  }

  override kerasWeightPaths(): string[] {
    return this.cell.creationOrderWeights().map((_, i) => `cell/vars/${i}`);
  }
}

/** Shared constructor of SimpleRNN/LSTM/GRU: the cell options sit on the layer's config. */
abstract class CellRNN extends RNN {
  override getConfig(): LayerConfig {
    const cellConfig = this.cell.getConfig();
    delete cellConfig['name'];
    delete cellConfig['trainable'];
    delete cellConfig['dtype'];
    delete cellConfig['batchInputShape'];
    return { ...super.getConfig(), ...cellConfig };
  }
}

function cellArgs(args: CellArgs & RNNArgs, name: string): CellArgs {
  const { returnSequences: _a, returnState: _b, goBackwards: _c, stateful: _d, unroll: _e, inputShape: _f, batchInputShape: _g, inputDim: _h, inputLength: _i, weights: _j, ...rest } = args;
  return { ...rest, name, trainable: args.trainable ?? true };
}

export type SimpleRNNArgs = CellArgs & RNNArgs;

export class SimpleRNN extends CellRNN {
  static override readonly className: string = 'SimpleRNN';
  constructor(args: SimpleRNNArgs) {
    const name = args.name;
    super({ ...args, cell: new SimpleRNNCell(cellArgs(args, `${name ?? 'simple_rnn'}_cell`)) });
    this.cell.name = this.name;
  }
}

export type LSTMArgs = CellArgs & RNNArgs;

export class LSTM extends CellRNN {
  static override readonly className: string = 'LSTM';
  constructor(args: LSTMArgs) {
    super({ ...args, cell: new LSTMCell(cellArgs(args, `${args.name ?? 'lstm'}_cell`)) });
    this.cell.name = this.name;
  }
}

export type GRUArgs = CellArgs & RNNArgs;

export class GRU extends CellRNN {
  static override readonly className: string = 'GRU';
  constructor(args: GRUArgs) {
    super({ ...args, cell: new GRUCell(cellArgs(args, `${args.name ?? 'gru'}_cell`)) });
    this.cell.name = this.name;
  }
}

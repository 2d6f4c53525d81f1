/** Wrappers: TimeDistributed (a layer on every timestep) and Bidirectional (an RNN both ways). */
import { arange, cat, indexSelect, type Tensor } from '@tessera/core';
import { ValueError, type Shape } from '../common.js';
import { deserializeLayer } from '../serialization.js';
import { Layer, type CallKwargs, type LayerArgs, type LayerConfig } from '../engine/topology.js';
import { RNN } from './recurrent.js';

type LayerSpec = Layer | { className?: string; class_name?: string; config: Record<string, unknown> };

function toLayer(spec: LayerSpec): Layer {
  if (spec instanceof Layer) return spec;
  const className = spec.className ?? spec.class_name;
  if (!className) throw new ValueError('A wrapped layer config needs a className');
  return deserializeLayer({ className, config: spec.config });
}

/** Applies `layer` to every timestep of [batch, time, ...]. */
export class TimeDistributed extends Layer {
  static override readonly className: string = 'TimeDistributed';
  readonly layer: Layer;
  constructor(args: LayerArgs & { layer: LayerSpec }) {
    super(args);
    this.layer = toLayer(args.layer);
    // TF.js names the inner layer's weights after the wrapper: `time_distributed/kernel`.
    this.layer._scopeOverride = () => this.weightScope();
  }
  override sublayers(): Layer[] {
    return [this.layer];
  }
  override build(inputShape: Shape | Shape[]): void {
    const s = inputShape as Shape;
    if (s.length < 3) throw new ValueError(`TimeDistributed '${this.name}' requires an input of rank >= 3, got shape (${s.join(', ')})`);
    this.layer.maybeBuild([s[0] === null || s[1] === null ? null : s[0]! * s[1]!, ...s.slice(2)]);
  }
  call(inputs: Tensor | Tensor[], kwargs: CallKwargs): Tensor {
    const x = inputs as Tensor;
    const [b, t] = x.shape as [number, number];
    const y = this.layer.callConcrete(x.reshape([b * t, ...x.shape.slice(2)]), kwargs) as Tensor;
    return y.reshape([b, t, ...y.shape.slice(1)]);
  }
  override computeOutputShape(inputShape: Shape | Shape[]): Shape {
    const s = inputShape as Shape;
    const inner = this.layer.computeOutputShape([s[0] ?? null, ...s.slice(2)]) as Shape;
    return [s[0]!, s[1]!, ...inner.slice(1)];
  }
  override getConfig(): LayerConfig {
    return { ...super.getConfig(), layer: { className: this.layer.getClassName(), config: this.layer.getConfig(), _layer: this.layer } };
  }
  override kerasWeightPaths(): string[] {
    return this.layer.kerasWeightPaths().map((p) => `layer/${p}`);
  }
}

export type MergeMode = 'concat' | 'sum' | 'mul' | 'ave' | null;

/** Runs a recurrent layer forwards and backwards and merges the two outputs. */
export class Bidirectional extends Layer {
  static override readonly className: string = 'Bidirectional';
  readonly forwardLayer: RNN;
  readonly backwardLayer: RNN;
  readonly mergeMode: MergeMode;
  readonly returnSequences: boolean;
  readonly returnState: boolean;

  constructor(args: LayerArgs & { layer: LayerSpec; mergeMode?: MergeMode | 'None'; backwardLayer?: LayerSpec }) {
    super(args);
    const layer = toLayer(args.layer);
    if (!(layer instanceof RNN)) throw new ValueError(`Bidirectional: the layer must be a recurrent layer (SimpleRNN, LSTM, GRU, RNN), got ${layer.getClassName()}`);
    const config = layer.getConfig();
    this.forwardLayer = deserializeLayer({ className: layer.getClassName(), config: { ...config, name: `forward_${layer.name}` } }) as RNN;
    if (args.backwardLayer) {
      this.backwardLayer = toLayer(args.backwardLayer) as RNN;
    } else {
      this.backwardLayer = deserializeLayer({ className: layer.getClassName(), config: { ...config, name: `backward_${layer.name}`, goBackwards: !layer.goBackwards } }) as RNN;
    }
    // TF.js names them `bidirectional/forward_lstm/kernel`.
    for (const l of [this.forwardLayer, this.backwardLayer]) l._scopeOverride = () => `${this.weightScope()}/${l.name}`;
    this.mergeMode = args.mergeMode === undefined ? 'concat' : args.mergeMode === 'None' ? null : args.mergeMode;
    this.returnSequences = layer.returnSequences;
    this.returnState = layer.returnState;
  }

  override sublayers(): Layer[] {
    return [this.forwardLayer, this.backwardLayer];
  }

  override build(inputShape: Shape | Shape[]): void {
    this.forwardLayer.maybeBuild(inputShape);
    this.backwardLayer.maybeBuild(inputShape);
  }

  call(inputs: Tensor | Tensor[], kwargs: CallKwargs): Tensor | Tensor[] {
    let fwKw: CallKwargs = kwargs;
    let bwKw: CallKwargs = kwargs;
    if (kwargs.initialState) {
      const s = Array.isArray(kwargs.initialState) ? kwargs.initialState : [kwargs.initialState];
      fwKw = { ...kwargs, initialState: s.slice(0, s.length / 2) };
      bwKw = { ...kwargs, initialState: s.slice(s.length / 2) };
    }
    const fw = this.forwardLayer.callConcrete(inputs, fwKw);
    const bw = this.backwardLayer.callConcrete(inputs, bwKw);
    const fwList = Array.isArray(fw) ? fw : [fw];
    const bwList = Array.isArray(bw) ? bw : [bw];
    let yf = fwList[0]!;
    let yb = bwList[0]!;
    if (this.returnSequences) {
      // The backward layer's sequence comes out in reverse time order.
      const t = yb.shape[1]!;
      yb = indexSelect(yb, 1, arange(t - 1, -1, -1, { device: yb.device }));
    }
    let out: Tensor | Tensor[];
    switch (this.mergeMode) {
      case 'concat':
        out = cat([yf, yb], -1);
        break;
      case 'sum':
        out = yf.add(yb);
        break;
      case 'mul':
        out = yf.mul(yb);
        break;
      case 'ave':
        out = yf.add(yb).div(2);
        break;
      case null:
        out = [yf, yb];
        break;
      default:
        throw new ValueError(`Invalid merge mode '${String(this.mergeMode)}'. Merge mode should be one of {"sum", "mul", "ave", "concat", null}`);
    }
    if (!this.returnState) return out;
    return [...(Array.isArray(out) ? out : [out]), ...fwList.slice(1), ...bwList.slice(1)];
  }

  override computeOutputShape(inputShape: Shape | Shape[]): Shape | Shape[] {
    const fw = this.forwardLayer.computeOutputShape(inputShape);
    const list = this.returnState ? (fw as Shape[]) : [fw as Shape];
    const y = list[0]!;
    let out: Shape[];
    if (this.mergeMode === 'concat') out = [[...y.slice(0, -1), y[y.length - 1] === null ? null : y[y.length - 1]! * 2]];
    else if (this.mergeMode === null) out = [y, y];
    else out = [y];
    if (!this.returnState) return out.length === 1 ? out[0]! : out;
    const states = list.slice(1);
    return [...out, ...states, ...states];
  }

  override getConfig(): LayerConfig {
    const inner = this.forwardLayer.getConfig();
    inner['name'] = this.forwardLayer.name.replace(/^forward_/, '');
    return {
      ...super.getConfig(),
      layer: { className: this.forwardLayer.getClassName(), config: inner, _layer: this.forwardLayer },
      mergeMode: this.mergeMode,
      backwardLayer: { className: this.backwardLayer.getClassName(), config: this.backwardLayer.getConfig(), _layer: this.backwardLayer },
    };
  }

  override kerasWeightPaths(): string[] {
    return [
      ...this.forwardLayer.kerasWeightPaths().map((p) => `forward_layer/${p}`),
      ...this.backwardLayer.kerasWeightPaths().map((p) => `backward_layer/${p}`),
    ];
  }
}

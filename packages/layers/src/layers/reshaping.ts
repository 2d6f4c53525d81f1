/** Spatial reshaping layers: ZeroPadding1D/2D, UpSampling1D/2D, Cropping1D/2D. */
import { pad, type Tensor } from '@tessera/core';
import { normalizeDataFormat, ValueError, type Shape } from '../common.js';
import { assertRank, Layer, type LayerArgs, type LayerConfig } from '../engine/topology.js';

type Pair = [number, number];

function pairs2d(p: number | number[] | number[][] | undefined, what: string): [Pair, Pair] {
  if (p === undefined) return [[1, 1], [1, 1]];
  if (typeof p === 'number') return [[p, p], [p, p]];
  if (p.length === 2 && typeof p[0] === 'number') return [[p[0] as number, p[0] as number], [p[1] as number, p[1] as number]];
  if (p.length === 2 && Array.isArray(p[0]) && Array.isArray(p[1])) return [[...(p[0] as number[])] as Pair, [...(p[1] as number[])] as Pair];
  throw new ValueError(`${what} should be an int, a pair of ints, or a pair of pairs of ints, got ${JSON.stringify(p)}`);
}

function pair1d(p: number | number[] | undefined, dflt: number): Pair {
  if (p === undefined) return [dflt, dflt];
  if (typeof p === 'number') return [p, p];
  if (p.length === 2) return [p[0]!, p[1]!];
  throw new ValueError(`padding/cropping should be an int or a pair of ints, got ${JSON.stringify(p)}`);
}

const add = (d: number | null, a: number): number | null => (d === null ? null : d + a);

export class ZeroPadding1D extends Layer {
  static override readonly className: string = 'ZeroPadding1D';
  readonly padding: Pair;
  constructor(args: LayerArgs & { padding?: number | number[] } = {}) {
    super(args);
    this.padding = pair1d(args.padding, 1);
  }
  call(inputs: Tensor | Tensor[]): Tensor {
    return pad(inputs as Tensor, [0, 0, this.padding[0], this.padding[1]]);
  }
  override computeOutputShape(inputShape: Shape | Shape[]): Shape {
    const s = inputShape as Shape;
    assertRank(this, s, 3);
    return [s[0]!, add(s[1]!, this.padding[0] + this.padding[1]), s[2]!];
  }
  override getConfig(): LayerConfig {
    return { ...super.getConfig(), padding: this.padding };
  }
}

export class ZeroPadding2D extends Layer {
  static override readonly className: string = 'ZeroPadding2D';
  readonly padding: [Pair, Pair];
  readonly dataFormat: 'channelsLast' | 'channelsFirst';
  constructor(args: LayerArgs & { padding?: number | number[] | number[][]; dataFormat?: string } = {}) {
    super(args);
    this.padding = pairs2d(args.padding, 'padding');
    this.dataFormat = normalizeDataFormat(args.dataFormat);
  }
  call(inputs: Tensor | Tensor[]): Tensor {
    const [[t, b], [l, r]] = this.padding;
    const x = inputs as Tensor;
    return this.dataFormat === 'channelsLast' ? pad(x, [0, 0, l, r, t, b]) : pad(x, [l, r, t, b]);
  }
  override computeOutputShape(inputShape: Shape | Shape[]): Shape {
    const s = inputShape as Shape;
    assertRank(this, s, 4);
    const [[t, b], [l, r]] = this.padding;
    return this.dataFormat === 'channelsLast' ? [s[0]!, add(s[1]!, t + b), add(s[2]!, l + r), s[3]!] : [s[0]!, s[1]!, add(s[2]!, t + b), add(s[3]!, l + r)];
  }
  override getConfig(): LayerConfig {
    return { ...super.getConfig(), padding: this.padding, dataFormat: this.dataFormat };
  }
}

export class Cropping1D extends Layer {
  static override readonly className: string = 'Cropping1D';
  readonly cropping: Pair;
  constructor(args: LayerArgs & { cropping?: number | number[] } = {}) {
    super(args);
    this.cropping = pair1d(args.cropping, 1);
  }
  call(inputs: Tensor | Tensor[]): Tensor {
    const x = inputs as Tensor;
    return x.slice(1, this.cropping[0], x.shape[1]! - this.cropping[1]);
  }
  override computeOutputShape(inputShape: Shape | Shape[]): Shape {
    const s = inputShape as Shape;
    return [s[0]!, add(s[1]!, -this.cropping[0] - this.cropping[1]), s[2]!];
  }
  override getConfig(): LayerConfig {
    return { ...super.getConfig(), cropping: this.cropping };
  }
}

export class Cropping2D extends Layer {
  static override readonly className: string = 'Cropping2D';
  readonly cropping: [Pair, Pair];
  readonly dataFormat: 'channelsLast' | 'channelsFirst';
  constructor(args: LayerArgs & { cropping?: number | number[] | number[][]; dataFormat?: string } = {}) {
    super(args);
    this.cropping = args.cropping === undefined ? [[0, 0], [0, 0]] : pairs2d(args.cropping, 'cropping');
    this.dataFormat = normalizeDataFormat(args.dataFormat);
  }
  call(inputs: Tensor | Tensor[]): Tensor {
    const x = inputs as Tensor;
    const [[t, b], [l, r]] = this.cropping;
    const h = this.dataFormat === 'channelsLast' ? 1 : 2;
    return x.slice(h, t, x.shape[h]! - b).slice(h + 1, l, x.shape[h + 1]! - r);
  }
  override computeOutputShape(inputShape: Shape | Shape[]): Shape {
    const s = inputShape as Shape;
    const [[t, b], [l, r]] = this.cropping;
    return this.dataFormat === 'channelsLast' ? [s[0]!, add(s[1]!, -t - b), add(s[2]!, -l - r), s[3]!] : [s[0]!, s[1]!, add(s[2]!, -t - b), add(s[3]!, -l - r)];
  }
  override getConfig(): LayerConfig {
    return { ...super.getConfig(), cropping: this.cropping, dataFormat: this.dataFormat };
  }
}

export class UpSampling1D extends Layer {
  static override readonly className: string = 'UpSampling1D';
  readonly size: number;
  constructor(args: LayerArgs & { size?: number } = {}) {
    super(args);
    this.size = args.size ?? 2;
  }
  call(inputs: Tensor | Tensor[]): Tensor {
    const x = inputs as Tensor;
    const [n, w, c] = x.shape as [number, number, number];
    return x.reshape([n, w, 1, c]).expand([n, w, this.size, c]).reshape([n, w * this.size, c]);
  }
  override computeOutputShape(inputShape: Shape | Shape[]): Shape {
    const s = inputShape as Shape;
    return [s[0]!, s[1] === null ? null : s[1]! * this.size, s[2]!];
  }
  override getConfig(): LayerConfig {
    return { ...super.getConfig(), size: this.size };
  }
}

/** Nearest-neighbour upsampling by repeating rows and columns. */
export class UpSampling2D extends Layer {
  static override readonly className: string = 'UpSampling2D';
  readonly size: [number, number];
  readonly dataFormat: 'channelsLast' | 'channelsFirst';
  readonly interpolation: string;
  constructor(args: LayerArgs & { size?: number | number[]; dataFormat?: string; interpolation?: string } = {}) {
    super(args);
    const s = args.size ?? 2;
    this.size = typeof s === 'number' ? [s, s] : [s[0]!, s[1]!];
    this.dataFormat = normalizeDataFormat(args.dataFormat);
    this.interpolation = args.interpolation ?? 'nearest';
    if (this.interpolation !== 'nearest') throw new ValueError(`UpSampling2D: interpolation '${this.interpolation}' is not supported (only 'nearest')`);
  }
  call(inputs: Tensor | Tensor[]): Tensor {
    let x = inputs as Tensor;
    const cf = this.dataFormat === 'channelsFirst';
    if (cf) x = x.permute([0, 2, 3, 1]);
    const [n, h, w, c] = x.shape as [number, number, number, number];
    const [sh, sw] = this.size;
    let y = x.reshape([n, h, 1, w, 1, c]).expand([n, h, sh, w, sw, c]).reshape([n, h * sh, w * sw, c]);
    if (cf) y = y.permute([0, 3, 1, 2]);
    return y;
  }
  override computeOutputShape(inputShape: Shape | Shape[]): Shape {
    const s = inputShape as Shape;
    assertRank(this, s, 4);
    const m = (d: number | null, k: number): number | null => (d === null ? null : d * k);
    return this.dataFormat === 'channelsLast' ? [s[0]!, m(s[1]!, this.size[0]), m(s[2]!, this.size[1]), s[3]!] : [s[0]!, s[1]!, m(s[2]!, this.size[0]), m(s[3]!, this.size[1])];
  }
  override getConfig(): LayerConfig {
    return { ...super.getConfig(), size: this.size, dataFormat: this.dataFormat, interpolation: this.interpolation };
  }
}

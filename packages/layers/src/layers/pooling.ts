/** Pooling layers: MaxPooling1D/2D, AveragePooling1D/2D, global average/max pooling 1D/2D. */
import type { Tensor } from '@tessera/core';
import { convOutputLength, normalizeDataFormat, normalizePadding, normalizeTuple, type Shape } from '../common.js';
import { assertRank, Layer, type LayerArgs, type LayerConfig } from '../engine/topology.js';
import { avgPool2dNHWC, maxPool2dNHWC } from '../ops/conv.js';

export interface PoolingArgs extends LayerArgs {
  poolSize?: number | number[];
  strides?: number | number[] | null;
  padding?: 'valid' | 'same';
  dataFormat?: string;
}

abstract class Pooling extends Layer {
  readonly rank: number;
  readonly poolSize: number[];
  readonly strides: number[];
  readonly padding: string;
  readonly dataFormat: 'channelsLast' | 'channelsFirst';
  protected abstract readonly mode: 'max' | 'avg';

  constructor(rank: number, args: PoolingArgs) {
    super(args);
    this.rank = rank;
    this.poolSize = normalizeTuple(args.poolSize ?? 2, rank, 'poolSize');
    this.strides = args.strides === undefined || args.strides === null ? [...this.poolSize] : normalizeTuple(args.strides, rank, 'strides');
    this.padding = normalizePadding(args.padding);
    this.dataFormat = normalizeDataFormat(args.dataFormat);
  }

  call(inputs: Tensor | Tensor[]): Tensor {
    let x = inputs as Tensor;
    const cf = this.dataFormat === 'channelsFirst';
    if (cf) x = x.permute([0, ...Array.from({ length: this.rank }, (_, i) => i + 2), 1]);
    if (this.rank === 1) x = x.unsqueeze(1);
    const two = (v: number[]): [number, number] => (this.rank === 1 ? [1, v[0]!] : [v[0]!, v[1]!]);
    const o = { poolSize: two(this.poolSize), strides: two(this.strides), padding: this.padding };
    let y = this.mode === 'max' ? maxPool2dNHWC(x, o) : avgPool2dNHWC(x, o);
    if (this.rank === 1) y = y.squeeze(1);
    if (cf) y = y.permute([0, y.ndim - 1, ...Array.from({ length: this.rank }, (_, i) => i + 1)]);
    return y;
  }

  override computeOutputShape(inputShape: Shape | Shape[]): Shape {
    const s = inputShape as Shape;
    assertRank(this, s, this.rank + 2);
    const cl = this.dataFormat === 'channelsLast';
    const sp = (cl ? s.slice(1, 1 + this.rank) : s.slice(2)).map((d, i) => convOutputLength(d, this.poolSize[i]!, this.padding, this.strides[i]!));
    return cl ? [s[0]!, ...sp, s[s.length - 1]!] : [s[0]!, s[1]!, ...sp];
  }

  override getConfig(): LayerConfig {
    return { ...super.getConfig(), poolSize: this.poolSize, strides: this.strides, padding: this.padding, dataFormat: this.dataFormat };
  }
}

export class MaxPooling1D extends Pooling {
  static override readonly className: string = 'MaxPooling1D';
  protected readonly mode = 'max';
  constructor(args: PoolingArgs = {}) {
    super(1, args);
  }
}

export class MaxPooling2D extends Pooling {
  static override readonly className: string = 'MaxPooling2D';
  protected readonly mode = 'max';
  constructor(args: PoolingArgs = {}) {
    super(2, args);
  }
}

export class AveragePooling1D extends Pooling {
  static override readonly className: string = 'AveragePooling1D';
  protected readonly mode = 'avg';
  constructor(args: PoolingArgs = {}) {
    super(1, args);
  }
}

export class AveragePooling2D extends Pooling {
  static override readonly className: string = 'AveragePooling2D';
  protected readonly mode = 'avg';
  constructor(args: PoolingArgs = {}) {
    super(2, args);
  }
}

export interface GlobalPoolingArgs extends LayerArgs {
  dataFormat?: string;
  keepdims?: boolean;
}

abstract class GlobalPooling extends Layer {
  readonly rank: number;
  readonly dataFormat: 'channelsLast' | 'channelsFirst';
  readonly keepdims: boolean;
  protected abstract readonly mode: 'max' | 'avg';
  constructor(rank: number, args: GlobalPoolingArgs) {
    super(args);
    this.rank = rank;
    this.dataFormat = normalizeDataFormat(args.dataFormat);
    this.keepdims = args.keepdims ?? false;
  }
  private axes(): number[] {
    return this.dataFormat === 'channelsLast' ? Array.from({ length: this.rank }, (_, i) => i + 1) : Array.from({ length: this.rank }, (_, i) => i + 2);
  }
  call(inputs: Tensor | Tensor[]): Tensor {
    const x = inputs as Tensor;
    return this.mode === 'max' ? x.max(this.axes(), this.keepdims) : x.mean(this.axes(), this.keepdims);
  }
  override computeOutputShape(inputShape: Shape | Shape[]): Shape {
    const s = inputShape as Shape;
    assertRank(this, s, this.rank + 2);
    const axes = this.axes();
    if (this.keepdims) return s.map((d, i) => (axes.includes(i) ? 1 : d));
    return s.filter((_, i) => !axes.includes(i));
  }
  override getConfig(): LayerConfig {
    return { ...super.getConfig(), dataFormat: this.dataFormat, keepdims: this.keepdims };
  }
}

export class GlobalAveragePooling1D extends GlobalPooling {
  static override readonly className: string = 'GlobalAveragePooling1D';
  protected readonly mode = 'avg';
  constructor(args: GlobalPoolingArgs = {}) {
    super(1, args);
  }
}

export class GlobalAveragePooling2D extends GlobalPooling {
  static override readonly className: string = 'GlobalAveragePooling2D';
  protected readonly mode = 'avg';
  constructor(args: GlobalPoolingArgs = {}) {
    super(2, args);
  }
}

export class GlobalMaxPooling1D extends GlobalPooling {
  static override readonly className: string = 'GlobalMaxPooling1D';
  protected readonly mode = 'max';
  constructor(args: GlobalPoolingArgs = {}) {
    super(1, args);
  }
}

export class GlobalMaxPooling2D extends GlobalPooling {
  static override readonly className: string = 'GlobalMaxPooling2D';
  protected readonly mode = 'max';
  constructor(args: GlobalPoolingArgs = {}) {
    super(2, args);
  }
}

/** Pooling layers. */
import * as T from '@tessera/core';
import type { Tensor } from '@tessera/core';
import { adaptiveAvgPool1d } from '../functional/conv.js';
import { Module } from '../module.js';
import { fmt, py } from '../util.js';

type P2 = number | readonly [number, number];
const show = (v: P2 | null | undefined): string => (v === null || v === undefined ? 'None' : typeof v === 'number' ? String(v) : `(${v.join(', ')})`);

function check(layer: string, x: Tensor, spatial: number): void {
  if (x.ndim !== spatial + 1 && x.ndim !== spatial + 2) {
    const layout = spatial === 1 ? '[N, C, L] or [C, L]' : '[N, C, H, W] or [C, H, W]';
    throw new RangeError(`${layer}: expected input ${layout}, got ${fmt(x.shape)}`);
  }
}

/** Options of `MaxPool1d`. */
export interface MaxPool1dOptions {
  /** Default: the kernel size. */
  stride?: number | null;
  padding?: number;
  dilation?: number;
  ceilMode?: boolean;
}

/** Max pooling over [N, C, L]. */
export class MaxPool1d extends Module {
  constructor(
    readonly kernelSize: number,
    readonly options: MaxPool1dOptions = {},
  ) {
    super();
  }

  forward(x: Tensor): Tensor {
    check(`MaxPool1d(kernel=${this.kernelSize})`, x, 1);
    return T.maxPool1d(x, this.kernelSize, this.options);
  }

  override extraRepr(): string {
    const o = this.options;
    return `kernel_size=${this.kernelSize}, stride=${o.stride ?? this.kernelSize}, padding=${o.padding ?? 0}, dilation=${o.dilation ?? 1}, ceil_mode=${py(o.ceilMode ?? false)}`;
  }
}

/** Options of `MaxPool2d`. */
export interface MaxPool2dOptions {
  stride?: P2 | null;
  padding?: P2;
  dilation?: P2;
  ceilMode?: boolean;
}

/** Max pooling over [N, C, H, W]. */
export class MaxPool2d extends Module {
  constructor(
    readonly kernelSize: P2,
    readonly options: MaxPool2dOptions = {},
  ) {
    super();
  }

  forward(x: Tensor): Tensor {
    check(`MaxPool2d(kernel=${show(this.kernelSize)})`, x, 2);
    return T.maxPool2d(x, this.kernelSize, this.options);
  }

  override extraRepr(): string {
    const o = this.options;
    return `kernel_size=${show(this.kernelSize)}, stride=${show(o.stride ?? this.kernelSize)}, padding=${show(o.padding ?? 0)}, dilation=${show(o.dilation ?? 1)}, ceil_mode=${py(o.ceilMode ?? false)}`;
  }
}

/** Options of `AvgPool1d`. */
export interface AvgPool1dOptions {
  stride?: number | null;
  padding?: number;
  ceilMode?: boolean;
  countIncludePad?: boolean;
}

/** Average pooling over [N, C, L]. */
export class AvgPool1d extends Module {
  constructor(
    readonly kernelSize: number,
    readonly options: AvgPool1dOptions = {},
  ) {
    super();
  }

  forward(x: Tensor): Tensor {
    check(`AvgPool1d(kernel=${this.kernelSize})`, x, 1);
    return T.avgPool1d(x, this.kernelSize, this.options);
  }

  override extraRepr(): string {
    const o = this.options;
    return `kernel_size=(${this.kernelSize},), stride=(${o.stride ?? this.kernelSize},), padding=(${o.padding ?? 0},)`;
  }
}

/** Options of `AvgPool2d`. */
export interface AvgPool2dOptions {
  stride?: P2 | null;
  padding?: P2;
  ceilMode?: boolean;
  /** Whether zero padding counts in the average. Default true. */
  countIncludePad?: boolean;
  divisorOverride?: number;
}

/** Average pooling over [N, C, H, W]. */
export class AvgPool2d extends Module {
  constructor(
    readonly kernelSize: P2,
    readonly options: AvgPool2dOptions = {},
  ) {
    super();
  }

  forward(x: Tensor): Tensor {
    check(`AvgPool2d(kernel=${show(this.kernelSize)})`, x, 2);
    return T.avgPool2d(x, this.kernelSize, this.options);
  }

  override extraRepr(): string {
    const o = this.options;
    return `kernel_size=${show(this.kernelSize)}, stride=${show(o.stride ?? this.kernelSize)}, padding=${show(o.padding ?? 0)}`;
  }
}

/** Average pooling of [N, C, H, W] to a fixed [OH, OW] (null keeps that input size). */
export class AdaptiveAvgPool2d extends Module {
  constructor(readonly outputSize: number | readonly [number | null, number | null]) {
    super();
  }

  forward(x: Tensor): Tensor {
    check(`AdaptiveAvgPool2d(output_size=${show(this.outputSize as P2)})`, x, 2);
    return T.adaptiveAvgPool2d(x, this.outputSize);
  }

  override extraRepr(): string {
    return `output_size=${show(this.outputSize as P2)}`;
  }
}

/** Average pooling of [N, C, L] to a fixed length. */
export class AdaptiveAvgPool1d extends Module {
  constructor(readonly outputSize: number) {
    super();
  }

  forward(x: Tensor): Tensor {
    return adaptiveAvgPool1d(x, this.outputSize);
  }

  override extraRepr(): string {
    return `output_size=${this.outputSize}`;
  }
}

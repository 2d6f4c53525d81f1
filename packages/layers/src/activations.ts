/**
 * Activation functions by Keras/TF.js identifier. Every spelling works: `'leaky_relu'`,
 * `'leakyRelu'`, `'LeakyReLU'`. Those nn has are nn's functional ones (`F.relu`, `F.gelu`,
 * `F.hardswish`...); Keras-only ones (selu, exponential, Keras 2's linear hard sigmoid) are
 * composed from core ops here.
 */
import { elu, exp, type Tensor } from '@tessera/core';
import { F } from '@tessera/nn';
import { normalizeId, ValueError } from './common.js';

/** An activation: a named elementwise (or last-axis) function. */
export interface Activation {
  /** The identifier written to model files (Keras's snake_case name). */
  readonly name: string;
  apply(x: Tensor): Tensor;
}

const SELU_ALPHA = 1.6732632423543772;
const SELU_SCALE = 1.0507009873554805;

function make(name: string, apply: (x: Tensor) => Tensor): Activation {
  return { name, apply };
}

const table: Record<string, Activation> = {};
function add(a: Activation, ...aliases: string[]): void {
  for (const k of [a.name, ...aliases]) table[normalizeId(k)] = a;
}

add(make('linear', (x) => x), 'none', 'identity');
add(make('relu', (x) => F.relu(x)));
add(make('relu6', (x) => F.relu6(x)));
add(make('sigmoid', (x) => F.sigmoid(x)));
add(make('tanh', (x) => F.tanh(x)));
add(make('softmax', (x) => F.softmax(x, -1)));
add(make('log_softmax', (x) => F.logSoftmax(x, -1)));
add(make('softplus', (x) => F.softplus(x)));
add(make('softsign', (x) => F.softsign(x)));
add(make('elu', (x) => F.elu(x)));
add(make('selu', (x) => elu(x, SELU_ALPHA).mul(SELU_SCALE)));
add(make('exponential', (x) => exp(x)));
// Keras 2 and TF.js: clip(0.2 x + 0.5, 0, 1). Keras 3 files use `hard_sigmoid_v3` internally (see io/keras.ts).
add(make('hard_sigmoid', (x) => x.mul(0.2).add(0.5).clamp(0, 1)));
add(make('hard_sigmoid_v3', (x) => F.hardsigmoid(x)));
add(make('hard_silu', (x) => F.hardswish(x)), 'hard_swish');
add(make('swish', (x) => F.silu(x)));
add(make('silu', (x) => F.silu(x)));
add(make('gelu', (x) => F.gelu(x, 'none')));
add(make('gelu_new', (x) => F.gelu(x, 'tanh')));
add(make('mish', (x) => F.mish(x)));
add(make('leaky_relu', (x) => F.leakyRelu(x, 0.2)));

/** Identifiers accepted by `activation:` options. */
export type ActivationIdentifier =
  | 'linear' | 'relu' | 'relu6' | 'sigmoid' | 'tanh' | 'softmax' | 'log_softmax' | 'logSoftmax' | 'softplus'
  | 'softsign' | 'elu' | 'selu' | 'exponential' | 'hard_sigmoid' | 'hardSigmoid' | 'swish' | 'silu' | 'gelu'
  | 'mish' | 'leaky_relu' | 'leakyRelu' | 'hard_silu' | 'hard_swish'
  | (string & {});

/** Looks up an activation by any spelling; `null`/`undefined` is linear. */
export function getActivation(id: ActivationIdentifier | Activation | null | undefined): Activation {
  if (id === null || id === undefined) return table['linear']!;
  if (typeof id === 'object') return id;
  const a = table[normalizeId(id)];
  if (!a) throw new ValueError(`Unknown activation: '${id}'. Known: ${Object.values(table).map((v) => v.name).filter((v, i, s) => s.indexOf(v) === i).join(', ')}`);
  return a;
}

/** The Keras identifier of an activation, for model files. */
export function serializeActivation(a: Activation): string {
  return a.name;
}

/**
 * Gradient checking: compares the Jacobian autograd computes with central differences
 * `(f(x + eps) - f(x - eps)) / 2 eps`, in float64. Inputs are perturbed in place, one element
 * at a time, so non-contiguous inputs (transposed, sliced) are checked in their own layout.
 */
import { asStrided, fill_, full, Generator, randn, tidy, zerosLike, type Tensor } from '@tessera/core';
import { releaseGraph } from './backward.js';
import { gradients } from './functional.js';
import { enableGrad, isGradEnabled, noGrad } from './mode.js';

export interface GradcheckOptions {
  /** Perturbation of central differences (default 1e-6). */
  eps?: number;
  /** Absolute tolerance (default 1e-5). */
  atol?: number;
  /** Relative tolerance, times |numeric| (default 1e-3). */
  rtol?: number;
  /** Throw an error with the report when the check fails (default true). */
  raiseException?: boolean;
}

/** The element where analytic and numeric gradients disagree the most (relative to the tolerance). */
export interface GradcheckMismatch {
  output: number;
  outputElement: number[];
  input: number;
  inputElement: number[];
  analytic: number;
  numeric: number;
}

export interface GradcheckResult {
  ok: boolean;
  /** The largest |analytic - numeric| over all elements. */
  maxError: number;
  /** The worst element (null when there is nothing to compare). */
  worst: GradcheckMismatch | null;
  /** A readable summary. */
  report: string;
}

type Fn = (...inputs: Tensor[]) => Tensor | readonly Tensor[];

/**
 * Checks the gradients of `fn` with respect to every input that requires grad (float64 tensors).
 *
 * @example
 * const x = randn([3, 4], { dtype: 'float64', requiresGrad: true });
 * gradcheck((a) => a.tanh().sum(1), [x]); // throws with a report when the rule of tanh is wrong
 */
export function gradcheck(fn: Fn, inputs: readonly Tensor[], options: GradcheckOptions = {}): GradcheckResult {
  const eps = options.eps ?? 1e-6;
  const atol = options.atol ?? 1e-5;
  const rtol = options.rtol ?? 1e-3;
  const checked = inputs.map((t, i) => (t.requiresGrad ? i : -1)).filter((i) => i >= 0);
  if (checked.length === 0) throw new Error('gradcheck: no input requires grad (set requiresGrad on the inputs to check)');
  for (const i of checked) {
    if (inputs[i]!.dtype !== 'float64') {
      throw new TypeError(`gradcheck: input ${i} is ${inputs[i]!.dtype}; gradcheck needs float64 inputs (x.double()) for accurate central differences`);
    }
  }
  const call = (): Tensor[] => {
    const r = fn(...inputs);
    return Array.isArray(r) ? [...r] : [r as Tensor];
  };

  // Analytic Jacobian, one row (output element) at a time: analytic[o][j][c] is the gradient of
  // output o's element j with respect to checked input c, as a flat row-major array.
  const analytic: Float64Array[][][] = [];
  const outputShapes: (readonly number[])[] = [];
  // Inside tidy: fn's temporaries, its outputs and the gradients are all freed afterwards.
  enableGrad(() => tidy(() => {
    const outs = call();
    try {
      outs.forEach((o, oi) => {
        outputShapes.push(o.shape);
        analytic[oi] = [];
        const float = o.dtype === 'float32' || o.dtype === 'float64';
        for (let j = 0; j < o.size; j++) {
          analytic[oi]![j] = checked.map((i) => new Float64Array(inputs[i]!.size));
          if (!float || !o.requiresGrad) continue;
          const onehot = oneHot(o, j);
          const gs = gradients([o], checked.map((i) => inputs[i]!), { gradOutputs: [onehot], retainGraph: true, allowUnused: true });
          onehot.dispose();
          gs.forEach((g, c) => {
            if (g) analytic[oi]![j]![c]!.set(g.dataSync());
            g?.dispose();
          });
        }
      });
    } finally {
      releaseGraph(outs);
    }
  }));

  // Numeric Jacobian, one column (input element) at a time.
  const numeric: Float64Array[][][] = analytic.map((rows) => rows.map((row) => row.map((r) => new Float64Array(r.length))));
  noGrad(() => {
    checked.forEach((i, c) => {
      const x = inputs[i]!;
      const values = x.dataSync();
      for (let k = 0; k < x.size; k++) {
        const element = asStrided(x, [], [], storagePosition(x, k));
        try {
          fill_(element, values[k]! + eps);
          const plus = evaluate(call);
          fill_(element, values[k]! - eps);
          const minus = evaluate(call);
          fill_(element, values[k]!);
          plus.forEach((p, oi) => {
            for (let j = 0; j < p.length; j++) numeric[oi]![j]![c]![k] = (p[j]! - minus[oi]![j]!) / (2 * eps);
          });
        } finally {
          element.dispose();
        }
      }
    });
  });

  let worst: GradcheckMismatch | null = null;
  let worstRatio = -1;
  let maxError = 0;
  analytic.forEach((rows, oi) =>
    rows.forEach((row, j) =>
      row.forEach((a, c) => {
        const n = numeric[oi]![j]![c]!;
        for (let k = 0; k < a.length; k++) {
          const err = Math.abs(a[k]! - n[k]!);
          const ratio = Number.isNaN(err) ? Infinity : err / (atol + rtol * Math.abs(n[k]!));
          maxError = Math.max(maxError, Number.isNaN(err) ? Infinity : err);
          if (ratio > worstRatio) {
            worstRatio = ratio;
            worst = {
              output: oi,
              outputElement: unravel(j, outputShapes[oi]!),
              input: checked[c]!,
              inputElement: unravel(k, inputs[checked[c]!]!.shape),
              analytic: a[k]!,
              numeric: n[k]!,
            };
          }
        }
      }),
    ),
  );
  const ok = worstRatio <= 1;
  const report = describe(ok, worst, { atol, rtol, eps }, inputs);
  if (!ok && (options.raiseException ?? true)) throw new Error(report);
  return { ok, maxError, worst, report };
}

/**
 * Checks second derivatives: runs `gradcheck` on the function that maps the inputs to the
 * gradients of `sum(fn(inputs) * v)` (for fixed random `v`), computed with `createGraph`. It
 * passes when every rule's backward is itself correctly differentiable.
 *
 * @example
 * gradgradcheck((a) => a.tanh(), [randn([3], { dtype: 'float64', requiresGrad: true })]);
 */
export function gradgradcheck(fn: Fn, inputs: readonly Tensor[], options: GradcheckOptions = {}): GradcheckResult {
  const checked = inputs.filter((t) => t.requiresGrad);
  const call = (xs: readonly Tensor[]): Tensor[] => {
    const r = fn(...xs);
    return Array.isArray(r) ? [...r] : [r as Tensor];
  };
  const gen = new Generator(0);
  const vs = noGrad(() => tidy(() => call(inputs).map((o) => randn(o.shape, { dtype: 'float64', generator: gen }))));
  try {
    const firstOrder = (...xs: Tensor[]): Tensor[] => {
      // Differentiable only while gradcheck computes the analytic Jacobian (grad mode on).
      const createGraph = isGradEnabled();
      return enableGrad(() => {
        const outs = call(xs);
        const diff = xs.filter((x) => x.requiresGrad);
        const used = outs.map((o, i) => (o.requiresGrad ? i : -1)).filter((i) => i >= 0);
        if (used.length === 0) return diff.map((x) => zerosLike(x));
        const gs = gradients(
          used.map((i) => outs[i]!),
          diff,
          { gradOutputs: used.map((i) => vs[i]!), createGraph, allowUnused: true },
        );
        return gs.map((g, k) => g ?? zerosLike(diff[k]!));
      });
    };
    if (checked.length === 0) throw new Error('gradgradcheck: no input requires grad');
    return gradcheck(firstOrder, inputs, options);
  } finally {
    for (const v of vs) v.dispose();
  }
}

function describe(ok: boolean, worst: GradcheckMismatch | null, tol: { atol: number; rtol: number; eps: number }, inputs: readonly Tensor[]): string {
  if (worst === null) return 'gradcheck: nothing to compare (outputs are empty)';
  const w: GradcheckMismatch = worst;
  const diff = Math.abs(w.analytic - w.numeric);
  const allowed = tol.atol + tol.rtol * Math.abs(w.numeric);
  const head = ok ? 'gradcheck passed' : 'gradcheck failed: the analytic and numeric Jacobians differ';
  return (
    `${head}\n` +
    `  worst element: d output ${w.output}[${w.outputElement.join(',')}] / d input ${w.input}[${w.inputElement.join(',')}]` +
    ` (input shape [${inputs[w.input]!.shape.join(',')}])\n` +
    `  analytic ${w.analytic}, numeric ${w.numeric}: |difference| ${diff} ${ok ? '<=' : '>'} atol + rtol * |numeric| = ${allowed}` +
    ` (eps ${tol.eps}, atol ${tol.atol}, rtol ${tol.rtol})`
  );
}

/** The outputs of `call` as float64 arrays (non-float outputs read as numbers); frees what it made. */
function evaluate(call: () => Tensor[]): Float64Array[] {
  let result: Float64Array[] = [];
  tidy(() => {
    result = call().map((o) => Float64Array.from(o.dataSync() as ArrayLike<number>));
  });
  return result;
}

/** A tensor shaped like `o` with 1 at row-major element `j` and 0 elsewhere. */
function oneHot(o: Tensor, j: number): Tensor {
  const t = full(o.shape, 0, { dtype: o.dtype, device: o.device });
  const e = asStrided(t, [], [], j);
  noGrad(() => fill_(e, 1));
  e.dispose();
  return t;
}

/** Storage position of row-major element `k` of `x`. */
function storagePosition(x: Tensor, k: number): number {
  let p = x.offset;
  let rest = k;
  for (let d = x.ndim - 1; d >= 0; d--) {
    const n = x.shape[d]!;
    p += (rest % n) * x.strides[d]!;
    rest = Math.floor(rest / n);
  }
  return p;
}

function unravel(k: number, shape: readonly number[]): number[] {
  const idx = new Array<number>(shape.length);
  let rest = k;
  for (let d = shape.length - 1; d >= 0; d--) {
    idx[d] = rest % shape[d]!;
    rest = Math.floor(rest / shape[d]!);
  }
  return idx;
}

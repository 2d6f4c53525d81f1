/** Synthetic sequence tasks for recurrent models. */
import { countOf, floats, ints, rngOf, type Generated, type GeneratorOptions } from './common.js';

/** Options of `sequenceTask`. */
export interface SequenceOptions extends GeneratorOptions {
  /**
   * - `'adding'` (Hochreiter & Schmidhuber's adding problem): `x` float32 `[n, L, 2]` holds a random
   *   value in [0, 1) and a marker that is 1 at exactly two steps; `y` float32 `[n, 1]` is the sum of
   *   the two marked values.
   * - `'parity'`: `x` float32 `[n, L, 1]` random bits; `y` int32 `[n]` their XOR.
   * - `'copy'` (the copy-memory task): `x` int32 `[n, 2L + 1]` is `L` random tokens in
   *   `[2, vocabSize)`, the delimiter 1, then `L` blanks 0; `y` int32 `[n, 2L + 1]` is `L + 1` blanks
   *   then the same tokens: the model must recall the sequence after seeing the delimiter.
   */
  task: 'adding' | 'parity' | 'copy';
  /** Sequence length `L` (default 10). */
  length?: number;
  /** Token vocabulary of `'copy'`, blank and delimiter included (default 10). */
  vocabSize?: number;
}

/**
 * Generates a sequence task (see `SequenceOptions.task`).
 *
 * @example
 * const { x, y } = sequenceTask({ task: 'parity', length: 8, nSamples: 1000, seed: 0 });
 */
export function sequenceTask(options: SequenceOptions): Generated {
  const n = countOf('sequenceTask', options.nSamples);
  const L = options.length ?? 10;
  if (!Number.isInteger(L) || L < 1) throw new RangeError(`sequenceTask: length must be a positive integer, got ${L}`);
  const g = rngOf(options);
  const dev = options.device;
  switch (options.task) {
    case 'adding': {
      if (L < 2) throw new RangeError('sequenceTask: the adding task needs length >= 2');
      const x = new Float32Array(n * L * 2);
      const y = new Float32Array(n);
      for (let i = 0; i < n; i++) {
        for (let t = 0; t < L; t++) x[(i * L + t) * 2] = g.random();
        const a = g.integer(0, L);
        let b = g.integer(0, L - 1);
        if (b >= a) b++;
        x[(i * L + a) * 2 + 1] = 1;
        x[(i * L + b) * 2 + 1] = 1;
        y[i] = x[(i * L + a) * 2]! + x[(i * L + b) * 2]!;
      }
      return { x: floats(x, [n, L, 2], dev), y: floats(y, [n, 1], dev) };
    }
    case 'parity': {
      const x = new Float32Array(n * L);
      const y = new Int32Array(n);
      for (let i = 0; i < n; i++) {
        let p = 0;
        for (let t = 0; t < L; t++) {
          const bit = g.integer(0, 2);
          x[i * L + t] = bit;
          p ^= bit;
        }
        y[i] = p;
      }
      return { x: floats(x, [n, L, 1], dev), y: ints(y, [n], dev) };
    }
    case 'copy': {
      const V = options.vocabSize ?? 10;
      if (!Number.isInteger(V) || V < 3) throw new RangeError(`sequenceTask: vocabSize must be an integer >= 3 (blank, delimiter and a token), got ${V}`);
      const T = 2 * L + 1;
      const x = new Int32Array(n * T);
      const y = new Int32Array(n * T);
      for (let i = 0; i < n; i++) {
        for (let t = 0; t < L; t++) {
          const tok = g.integer(2, V);
          x[i * T + t] = tok;
          y[i * T + L + 1 + t] = tok;
        }
        x[i * T + L] = 1;
      }
      return { x: ints(x, [n, T], dev), y: ints(y, [n, T], dev) };
    }
    default:
      throw new RangeError(`sequenceTask: unknown task ${JSON.stringify((options as { task: unknown }).task)} (expected 'adding', 'parity' or 'copy')`);
  }
}

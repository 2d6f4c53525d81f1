/**
 * The random stream of training-time layers (dropout, noise). `fit` gives each epoch its own
 * stream derived from one seed, so a run resumed from a checkpoint draws the same masks as an
 * uninterrupted one.
 */
import { Generator, getDefaultGenerator } from '@tessera/core';

let current: Generator | null = null;

/** The generator training-time randomness should draw from. */
export function trainingGenerator(): Generator {
  return current ?? getDefaultGenerator();
}

/** @internal Sets (or clears) the stream for the current epoch. */
export function setTrainingGenerator(g: Generator | null): void {
  current = g;
}

/** The seed of epoch `epoch` of a run seeded with `seed`. */
export function epochSeed(seed: number, epoch: number): number {
  // splitmix-style mixing keeps nearby (seed, epoch) pairs far apart.
  let z = (seed ^ Math.imul(epoch + 1, 0x9e3779b9)) >>> 0;
  z = Math.imul(z ^ (z >>> 16), 0x85ebca6b) >>> 0;
  z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35) >>> 0;
  return (z ^ (z >>> 16)) >>> 0;
}

/** A fresh 32-bit seed from the default generator. */
export function drawSeed(): number {
  return getDefaultGenerator().nextUint32();
}

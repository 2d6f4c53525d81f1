// The peers measured side by side, in column order. To add one (a wasm or native Tessera
// backend, another library), write a module like these and list it here:
//   id                  column name, used by goals in ../cases.mjs
//   setup()             -> { label, info } | { skip: reason }; may throw (reported, peer skipped)
//   prepare(case)       -> { fn, cleanup? } | null   in-process: the harness times fn()
//   measure(case, plan) -> { samples } | null        out-of-process: seconds per op per sample
//   teardown()          optional
import pytorchCpu from './pytorch.mjs';
import pytorchCpu2t from './pytorch-2t.mjs';
import tesseraCpu from './tessera-cpu.mjs';
import tesseraNative from './tessera-native.mjs';
import tfjsCpu from './tfjs-cpu.mjs';

export const PEERS = [tesseraCpu, tesseraNative, tfjsCpu, pytorchCpu, pytorchCpu2t];

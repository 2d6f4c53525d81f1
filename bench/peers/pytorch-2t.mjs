// PyTorch (CPU) with two threads: the baseline of the native backend's multi-threaded goals.
import { createPytorchPeer } from './pytorch.mjs';

export default createPytorchPeer({ id: 'pytorch-cpu-2t', threads: 2 });

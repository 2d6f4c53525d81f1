/**
 * `@tessera/backend-cpu`: a pure-TypeScript CPU backend that runs in browsers and Node.
 * Importing the package registers it as device `'cpu'`.
 *
 * @example
 * import '@tessera/backend-cpu';
 * import { tensor } from '@tessera/core';
 * tensor([[1, 2], [3, 4]]).matmul(tensor([[1], [1]])); // on 'cpu'
 *
 * Importing it also registers fused kernels (`fused/`) for ops that core otherwise composes from
 * primitives: softmax, sorting, scans, convolution, pooling and more.
 *
 * The pure kernels are exported too, so another backend can run them on host copies of its data.
 */
import { registerBackend } from '@tessera/core';
import { CpuBackend } from './backend.js';
import { registerFusedKernels } from './fused/index.js';

export { CpuBackend, arrayView, type CpuBackendOptions } from './backend.js';
export { CpuStorage, allocValues, valuesOf, type CpuData } from './storage.js';
export { RowIterator, denseStrides, isDense, numelOf, type ArrayView } from './kernels/strided.js';
export { unaryImpl, roundHalfEven } from './kernels/unary.js';
export { binaryImpl, remainder, intPow, floatPow } from './kernels/binary.js';
export { whereImpl } from './kernels/where.js';
export { castImpl } from './kernels/cast.js';
export { copyImpl } from './kernels/copy.js';
export { reduceImpl, reductionRows } from './kernels/reduce.js';
export { matmulImpl } from './kernels/matmul.js';
export { gatherImpl } from './kernels/gather.js';
export { scatterAddImpl } from './kernels/scatter_add.js';
export { erf } from './kernels/erf.js';
export { FUSED_KERNELS, registerFusedKernels } from './fused/index.js';
export { softmaxImpl } from './fused/softmax.js';
export { cumsumImpl } from './fused/cumsum.js';
export { argReduceImpl } from './fused/argreduce.js';
export { sortImpl } from './fused/sort.js';
export { meanImpl, varImpl, logsumexpImpl } from './fused/moments.js';
export { conv2dImpl, convTranspose2dImpl, type Conv2dGeometry, type ConvTranspose2dGeometry } from './fused/conv.js';
export { foldWindows2dImpl, type FoldGeometry } from './fused/fold.js';
export { maxPool2dImpl, avgPool2dImpl, type PoolGeometry, type AvgPoolOptions } from './fused/pool.js';

/** The backend instance registered as `'cpu'` (an earlier copy of this package's instance, if one was loaded first). */
export const cpuBackend = registerBackend(new CpuBackend(), { priority: 0 });
registerFusedKernels(cpuBackend.name);

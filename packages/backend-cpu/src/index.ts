/**
 * `@tessera/backend-cpu`: a pure-TypeScript CPU backend that runs in browsers and Node.
 * Importing the package registers it as device `'cpu'`.
 *
 * @example
 * import '@tessera/backend-cpu';
 * import { tensor } from '@tessera/core';
 * tensor([[1, 2], [3, 4]]).matmul(tensor([[1], [1]])); // on 'cpu'
 *
 * The pure kernels are exported too, so another backend can run them on host copies of its data.
 */
import { registerBackend } from '@tessera/core';
import { CpuBackend } from './backend.js';

export { CpuBackend, arrayView } from './backend.js';
export { CpuStorage, allocValues, valuesOf, type CpuData } from './storage.js';
export { RowIterator, denseStrides, isDense, numelOf, type ArrayView } from './kernels/strided.js';
export { unaryImpl, roundHalfEven } from './kernels/unary.js';
export { binaryImpl, remainder, intPow, floatPow } from './kernels/binary.js';
export { whereImpl } from './kernels/where.js';
export { castImpl } from './kernels/cast.js';
export { copyImpl } from './kernels/copy.js';
export { reduceImpl } from './kernels/reduce.js';
export { matmulImpl } from './kernels/matmul.js';
export { gatherImpl } from './kernels/gather.js';
export { scatterAddImpl } from './kernels/scatter_add.js';
export { erf } from './kernels/erf.js';

/** The backend instance registered as `'cpu'` (an earlier copy of this package's instance, if one was loaded first). */
export const cpuBackend = registerBackend(new CpuBackend(), { priority: 0 });

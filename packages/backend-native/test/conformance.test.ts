import '@tessera/backend-native';
import { runConformance } from '@tessera/conformance';

// The shared suite's toString cases expect the printout of a 'cpu' tensor; PyTorch-style printing
// adds `device='native'` here. printing.test.ts checks the native printout instead.
const PRINTS = [
  'matrix', 'negatives', 'fractions', 'sci', 'special', 'int32', 'uint8', 'bool', 'boolAllTrue', 'scalarFloat',
  'scalarWhole', 'scalarInt', 'scalarBool', 'empty', 'empty2d', 'emptyInt', 'cube', 'wrapped', 'longInt', 'longFloat',
  'bigMatrix', 'bigMatrixSci', 'float64',
];

runConformance({
  device: 'native',
  skip: [...PRINTS.map((n) => `reading/toString prints like PyTorch: ${n}`), 'reading/toString of non-contiguous views and disposed tensors'],
});

import type { SuiteContext } from '../run.js';
import { creationSuite } from './creation.js';
import { elementwiseSuite } from './elementwise.js';
import { reduceSuite } from './reduce.js';
import { viewsSuite } from './views.js';
import { linalgSuite } from './linalg.js';
import { joinSuite } from './join.js';
import { indexingSuite } from './indexing.js';
import { sortSuite } from './sort.js';
import { readingSuite } from './reading.js';
import { memorySuite } from './memory.js';
import { convSuite } from './conv.js';
import { optimSuite } from './optim.js';
import { nnSuite } from './nn.js';

/** Every suite of the shared op tests, by name. Each file under suites/ registers its `describe`/`it` blocks. */
export const SUITES: Record<string, (ctx: SuiteContext) => void> = {
  creation: creationSuite,
  elementwise: elementwiseSuite,
  reduce: reduceSuite,
  views: viewsSuite,
  linalg: linalgSuite,
  join: joinSuite,
  indexing: indexingSuite,
  sort: sortSuite,
  reading: readingSuite,
  memory: memorySuite,
  conv: convSuite,
  optim: optimSuite,
  nn: nnSuite,
};

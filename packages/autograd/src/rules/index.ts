/** Registers every built-in gradient rule (one file per op family). */
import './elementwise.js';
import './activation.js';
import './reduce.js';
import './softmax.js';
import './views.js';
import './cast.js';
import './linalg.js';
import './join.js';
import './indexing.js';
import './conv.js';
import './nn.js';

export { registerGradRule, getGradRule, registeredGradRules, type GradRule, type RuleContext } from './registry.js';
export { sumToShape } from './util.js';

/** The op table: every op core dispatches is differentiated by a rule, a composition, or marked non-differentiable. */
import '@tessera/backend-cpu';
import { OP_NAMES } from '@tessera/core';
import { describe, expect, it } from 'vitest';
import { getGradRule, GRAD_TABLE, registeredGradRules } from '../src/index.js';

describe('GRAD_TABLE', () => {
  it('lists every op of OP_NAMES', () => {
    const missing = OP_NAMES.filter((op) => !Object.hasOwn(GRAD_TABLE, op));
    expect(missing, `ops without an entry in autograd's GRAD_TABLE: ${missing.join(', ')}`).toEqual([]);
  });

  it("has a registered rule for every 'rule' entry, and none for the others", () => {
    for (const [op, kind] of Object.entries(GRAD_TABLE)) {
      expect(getGradRule(op) !== undefined, `${op} is '${kind}'`).toBe(kind === 'rule');
    }
  });

  it('names only ops that exist, and every registered rule is in the table', () => {
    const known = new Set<string>(OP_NAMES);
    expect(Object.keys(GRAD_TABLE).filter((op) => !known.has(op))).toEqual([]);
    expect(registeredGradRules().filter((op) => GRAD_TABLE[op] !== 'rule')).toEqual([]);
  });
});

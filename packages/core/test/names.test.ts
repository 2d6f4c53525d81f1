import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { OP_NAMES } from '../src/ops/names.js';

describe('op name list', () => {
  it('matches every op name dispatched in the sources', () => {
    const dir = join(__dirname, '../src/ops');
    const found = new Set<string>();
    for (const f of readdirSync(dir)) {
      const src = readFileSync(join(dir, f), 'utf8');
      for (const m of src.matchAll(/runOp\(\s*'([A-Za-z0-9]+)'/g)) found.add(m[1]!);
      for (const m of src.matchAll(/(?:binary|unary|reducePrimitive|argReduce)\(\s*'([A-Za-z0-9]+)'/g)) found.add(m[1]!);
    }
    const listed = new Set<string>(OP_NAMES);
    expect([...found].filter((n) => !listed.has(n)).sort()).toEqual([]);
    expect([...listed].filter((n) => !found.has(n)).sort()).toEqual([]);
  });
});

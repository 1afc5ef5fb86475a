import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Code } from '../../src/engine/errors.js';
import { pids, pidsLimit } from '../../src/engine/resources/pids.js';
import { FakeTree, V2_FRESH, handle, v1Tree, v2Tree } from '../fixtures/cgroupfs/fake.js';
import { codeOf } from '../helpers/errors.js';

let tree: FakeTree;
beforeEach(() => {
  tree = new FakeTree();
});
afterEach(() => tree.cleanup());

describe('pids', () => {
  it.each([
    [-1, 'max'],
    [0, '0'],
    [100, '100'],
  ])('limit %s → pids.max %s (v1 and v2)', (limit, want) => {
    const dirs = v1Tree(tree, ['pids']);
    pids.apply(handle({ version: 1, dirs }), { pids: { limit } }, 'create');
    expect(tree.read(`${dirs.pids}/pids.max`)).toBe(want);
    const unified = v2Tree(tree);
    pids.apply(handle({ version: 2, unified }), { pids: { limit } }, 'create');
    expect(tree.read(`${unified}/pids.max`)).toBe(want);
  });

  it.each([-2, 1.5, 5_000_000])('limit %s → INVALID_ARGUMENT', (limit) => {
    expect(codeOf(() => pids.validate({ pids: { limit } }))).toBe(Code.INVALID_ARGUMENT);
  });

  it('diff without a limit writes nothing; replace goes back to max', () => {
    const dirs = v1Tree(tree, ['pids']);
    const h = handle({ version: 1, dirs });
    tree.write(`${dirs.pids}/pids.max`, '10\n');
    pids.apply(h, { pids: {} }, 'diff');
    expect(tree.read(`${dirs.pids}/pids.max`)).toBe('10\n');
    pids.apply(h, { pids: {} }, 'replace');
    expect(tree.read(`${dirs.pids}/pids.max`)).toBe('max');
  });

  it('reads back and reports stats; no limit is no pids field (ours, not in the original schema)', () => {
    const dirs = v1Tree(tree, ['pids']);
    const h = handle({ version: 1, dirs });
    expect(pids.read(h)).toBeUndefined();
    expect(pidsLimit(h)).toBe(-1);
    tree.write(`${dirs.pids}/pids.max`, '42\n');
    tree.write(`${dirs.pids}/pids.current`, '3\n');
    expect(pids.read(h)).toEqual({ pids: { limit: 42 } });
    expect(pids.stats(h, 'summary')).toEqual({ pids: { current: 3, limit: 42 } });
    tree.write(`${dirs.pids}/pids.max`, 'many\n');
    expect(codeOf(() => pids.read(h))).toBe(Code.DATA_LOSS);
    expect(pids.stats(h, 'summary')).toEqual({ pids: { current: 3 } });
  });

  it('v2 without the pids controller: UNIMPLEMENTED, read undefined, no stats', () => {
    const files: Record<string, string> = { ...V2_FRESH, 'cgroup.controllers': 'memory\n' };
    delete files['pids.max'];
    delete files['pids.current'];
    const unified = v2Tree(tree, {}, files);
    const h = handle({ version: 2, unified });
    expect(() => pids.apply(h, { pids: { limit: 5 } }, 'diff')).toThrow(/controller pids is not enabled/);
    expect(pids.read(h)).toBeUndefined();
    expect(pids.stats(h, 'full')).toEqual({});
  });
});

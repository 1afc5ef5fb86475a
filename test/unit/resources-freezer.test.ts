import * as path from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { Code, LmctfyError } from '../../src/engine/errors.js';
import { freeze, freezerState, selfFreezing, thaw } from '../../src/engine/resources/freezer.js';
import { resourcesFor } from '../../src/engine/resources/index.js';
import { FakeTree, fileIo, handle, v1Tree, v2Tree, type RecordingIo } from '../fixtures/cgroupfs/fake.js';

let tree: FakeTree;
beforeEach(() => {
  tree = new FakeTree();
});
afterEach(() => tree.cleanup());

/**
 * A fileIo where freezing takes time: after a freeze request, the state file reports
 * `during` for `reads` reads before it reports `done` (Infinity: never).
 */
function slowFreezer(stateFile: string, request: { file: string; value: string }, during: string, done: string, reads: number): RecordingIo {
  const io = fileIo();
  let pending = -1;
  return {
    ...io,
    writeFile(file, value) {
      io.writeFile(file, value);
      if (path.basename(file) === request.file) pending = value === request.value ? reads : -1;
    },
    readFile(file) {
      if (path.basename(file) === stateFile && pending >= 0) {
        if (pending === 0) return done;
        pending--;
        return during;
      }
      return io.readFile(file);
    },
  };
}

describe('freezer v1', () => {
  function setup(io: RecordingIo = fileIo()) {
    const dirs = v1Tree(tree, ['freezer']);
    return { h: handle({ version: 1, dirs, io }), dir: dirs.freezer!, io };
  }

  it.each(['THAWED', 'FREEZING', 'FROZEN'] as const)('reads %s', (state) => {
    const { h, dir } = setup();
    tree.write(`${dir}/freezer.state`, `${state}\n`);
    expect(freezerState(h)).toBe(state);
  });

  it('an unknown state is DATA_LOSS; stats leave it out', () => {
    const { h, dir } = setup();
    tree.write(`${dir}/freezer.state`, 'MELTING\n');
    expect(() => freezerState(h)).toThrow(/MELTING/);
    expect(h.resources.freezer.stats(h, 'summary')).toEqual({ freezer: { self_freezing: false } });
  });

  it('the root cgroup (no freezer.state) is THAWED and has no freezer stats', () => {
    const dir = tree.dir('freezer-root');
    const h = handle({ version: 1, dirs: { freezer: dir } });
    expect(freezerState(h)).toBe('THAWED');
    expect(h.resources.freezer.stats(h, 'full')).toEqual({});
  });

  it('freeze waits through FREEZING with backoff', async () => {
    const io = slowFreezer('freezer.state', { file: 'freezer.state', value: 'FROZEN' }, 'FREEZING\n', 'FROZEN\n', 3);
    const { h } = setup(io);
    await freeze(h, 2000);
    expect(io.writes.map((w) => w.value)).toEqual(['FROZEN']);
  });

  it('a freeze that never settles polls with backoff, then thaws back and fails with DEADLINE_EXCEEDED', async () => {
    const slow = slowFreezer('freezer.state', { file: 'freezer.state', value: 'FROZEN' }, 'FREEZING\n', 'FROZEN\n', Infinity);
    let polls = 0;
    const io: RecordingIo = { ...slow, readFile: (file) => (path.basename(file) === 'freezer.state' && polls++, slow.readFile(file)) };
    const { h, dir } = setup(io);
    // On a virtual clock: the deadline is the test's, not the machine's load.
    vi.useFakeTimers();
    let err: unknown;
    try {
      const settled = freeze(h, 100).then(
        () => (err = 'frozen'),
        (e: unknown) => (err = e),
      );
      await vi.advanceTimersByTimeAsync(99);
      expect(err).toBeUndefined();
      await vi.advanceTimersByTimeAsync(1);
      await settled;
    } finally {
      vi.useRealTimers();
    }
    // Doubling delays from 1 ms: about log2(100 ms) polls, not one per millisecond.
    expect(polls).toBeGreaterThan(1);
    expect(polls).toBeLessThanOrEqual(Math.ceil(Math.log2(100)) + 2);
    expect(err).toBeInstanceOf(LmctfyError);
    expect((err as LmctfyError).code).toBe(Code.DEADLINE_EXCEEDED);
    expect((err as LmctfyError).message).toMatch(/FREEZING.*thawed back/);
    expect(io.writes.map((w) => w.value)).toEqual(['FROZEN', 'THAWED']);
    expect(tree.read(`${dir}/freezer.state`)).toBe('THAWED');
  });

  it('thaw writes THAWED; selfFreezing and stats', async () => {
    const { h, dir } = setup();
    tree.write(`${dir}/freezer.state`, 'FROZEN\n');
    tree.write(`${dir}/freezer.self_freezing`, '1\n');
    expect(selfFreezing(h)).toBe(true);
    expect(h.resources.freezer.stats(h, 'summary')).toEqual({ freezer: { state: 'FROZEN', self_freezing: true } });
    await thaw(h);
    expect(tree.read(`${dir}/freezer.state`)).toBe('THAWED');
  });

  it('never wanted, nothing to apply or read', () => {
    expect(resourcesFor(1).freezer.wants({ cpu: {}, memory: {} })).toBe(false);
    expect(resourcesFor(1).freezer.read(handle({ version: 1, dirs: {} }))).toBeUndefined();
  });

  it('a container without a freezer dir → FAILED_PRECONDITION', () => {
    expect(() => freezerState(handle({ version: 1, dirs: {} }))).toThrow(/no freezer/);
  });
});

describe('freezer v2', () => {
  function setup(io: RecordingIo = fileIo()) {
    const dir = v2Tree(tree);
    return { h: handle({ version: 2, unified: dir, io }), dir, io };
  }

  it.each([
    ['0', 0, 'THAWED', false],
    ['1', 0, 'FREEZING', true],
    ['1', 1, 'FROZEN', true],
    ['0', 1, 'FROZEN', false], // frozen by an ancestor
  ] as const)('cgroup.freeze %s, frozen %s → %s', (want, frozen, state, self) => {
    const { h, dir } = setup();
    tree.write(`${dir}/cgroup.freeze`, `${want}\n`);
    tree.write(`${dir}/cgroup.events`, `populated 1\nfrozen ${frozen}\n`);
    expect(freezerState(h)).toBe(state);
    expect(selfFreezing(h)).toBe(self);
    expect(h.resources.freezer.stats(h, 'full')).toEqual({ freezer: { state, self_freezing: self } });
  });

  it('freeze writes cgroup.freeze and polls cgroup.events', async () => {
    const { dir } = setup();
    const io = slowFreezer('cgroup.events', { file: 'cgroup.freeze', value: '1' }, 'populated 1\nfrozen 0\n', 'populated 1\nfrozen 1\n', 2);
    const h = handle({ version: 2, unified: dir, io });
    await freeze(h, 2000);
    expect(io.writes).toEqual([{ file: 'cgroup.freeze', value: '1' }]);
  });

  it('a freeze that never settles writes 0 back', async () => {
    const { dir } = setup();
    const io = slowFreezer('cgroup.events', { file: 'cgroup.freeze', value: '1' }, 'populated 1\nfrozen 0\n', '', Infinity);
    const h = handle({ version: 2, unified: dir, io });
    await expect(freeze(h, 50)).rejects.toThrow(/did not finish within 50 ms/);
    expect(io.writes.map((w) => w.value)).toEqual(['1', '0']);
  });

  it('thaw writes 0', async () => {
    const { h, dir } = setup();
    tree.write(`${dir}/cgroup.freeze`, '1\n');
    await thaw(h);
    expect(tree.read(`${dir}/cgroup.freeze`)).toBe('0');
  });
});

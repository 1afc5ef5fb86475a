import { describe, expect, it } from 'vitest';
import { TreeWatch, watchBudget, type WatchDir } from '../../src/engine/sampling/tree-watch.js';

/** A WatchDir whose events the test fires by directory, and which records what is open. */
function fakeWatch(failOn?: (dir: string) => string | undefined) {
  const open = new Map<string, (kind: string, file: string | null) => void>();
  const watchDir: WatchDir = (dir, onEvent) => {
    const code = failOn?.(dir);
    if (code) throw Object.assign(new Error(code), { code });
    open.set(dir, onEvent);
    return { close: () => open.delete(dir) };
  };
  const fire = (dir: string, kind: string, file: string | null) => open.get(dir)!(kind, file);
  return { watchDir, open, fire };
}

describe('TreeWatch', () => {
  const dirs = (n: string) => ({ tracking: `/freezer${n}`, settings: [`/memory${n}`, `/cpu${n}`], cpuTime: `/cpuacct${n}` });

  it.each([
    ['a child made or removed', '/freezer/a', 'rename', 'kid', { structure: ['/a'], settings: [], freezer: [], joined: [] }],
    ['its own directory gone (or a watch error)', '/freezer/a', 'rename', null, { structure: ['/a'], settings: [], freezer: [], joined: ['/a'] }],
    ['a v1 freezer write', '/freezer/a', 'change', 'freezer.state', { structure: [], settings: [], freezer: ['/a'], joined: [] }],
    ['a v2 freeze write', '/freezer/a', 'change', 'cgroup.freeze', { structure: [], settings: [], freezer: ['/a'], joined: [] }],
    ['the kernel updating cgroup.events', '/freezer/a', 'change', 'cgroup.events', { structure: [], settings: [], freezer: ['/a'], joined: ['/a'] }],
    ['a v2 limit in the tracking directory', '/freezer/a', 'change', 'memory.max', { structure: [], settings: ['/a'], freezer: [], joined: [] }],
    ['a v1 limit', '/memory/a', 'change', 'memory.limit_in_bytes', { structure: [], settings: ['/a'], freezer: [], joined: [] }],
    ['a child made in a settings hierarchy (the tracking one says)', '/memory/a', 'rename', 'kid', { structure: [], settings: [], freezer: [], joined: [] }],
    ['the kernel counting in memory.events', '/freezer/a', 'change', 'memory.events', { structure: [], settings: [], freezer: [], joined: [] }],
    ['the kernel counting in pids.events.local', '/memory/a', 'change', 'pids.events.local', { structure: [], settings: [], freezer: [], joined: [] }],
    ['a watch error', '/memory/a', 'change', null, { structure: [], settings: ['/a'], freezer: [], joined: [] }],
    ['a task written into the tracking directory', '/freezer/a', 'change', 'cgroup.procs', { structure: [], settings: ['/a'], freezer: [], joined: ['/a'] }],
    ['a thread written into the tracking directory', '/freezer/a', 'change', 'tasks', { structure: [], settings: ['/a'], freezer: [], joined: ['/a'] }],
    ['a task written into the CPU time directory', '/cpuacct/a', 'change', 'cgroup.procs', { structure: [], settings: [], freezer: [], joined: ['/a'] }],
    ['a child made in the CPU time directory', '/cpuacct/a', 'rename', 'kid', { structure: [], settings: [], freezer: [], joined: ['/a'] }],
  ])('%s', (_what, dir, kind, file, want) => {
    const f = fakeWatch();
    const w = new TreeWatch(f.watchDir);
    w.add('/a', dirs('/a'));
    f.fire(dir, kind, file);
    const got = w.take();
    expect({ structure: [...got.structure], settings: [...got.settings], freezer: [...got.freezer], joined: [...got.joined] }).toEqual(want);
    expect(w.take().structure.size).toBe(0);
  });

  it('watches each container once and stops on remove', () => {
    const f = fakeWatch();
    const w = new TreeWatch(f.watchDir);
    w.add('/a', dirs('/a'));
    w.add('/a', dirs('/a'));
    expect([...f.open.keys()]).toEqual(['/freezer/a', '/memory/a', '/cpu/a', '/cpuacct/a']);
    w.remove('/a');
    expect(f.open.size).toBe(0);
  });

  it('a directory gone while it is watched is not a failure', () => {
    const f = fakeWatch((d) => (d === '/memory/b' ? 'ENOENT' : undefined));
    const w = new TreeWatch(f.watchDir);
    w.add('/a', dirs('/a'));
    w.add('/b', dirs('/b'));
    expect(w.failed).toBe(false);
    expect([...f.open.keys()]).toEqual(['/freezer/a', '/memory/a', '/cpu/a', '/cpuacct/a']);
  });

  it('above the tree: a freezer write says so, the root removed or made again too, nothing else', () => {
    const f = fakeWatch();
    const w = new TreeWatch(f.watchDir);
    w.watchAbove(['/freezer/up', '/freezer']);
    f.fire('/freezer/up', 'change', 'tasks');
    f.fire('/freezer/up', 'rename', 'sibling');
    expect(w.take().freezerAbove).toBe(false);
    f.fire('/freezer', 'change', 'freezer.state');
    expect(w.take().freezerAbove).toBe(true);
    w.watchAbove(['/freezer/other'], { name: '/r', entry: 'r' });
    f.fire('/freezer/other', 'rename', 'sibling');
    expect(w.take().structure.size).toBe(0);
    f.fire('/freezer/other', 'rename', 'r');
    expect([...w.take().structure]).toEqual(['/r']);
    expect([...f.open.keys()]).toEqual(['/freezer/other']);
    w.close();
    expect(f.open.size).toBe(0);
  });

  it('a tree needing more watches than the budget closes every watch and says so', () => {
    const f = fakeWatch();
    const w = new TreeWatch(f.watchDir, 5);
    w.add('/a', dirs('/a'));
    w.remove('/a');
    w.add('/b', dirs('/b'));
    expect(w.failed).toBe(false);
    expect(f.open.size).toBe(4);
    w.add('/c', dirs('/c'));
    expect(w.failed).toBe(true);
    expect(f.open.size).toBe(0);
  });

  it.each([
    [8192, 4096],
    [192536, 96268],
    [1, 0],
  ])('with fs.inotify.max_user_watches %i it holds at most %i', (limit, budget) => {
    expect(watchBudget(limit)).toBe(budget);
  });

  it('the watch limit above the tree closes every watch, and none is added after it', () => {
    const f = fakeWatch((d) => (d === '/freezer/up' ? 'ENOSPC' : undefined));
    const w = new TreeWatch(f.watchDir);
    w.add('/a', dirs('/a'));
    w.watchAbove(['/freezer/up', '/freezer']);
    expect(w.failed).toBe(true);
    expect(f.open.size).toBe(0);
  });

  it('the watch limit closes every watch and says so', () => {
    const f = fakeWatch((d) => (d === '/cpu/b' ? 'ENOSPC' : undefined));
    const w = new TreeWatch(f.watchDir);
    w.add('/a', dirs('/a'));
    w.add('/b', dirs('/b'));
    expect(w.failed).toBe(true);
    expect(f.open.size).toBe(0);
    w.add('/c', dirs('/c'));
    expect(f.open.size).toBe(0);
  });
});

import * as path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { readCounters } from '../../src/engine/sampling/counters.js';
import { FakeTree, fileIo, handle, v1Tree } from '../fixtures/cgroupfs/fake.js';

let tree: FakeTree;
beforeEach(() => {
  tree = new FakeTree();
});
afterEach(() => tree.cleanup());

/** A v1 container with every hierarchy the exposition reads from, and the names of the files each pass reads. */
function container() {
  const dirs = v1Tree(tree, ['cpuacct', 'memory', 'pids', 'freezer']);
  tree.write(`${dirs.cpuacct!}/cpuacct.usage`, '5000000\n');
  tree.write(`${dirs.cpuacct!}/cpuacct.usage_percpu`, '3000000 2000000 \n');
  tree.write(`${dirs.cpuacct!}/cpuacct.histogram`, 'unit: us\nserve\n< 1000 5\n');
  tree.write(`${dirs.memory!}/memory.usage_in_bytes`, '4096\n');
  tree.write(`${dirs.memory!}/memory.stat`, 'rss 1024\ncache 2048\npgfault 7\ntotal_rss 1024\ntotal_pgfault 9\ntotal_inactive_file 0\n');
  const read: string[] = [];
  const io = fileIo();
  const h = handle({ version: 1, dirs, io: { ...io, readFile: (f) => (read.push(path.basename(f)), io.readFile(f)) } });
  return { h, read };
}

describe('an export pass', () => {
  it('reads what the exposition prints: full stats without per-CPU usage, histograms and the freezer state', () => {
    const { h, read } = container();
    const full = readCounters(h, 'full');
    const fullFiles = [...read];
    read.length = 0;
    const exported = readCounters(h, 'export');
    expect(fullFiles).toEqual(expect.arrayContaining(['cpuacct.usage_percpu', 'cpuacct.histogram', 'freezer.state']));
    expect(read.sort()).toEqual(fullFiles.filter((f) => !['cpuacct.usage_percpu', 'cpuacct.histogram', 'freezer.state'].includes(f)).sort());
    const { per_cpu, ...usage } = full.cpu!.usage!;
    expect(per_cpu).toEqual([3_000_000, 2_000_000]);
    expect(full.cpu!.histograms).toHaveLength(1);
    expect(full.freezer).toBeDefined();
    const { freezer: _freezer, cpu: _cpu, ...rest } = full;
    expect(exported).toEqual({ ...rest, cpu: { usage } });
    // The memory breakdown and the memory settings stay: the exposition prints them.
    expect(exported.memory?.container_data?.pgfault).toBe(7);
    expect(exported.memory?.reservation).toBeDefined();
  });
});

describe('an export or full pass given the previous reading (watching, no settings written)', () => {
  /** The container's files as one pass sees them: a busy CPU that stopped, four tasks, a pids limit. */
  function busy() {
    const c = container();
    tree.write(`${c.h.dir('cpuacct')!}/cpuacct.stat`, 'user 30\nsystem 20\n');
    tree.write(`${c.h.dir('pids')!}/pids.current`, '4\n');
    tree.write(`${c.h.dir('pids')!}/pids.max`, '64\n');
    return c;
  }

  it.each(['export', 'full'] as const)('%s: while cpuacct.usage stands still, user, system and per-CPU time and the pids limit are the last ones, unread', (type) => {
    const { h, read } = busy();
    const first = readCounters(h, type);
    read.length = 0;
    const again = readCounters(h, type, first);
    expect(again).toEqual(first);
    expect(read).not.toContain('cpuacct.stat');
    expect(read).not.toContain('cpuacct.usage_percpu');
    expect(read).not.toContain('pids.max');
    // What moves without the container's own CPU time is read every pass.
    expect(read).toEqual(expect.arrayContaining(['cpuacct.usage', 'pids.current', 'memory.usage_in_bytes', 'memory.stat']));
  });

  it('a moved CPU total reads user, system and per-CPU time afresh', () => {
    const { h, read } = busy();
    const first = readCounters(h, 'full');
    tree.write(`${h.dir('cpuacct')!}/cpuacct.usage`, '9000000\n');
    tree.write(`${h.dir('cpuacct')!}/cpuacct.usage_percpu`, '5000000 4000000 \n');
    tree.write(`${h.dir('cpuacct')!}/cpuacct.stat`, 'user 31\nsystem 22\n');
    tree.write(`${h.dir('pids')!}/pids.current`, '3\n');
    read.length = 0;
    const again = readCounters(h, 'full', first);
    expect(read).toEqual(expect.arrayContaining(['cpuacct.usage', 'cpuacct.stat', 'cpuacct.usage_percpu']));
    expect(again.cpu!.usage).toEqual({ total: 9_000_000, per_cpu: [5_000_000, 4_000_000], user: 310_000_000, system: 220_000_000 });
    expect(again.pids).toEqual({ current: 3, limit: 64 });
  });

  it('a previous reading without the figures (another pass type) is not carried from', () => {
    const { h, read } = busy();
    const exported = readCounters(h, 'export');
    read.length = 0;
    const full = readCounters(h, 'full', exported);
    expect(read).toContain('cpuacct.usage_percpu');
    expect(full.cpu!.usage!.per_cpu).toEqual([3_000_000, 2_000_000]);
  });
});

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

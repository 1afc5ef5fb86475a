import { describe, expect, it } from 'vitest';
import { MIN_CPU_CAP, cpuCapPlan, type CpuMember } from '../../src/policy/cpu-caps.js';
import { capsLeftIn } from '../../src/daemon/daemon.js';
import type { JournalRecord } from '../../src/engine/journal.js';

const m = (name: string, tier: CpuMember['tier'], guarantee: number, more: Partial<CpuMember> = {}): CpuMember => ({ name, tier, guarantee, exclusive: false, busy: true, ...more });
const plan = (ms: CpuMember[], shared: number) => cpuCapPlan(ms, shared).caps.map((c) => [c.name, c.cap]);

describe('CPU cap plan', () => {
  const table: Array<[string, CpuMember[], number, Array<[string, number]>]> = [
    ['one NORMAL container gets all the latency tiers leave', [m('/lat', 'PRIORITY', 1000), m('/batch', 'NORMAL', 1000)], 2000, [['/batch', 1000]]],
    ['a NORMAL container without a limit (guarantee 1000) on a big machine keeps the rest', [m('/lat', 'PREMIER', 2000), m('/batch', 'NORMAL', 1000)], 16000, [['/batch', 14000]]],
    ['NORMAL containers split the rest by their guarantees', [m('/lat', 'PRIORITY', 2000), m('/a', 'NORMAL', 1000), m('/b', 'NORMAL', 3000)], 10000, [['/a', 2000], ['/b', 6000]]],
    ['BEST_EFFORT (cpu.idle) and idle NORMAL containers are left alone', [m('/lat', 'PRIORITY', 1000), m('/be', 'BEST_EFFORT', 0), m('/idle', 'NORMAL', 1000, { busy: false }), m('/n', 'NORMAL', 500)], 4000, [['/n', 3000]]],
    ['exclusive CPUs of PREMIER are not set aside twice (shared already lacks them)', [m('/x', 'PREMIER', 2000, { exclusive: true }), m('/lat', 'PRIORITY', 1000), m('/n', 'NORMAL', 1000)], 2000, [['/n', 1000]]],
    ['a NORMAL container already at or below its cap stays as it is', [m('/lat', 'PRIORITY', 1000), m('/n', 'NORMAL', 1000, { maxLimit: 500 }), m('/o', 'NORMAL', 1000, { maxLimit: 2000 })], 3000, [['/o', 1000]]],
    ['nested NORMAL: the outermost is capped for its subtree', [m('/lat', 'PRIORITY', 1000), m('/n', 'NORMAL', 1000), m('/n/child', 'NORMAL', 1000)], 2000, [['/n', 1000]]],
    ['a NORMAL parent of a latency-sensitive container is not capped but keeps its share', [m('/p', 'NORMAL', 2000), m('/p/lat', 'PRIORITY', 1000), m('/n', 'NORMAL', 1000)], 3000, [['/n', 666]]],
    ['nested latency containers count once (the parent holds the child)', [m('/lat', 'PRIORITY', 2000), m('/lat/sub', 'PRIORITY', 1000), m('/n', 'NORMAL', 1000)], 4000, [['/n', 2000]]],
    ['latency tiers taking everything leave NORMAL the minimum, not nothing', [m('/lat', 'PREMIER', 2000), m('/n', 'NORMAL', 1000)], 2000, [['/n', MIN_CPU_CAP]]],
    ['no NORMAL container: nothing to cap', [m('/lat', 'PRIORITY', 1000), m('/be', 'BEST_EFFORT', 0)], 2000, []],
  ];
  it.each(table)('%s', (_why, members, shared, caps) => {
    expect(plan(members, shared)).toEqual(caps);
  });

  it('says what the latency tiers leave, each subtree counted once', () => {
    expect(cpuCapPlan([m('/lat', 'PRIORITY', 2000), m('/lat/sub', 'PRIORITY', 1000), m('/n', 'NORMAL', 1000)], 4000).left).toBe(2000);
    expect(cpuCapPlan([m('/lat', 'PREMIER', 3000), m('/n', 'NORMAL', 1000)], 2000).left).toBe(0);
  });
});

describe('caps left in the journal', () => {
  const d = (what: string, container: string, detail?: JournalRecord['detail']): JournalRecord => ({ time: 0, kind: 'decision', what, container, ...(detail ? { detail } : {}) });
  it('keeps the last cap of each container placed after its last release', () => {
    const records = [
      d('cpu_cap', '/a', { cap: 1000 }),
      d('cpu_release', '/a', { cap: 1000, restored: true }),
      d('cpu_cap', '/b', { cap: 500, before: 1500 }),
      d('cpu_cap', '/a', { cap: 800 }),
      { ...d('cpu_cap', '/c', { cap: 100 }), kind: 'action' as const },
      d('evict', '/d', { cap: 1 }),
    ];
    expect([...capsLeftIn(records)]).toEqual([
      ['/b', { cap: 500, before: 1500 }],
      ['/a', { cap: 800 }],
    ]);
  });
});

import { spawn } from 'node:child_process';
import { once } from 'node:events';
import * as fs from 'node:fs';
import { describe, expect, it } from 'vitest';
import { procReader } from '../../src/engine/sampling/proc.js';
import { Sampler, type StatsSource } from '../../src/stats/sampler.js';

// The Sampler's histograms over a real process's /proc/<pid>/schedstat; no cgroups.

/**
 * One container holding the process `pid`, so only /proc is real; `byThread`: it offers its
 * thread list too (every thread of the process, most of which do not lead it).
 */
function oneContainer(pid: number, byThread: boolean): StatsSource {
  const source: StatsSource = {
    walk: () => [{ name: '/burst', id: 1 }],
    read: () => ({ stats: {}, limits: {} }),
    pids: () => [pid],
  };
  if (byThread) source.threads = () => fs.readdirSync(`/proc/${pid}/task`).map(Number);
  return source;
}

describe.each([
  ['by process', false, false],
  ['by thread id alone', true, false],
  ['by thread id alone, their files kept open', true, true],
])('against the real /proc, threads listed %s', (_, byThread, keepOpen) => {
  it('a process doing ~2 ms bursts every 10 ms fills ONCPU around the millisecond buckets', async () => {
    const burst = 'setInterval(() => { const t = Date.now(); while (Date.now() - t < 2); }, 10)';
    const child = spawn(process.execPath, ['-e', burst], { stdio: 'ignore' });
    try {
      const pid = child.pid!;
      const sampler = new Sampler(oneContainer(pid, byThread), { proc: procReader(undefined, { keepOpen }), histograms: true, host: false });
      await new Promise((r) => setTimeout(r, 300));
      sampler.sample();
      await new Promise((r) => setTimeout(r, 500));
      const hs = sampler.sample().containers[0]!.stats.cpu?.histograms;
      const onCpu = hs?.find((h) => h.type === 'ONCPU')?.stat ?? [];
      const total = onCpu.reduce((s, b) => s + b.value, 0);
      const overHalfMs = onCpu.filter((b) => b.bucket >= 1000).reduce((s, b) => s + b.value, 0);
      expect(total).toBeGreaterThan(10);
      expect(overHalfMs).toBeGreaterThan(0);
    } finally {
      child.kill('SIGKILL');
    }
  });
});

describe('a /proc reader keeping files open', () => {
  it('a thread that exited drops out of the next read', async () => {
    const child = spawn('sleep', ['30'], { stdio: 'ignore' });
    const exited = once(child, 'exit');
    const r = procReader(undefined, { keepOpen: true });
    try {
      const pid = child.pid!;
      expect(r.threads!([pid]).map((t) => t.tid)).toEqual([pid]);
      expect(r.threads!([pid]).map((t) => t.tid)).toEqual([pid]);
      child.kill('SIGKILL');
      await exited;
      expect(r.threads!([pid])).toEqual([]);
    } finally {
      child.kill('SIGKILL');
      r.close!();
    }
  });
});

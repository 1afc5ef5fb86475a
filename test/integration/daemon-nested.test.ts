/**
 * Usage thresholds of a nested parent (docs/DAEMON.md "Parents"): a parent with a memory
 * limit of its own, far below the root's ceiling, is watched like the root, and what the
 * daemon reclaims and evicts for it lies inside its subtree, lowest first. A BEST_EFFORT
 * container outside it, which ranks lower, is left alone. The parent's OOM killer waits for
 * the daemon (docs/DAEMON.md "The kernel's OOM killer waits"): however late the daemon acts on
 * a loaded machine, the kernel kills nothing inside the parent.
 *
 * The workloads run far longer than the test (they are killed by the eviction or the
 * teardown): on a loaded machine the test takes tens of seconds, and a workload that ended
 * by its own timeout would look like one the daemon killed.
 */
import * as fs from 'node:fs';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { ContainerApi } from '../../src/engine/container-api.js';
import type { JournalRecord } from '../../src/engine/journal.js';
import { PolicyDaemon } from '../../src/daemon/daemon.js';
import { uniqueRoot } from '../helpers/cgroups.js';
import { describeDaemon, stressNg, tearDownDaemonRoot, until } from '../helpers/daemon.js';

const MiB = 2 ** 20;
describeDaemon('policy daemon, nested parents', () => {
  const root = uniqueRoot('daemon-nested');
  let api: ContainerApi;
  let daemon: PolicyDaemon | undefined;
  const bin = stressNg;

  beforeAll(async () => {
    api = await ContainerApi.init({}, { root });
    // The root's ceiling is the policy's 4 GiB: nothing here comes near it.
    await api.setPolicy({ capacity: { memory: 4096 * MiB } });
  });
  afterAll(() => tearDownDaemonRoot(root, api, daemon));

  it('evicts inside a parent near its own limit, never outside it, never the latency-sensitive child', async () => {
    await api.create('/p', { cpu: { limit: 2000 }, memory: { limit: 400 * MiB } });
    const lat = await api.create('/p/lat', { cpu: { scheduling_latency: 'PRIORITY' }, memory: { limit: 200 * MiB, reservation: 150 * MiB } });
    await api.create('/p/b', { cpu: {}, memory: { limit: 1024 * MiB } });
    const other = await api.create('/other', { cpu: { scheduling_latency: 'BEST_EFFORT' }, memory: { limit: 200 * MiB } });
    await lat.run([bin, '--vm', '1', '--vm-bytes', '120M', '--vm-keep', '--timeout', '600s'], { detached: true });
    // BEST_EFFORT runs in cpu.idle: on a busy machine it may not get to allocate at all, and it
    // need not: with tasks, it ranks before everything in /p and so must be seen left alone.
    await other.run(['sleep', '600'], { detached: true });
    await until('the latency-sensitive child to hold its memory', () => (lat.stats('summary').memory?.usage ?? 0) >= 115 * MiB);
    const kept = [...lat.listProcesses({ recursive: true }), ...other.listProcesses({ recursive: true })];

    const decisions: JournalRecord[] = [];
    daemon = await PolicyDaemon.start(api, { onDecision: (r) => decisions.push(r) });
    const oomControl = `${api.machine.dirOf('/p', 'memory')}/memory.oom_control`;
    expect(fs.readFileSync(oomControl, 'utf8')).toContain('oom_kill_disable 1');
    // The root bears no limit of its own (its ceiling is the policy's): only /p is held.
    expect(decisions.find((r) => r.what === 'start')?.detail?.oom_held).toBe('/p');
    await api.get('/p/b').run([bin, '--vm', '1', '--vm-bytes', '2G', '--vm-keep', '--timeout', '600s'], { detached: true });
    await until('/p/b evicted', () => decisions.some((r) => r.what === 'evict' && r.container === '/p/b' && r.code === 0));
    await daemon.idle();

    // The parent's own thresholds (a tenth of 400 MiB below it), not the root's, set it off.
    const evict = decisions.find((r) => r.what === 'evict' && r.container === '/p/b')!;
    if (evict.detail?.trigger === 'usage') expect(evict.reason).toMatch(/^memory of \/p .* past the eviction threshold 360\.0 MiB \(400\.0 MiB − 40\.0 MiB\)/);
    expect(decisions.filter((r) => (r.what === 'evict' || r.what === 'reclaim') && r.container !== '/p/b')).toEqual([]);
    // The kernel killed nothing, not even in /p/b: every task at /p's limit waited for the daemon.
    expect(decisions.filter((r) => r.what === 'oom')).toEqual([]);
    expect(fs.readFileSync(oomControl, 'utf8')).toMatch(/oom_kill 0$/m);
    // Not even named as one that should have gone first: it lies outside the scope that ran out.
    expect(decisions.filter((r) => r.what !== 'oom_score' && r.reason?.includes('/other'))).toEqual([]);
    const now = [...lat.listProcesses({ recursive: true }), ...other.listProcesses({ recursive: true })];
    expect(now).toEqual(expect.arrayContaining(kept));
    expect(api.get('/p/b').listProcesses({ recursive: true })).toEqual([]);
    daemon.stop();
    daemon = undefined;
    // The helper that held the OOM killer off gives it back as it ends.
    await until("the parent's OOM killer back", () => fs.readFileSync(oomControl, 'utf8').includes('oom_kill_disable 0'));
    for (const n of ['/p', '/other']) await api.destroy(n, { force: true });
  }, 90_000);
});

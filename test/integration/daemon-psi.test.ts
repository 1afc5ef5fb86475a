/**
 * The PSI stall path on real cgroups (docs/DAEMON.md, decision 4), with no swap on the host:
 * a PRIORITY container re-reads a file a little larger than its 32 MiB limit (written by
 * itself, on disk, so its page cache is charged to it), and each read reclaims what the
 * previous one cached: its tasks stall on memory. Its memory.pressure trigger (through the
 * unified mirror on a v1 host) makes the daemon reclaim from the NORMAL container below it,
 * which holds anonymous memory only and so gives back nothing; a stall within two windows
 * after that evicts it.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { ContainerApi } from '../../src/engine/container-api.js';
import type { JournalRecord } from '../../src/engine/journal.js';
import { PolicyDaemon } from '../../src/daemon/daemon.js';
import { hasUnified, uniqueRoot } from '../helpers/cgroups.js';
import { describeDaemon, stressNg, tearDownDaemonRoot, until } from '../helpers/daemon.js';

const MiB = 2 ** 20;

describeDaemon(
  'policy daemon, memory stalls',
  () => {
    const root = uniqueRoot('daemon-psi');
    // Page cache needs a disk-backed file: tmpfs pages are shared memory, not cache to reclaim.
    const file = path.join('/var/tmp', `${root}.dat`);
    let api: ContainerApi;
    let daemon: PolicyDaemon | undefined;

    beforeAll(async () => {
      api = await ContainerApi.init({}, { root });
      // Measured here: the thrash below stalls its tasks 50–100 ms in each 2 s window; 10 ms
      // makes the trigger fire in every window. No cool-down: the second stall may evict.
      await api.setPolicy({ capacity: { memory: 4096 * MiB }, pressure: { stall_us: 10_000, window_us: 2_000_000, cooldown_ms: 0 } });
    });
    afterAll(async () => {
      fs.rmSync(file, { force: true });
      await tearDownDaemonRoot(root, api, daemon);
    });

    it('memory stalls of a thrashing PRIORITY container reclaim from NORMAL first, then evict it when they persist and nothing was freed', async () => {
      const lat = await api.create('/lat', { cpu: { scheduling_latency: 'PRIORITY' }, memory: { limit: 32 * MiB } });
      const hog = await api.create('/hog', { memory: { limit: 256 * MiB } });
      await hog.run([stressNg, '--vm', '1', '--vm-bytes', '64M', '--vm-keep', '--timeout', '60s'], { detached: true });
      await until('/hog to hold 64 MiB', () => (hog.stats('summary').memory?.usage ?? 0) >= 60 * MiB);
      const decisions: JournalRecord[] = [];
      daemon = await PolicyDaemon.start(api, { onDecision: (r) => decisions.push(r) });
      await lat.run(['sh', '-c', `dd if=/dev/zero of=${file} bs=1M count=48 status=none && while :; do cat ${file} > /dev/null; done`], { detached: true });
      await until('/hog evicted for the stall', () => decisions.some((r) => r.what === 'evict' && r.container === '/hog'), 60_000);
      await daemon.idle();

      const stalls = decisions.filter((r) => (r.what === 'reclaim' || r.what === 'evict') && r.reason?.includes('memory stalled'));
      expect(stalls.length).toBeGreaterThanOrEqual(2);
      expect(stalls[0]).toMatchObject({ what: 'reclaim', container: '/hog', tier: 'NORMAL' });
      // Which trigger comes first in a window — /lat's, the root's (which counts /lat's stalls)
      // or the machine's — varies; /lat's own file shows the stalls the kernel counted for it.
      const own = fs.readFileSync(path.join(api.machine.pressureDir('/lat')!, 'memory.pressure'), 'utf8');
      expect(Number(/^some .*total=(\d+)/.exec(own)?.[1])).toBeGreaterThan(10_000);
      expect(decisions.filter((r) => r.what === 'evict')).toEqual([expect.objectContaining({ container: '/hog', code: 0, detail: expect.objectContaining({ trigger: 'stall' }) })]);
      // Stalls of the root and the machine may also reclaim /lat's page cache (any tier,
      // lowest first); nothing evicts it.
      expect(decisions.filter((r) => r.container === '/lat' && r.what === 'evict')).toEqual([]);
      expect(hog.listProcesses({ recursive: true })).toEqual([]);
      expect(lat.listProcesses({ recursive: true }).length).toBeGreaterThan(0);
      daemon.stop();
      daemon = undefined;
      for (const n of ['/lat', '/hog']) await api.destroy(n, { force: true });
    }, 120_000);
  },
  hasUnified ? undefined : 'no cgroup2 mount: no per-container PSI on this host',
);

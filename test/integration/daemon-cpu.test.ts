/**
 * The daemon's CPU enforcement on real cgroups (docs/DAEMON.md "CPU"): two CPUs of
 * stress-ng in a PRIORITY container beside two in a NORMAL one make the PRIORITY one wait
 * for CPU; its cpu.pressure trigger (through the unified mirror) makes the daemon cap the
 * NORMAL one to what the latency tier leaves, and release the cap once the PRIORITY load
 * ends, on stop, and at the start of a daemon after one that left a cap; the PRIORITY
 * container's tasks get the shortest scheduler slice while it waits, and the default back
 * after (a daemon started after one killed with SIGKILL finds such a slice in the kernel,
 * keeps it, then releases it).
 * BEST_EFFORT (in cpu.idle already) is never capped. Counts decisions and reads the kernel
 * back (/proc/PID/sched, not the helper that set the slices).
 */
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { ContainerApi } from '../../src/engine/container-api.js';
import { appendJournal, type JournalRecord } from '../../src/engine/journal.js';
import { PolicyDaemon } from '../../src/daemon/daemon.js';
import { LATENCY_SLICE_US } from '../../src/daemon/slices.js';
import { BIN } from '../helpers/cli.js';
import { hasUnified, rootDirs, uniqueRoot } from '../helpers/cgroups.js';
import { describeDaemon, stressNg, tearDownDaemonRoot, until } from '../helpers/daemon.js';

describeDaemon(
  'policy daemon, CPU enforcement',
  () => {
    const root = uniqueRoot('daemon-cpu');
    let api: ContainerApi;
    let daemon: PolicyDaemon | undefined;
    const bin = stressNg;

    beforeAll(async () => {
      api = await ContainerApi.init({}, { root });
      // Release 4 s after the last stall: two PSI windows, so a cap holds while the stall lasts.
      await api.setPolicy({ capacity: { cpu: 2000, memory: 2 ** 30 }, pressure: { cpu_release_ms: 4000 } });
      await api.create('/lat', { cpu: { scheduling_latency: 'PRIORITY', limit: 1000 } });
      await api.create('/batch', { cpu: { limit: 1000 } });
      await api.create('/be', { cpu: { scheduling_latency: 'BEST_EFFORT' } });
    });
    afterAll(() => tearDownDaemonRoot(root, api, daemon));

    const maxLimit = (name: string) => api.get(name).spec().cpu?.max_limit;
    /** A task's slice (µs) as the kernel shows it; undefined once it is gone. */
    const sliceOf = (pid: number) => {
      try {
        return Number(/^se\.slice\s+:\s+(\d+)/m.exec(fs.readFileSync(`/proc/${pid}/sched`, 'utf8'))?.[1]) / 1000;
      } catch {
        return undefined;
      }
    };
    /** The slices of the tasks of a container. */
    const slicesOf = (name: string) =>
        api
        .get(name)
        .listProcesses({ recursive: true })
        .map(sliceOf)
        .filter((v) => v !== undefined);
    const load = (name: string, seconds: number) => api.get(name).run([bin, '--cpu', '2', '--timeout', `${seconds}s`, '-q'], { detached: true });

    it('caps NORMAL while PRIORITY waits for CPU, never BEST_EFFORT, and releases when the stall is over and when it stops', async () => {
      const decisions: JournalRecord[] = [];
      const of = (what: string, name: string) => decisions.filter((r) => r.what === what && r.container === name);
      await load('/batch', 60);
      await load('/be', 60);
      daemon = await PolicyDaemon.start(api, { onDecision: (r) => decisions.push(r) });
      expect(decisions[0]?.detail).toMatchObject({ cpu_stall_us: 100_000, cpu_release_ms: 4000 });

      await load('/lat', 60);
      await until('a cap of /batch', () => of('cpu_cap', '/batch').length > 0);
      // Capacity 2 CPUs − PRIORITY's 1: /batch, the one busy NORMAL container, gets 1.
      expect(of('cpu_cap', '/batch')[0]).toMatchObject({ tier: 'NORMAL', detail: { trigger: '/lat', cap: 1000, guarantee: 1000 } });
      expect(maxLimit('/batch')).toBe(1000);
      // The waiting container's tasks (stress-ng and its 2 workers) on the shortest slice: at
      // once, or, for a worker forked between the daemon's read and its write, at the next stall.
      expect(of('cpu_slice', '/lat')[0]).toMatchObject({ tier: 'PRIORITY', detail: { trigger: '/lat', slice_us: LATENCY_SLICE_US, refused: 0 } });
      await until("the slice on /lat's three tasks", () => slicesOf('/lat').join() === [LATENCY_SLICE_US, LATENCY_SLICE_US, LATENCY_SLICE_US].join());
      expect(slicesOf('/batch').filter((v) => v === LATENCY_SLICE_US)).toEqual([]);

      await api.get('/lat').killAll();
      await until('the cap of /batch released', () => of('cpu_release', '/batch').length === of('cpu_cap', '/batch').length);
      await daemon.idle();
      expect(of('cpu_release', '/batch').at(-1)).toMatchObject({ detail: { cap: 1000, restored: true } });
      expect(maxLimit('/batch')).toBeUndefined();
      expect(of('cpu_slice_release', '/lat')).toHaveLength(1);

      // Stopping the daemon takes back the caps and slices it holds.
      await load('/lat', 60);
      const caps = of('cpu_cap', '/batch').length;
      await until('a second cap of /batch, the slice on the new tasks', () => of('cpu_cap', '/batch').length > caps && slicesOf('/lat').join() === [LATENCY_SLICE_US, LATENCY_SLICE_US, LATENCY_SLICE_US].join());
      daemon.stop();
      daemon = undefined;
      expect(of('cpu_release', '/batch').at(-1)?.reason).toContain('the daemon stops');
      expect(maxLimit('/batch')).toBeUndefined();
      expect(of('cpu_slice_release', '/lat').at(-1)).toMatchObject({ detail: { tasks: 3, threads: 3 } });
      expect(slicesOf('/lat').filter((v) => v === LATENCY_SLICE_US)).toEqual([]);

      expect(decisions.filter((r) => r.container === '/be').filter((r) => r.what.startsWith('cpu_'))).toEqual([]);
      // Slices given (once or more per stall episode), each episode's released once.
      const lat = decisions.filter((r) => r.container === '/lat').map((r) => r.what);
      expect(lat.filter((w) => w !== 'cpu_slice')).toEqual(['cpu_slice_release', 'cpu_slice_release']);
      expect(lat[0]).toBe('cpu_slice');
      for (const n of ['/lat', '/batch', '/be']) await api.get(n).killAll();
    }, 120_000);

    it('a cap left by a daemon that died is released by the next one at start; a quota changed since is left alone', async () => {
      await api.get('/batch').update({ cpu: { max_limit: 700 } }, 'diff');
      await api.get('/be').update({ cpu: { max_limit: 1500 } }, 'diff');
      const scope = api.machine.trackingDir('/');
      appendJournal(scope, { time: Date.now(), kind: 'decision', what: 'cpu_cap', container: '/batch', tier: 'NORMAL', detail: { cap: 700 } });
      appendJournal(scope, { time: Date.now(), kind: 'decision', what: 'cpu_cap', container: '/be', tier: 'NORMAL', detail: { cap: 500, before: 900 } });
      const decisions: JournalRecord[] = [];
      daemon = await PolicyDaemon.start(api, { onDecision: (r) => decisions.push(r) });
      const released = decisions.filter((r) => r.what === 'cpu_release');
      expect(released.map((r) => [r.container, r.detail?.restored])).toEqual([['/batch', true], ['/be', false]]);
      expect(maxLimit('/batch')).toBeUndefined();
      expect(maxLimit('/be')).toBe(1500);
      daemon.stop();
      daemon = undefined;
    }, 60_000);

    it('a daemon killed with SIGKILL mid-action leaves the slice; the next finds it in the kernel, keeps it, and releases it once no latency tier waits', async () => {
      await load('/batch', 60);
      // A task that sleeps (it never waits for a CPU, however loaded the machine) beside the load that makes /lat wait.
      const sleeper = Number((await api.get('/lat').run(['sleep', '60'], { detached: true })).pid);
      const stress = Number((await load('/lat', 60)).pid);
      const first = spawn(process.execPath, [BIN, 'daemon', '--json'], { env: { ...process.env, LMCTFY_ROOT: root }, stdio: ['ignore', 'pipe', 'inherit'] });
      try {
        const lines: string[] = [];
        first.stdout.setEncoding('utf8').on('data', (t: string) => lines.push(...t.split('\n').filter(Boolean)));
        const told = (what: string) => lines.some((l) => l.includes(`"what":"${what}"`));
        await until('the first daemon to give /lat the slice and cap /batch', () => told('cpu_slice') && told('cpu_cap') && sliceOf(sleeper) === LATENCY_SLICE_US);
        first.kill('SIGKILL');
        await new Promise((r) => first.once('exit', r));
        // The waiting ends while no daemon runs: only the sleeper is left in /lat, on the short slice.
        process.kill(stress, 'SIGTERM');
        await until('stress-ng in /lat gone', () => api.get('/lat').listProcesses({ recursive: true }).join() === String(sleeper));
        expect(sliceOf(sleeper)).toBe(LATENCY_SLICE_US);

        const decisions: JournalRecord[] = [];
        daemon = await PolicyDaemon.start(api, { onDecision: (r) => decisions.push(r) });
        expect(decisions.filter((r) => r.what === 'cpu_slice')).toEqual([expect.objectContaining({ container: '/lat', tier: 'PRIORITY', detail: { slice_us: LATENCY_SLICE_US, tasks: 1, adopted: true } })]);
        expect(sliceOf(sleeper)).toBe(LATENCY_SLICE_US);
        await until('the found slice released', () => decisions.some((r) => r.what === 'cpu_slice_release'));
        expect(decisions.filter((r) => r.what === 'cpu_slice_release')).toEqual([expect.objectContaining({ container: '/lat', detail: { tasks: 1, threads: 1 } })]);
        expect(sliceOf(sleeper)).not.toBe(LATENCY_SLICE_US);
        // The cap the killed daemon left on /batch was released at start, from the journal.
        expect(decisions.find((r) => r.what === 'cpu_release' && r.container === '/batch')?.reason).toContain('left by a daemon that ended without releasing them');
      } finally {
        // Ended here also when a step above fails: no daemon outlives this test.
        if (first.exitCode === null && first.signalCode === null) first.kill('SIGKILL');
        daemon?.stop();
        daemon = undefined;
      }
      for (const n of ['/lat', '/batch']) await api.get(n).killAll();
    }, 90_000);

    // Exclusive CPUs need a v1 cpuset hierarchy and a CPU left for the shared pool.
    it.skipIf(!fs.existsSync('/sys/fs/cgroup/cpuset/cpuset.cpus') || os.cpus().length < 2)('gives the exclusive CPUs of a PREMIER container rmdir\'ed by hand back to the shared pool, as a decision', async () => {
      const cpusetRoot = rootDirs(root).find((d) => fs.existsSync(path.join(d, 'cpuset.cpus')))!;
      const all = fs.readFileSync(path.join(cpusetRoot, 'cpuset.cpus'), 'utf8').trim();
      await api.setPolicy({ capacity: { cpu: 8000, memory: 2 ** 30 }, exclusive_cpus: true });
      const pool = path.join(cpusetRoot, ':shared', 'cpuset.cpus');
      try {
        await api.create('/x', { cpu: { scheduling_latency: 'PREMIER', limit: 1000 } });
        const held = api.policy()?.tiers.find((t) => t.tier === 'PREMIER')?.containers;
        expect(held).toBe(1);
        expect(fs.readFileSync(pool, 'utf8').trim()).not.toBe(all);
        const decisions: JournalRecord[] = [];
        daemon = await PolicyDaemon.start(api, { onDecision: (r) => decisions.push(r) });
        // Behind lmctfy's back: every directory of /x removed by hand, deepest hierarchy first.
        for (const d of rootDirs(root).map((r) => path.join(r, 'x')).filter((d) => fs.existsSync(d))) fs.rmdirSync(d);
        await until('the CPUs of /x freed', () => decisions.some((r) => r.what === 'release_cpus'));
        expect(decisions.filter((r) => r.what === 'release_cpus')).toEqual([expect.objectContaining({ container: '/x', tier: 'PREMIER', detail: { cpus: expect.any(String) } })]);
        expect(fs.readFileSync(pool, 'utf8').trim()).toBe(all);
        expect(api.policy()?.tiers.find((t) => t.tier === 'PREMIER')?.containers).toBe(0);
        // A destroy frees its own: the daemon records nothing for it.
        await api.create('/y', { cpu: { scheduling_latency: 'PREMIER', limit: 1000 } });
        await api.destroy('/y');
        await new Promise((r) => setTimeout(r, 1500));
        await daemon.idle();
        expect(decisions.filter((r) => r.what === 'release_cpus')).toHaveLength(1);
      } finally {
        daemon?.stop();
        daemon = undefined;
        await api.setPolicy({ capacity: { cpu: 2000, memory: 2 ** 30 } });
      }
    }, 60_000);
  },
  hasUnified ? undefined : 'no cgroup2 mount: no per-container PSI on this host',
);

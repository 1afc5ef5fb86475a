/**
 * The policy daemon on real workloads (docs/DAEMON.md): inside a parent memory cgroup of
 * 600 MiB standing in for the machine (so the real one never runs short), a latency-sensitive
 * container holds 250 MiB and two batch containers allocate without bound. The batch ones
 * are evicted, lower eviction_priority first, and the latency-sensitive one is never killed;
 * the journal names each step. Also: one daemon per root, and stopping it leaves containers.
 * The workloads run far longer than a test (eviction or teardown ends them): one that ended by
 * its own timeout on a slow, loaded machine would look like one the daemon killed.
 */
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { ContainerApi } from '../../src/engine/container-api.js';
import { readJournal, type JournalRecord } from '../../src/engine/journal.js';
import { PolicyDaemon } from '../../src/daemon/daemon.js';
import { hasUnified, rootDirs, uniqueRoot } from '../helpers/cgroups.js';
import { BIN, lmctfy } from '../helpers/cli.js';
import { describeDaemon, stressNg, tearDownDaemonRoot, until } from '../helpers/daemon.js';

const MiB = 2 ** 20;
const RUNS = Number(process.env.LMCTFY_DAEMON_RUNS ?? 1);
describeDaemon('policy daemon', () => {
  // The parent stands in for the machine; lmctfy's root is below it.
  const parent = uniqueRoot('daemon');
  const root = `${parent}/m`;
  let api: ContainerApi;
  let daemon: PolicyDaemon | undefined;
  const decisions: JournalRecord[] = [];
  const bin = stressNg;

  beforeAll(async () => {
    api = await ContainerApi.init({}, { root });
    const memDir = rootDirs(parent).find((d) => fs.existsSync(path.join(d, 'memory.limit_in_bytes')));
    if (memDir === undefined) throw new Error('no v1 memory hierarchy for the parent');
    fs.writeFileSync(path.join(memDir, 'memory.limit_in_bytes'), String(600 * MiB));
    await api.setPolicy({ capacity: { cpu: 2000, memory: 600 * MiB }, pressure: { evict_headroom: 100 * MiB } });
  });
  afterAll(() => tearDownDaemonRoot(parent, api, daemon));

  // LMCTFY_DAEMON_RUNS=10 repeats the scenario (the soak of docs/DAEMON.md); npm test runs it once.
  it.each(Array.from({ length: RUNS }, (_, i) => i))('evicts batch lowest eviction_priority first and never the latency-sensitive container (run %i)', async (run) => {
    decisions.length = 0;
    const [latName, b1, b2] = [`/lat${run}`, `/b1-${run}`, `/b2-${run}`];
    await api.create(latName, { cpu: { scheduling_latency: 'PRIORITY' }, memory: { limit: 320 * MiB, reservation: 300 * MiB } });
    await api.create(b1, { memory: { limit: 1024 * MiB, eviction_priority: 100 } });
    await api.create(b2, { memory: { limit: 1024 * MiB, eviction_priority: 200 } });
    const lat = api.get(latName);
    await lat.run([bin, '--vm', '1', '--vm-bytes', '250M', '--vm-keep', '--timeout', '600s'], { detached: true });
    await until('the latency-sensitive container to hold 250 MiB', () => (lat.stats('summary').memory?.usage ?? 0) >= 245 * MiB);
    const latPids = lat.listProcesses({ recursive: true });

    daemon = await PolicyDaemon.start(api, { onDecision: (r) => decisions.push(r) });
    expect(decisions[0]).toMatchObject({ kind: 'decision', what: 'start', container: '/' });

    // A second daemon on the same root is refused, naming the holder.
    const second = lmctfy(root, ['daemon']);
    expect(second.code).toBe(9);
    expect(second.stderr).toContain(`another lmctfy daemon (pid ${process.pid})`);

    for (const b of [b1, b2]) await api.get(b).run([bin, '--vm', '1', '--vm-bytes', '2G', '--vm-keep', '--timeout', '600s'], { detached: true });
    const gone = (name: string) => decisions.some((r) => r.container === name && r.what === 'evict' && r.code === 0);
    await until('both batch containers evicted', () => gone(b1) && gone(b2));
    await daemon.idle();

    if (process.env.DEBUG_DAEMON) for (const r of decisions) console.log(new Date(r.time).toISOString().slice(17,23), r.what, r.container, r.reason, JSON.stringify(r.detail));
    const evictions = decisions.filter((r) => r.what === 'evict').map((r) => r.container);
    expect(evictions.indexOf(b1)).toBeLessThan(evictions.indexOf(b2));
    expect(decisions.filter((r) => r.container === latName && (r.what === 'evict' || r.what === 'oom'))).toEqual([]);
    expect(lat.listProcesses({ recursive: true })).toEqual(expect.arrayContaining(latPids));
    expect(lat.stats('summary').memory?.oom_kill_count ?? 0).toBe(0);
    for (const b of [b1, b2]) expect(api.get(b).listProcesses({ recursive: true })).toEqual([]);
    const first = decisions.find((r) => r.what === 'evict')!;
    expect(first).toMatchObject({ tier: 'NORMAL', detail: { action: 'KILL_TASKS', eviction_priority: 100 } });
    expect(first.reason).toMatch(/past the eviction threshold/);

    // The journal holds the same decisions, in order.
    const journal = readJournal(api.machine.trackingDir('/')).records.filter((r) => r.kind === 'decision');
    expect(journal.slice(-decisions.length).map((r) => `${r.what} ${r.container}`)).toEqual(decisions.map((r) => `${r.what} ${r.container}`));

    // Stopping the daemon leaves the containers and their tasks.
    daemon.stop();
    daemon = undefined;
    expect(lat.listProcesses({ recursive: true })).toEqual(expect.arrayContaining(latPids));
    expect(api.exists(b1)).toBe(true);
    for (const n of [latName, b1, b2]) await api.destroy(n, { force: true });
  }, 90_000);

  it('a daemon killed with SIGKILL leaves every container; the next one takes its lock and acts on the pressure it finds', async () => {
    const lat = await api.create('/lat2', { cpu: { scheduling_latency: 'PRIORITY' }, memory: { limit: 320 * MiB, reservation: 300 * MiB } });
    const hog = await api.create('/hog', { memory: { limit: 1024 * MiB } });
    await lat.run([bin, '--vm', '1', '--vm-bytes', '250M', '--vm-keep', '--timeout', '600s'], { detached: true });
    const env = { ...process.env, LMCTFY_ROOT: root };
    const first = spawn(process.execPath, [BIN, 'daemon', '--json'], { env, stdio: ['ignore', 'pipe', 'inherit'] });
    const lines: string[] = [];
    first.stdout.setEncoding('utf8').on('data', (t: string) => lines.push(...t.split('\n').filter(Boolean)));
    await until('the first daemon to start', () => lines.some((l) => l.includes('"what":"start"')));
    const latPids = () => lat.listProcesses({ recursive: true });
    await until('the latency-sensitive container to hold 250 MiB', () => (lat.stats('summary').memory?.usage ?? 0) >= 245 * MiB);
    const before = latPids();
    // A parent bearing a ceiling of its own has its OOM killer held off by the daemon (the
    // root's ceiling is the parent's above it, which is not lmctfy's to hold).
    const capped = await api.create('/capped', { memory: { limit: 100 * MiB } });
    await api.create('/capped/c', { memory: { limit: 100 * MiB } });
    const oomControl = `${api.machine.dirOf('/capped', 'memory')}/memory.oom_control`;
    await until('the daemon to hold the new parent', () => lines.some((l) => l.includes('"what":"oom_hold"') && l.includes('"container":"/capped"')));
    expect(fs.readFileSync(oomControl, 'utf8')).toContain('oom_kill_disable 1');
    first.kill('SIGKILL');
    await new Promise((r) => first.once('exit', r));
    expect(latPids()).toEqual(expect.arrayContaining(before));
    // Its helper saw it go and gave the root's OOM killer back: nothing waits for a dead daemon.
    await until("the parent's OOM killer back", () => fs.readFileSync(oomControl, 'utf8').includes('oom_kill_disable 0'));
    await api.destroy(capped.name, { force: true });

    // Pressure builds while no daemon runs: past the eviction threshold (500 MiB of 600).
    await hog.run([bin, '--vm', '1', '--vm-bytes', '270M', '--vm-keep', '--timeout', '600s'], { detached: true });
    await until('the root past its eviction threshold', () => (api.get('/').stats('summary').memory?.usage ?? 0) >= 505 * MiB);
    const second = spawn(process.execPath, [BIN, 'daemon', '--json'], { env, stdio: ['ignore', 'pipe', 'inherit'] });
    const out: JournalRecord[] = [];
    second.stdout.setEncoding('utf8').on('data', (t: string) => out.push(...t.split('\n').filter(Boolean).map((l) => JSON.parse(l) as JournalRecord)));
    try {
      await until('the second daemon to evict /hog', () => out.some((r) => r.what === 'evict' && r.container === '/hog'));
      // Its start record need not be its first: caps a killed daemon left, and decisions on the
      // pressure it finds while it arms its watches, may be told before it.
      expect(out.find((r) => r.what === 'start')).toMatchObject({ what: 'start', detail: { pid: second.pid } });
      expect(out.find((r) => r.what === 'evict')).toMatchObject({ container: '/hog', detail: { trigger: 'usage' } });
      expect(latPids()).toEqual(expect.arrayContaining(before));
    } finally {
      second.kill('SIGTERM');
      await new Promise((r) => second.once('exit', r));
    }
    expect(second.exitCode).toBe(0);
    await lat.killAll();
  }, 90_000);
  it.skipIf(!hasUnified)('keeps a PSI mirror of each container in the unified hierarchy: tasks moved in, new ones placed there by run, removed with the container, with or without a daemon', async () => {
    const c = await api.create('/psi', { memory: { limit: 64 * MiB } });
    const before = Number((await c.run(['sleep', '30'], { detached: true })).pid);
    const d = await PolicyDaemon.start(api);
    try {
      const mirror = api.machine.pressureDir('/psi')!;
      const procs = () => fs.readFileSync(path.join(mirror, 'cgroup.procs'), 'utf8').split('\n').filter(Boolean).map(Number);
      expect(fs.existsSync(path.join(mirror, 'memory.pressure'))).toBe(true);
      expect(procs()).toContain(before);
      const after = Number((await c.run(['sleep', '30'], { detached: true })).pid);
      expect(procs()).toContain(after);
      await api.destroy('/psi', { force: true });
      await until('the mirror of /psi to go', () => !fs.existsSync(mirror));
    } finally {
      d.stop();
    }
    // A container destroyed after the daemon stopped takes its mirror with it too.
    const later = await api.create('/psi2', { memory: { limit: 64 * MiB } });
    await later.run(['sleep', '30'], { detached: true });
    const d2 = await PolicyDaemon.start(api);
    const mirror2 = api.machine.pressureDir('/psi2')!;
    expect(fs.existsSync(mirror2)).toBe(true);
    d2.stop();
    await api.destroy('/psi2', { force: true });
    expect(fs.existsSync(mirror2)).toBe(false);
  });
});

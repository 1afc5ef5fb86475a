/**
 * Machine policy and admission on real cgroups (docs/POLICY.md): a budget of 1 CPU and
 * 1 GiB, refusals with exit 8 that leave nothing in the kernel, destroy freeing its share,
 * dry runs, tiers' kernel knobs and oom_score_adj, and four processes racing for one budget.
 */
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { ContainerApi } from '../../src/engine/container-api.js';
import { Code } from '../../src/engine/errors.js';
import { oomScoreAdj } from '../../src/policy/oom.js';
import { describeCgroups, rootDirs, testRoot } from '../helpers/cgroups.js';
import { lmctfy } from '../helpers/cli.js';
import { LmctfyError } from '../../src/engine/errors.js';
import { lockKey } from '../../src/engine/lock.js';
import { policyDir } from '../../src/engine/policy-store.js';
import { parseCpuList } from '../../src/engine/resources/cpulist.js';

async function errorOfAsync(fn: () => Promise<unknown>): Promise<LmctfyError | undefined> {
  try {
    await fn();
    return undefined;
  } catch (e) {
    if (e instanceof LmctfyError) return e;
    throw e;
  }
}

const GiB = 2 ** 30;
const MiB = 2 ** 20;
const POLICY = `capacity:{cpu:1000 memory:${GiB}}`;
const WORKER = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../bench/concurrency.mjs');

/** Hierarchy dirs of `name` that exist (none, once refused or destroyed). */
function dirsOf(root: string, name: string): string[] {
  return rootDirs(root)
    .map((d) => path.join(d, name))
    .filter((d) => fs.existsSync(d));
}

describeCgroups('machine policy and admission', () => {
  const t = testRoot('policy');
  let api: ContainerApi;
  const started: number[] = [];
  beforeAll(async () => {
    api = await ContainerApi.init({}, { root: t.root });
    await api.setPolicy({ capacity: { cpu: 1000, memory: GiB } });
  });
  afterAll(async () => {
    for (const pid of started) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        /* already gone */
      }
    }
    try {
      await api?.clearPolicy();
    } finally {
      await t.cleanup();
    }
  });

  it('without a policy, eviction_priority is UNIMPLEMENTED and nothing is made', async () => {
    const t2 = testRoot('nopolicy');
    try {
      const bare = await ContainerApi.init({}, { root: t2.root });
      const err = await errorOfAsync(() => bare.create('e', { memory: { eviction_priority: 10 } }));
      expect(err?.code).toBe(Code.UNIMPLEMENTED);
      expect(err?.message).toContain('policy');
      expect(dirsOf(t2.root, 'e')).toEqual([]);
      expect(bare.policy()).toBeUndefined();
    } finally {
      await t2.cleanup();
    }
  });

  it('a second container past the budget is refused with exit 8, one line why, and nothing in the kernel', async () => {
    await api.create('a', { cpu: { limit: 600 }, memory: { limit: GiB, reservation: 600 * MiB } });
    const r = lmctfy(t.root, ['create', '/b', `memory:{reservation:${700 * MiB}}`]);
    expect(r.code).toBe(8);
    expect(r.stderr).toBe(
      "lmctfy: RESOURCE_EXHAUSTED: cannot create /b: memory: asked 700 MiB, 424 MiB left of the machine's 1 GiB (capacity 1 GiB − reserve 0 bytes) for NORMAL and the tiers above it; held by /a 600 MiB\n",
    );
    expect(dirsOf(t.root, 'b')).toEqual([]);
    const cpu = lmctfy(t.root, ['create', '/b', 'cpu:{limit:500}']);
    expect(cpu.code).toBe(8);
    expect(cpu.stderr).toContain('cpu: asked 0.5 CPU, 0.4 CPU left');
    expect(dirsOf(t.root, 'b')).toEqual([]);
  });

  it('dry runs answer the same and change nothing', async () => {
    const ok = lmctfy(t.root, ['create', '--dry-run', '/b', 'cpu:{limit:400}']);
    expect(ok).toMatchObject({ code: 0, stdout: 'admitted: /b (NORMAL): cpu 0.4 CPU, 0 CPU left after it\n' });
    expect(dirsOf(t.root, 'b')).toEqual([]);
    const no = lmctfy(t.root, ['update', '--dry-run', 'diff', '/a', 'cpu:{limit:1001}']);
    expect(no.code).toBe(8);
    expect(no.stderr).toContain('cannot update /a: cpu: asked 1.001 CPU, 1 CPU left');
    expect(api.get('a').spec().cpu?.limit).toBe(600);
  });

  it('an update growing a guarantee past the budget is refused the same way, the kernel unchanged', async () => {
    const b = await api.create('b', { cpu: { limit: 300 } });
    const err = await errorOfAsync(() => api.get('a').update({ cpu: { limit: 800 } }, 'diff'));
    expect(err?.code).toBe(Code.RESOURCE_EXHAUSTED);
    expect(err?.message).toContain('held by /b 0.3 CPU');
    expect(api.get('a').spec().cpu?.limit).toBe(600);
    // Shrinking is always admitted; growing into what it freed too.
    await api.get('a').update({ cpu: { limit: 500 } }, 'diff');
    await b.update({ cpu: { limit: 500 } }, 'diff');
    expect(api.policy()!.tiers.find((x) => x.tier === 'NORMAL')!.admitted).toEqual({ cpu: 1000, memory: 600 * MiB });
  });

  it('a child is admitted against its parent\'s guarantee', async () => {
    await api.create('a/x', { cpu: { limit: 300 } });
    const err = await errorOfAsync(() => api.create('a/y', { cpu: { limit: 201 } }));
    expect(err?.message).toBe("cannot create /a/y: cpu: asked 0.201 CPU, 0.2 CPU left of /a's guarantee of 0.5 CPU; held by /a/x 0.3 CPU");
    expect(dirsOf(t.root, 'a/y')).toEqual([]);
  });

  it('destroy frees its share (the subtree\'s)', async () => {
    await api.destroy('a', { force: true });
    const report = api.policy()!;
    expect(report.tiers.find((x) => x.tier === 'NORMAL')).toMatchObject({ admitted: { cpu: 500, memory: 0 }, headroom: { cpu: 500, memory: GiB } });
    await api.create('c', { cpu: { limit: 500 }, memory: { reservation: GiB } });
    await api.destroy('c');
  });

  it('a policy the admitted would not fit is refused naming them, unless forced', async () => {
    const r = lmctfy(t.root, ['policy', 'set', 'capacity:{cpu:400}']);
    expect(r.code).toBe(9);
    expect(r.stderr).toContain('held by /b 0.5 CPU');
    expect(lmctfy(t.root, ['policy', 'set', '--force', 'capacity:{cpu:400}']).code).toBe(0);
    expect(lmctfy(t.root, ['create', '/d', 'cpu:{limit:1}']).code).toBe(8);
    expect(lmctfy(t.root, ['policy', 'set', POLICY]).code).toBe(0);
    expect(lmctfy(t.root, ['policy', 'spec']).stdout).toBe(`capacity {\n  cpu: 1000\n  memory: ${GiB}\n}\n`);
  });

  it('a ledger removed behind lmctfy\'s back is rebuilt from the kernel', async () => {
    fs.rmSync(path.join(policyDir(), `${lockKey(api.machine.trackingDir('/'), '')}.ledger`));
    const err = await errorOfAsync(() => api.create('e', { cpu: { limit: 501 } }));
    expect(err?.code).toBe(Code.RESOURCE_EXHAUSTED);
    expect(err?.message).toContain('held by /b 0.5 CPU');
  });

  it('the journal is compacted as it grows, and another process reads the same admissions', async () => {
    const ledger = path.join(policyDir(), `${lockKey(api.machine.trackingDir('/'), '')}.ledger`);
    for (let i = 0; i < 40; i++) {
      await api.create('churn', { cpu: { limit: 100 } });
      await api.destroy('churn');
    }
    // 80 changes to a ledger of one container: rewritten by rename at most 4 × 1 + 64 lines in.
    expect(fs.readFileSync(ledger, 'utf8').split('\n').filter(Boolean).length).toBeLessThanOrEqual(68);
    const shown = lmctfy(t.root, ['policy', 'show', '--json']);
    const normal = JSON.parse(shown.stdout).find((r: { scope: string }) => r.scope === 'NORMAL');
    expect(normal).toMatchObject({ admitted_cpu: 500, containers: 1 });
  });

  it('a torn last line (a writer killed mid-write) is left out, then recounted from the kernel', async () => {
    const ledger = path.join(policyDir(), `${lockKey(api.machine.trackingDir('/'), '')}.ledger`);
    fs.appendFileSync(ledger, '{"n":"/ghost","e":{"tier":"NOR');
    await api.create('t1', { cpu: { limit: 100 } });
    await api.destroy('t1');
    expect(api.policy()!.tiers.find((x) => x.tier === 'NORMAL')).toMatchObject({ admitted: { cpu: 500, memory: 0 }, containers: 1 });
    // A reader keeps its recount to itself; the next holder of the policy lock writes it.
    await api.checkCreate('t2', {});
    expect(fs.readFileSync(ledger, 'utf8')).not.toContain('ghost');
  });

  it('tiers: BEST_EFFORT is an idle group guaranteed no CPU; tasks get the tier\'s oom_score_adj', async () => {
    const be = await api.create('be', { cpu: { scheduling_latency: 'BEST_EFFORT' }, memory: { eviction_priority: 0 } });
    const cpuDir = rootDirs(t.root).find((d) => /\/cpu(,cpuacct)?\//.test(d) && !d.includes('cpuacct/') && !d.includes('cpuset'))!;
    expect(fs.readFileSync(path.join(cpuDir, 'be', 'cpu.idle'), 'utf8').trim()).toBe('1');
    const child = await be.run(['sleep', '60'], { detached: true });
    child.unref();
    started.push(child.pid!);
    expect(fs.readFileSync(`/proc/${child.pid}/oom_score_adj`, 'utf8').trim()).toBe(String(oomScoreAdj('BEST_EFFORT', 0)));

    expect(fs.readFileSync(path.join(cpuDir, 'b', 'cpu.shares'), 'utf8').trim()).toBe('512');
    const n = await api.create('n', { memory: { limit: 100 * MiB } });
    const sleeper = spawn('sleep', ['60'], { stdio: 'ignore' });
    started.push(sleeper.pid!);
    await n.enter([sleeper.pid!]);
    expect(fs.readFileSync(`/proc/${sleeper.pid}/oom_score_adj`, 'utf8').trim()).toBe(String(oomScoreAdj('NORMAL')));
    // A new eviction priority reaches the tasks already there.
    await n.update({ memory: { eviction_priority: 10000 } }, 'diff');
    expect(fs.readFileSync(`/proc/${sleeper.pid}/oom_score_adj`, 'utf8').trim()).toBe(String(oomScoreAdj('NORMAL', 10000)));
    // spec reads it back from the ledger, its only record.
    expect(n.spec().memory?.eviction_priority).toBe(10000);
    // stats carries the tier: the kernel's (idle group), the ledger's (PRIORITY, which no
    // kernel file tells from NORMAL; and NORMAL for a container without a cpu group of its
    // own, admitted in NORMAL's view), none for the root.
    const p = await api.create('p', { cpu: { scheduling_latency: 'PRIORITY', limit: 100 } });
    expect([be.stats('summary').tier, p.stats('summary').tier, n.stats('summary').tier, api.get('/').stats('summary').tier]).toEqual(['BEST_EFFORT', 'PRIORITY', 'NORMAL', undefined]);
    const cli = lmctfy(t.root, ['stats', 'summary', '/p']);
    expect(cli.stdout).toMatch(/^tier: PRIORITY$/m);
    await api.destroy('p');
    await api.destroy('be', { force: true });
    await api.destroy('n', { force: true });
  });

  it('top --json and --format openmetrics carry the budget and each container\'s tier', async () => {
    const json = lmctfy(t.root, ['top', '--json', '--count', '1']);
    expect(json.code).toBe(0);
    const sample = JSON.parse(json.stdout.trim().split('\n')[0]!);
    expect(sample.admission.capacity).toEqual({ cpu: 1000, memory: GiB });
    expect(sample.admission.tiers.find((x: { tier: string }) => x.tier === 'NORMAL').admitted.cpu).toBe(500);
    expect(sample.containers.find((c: { name: string }) => c.name === '/b').tier).toBe('NORMAL');
    const om = lmctfy(t.root, ['top', '--format', 'openmetrics', '--count', '1']);
    expect(om.stdout).toContain('lmctfy_admitted_cpu_cores{tier="NORMAL"} 0.5');
    expect(om.stdout).toContain('lmctfy_container_tier{id="/b",tier="NORMAL"} 1');
  });

  it('init carries an initial policy: set with the root, refused as policy set would be', async () => {
    const t4 = testRoot('initpolicy');
    try {
      const bad = lmctfy(t4.root, ['init', 'policy:{capacity:{cpu:0}}']);
      expect(bad.code).toBe(3);
      expect(bad.stderr).toContain('PolicySpec.capacity.cpu');
      expect(rootDirs(t4.root).filter((d) => fs.existsSync(d))).toEqual([]);
      expect(lmctfy(t4.root, ['init', `policy:{capacity:{cpu:1000 memory:${GiB}} reserve:{cpu:200}}`]).code).toBe(0);
      expect(lmctfy(t4.root, ['policy', 'spec']).stdout).toBe(`capacity {\n  cpu: 1000\n  memory: ${GiB}\n}\nreserve {\n  cpu: 200\n}\n`);
      expect(lmctfy(t4.root, ['create', '/big', 'cpu:{limit:801}']).code).toBe(8);
      expect(lmctfy(t4.root, ['create', '/w', 'cpu:{limit:500}']).code).toBe(0);
      // Again on the root that exists: what it holds must fit the new policy.
      const refused = lmctfy(t4.root, ['init', 'policy:{capacity:{cpu:400}}']);
      expect(refused.code).toBe(9);
      expect(refused.stderr).toContain('held by /w 0.5 CPU');
      expect(dirsOf(t4.root, 'w')).not.toEqual([]);
      expect(lmctfy(t4.root, ['policy', 'spec']).stdout).toContain('reserve');
      expect(lmctfy(t4.root, ['destroy', '/w']).code).toBe(0);
    } finally {
      lmctfy(t4.root, ['policy', 'clear']);
      await t4.cleanup();
    }
  });

  it('exclusive CPUs: a PREMIER container with whole CPUs gets them to itself, the rest of the root is kept off them, and destroy gives them back', async () => {
    const t5 = testRoot('exclusive');
    const sleepers: number[] = [];
    try {
      const ex = await ContainerApi.init({}, { root: t5.root });
      await ex.setPolicy({ capacity: { cpu: 64_000 }, exclusive_cpus: true });
      const cpusetDir = rootDirs(t5.root).find((d) => /\/cpuset\//.test(d))!;
      const cpusOf = (file: string) => parseCpuList(fs.readFileSync(file, 'utf8'));
      const allowed = (pid: number) => parseCpuList(/Cpus_allowed_list:\s*(\S+)/.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'))![1]!);
      const all = cpusOf(path.join(cpusetDir, 'cpuset.cpus'));
      const premier = { cpu: { scheduling_latency: 'PREMIER' as const, limit: 1000 } };
      if (all.length < 2) {
        // One CPU: it always stays shared, so none can be had.
        expect((await errorOfAsync(() => ex.create('p', premier)))?.code).toBe(Code.RESOURCE_EXHAUSTED);
        return;
      }
      // A task already running in the root's shared cpuset before any CPU is taken.
      const n = await ex.create('n', { cpu: { limit: 100 } });
      const early = await n.run(['sleep', '60'], { detached: true });
      early.unref();
      sleepers.push(early.pid!);
      expect(await ex.checkCreate('p', premier)).toContain(`CPU ${all.at(-1)} of its own`);
      const p = await ex.create('p', premier);
      const mine = [all.at(-1)!];
      const shared = all.slice(0, -1);
      expect(cpusOf(path.join(cpusetDir, 'p', 'cpuset.cpus'))).toEqual(mine);
      expect(p.spec().cpu?.mask?.data).toEqual([2 ** mine[0]!]);
      // The tier has no kernel file: spec reads it back from the ledger.
      expect(p.spec().cpu?.scheduling_latency).toBe('PREMIER');
      // Everything else of the root: the task there before, a new one, and one of / itself.
      expect(allowed(early.pid!)).toEqual(shared);
      for (const c of [n, ex.get('/')]) {
        const later = await c.run(['sleep', '60'], { detached: true });
        later.unref();
        sleepers.push(later.pid!);
        expect(allowed(later.pid!)).toEqual(shared);
      }
      const inside = await p.run(['sleep', '60'], { detached: true });
      inside.unref();
      sleepers.push(inside.pid!);
      expect(allowed(inside.pid!)).toEqual(mine);

      if (all.length === 2) {
        const refused = lmctfy(t5.root, ['create', '/q', 'cpu:{scheduling_latency:PREMIER limit:1000}']);
        expect(refused.code).toBe(8);
        expect(refused.stderr).toContain(`cpu: asked 1 CPU of its own (PREMIER, exclusive_cpus), 0 free of the root's CPU ${all[0]}-${all[1]} (1 always stays shared); held by /p (CPU ${mine[0]})`);
        expect(dirsOf(t5.root, 'q')).toEqual([]);
      }
      const masked = await errorOfAsync(() => ex.create('m', { cpu: { mask: { data: [2 ** mine[0]!] } } }));
      expect(masked?.message).toBe(`cannot create /m: cpu.mask selects CPUs held exclusively by /p (CPU ${mine[0]})`);
      expect(dirsOf(t5.root, 'm')).toEqual([]);
      expect((await errorOfAsync(() => p.update({ cpu: { limit: 2000 } }, 'diff')))?.code).toBe(Code.FAILED_PRECONDITION);
      await p.update({ cpu: { max_limit: 800 } }, 'diff');

      await ex.destroy('p', { force: true });
      expect(allowed(early.pid!)).toEqual(all);
      // The CPU is free again: a new PREMIER container takes it.
      await ex.create('p2', premier);
      expect(cpusOf(path.join(cpusetDir, 'p2', 'cpuset.cpus'))).toEqual(mine);
      await ex.clearPolicy();
      expect(allowed(early.pid!)).toEqual(all);
    } finally {
      for (const pid of sleepers) {
        try {
          process.kill(pid, 'SIGKILL');
        } catch {
          /* already gone */
        }
      }
      lmctfy(t5.root, ['policy', 'clear']);
      await t5.cleanup();
    }
  });

  it('four processes creating against one budget never admit more than it', async () => {
    const t3 = testRoot('admit');
    try {
      const racing = await ContainerApi.init({}, { root: t3.root });
      await racing.setPolicy({ capacity: { cpu: 1000, memory: GiB } });
      const run = (id: number) =>
        new Promise<{ admitted: string[]; bad: unknown[]; ops: Record<string, Record<string, number>> }>((resolve, reject) => {
          const args = ['--worker', String(id), '--root', t3.root, '--cycles', '5', '--mode', id === 0 ? 'admit-cli' : 'admit', '--seed', '1', '--marker', 'x'];
          const c = spawn(process.execPath, [WORKER, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
          let out = '';
          let err = '';
          c.stdout.on('data', (d: Buffer) => (out += d));
          c.stderr.on('data', (d: Buffer) => (err += d));
          c.once('exit', (code) => (code === 0 ? resolve(JSON.parse(out.trim().split('\n').at(-1)!)) : reject(new Error(`worker ${id} exited ${code}: ${err}`))));
        });
      const reports = await Promise.all([0, 1, 2, 3].map(run));
      const admitted = reports.flatMap((r) => r.admitted).sort();
      expect(reports.flatMap((r) => r.bad)).toEqual([]);
      // 20 tries of 0.1 CPU each against 1 CPU: exactly 10 fit, whoever came first.
      expect(admitted).toHaveLength(10);
      expect(racing.get('/').listSubcontainers()).toEqual(admitted);
      expect(reports.reduce((s, r) => s + (r.ops.create?.RESOURCE_EXHAUSTED ?? 0), 0)).toBe(10);
      // Destroys interleaved free every share: the whole budget is there again.
      await Promise.all(admitted.map((n) => racing.destroy(n)));
      expect(await racing.checkCreate('/all', { cpu: { limit: 1000 } })).toBe('admitted: /all (NORMAL): cpu 1 CPU, 0 CPU left after it');
      await racing.clearPolicy();
    } finally {
      await t3.cleanup();
    }
  }, 60_000);
});

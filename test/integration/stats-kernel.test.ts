import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as http from 'node:http';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeCgroups, testRoot } from '../helpers/cgroups.js';
import { BIN, lmctfy } from '../helpers/cli.js';
import { ContainerApi } from '../../src/engine/container-api.js';
import { realIo } from '../../src/engine/kernel/io.js';
import { SETTINGS_EVERY, engineStatsSource, openSampling } from '../../src/engine/sampling/index.js';
import { Sampler } from '../../src/stats/sampler.js';
import { toOpenMetrics } from '../../src/stats/openmetrics.js';
import { parseExposition } from '../helpers/exposition.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describeCgroups('stats from the kernel (real cgroups)', () => {
  const t = testRoot('stats');
  let api: ContainerApi;
  beforeAll(async () => {
    api = await ContainerApi.init({}, { root: t.root });
  });
  afterAll(() => t.cleanup());

  const sampler = (root: string) => new Sampler(engineStatsSource(api), { root, histograms: true, host: false });

  it('two busy loops under cpu:{max_limit:500} read 0.5 CPU ± 0.1 and show throttling', async () => {
    const c = await api.create('capped', { cpu: { max_limit: 500 } });
    await c.run(['sh', '-c', 'while :; do :; done'], { detached: true });
    await c.run(['sh', '-c', 'while :; do :; done'], { detached: true });
    const s = sampler('/capped');
    s.next();
    await sleep(2000);
    const v = s.next().containers.find((x) => x.name === '/capped')!;
    // Two loops want two CPUs and the cap allows half of one: never more (give or take the
    // interval's edges). How far below it they stay, and so how many periods hit the cap,
    // depends on how busy the machine is: a loaded one gave them 0.38 CPU.
    expect(v.rates.cpuPercent).toBeGreaterThan(0);
    expect(v.rates.cpuPercent).toBeLessThan(60);
    expect(v.rates.cpuPercentOfCap).toBeCloseTo(v.rates.cpuPercent! * 2);
    expect(v.rates.throttledPercent).toBeGreaterThan(0);
    expect(v.raw.stats.cpu?.throttling_data?.throttled_periods).toBeGreaterThan(0);
    // Each loop gets ~1/4 of a CPU: both show up as timeslices in the schedstat histograms.
    const oncpu = v.histograms?.find((h) => h.type === 'ONCPU');
    expect(oncpu?.stat.reduce((a, b) => a + b.value, 0)).toBeGreaterThan(10);
    // The console's counters passes read throttling only for capped containers: this one is.
    const live = new Sampler(engineStatsSource(api), { root: '/capped', host: false, type: 'counters' });
    live.next();
    await sleep(300);
    const lv = live.next().containers.find((x) => x.name === '/capped')!;
    expect(lv.raw.stats.cpu?.throttling_data?.throttled_periods).toBeGreaterThan(0);
    expect(lv.raw.limits.cpuMaxMilli).toBe(500);
    await api.destroy('capped', { force: true });
  });

  // The exports take the raw quota from what the sampler kept: a changed limit must not wait
  // for a re-validation. Export passes are serve's and top --format's, full ones top --json's; all learn it from inotify.
  it.each(['full', 'export', 'counters'] as const)('a changed CPU cap shows in the next exposition (%s passes, watching)', async (type) => {
    const name = `recapped-${type}`;
    const c = await api.create(name, { cpu: { max_limit: 500 } });
    const live = new Sampler(openSampling({ root: t.root, watch: true }), { root: `/${name}`, host: false, type });
    const quota = () => parseExposition(toOpenMetrics(live.next(), { format: 'prometheus' })).find((f) => f.name === 'container_spec_cpu_quota')?.metrics.map((m) => m.value);
    try {
      expect(quota()).toEqual(['50000']);
      await c.update({ cpu: { max_limit: 1500 } }, 'diff');
      // The event loop runs between passes, as between scrapes: the watch hears the write.
      await sleep(50);
      expect(quota()).toEqual(['150000']);
    } finally {
      live.close();
      await api.destroy(name, { force: true });
    }
  });

  it('a 64 MiB allocation shows in usage and working set', async () => {
    const c = await api.create('alloc', { memory: { limit: 500_000_000 } });
    await c.run([process.execPath, '-e', 'const b=Buffer.alloc(64<<20,1);setInterval(()=>b[0]++,100)'], { detached: true });
    const s = sampler('/alloc');
    let v = s.next().containers[0]!;
    for (let i = 0; i < 50 && (v.raw.stats.memory?.usage ?? 0) <= 64 << 20; i++) {
      await sleep(100);
      v = s.next().containers[0]!;
    }
    expect(v.raw.stats.memory!.usage!).toBeGreaterThan(64 << 20);
    expect(v.raw.stats.memory!.working_set!).toBeGreaterThan(64 << 20);
    expect(v.raw.limits.memoryLimit).toBe(500_000_000 - (500_000_000 % 4096));
    // The console's cheaper passes read limits on their own schedule but show the same numbers.
    const live = new Sampler(engineStatsSource(api), { root: '/alloc', host: false, type: 'counters' });
    for (let i = 0; i < 3; i++) {
      const c = live.next().containers[0]!;
      expect(c.raw.stats.memory?.limit).toBe(500_000_000 - (500_000_000 % 4096));
      expect(c.raw.limits.memoryLimit).toBe(500_000_000 - (500_000_000 % 4096));
      expect(c.raw.stats.memory?.working_set).toBeGreaterThan(64 << 20);
    }
    await api.destroy('alloc', { force: true });
  });

  it('counters passes skip memory.stat while usage stands still, but re-read it every few passes', async () => {
    await api.create('idle', { memory: { limit: 100_000_000 } });
    const reads: string[] = [];
    const io = { ...realIo, readFile: (p: string) => (reads.push(p), realIo.readFile(p)) };
    const counting = ContainerApi.open({ root: t.root, io });
    const live = new Sampler(engineStatsSource(counting), { root: '/idle', host: false, type: 'counters' });
    const passes = 3 * SETTINGS_EVERY;
    for (let i = 0; i < passes; i++) live.next();
    const statReads = reads.filter((p) => p.endsWith('/idle/memory.stat')).length;
    const usageReads = reads.filter((p) => p.endsWith('/idle/memory.usage_in_bytes')).length;
    expect(usageReads).toBe(passes);
    // An empty container's usage does not move: the first pass and each settings pass read it.
    expect(statReads).toBeGreaterThanOrEqual(3);
    expect(statReads).toBeLessThanOrEqual(4);
    await api.destroy('idle');
  });

  it('a destroyed container’s kept-open files are closed on the next pass, not ten passes later', async () => {
    await api.create('churn', { memory: { limit: 100_000_000 } });
    /** This process's open files below the container's dirs (an fd closed meanwhile links nowhere). */
    const link = (fd: string) => {
      try {
        return fs.readlinkSync(`/proc/self/fd/${fd}`);
      } catch {
        return '';
      }
    };
    const held = () =>
      fs
        .readdirSync('/proc/self/fd')
        .map(link)
        .filter((p) => p.includes('/churn/'))
        .map((p) => p.slice(p.lastIndexOf('/') + 1).replace(/ \(deleted\)$/, ''))
        .sort();
    const live = new Sampler(openSampling({ root: t.root }), { root: '/', host: false, type: 'counters' });
    live.next();
    expect(held()).toEqual(expect.arrayContaining(['cpuacct.usage', 'freezer.state', 'memory.usage_in_bytes']));
    await api.destroy('churn');
    live.next();
    expect(held()).toEqual([]);
    live.close();
  });

  it('an OOM kill increments the count', async () => {
    const c = await api.create('oom', { memory: { limit: 64 << 20 } });
    const s = sampler('/oom');
    // The console's counters passes too (they may carry the count over while usage stands still).
    const live = new Sampler(engineStatsSource(api), { root: '/oom', host: false, type: 'counters' });
    const before = s.next().containers[0]!.raw.stats.memory?.oom_kill_count ?? 0;
    live.next();
    live.next();
    const child = await c.run([process.execPath, '-e', 'const a=[];for(;;)a.push(Buffer.alloc(8<<20,1))'], { detached: true });
    await new Promise((r) => child.once('exit', r));
    const after = s.next().containers[0]!;
    expect(after.raw.stats.memory!.oom_kill_count).toBe(before + 1);
    expect(after.rates.oomKillsDelta).toBe(1);
    const liveAfter = live.next().containers[0]!;
    expect(liveAfter.raw.stats.memory!.oom_kill_count).toBe(before + 1);
    expect(liveAfter.rates.oomKillsDelta).toBe(1);
    await api.destroy('oom', { force: true });
  });

  it('top --json streams NDJSON without a TTY and stops after --count', () => {
    const r = lmctfy(t.root, ['top', '--json', '--interval', '0.25', '--count', '3']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const lines = r.stdout.trim().split('\n').map((l) => JSON.parse(l));
    expect(lines).toHaveLength(3);
    expect(lines[0].timestamp).toMatch(/^\d{4}-\d\d-\d\dT/);
    expect(lines[0].containers[0].name).toBe('/');
  });

  it('top --format openmetrics is accepted by an exposition parser', () => {
    const r = lmctfy(t.root, ['top', '--format', 'openmetrics', '--count', '1']);
    expect(r.code).toBe(0);
    expect(r.stdout.trimEnd().endsWith('# EOF')).toBe(true);
    const families = parseExposition(r.stdout.replace(/# EOF\s*$/, ''));
    const cpu = families.find((f) => f.name === 'container_cpu_usage_seconds_total');
    expect(cpu?.metrics.some((m) => m.labels?.id === '/')).toBe(true);
  });

  it('serve answers /metrics and /stats.json and exits cleanly on SIGTERM', async () => {
    const child = spawn(process.execPath, [BIN, 'serve', '--listen', '127.0.0.1:0'], { env: { ...process.env, LMCTFY_ROOT: t.root } });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const addr = await new Promise<string>((resolve, reject) => {
      let out = '';
      child.stdout.on('data', (d: Buffer) => {
        out += d.toString();
        const m = /listen="([^"]+)"\n/.exec(out);
        if (m) resolve(m[1]!);
      });
      child.once('exit', (code) => reject(new Error(`serve exited ${code}: ${stderr}`)));
    });
    const get = (path: string) =>
      new Promise<{ status: number; type: string; body: string }>((resolve, reject) =>
        http.get(`http://${addr}${path}`, (res) => {
          let body = '';
          res.on('data', (d) => (body += d));
          res.on('end', () => resolve({ status: res.statusCode!, type: String(res.headers['content-type']), body }));
        }).on('error', reject),
      );
    const metrics = await get('/metrics');
    expect(metrics.status, metrics.body + stderr).toBe(200);
    expect(metrics.type).toMatch(/text\/plain/);
    expect(parseExposition(metrics.body).length).toBeGreaterThan(5);
    const json = await get('/stats.json');
    expect(JSON.parse(json.body).containers[0].name).toBe('/');
    expect((await get('/nope')).status).toBe(404);
    child.kill('SIGTERM');
    const code = await new Promise((r) => child.once('exit', r));
    expect(code).toBe(0);
  });
});

import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { ContainerApi } from '../../src/engine/container-api.js';
import { Code } from '../../src/engine/errors.js';
import { startContinuousStats } from '../../src/daemon/continuous-stats.js';
import { askContinuousStats, continuousStatsSocket } from '../../src/stats/continuous.js';
import { describeCgroups, testRoot } from '../helpers/cgroups.js';
import { BIN, lmctfyAsync } from '../helpers/cli.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const count = (hs: Array<{ type: string; stat: Array<{ value: number }> }> | undefined, type: string) =>
  hs?.find((h) => h.type === type)?.stat.reduce((n, b) => n + b.value, 0) ?? 0;

describeCgroups('continuous stats of the daemon (real cgroups)', () => {
  const t = testRoot('contstats');
  let api: ContainerApi;
  let scope: string;
  beforeAll(async () => {
    api = await ContainerApi.init({}, { root: t.root });
    scope = api.machine.trackingDir('/');
    const c = await api.create('burst', { cpu: { limit: 100 } });
    // ~2 ms of CPU every 10 ms: timeslices every pass can count.
    await c.run([process.execPath, '-e', 'setInterval(() => { const t = Date.now(); while (Date.now() - t < 2); }, 10)'], { detached: true });
  });
  afterAll(() => t.cleanup());

  it('answers stats full with the histograms summed since it started, names itself, and leaves no socket when stopped', async () => {
    const stop = await startContinuousStats(api, { intervalMs: 200 });
    try {
      expect(fs.statSync(continuousStatsSocket(scope)).mode & 0o777).toBe(0o600);
      await sleep(600);
      const first = await askContinuousStats(scope, '/burst');
      expect(first?.pid).toBe(process.pid);
      expect(count(first?.histograms, 'ONCPU')).toBeGreaterThan(0);
      await sleep(300);
      const later = await askContinuousStats(scope, '/burst');
      // Sums since the start: they only grow, from the same moment.
      expect(later?.since).toBe(first?.since);
      expect(count(later?.histograms, 'ONCPU')).toBeGreaterThan(count(first?.histograms, 'ONCPU'));
      const cli = await lmctfyAsync(t.root, ['stats', 'full', 'burst', '--json']);
      expect(cli.code).toBe(0);
      expect(cli.stderr).toMatch(/CPU latency histograms since .* from lmctfy daemon \(pid \d+\)/);
      expect(count(JSON.parse(cli.stdout).cpu.histograms, 'ONCPU')).toBeGreaterThan(0);
      // A second server on the same root refuses to start.
      await expect(startContinuousStats(api)).rejects.toMatchObject({ code: Code.FAILED_PRECONDITION });
      await expect(askContinuousStats(scope, '/nothere')).rejects.toMatchObject({ code: Code.NOT_FOUND });
    } finally {
      await stop();
    }
    expect(fs.existsSync(continuousStatsSocket(scope))).toBe(false);
    expect(await askContinuousStats(scope, '/burst')).toBeUndefined();
    const without = await lmctfyAsync(t.root, ['stats', 'full', 'burst', '--json']);
    expect(without.code).toBe(0);
    expect(without.stderr).toMatch(/no CPU latency histograms/);
  });

  it('lmctfy daemon serves them while it runs: stats full names its pid; stopped, it leaves no socket', async () => {
    const daemon = spawn(process.execPath, [BIN, 'daemon'], { env: { ...process.env, LMCTFY_ROOT: t.root }, stdio: ['ignore', 'pipe', 'pipe'] });
    let err = '';
    daemon.stderr.on('data', (d) => (err += d));
    const exited = new Promise<number | null>((resolve) => daemon.once('close', resolve));
    try {
      for (let i = 0; i < 200 && !fs.existsSync(continuousStatsSocket(scope)) && daemon.exitCode === null; i++) await sleep(50);
      expect(err).toBe('');
      const cli = await lmctfyAsync(t.root, ['stats', 'full', 'burst']);
      expect(cli.code).toBe(0);
      expect(cli.stderr).toContain(`from lmctfy daemon (pid ${daemon.pid})`);
    } finally {
      daemon.kill('SIGINT');
    }
    expect(await exited).toBe(0);
    expect(fs.existsSync(continuousStatsSocket(scope))).toBe(false);
  });

  it('replaces a socket left by a daemon that died', async () => {
    const file = continuousStatsSocket(scope);
    fs.writeFileSync(file, '');
    expect(await askContinuousStats(scope, '/burst')).toBeUndefined();
    const stop = await startContinuousStats(api, { intervalMs: 60_000 });
    try {
      expect((await askContinuousStats(scope, '/burst'))?.container).toBe('/burst');
    } finally {
      await stop();
    }
  });
});

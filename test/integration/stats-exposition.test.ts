import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as http from 'node:http';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ContainerApi } from '../../src/engine/container-api.js';
import { OPEN_BUCKET, type HistogramMap } from '../../src/messages/types.js';
import { toOpenMetrics } from '../../src/stats/openmetrics.js';
import { describeCgroups, testRoot } from '../helpers/cgroups.js';
import { BIN, lmctfy } from '../helpers/cli.js';
import { debianCommand } from '../helpers/debian-package.js';
import { promtoolLint, promtoolParseOpenMetrics } from '../helpers/exposition.js';
import { LOOKUPS, VIEW } from '../fixtures/sample-view.js';

const promtool = debianCommand('prometheus', 'promtool');

/** describe() needing promtool: skipped with the reason, or failing where it had to be fetched. */
function describePromtool(name: string, fn: (promtool: string) => void): void {
  if ('error' in promtool) {
    describe(name, () => {
      throw new Error(promtool.error);
    });
  } else if ('skip' in promtool) describe.skip(`${name} (skipped: ${promtool.skip})`, () => fn(''));
  else describe(name, () => fn(promtool.path));
}

/** cAdvisor's own name, a counter without _total: the one lint problem dashboards make us keep. */
const FAILCNT_LINT = 'container_memory_failcnt counter metrics should have "_total" suffix';

describePromtool('the metrics exposition, checked by promtool', (bin) => {
  it('Prometheus text: promtool check metrics parses every family; its only lint is cAdvisor\'s container_memory_failcnt', () => {
    expect(promtoolLint(bin, toOpenMetrics(VIEW, { format: 'prometheus', ...LOOKUPS }))).toEqual([FAILCNT_LINT]);
  });

  it('OpenMetrics: Prometheus\'s own OpenMetrics parser reads it (families without _total, # EOF)', () => {
    expect(() => promtoolParseOpenMetrics(bin, toOpenMetrics(VIEW, { format: 'openmetrics', ...LOOKUPS }))).not.toThrow();
  });

  it('the checks can fail: a malformed exposition is refused by both', () => {
    const om = toOpenMetrics(VIEW, { format: 'openmetrics', ...LOOKUPS });
    expect(() => promtoolParseOpenMetrics(bin, om.replace('# EOF\n', ''))).toThrow(/EOF/);
    expect(() => promtoolLint(bin, 'container_x{id="/"} 1 2 3\n')).toThrow(/promtool check metrics failed/);
    expect(promtoolLint(bin, '# HELP x_total x\n# TYPE x_total counter\nx_total 1\n')).toEqual([]);
  });
});

/** `name{labels} value` lines of one container, keyed by metric name and its labels other than id. */
function samplesOf(text: string, id: string): Map<string, number> {
  const out = new Map<string, number>();
  for (const line of text.split('\n')) {
    const m = /^(\w+)\{id="([^"]*)"(,[^}]*)?\} (\S+)$/.exec(line);
    if (m && m[2] === id) out.set(`${m[1]}${m[3] ? `{${m[3].slice(1)}}` : ''}`, Number(m[4]));
  }
  return out;
}

describeCgroups('the metrics exports of a real container (real cgroups)', () => {
  const t = testRoot('export');
  let api: ContainerApi;
  beforeAll(async () => {
    api = await ContainerApi.init({}, { root: t.root });
    await api.create('w', {
      cpu: { limit: 300, max_limit: 500 },
      memory: { limit: 100_000_000, reservation: 50_000_000 },
      pids: { limit: 50 },
      blockio: {},
    });
    // Direct IO to a file on a real disk: the page cache would hide reads, and /dev is closed to the container.
    const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'lmctfy-io-')), 'f');
    const r = lmctfy(t.root, ['run', 'w', `dd if=/dev/zero of=${file} bs=64k count=16 oflag=direct 2>/dev/null && dd if=${file} of=/dev/null bs=64k iflag=direct 2>/dev/null; rm -rf ${path.dirname(file)}`]);
    expect(r.code, r.stderr).toBe(0);
  });
  afterAll(() => t.cleanup());

  it('top --format prometheus: the spec, thread, memory breakdown and IO families of the container, as cAdvisor gives them', () => {
    const r = lmctfy(t.root, ['top', 'w', '--format', 'prometheus', '--count', '1']);
    expect(r.code, r.stderr).toBe(0);
    const s = samplesOf(r.stdout, '/w');
    expect(s.get('container_cpu_usage_seconds_total{cpu="total"}')).toBeGreaterThan(0);
    expect(s.get('container_spec_cpu_period')).toBe(100_000);
    expect(s.get('container_spec_cpu_quota')).toBe(50_000);
    expect(s.get('container_spec_cpu_shares')).toBe(Math.floor((300 * 1024) / 1000));
    // The kernel rounds byte limits down to whole pages.
    expect(s.get('container_spec_memory_limit_bytes')).toBe(Math.floor(100_000_000 / 4096) * 4096);
    expect(s.get('container_spec_memory_reservation_limit_bytes')).toBe(Math.floor(50_000_000 / 4096) * 4096);
    expect(s.has('container_spec_memory_swap_limit_bytes')).toBe(true);
    expect(s.get('container_threads_max')).toBe(50);
    expect(s.get('container_threads')).toBe(0);
    for (const family of ['container_memory_cache', 'container_memory_rss', 'container_memory_mapped_file', 'container_memory_working_set_bytes']) {
      expect(s.has(family), family).toBe(true);
    }
    expect(s.get('container_memory_failures_total{failure_type="pgfault",scope="hierarchy"}')).toBeGreaterThan(0);
    const device = [...s.keys()].find((k) => k.startsWith('container_fs_writes_bytes_total{'))!;
    expect(device).toMatch(/^container_fs_writes_bytes_total\{device="\/dev\/\w+"\}$/);
    expect(s.get(device)).toBeGreaterThanOrEqual(16 * 65536);
    const [, name] = /device="([^"]+)"/.exec(device)!;
    const usage = [...s.entries()].filter(([k]) => k.startsWith(`container_blkio_device_usage_total{device="${name}"`));
    expect(usage.map(([k]) => /operation="(\w+)"/.exec(k)![1]).sort()).toEqual(['Read', 'Write']);
    if (!('path' in promtool)) return;
    expect(promtoolLint(promtool.path, r.stdout)).toEqual([FAILCNT_LINT]);
  });

  it('top --format openmetrics: the same samples, read by Prometheus\'s OpenMetrics parser', () => {
    const r = lmctfy(t.root, ['top', 'w', '--format', 'openmetrics', '--count', '1']);
    expect(r.code, r.stderr).toBe(0);
    expect(samplesOf(r.stdout, '/w').get('container_spec_cpu_quota')).toBe(50_000);
    if ('path' in promtool) promtoolParseOpenMetrics(promtool.path, r.stdout);
  });

  it('serve: an OpenMetrics scrape carries the same families', async () => {
    const child = spawn(process.execPath, [BIN, 'serve', '--listen', '127.0.0.1:0'], { env: { ...process.env, LMCTFY_ROOT: t.root } });
    try {
      const addr = await new Promise<string>((resolve, reject) => {
        let out = '';
        child.stdout.on('data', (d: Buffer) => {
          out += d.toString();
          const m = /listen="([^"]+)"\n/.exec(out);
          if (m) resolve(m[1]!);
        });
        child.once('exit', (code) => reject(new Error(`serve exited ${code}`)));
      });
      const body = await new Promise<string>((resolve, reject) =>
        http
          .get(`http://${addr}/metrics`, { headers: { Accept: 'application/openmetrics-text; version=1.0.0' } }, (res) => {
            let text = '';
            res.on('data', (d) => (text += d));
            res.on('end', () => resolve(text));
          })
          .on('error', reject),
      );
      const s = samplesOf(body, '/w');
      expect(s.get('container_spec_cpu_shares')).toBe(Math.floor((300 * 1024) / 1000));
      expect([...s.keys()].some((k) => k.startsWith('container_blkio_device_usage_total{device="/dev/'))).toBe(true);
      if ('path' in promtool) promtoolParseOpenMetrics(promtool.path, body);
    } finally {
      child.kill('SIGTERM');
      await new Promise((r) => child.once('exit', r));
    }
  });

  it('stats full --window: CPU latency histograms of a working container over the window', () => {
    // The shell wakes each time a sleep ends: a new timeslice of the same thread every 10 ms.
    const run = lmctfy(t.root, ['run', '-n', 'w', 'while :; do sleep 0.01; done']);
    expect(run.code, run.stderr).toBe(0);
    const r = lmctfy(t.root, ['stats', 'full', '--window', '0.5', '--json', 'w']);
    expect(r.code, r.stderr).toBe(0);
    const histograms: HistogramMap[] = JSON.parse(r.stdout).cpu.histograms;
    expect(histograms.map((h) => h.type).sort()).toEqual(['ONCPU', 'QUEUE_OTHER']);
    expect(histograms[0]!.stat.reduce((n, b) => n + Number(b.value), 0)).toBeGreaterThan(0);
    // The last finite bucket and the open one keep labels of their own in the output.
    expect(histograms[0]!.stat.slice(-2).map((b) => b.bucket)).toEqual([100_000, OPEN_BUCKET]);
    expect(r.stderr).toMatch(/CPU latency histograms over 0\.5 s from the scheduler statistics of its tasks/);
    lmctfy(t.root, ['killall', 'w']);
  });
});

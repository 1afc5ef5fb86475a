// Cost of the stats math per pass on synthetic counters (no kernel reads): deriving rates,
// recording history, schedstat histograms and both exporters, for growing container counts.
// Run: node bench/stats-math.mjs
import * as os from 'node:os';
import * as path from 'node:path';
import * as fs from 'node:fs';
import { pathToFileURL } from 'node:url';
import { build } from 'esbuild';
import { median, table } from './lib.mjs';

// The library bundle does not expose these internals: bundle them for this run only.
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lmctfy-stats-bench-'));
const outfile = path.join(dir, 'stats.mjs');
await build({
  stdin: {
    contents: `export * from './src/stats/rates.js'; export * from './src/stats/history.js';
      export * from './src/stats/histogram.js'; export * from './src/stats/json.js'; export * from './src/stats/openmetrics.js';`,
    resolveDir: process.cwd(),
    loader: 'ts',
  },
  bundle: true,
  format: 'esm',
  platform: 'node',
  outfile,
  logLevel: 'warning',
});
const s = await import(pathToFileURL(outfile).href);
fs.rmSync(dir, { recursive: true, force: true });

const PASSES = Number(process.env.BENCH_PASSES ?? 30);
const THREADS = 8;

function rawPass(n, k) {
  const containers = [];
  for (let i = 0; i < n; i++) {
    containers.push({
      name: `/job${Math.floor(i / 10)}/task${i}`,
      id: i + 1,
      limits: { cpuMaxMilli: 2000, memoryLimit: 1 << 30 },
      stats: {
        cpu: { usage: { total: k * 1e8 + i, user: k * 8e7, system: k * 2e7 }, throttling_data: { periods: k * 10, throttled_periods: k, throttled_time: k * 1e6 } },
        memory: { usage: 1e8 + k * 4096, max_usage: 2e8, fail_count: 0, oom_kill_count: 0, working_set: 9e7 },
        blockio: { devices: [{ device: { major: 8, minor: 0 }, read_bytes: k * 1e6, write_bytes: k * 2e6 }] },
      },
    });
  }
  return { timestamp: new Date().toISOString(), monoNs: k * 1e9, containers };
}

function time(fn) {
  const times = [];
  for (let k = 1; k <= PASSES; k++) {
    const t0 = process.hrtime.bigint();
    fn(k);
    times.push(Number(process.hrtime.bigint() - t0) / 1e6);
  }
  return median(times.slice(1));
}

const rows = [];
for (const n of [100, 1000, 10000]) {
  const passes = Array.from({ length: PASSES + 1 }, (_, k) => rawPass(n, k));
  const deriver = new s.SampleDeriver();
  const history = new s.HistoryStore();
  const views = [];
  const deriveMs = time((k) => views.push(deriver.derive(passes[k])));
  const historyMs = time((k) => history.record(views[k - 1]));
  const h = new s.SchedstatHistogrammer();
  const tasks = (k) => Array.from({ length: THREADS }, (_, t) => ({ pid: 1, tid: t, stat: { onCpuNs: k * 1e6 * (t + 1), waitNs: k * 1e5, slices: k * 10 } }));
  const histMs = time((k) => {
    for (const c of passes[k].containers) h.observe(c.name, c.id, tasks(k));
  });
  const last = views.at(-1);
  const jsonMs = time(() => s.toNdjsonLine(last));
  const omMs = time(() => s.toOpenMetrics(last, { format: 'openmetrics' }));
  const per = (ms) => `${((ms * 1000) / n).toFixed(2)}`;
  rows.push({
    containers: n,
    derive_ms: deriveMs.toFixed(2),
    history_ms: historyMs.toFixed(2),
    [`histograms_${THREADS}thr_ms`]: histMs.toFixed(2),
    ndjson_ms: jsonMs.toFixed(2),
    openmetrics_ms: omMs.toFixed(2),
    all_us_per_container: per(deriveMs + historyMs + histMs + jsonMs + omMs),
  });
}
table(rows);

// Soak: churns containers (create / run / stats / update / destroy -f) while the sampler
// samples the whole tree and renders both exporters, for a given time, in one process.
// Reports leaked cgroups and processes, open file descriptors at start and end, and RSS
// growth after a warm-up (with forced GCs). Goal: zero leaks, RSS growth under 10 %.
// Run: npm run soak [-- --seconds 600] [--containers 8] [--interval-ms 100]
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as v8 from 'node:v8';
import * as vm from 'node:vm';
import { parseArgs } from 'node:util';
import { ContainerApi, LmctfyError, Code, Sampler, openSampling, toNdjsonLine, toOpenMetrics } from '../dist/index.js';
import { ownDirs, table } from './lib.mjs';
import { removeRootDirs } from './cleanup.mjs';

const { values } = parseArgs({
  options: {
    seconds: { type: 'string', default: '600' },
    containers: { type: 'string', default: '8' },
    'interval-ms': { type: 'string', default: '100' },
  },
});
const SECONDS = Number(values.seconds);
const LIVE = Number(values.containers);
const INTERVAL_MS = Number(values['interval-ms']);
/**
 * Warm-up before the baseline: JIT, V8's heap sizing, the root's history ring and the
 * descriptor cache settle during the first minute (see the series the run prints).
 */
const WARMUP_MS = Math.min(60_000, SECONDS * 500);

v8.setFlagsFromString('--expose-gc');
const gc = vm.runInNewContext('gc');
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
/** Open descriptors by what they point at (the listing's own descriptor excluded). */
function fdTargets() {
  const out = [];
  for (const fd of fs.readdirSync('/proc/self/fd')) {
    try {
      out.push(fs.readlinkSync(`/proc/self/fd/${fd}`));
    } catch {
      /* the directory handle of this very listing */
    }
  }
  return out;
}
const fds = () => fdTargets().length;
const mb = (bytes) => (bytes / 2 ** 20).toFixed(1);
function settle() {
  for (let i = 0; i < 3; i++) gc();
  return { rss: process.memoryUsage().rss, heap: process.memoryUsage().heapUsed };
}

const root = `lmctfy-soak-${process.pid}`;
const marker = `soak-${process.pid}`;
const api = await ContainerApi.init({}, { root });
const sampler = new Sampler(openSampling({ root }), { type: 'full', histograms: true });
// And as the console does: counters passes, the tree and settings learnt from inotify.
const watching = new Sampler(openSampling({ root, watch: true }), { type: 'counters', histograms: true });
const names = (view) => view.containers.map((c) => c.name).join(' ');
const errors = {};
const count = (e) => {
  const code = e instanceof LmctfyError ? Code[e.code] : `THROWN ${e?.message ?? e}`;
  errors[code] = (errors[code] ?? 0) + 1;
};
const stats = { cycles: 0, samples: 0, maxContainers: 0, exportedBytes: 0 };
const started = new Set();
// Start after one pass over the empty tree (the sampler keeps the root's files open by
// design) and one run (the first child makes libuv open its SIGCHLD pipe and a /dev/null).
sampler.next();
watching.next();
{
  const child = await (await api.create('warm')).run(['true'], { detached: true });
  await new Promise((resolve) => child.once('exit', resolve));
  await api.destroy('warm', { force: true });
}
const fdsAtStart = fdTargets();
const fdStart = fdsAtStart.length;
let stop = false;

/** Keeps LIVE containers alive: each cycle makes one, runs a short payload in it, reads it, drops the oldest. */
async function churn() {
  const live = [];
  for (let i = 0; !stop; i++) {
    const name = `c${i}`;
    try {
      const c = await api.create(name, { cpu: { limit: 200 + (i % 5) * 100 }, memory: { limit: 64 * 2 ** 20 }, pids: { limit: 64 } });
      live.push(name);
      // A payload that forks and exits on its own, so stats and teardown see tasks come and go.
      const child = await c.run(['/bin/sh', '-c', 'for i in 1 2 3; do /bin/true; done; exec sleep 0.3', marker], { detached: true });
      started.add(child.pid);
      child.once('exit', () => started.delete(child.pid));
      child.unref();
      c.stats('full');
      await c.update({ memory: { limit: 96 * 2 ** 20 } }, 'diff');
    } catch (e) {
      count(e);
    }
    while (live.length > LIVE) {
      try {
        await api.destroy(live.shift(), { force: true });
      } catch (e) {
        count(e);
      }
    }
    stats.cycles++;
    await sleep(20);
  }
  for (const name of live) {
    try {
      await api.destroy(name, { force: true });
    } catch (e) {
      count(e);
    }
  }
}

/** Samples the whole tree like `lmctfy top`/`serve` do, rendering both exporters. */
async function sample() {
  while (!stop) {
    try {
      const view = sampler.next();
      stats.samples++;
      stats.maxContainers = Math.max(stats.maxContainers, view.containers.length);
      stats.exportedBytes += toNdjsonLine(view).length + toOpenMetrics(view, { format: 'openmetrics' }).length;
      watching.next();
    } catch (e) {
      count(e);
    }
    await sleep(INTERVAL_MS);
  }
}

function leftovers() {
  const dirs = [...Object.values(ownDirs()).map((d) => path.join(d, root))];
  const below = [];
  const walk = (d) => {
    for (const e of fs.readdirSync(d, { withFileTypes: true })) {
      if (e.isDirectory()) (below.push(path.join(d, e.name)), walk(path.join(d, e.name)));
    }
  };
  for (const d of dirs) if (fs.existsSync(d)) walk(d);
  const alive = [];
  for (const p of fs.readdirSync('/proc').filter((x) => /^\d+$/.test(x))) {
    try {
      const args = fs.readFileSync(`/proc/${p}/cmdline`, 'utf8').split('\0');
      if (args.includes(marker) && fs.readFileSync(`/proc/${p}/stat`, 'utf8').replace(/^.*\) /, '')[0] !== 'Z') alive.push(Number(p));
    } catch {
      /* gone */
    }
  }
  return { dirs: below, pids: alive };
}

const t0 = Date.now();
let base;
const series = [];
const loops = Promise.all([churn(), sample()]);
try {
  await sleep(WARMUP_MS);
  base = { ...settle(), fds: fds() };
  const step = Math.max(10_000, ((SECONDS * 1000 - WARMUP_MS) / 10) | 0);
  while (Date.now() - t0 < SECONDS * 1000) {
    await sleep(Math.min(step, SECONDS * 1000 - (Date.now() - t0)));
    const m = process.memoryUsage();
    series.push({
      t_s: ((Date.now() - t0) / 1000).toFixed(0),
      cycles: stats.cycles,
      samples: stats.samples,
      rss_mb: mb(m.rss),
      heap_mb: mb(m.heapUsed),
      external_mb: mb(m.external),
      fds: fds(),
    });
  }
} finally {
  stop = true;
  await loops;
}
// One pass over the emptied tree lets the sampler drop what it kept for vanished containers.
await sleep(500);
const polled = names(sampler.next());
const watched = names(watching.next());
watching.close();
const end = { ...settle(), fds: fds() };
const left = leftovers();
for (const pid of left.pids) process.kill(pid, 'SIGKILL');
removeRootDirs(root);

table(series);
console.log('');
const growth = (a, b) => (((b - a) / a) * 100).toFixed(1);
table([
  { metric: 'duration, s', value: ((Date.now() - t0) / 1000).toFixed(0) },
  { metric: 'churn cycles (create/run/stats/update/destroy)', value: stats.cycles },
  { metric: 'sampler passes (both exporters each)', value: stats.samples },
  { metric: 'containers per pass, max', value: stats.maxContainers },
  { metric: 'errors by code', value: JSON.stringify(errors) },
  { metric: 'leaked cgroups', value: left.dirs.length },
  { metric: 'leaked processes', value: left.pids.length },
  { metric: 'open fds: start / after warm-up / end', value: `${fdStart} / ${base.fds} / ${end.fds}` },
  { metric: 'watching sampler agrees with polling at the end', value: polled === watched ? 'yes' : `no: ${watched} vs ${polled}` },
  { metric: 'RSS after warm-up → end, MB', value: `${mb(base.rss)} → ${mb(end.rss)} (${growth(base.rss, end.rss)} %)` },
  { metric: 'heap after warm-up → end, MB', value: `${mb(base.heap)} → ${mb(end.heap)} (${growth(base.heap, end.heap)} %)` },
]);
for (const d of left.dirs) console.log(`leaked cgroup: ${d}`);
const fdsAtEnd = fdTargets();
for (const f of new Set(fdsAtEnd)) {
  const extra = fdsAtEnd.filter((x) => x === f).length - fdsAtStart.filter((x) => x === f).length;
  if (extra > 0) console.log(`descriptor opened since the start: ${f}${extra > 1 ? ` ×${extra}` : ''}`);
}
const ok = left.dirs.length === 0 && left.pids.length === 0 && end.fds <= fdStart && end.rss < base.rss * 1.1 && polled === watched;
console.log(`\ngoal: no leaked cgroups, processes or fds; RSS growth < 10 %; the watching sampler agrees with polling — ${ok ? 'met' : 'NOT met'}`);
if (!ok) process.exitCode = 1;

// What the headless paths cost against systemd-cgtop on the same tree and interval (issue 14,
// goal 3), at N containers (default 1,000, idle):
//   - `lmctfy top --json --interval 1 /<root>` against `systemd-cgtop -b -d 1 /<root>`, both
//     writing into pipes this process drains (cgtop with -n, else it stops after one pass);
//   - `lmctfy serve` scraped every 15 s (GET /metrics on 127.0.0.1, from this process) against
//     `systemd-cgtop -b -d 15 /<root>`.
// The figure is each whole process's CPU (utime + stime of all its threads, /proc/<pid>/stat)
// over MEASURE_S seconds after WARMUP_S seconds (serve: SERVE_MEASURE_S after SERVE_WARMUP_S,
// which holds the scrape at start and the next one, the first to take the steady path: a
// server is scraped for hours, and a 45 s window after 5 s was a third start-up); the pair runs at once, so both see the same
// machine load. The tree is made under a delegated root below our own cgroup (with the empty
// cgroup2 mirror systemd-cgtop walks) and removed afterwards.
// Before and after a change, in the same window: BENCH_BEFORE_BIN=<another build's bin/lmctfy.js>
// (e.g. `git archive <commit> | tar -x -C /tmp/before`, node_modules linked, `npm run build`)
// runs that lmctfy beside this one on the same tree (serve: both scraped, one after the other)
// and prints its CPU and after/before.
// Run: npm run build && node bench/headless-cost.mjs   (BENCH_SIZE=1000 BENCH_MEASURE_S=30
// BENCH_SERVE_MEASURE_S=90 BENCH_WARMUP_S=5 BENCH_SERVE_WARMUP_S=20 BENCH_NODE_FLAGS=... BENCH_BEFORE_BIN=...; needs cgroups, as root)
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as http from 'node:http';
import * as os from 'node:os';
import * as path from 'node:path';
import { ContainerApi } from '../dist/index.js';
import { ensureCommand, record, table } from './lib.mjs';
import { destroyBenchTree } from './cleanup.mjs';
import { treeNames } from './floors.mjs';

const N = Number(process.env.BENCH_SIZE ?? 1000);
const MEASURE_S = Number(process.env.BENCH_MEASURE_S ?? 30);
// Six scrapes at 15 s, after the first two.
const SERVE_MEASURE_S = Number(process.env.BENCH_SERVE_MEASURE_S ?? 90);
const WARMUP_S = Number(process.env.BENCH_WARMUP_S ?? 5);
const SERVE_WARMUP_S = Number(process.env.BENCH_SERVE_WARMUP_S ?? 20);
const SCRAPE_S = 15;
const TICK = 100; // USER_HZ: /proc/<pid>/stat counts in 1/100 s
const BIN = path.resolve('bin/lmctfy.js');
const BEFORE_BIN = process.env.BENCH_BEFORE_BIN ? path.resolve(process.env.BENCH_BEFORE_BIN) : undefined;
const NODE_FLAGS = (process.env.BENCH_NODE_FLAGS ?? '').split(' ').filter(Boolean);
// lmctfy as users start it, with the Node flags of the bin's #! line, and any given for a
// profile under the same load: BENCH_NODE_FLAGS='--cpu-prof --cpu-prof-dir=/tmp/prof'.
const lmctfyOf = (bin) => {
  const flags = fs.readFileSync(bin, 'utf8').split('\n')[0].replace(/^#!.*?\bnode\b/, '').split(' ').filter(Boolean);
  return (args) => [process.execPath, [...flags, ...NODE_FLAGS, bin, ...args]];
};
const lmctfy = lmctfyOf(BIN);
const before = BEFORE_BIN && lmctfyOf(BEFORE_BIN);
// Without -n, systemd-cgtop writing into a pipe stops after one pass.
const ITERATIONS = '1000000';

ensureCommand('systemd-cgtop', 'systemd');
const root = `lmctfy-bench-headless-${process.pid}`;
const api = await ContainerApi.init({}, { root });
const unifiedMirror = path.join('/sys/fs/cgroup/unified', root);
const env = { ...process.env, LMCTFY_ROOT: root };
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** utime + stime of a whole process (all its threads), in CPU seconds. */
function cpuOf(pid) {
  const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
  const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(f[11]) + Number(f[12])) / TICK;
}

/** A process whose stdout is drained and counted; stderr kept for a failure's message. */
function started(file, args) {
  const child = spawn(file, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
  const s = { child, bytes: 0, err: '', exited: false, firstLine: undefined };
  child.stdout.on('data', (d) => {
    s.bytes += d.length;
    s.firstLine ??= d.toString().split('\n')[0];
  });
  child.stderr.on('data', (d) => {
    s.err = (s.err + d).slice(-2000);
  });
  child.on('exit', () => {
    s.exited = true;
  });
  return s;
}

async function stop(s) {
  if (s.exited) return;
  const gone = new Promise((r) => s.child.once('exit', r));
  s.child.kill('SIGTERM');
  const kill = setTimeout(() => s.exited || s.child.kill('SIGKILL'), 3000);
  await gone;
  clearTimeout(kill);
}

function get(port, pathname) {
  return new Promise((resolve, reject) => {
    http
      .get({ host: '127.0.0.1', port, path: pathname }, (res) => {
        let n = 0;
        res.on('data', (d) => (n += d.length));
        res.on('end', () => (res.statusCode === 200 ? resolve(n) : reject(new Error(`GET ${pathname}: ${res.statusCode}`))));
      })
      .on('error', reject);
  });
}

/** The processes over the same window (lmctfy, cgtop, and the before build's lmctfy if given): warm-up, then CPU over `seconds`. */
async function window(a, b, seconds, count = () => 0, c = undefined, warmupS = WARMUP_S) {
  await sleep(warmupS * 1000);
  const all = c ? [a, b, c] : [a, b];
  for (const s of all) if (s.exited) throw new Error(`exited during warm-up: ${s.err}`);
  const cpu0 = all.map((s) => cpuOf(s.child.pid));
  const n0 = count();
  const load0 = os.loadavg()[0];
  await sleep(seconds * 1000);
  const cpu = all.map((s, i) => cpuOf(s.child.pid) - cpu0[i]);
  return { lmctfy: cpu[0], cgtop: cpu[1], before: cpu[2], load: (load0 + os.loadavg()[0]) / 2, counted: count() - n0 };
}

async function topJson() {
  const args = ['top', '--json', '--interval', '1', '/'];
  const top = started(...lmctfy(args));
  const cgtop = started('systemd-cgtop', ['-b', '-n', ITERATIONS, '-d', '1', `/${root}`]);
  const old = before && started(...before(args));
  try {
    const r = await window(top, cgtop, MEASURE_S, undefined, old);
    return { ...r, out: [top.bytes, cgtop.bytes, old?.bytes] };
  } finally {
    await Promise.all([stop(top), stop(cgtop), old && stop(old)]);
  }
}

/** The port a `serve` printed it listens on. */
async function portOf(srv) {
  while (srv.firstLine === undefined && !srv.exited) await sleep(50);
  const port = Number(/:(\d+)"/.exec(srv.firstLine ?? '')?.[1]);
  if (!port) throw new Error(`serve did not say where it listens: ${srv.err}`);
  return port;
}

async function serve() {
  const args = ['serve', '--listen', '127.0.0.1:0', '/'];
  const srv = started(...lmctfy(args));
  const cgtop = started('systemd-cgtop', ['-b', '-n', ITERATIONS, '-d', String(SCRAPE_S), `/${root}`]);
  const old = before && started(...before(args));
  let scrapes = 0;
  let bytes = 0;
  let oldBytes = 0;
  let timer;
  try {
    const port = await portOf(srv);
    const oldPort = old && (await portOf(old));
    // A Prometheus-like loop: a scrape now, then every 15 s (the before build's beside it, each
    // first in turn).
    const scrape = async () => {
      const one = async () => (bytes += await get(port, '/metrics'));
      const other = async () => (oldBytes += await get(oldPort, '/metrics'));
      if (!oldPort) await one();
      else if (scrapes % 2 === 0) await one().then(other);
      else await other().then(one);
      scrapes++;
    };
    await scrape();
    timer = setInterval(() => scrape().catch((e) => console.error(e.message)), SCRAPE_S * 1000);
    const r = await window(srv, cgtop, SERVE_MEASURE_S, () => scrapes, old, SERVE_WARMUP_S);
    return { ...r, scrapes: r.counted, out: [bytes, cgtop.bytes, old && oldBytes] };
  } finally {
    clearInterval(timer);
    await Promise.all([stop(srv), stop(cgtop), old && stop(old)]);
  }
}

const made = [];
try {
  for (const name of treeNames(N)) {
    await api.create(name, {});
    made.push(name);
    fs.mkdirSync(path.join(unifiedMirror, name), { recursive: true });
  }
  const rows = [];
  const beforeCols = (r) => (before ? { 'before CPU-s': r.before.toFixed(2), 'after/before': (r.lmctfy / Math.max(r.before, 1 / TICK)).toFixed(2), 'before KB out': (r.out[2] / 1000).toFixed(0) } : {});
  const goal = { on: 'ratio', max: 1, text: '≤ 1.0× systemd-cgtop (#14)' };
  const t = await topJson();
  record('headless', `lmctfy top --json, ${N} containers, 1 s, CPU over ${MEASURE_S} s`, t.lmctfy, 'CPU-s', { baseline: { what: 'systemd-cgtop -b -d 1', value: t.cgtop }, goal });
  rows.push({ path: 'top --json --interval 1', against: 'systemd-cgtop -b -d 1', seconds: MEASURE_S, 'lmctfy CPU-s': t.lmctfy.toFixed(2), 'cgtop CPU-s': t.cgtop.toFixed(2), ratio: (t.lmctfy / Math.max(t.cgtop, 1 / TICK)).toFixed(2), 'lmctfy KB out': (t.out[0] / 1000).toFixed(0), 'cgtop KB out': (t.out[1] / 1000).toFixed(0), ...beforeCols(t), load: t.load.toFixed(2) });
  const s = await serve();
  record('headless', `lmctfy serve, ${N} containers, scraped every ${SCRAPE_S} s, CPU over ${SERVE_MEASURE_S} s`, s.lmctfy, 'CPU-s', { baseline: { what: `systemd-cgtop -b -d ${SCRAPE_S}`, value: s.cgtop }, goal });
  rows.push({ path: `serve, GET /metrics every ${SCRAPE_S} s (${s.scrapes} in the window)`, against: `systemd-cgtop -b -d ${SCRAPE_S}`, seconds: SERVE_MEASURE_S, 'lmctfy CPU-s': s.lmctfy.toFixed(2), 'cgtop CPU-s': s.cgtop.toFixed(2), ratio: (s.lmctfy / Math.max(s.cgtop, 1 / TICK)).toFixed(2), 'lmctfy KB out': (s.out[0] / 1000).toFixed(0), 'cgtop KB out': (s.out[1] / 1000).toFixed(0), ...beforeCols(s), load: s.load.toFixed(2) });
  table(rows);
  console.log(`\ngoal: each lmctfy process's CPU ≤ 1.0× systemd-cgtop's over the same window (after ${WARMUP_S} s; serve after ${SERVE_WARMUP_S} s), ${N} containers; /proc/<pid>/stat, 10 ms ticks`);
} finally {
  await destroyBenchTree(api, made, root, unifiedMirror);
}

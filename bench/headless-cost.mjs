// What the headless paths cost against systemd-cgtop on the same tree and interval (issue 14,
// goal 3), at N containers (default 1,000, idle):
//   - `lmctfy top --json --interval 1 /<root>` against `systemd-cgtop -b -d 1 /<root>`, both
//     writing into pipes this process drains (cgtop with -n, else it stops after one pass);
//   - `lmctfy serve` scraped every 15 s (GET /metrics on 127.0.0.1, from this process) against
//     `systemd-cgtop -b -d 15 /<root>`.
// The figure is each whole process's CPU (utime + stime of all its threads, /proc/<pid>/stat)
// over MEASURE_S seconds after WARMUP_S seconds; the pair runs at once, so both see the same
// machine load. The tree is made under a delegated root below our own cgroup (with the empty
// cgroup2 mirror systemd-cgtop walks) and removed afterwards.
// Run: npm run build && node bench/headless-cost.mjs   (BENCH_SIZE=1000 BENCH_MEASURE_S=30
// BENCH_SERVE_MEASURE_S=45 BENCH_WARMUP_S=5 BENCH_NODE_FLAGS=...; needs cgroups, as root)
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
// Three scrapes at 15 s.
const SERVE_MEASURE_S = Number(process.env.BENCH_SERVE_MEASURE_S ?? 45);
const WARMUP_S = Number(process.env.BENCH_WARMUP_S ?? 5);
const SCRAPE_S = 15;
const TICK = 100; // USER_HZ: /proc/<pid>/stat counts in 1/100 s
const BIN = path.resolve('bin/lmctfy.js');
// lmctfy as users start it, with the Node flags of the bin's #! line, and any given for a
// profile under the same load: BENCH_NODE_FLAGS='--cpu-prof --cpu-prof-dir=/tmp/prof'.
const BIN_FLAGS = fs.readFileSync(BIN, 'utf8').split('\n')[0].replace(/^#!.*?\bnode\b/, '').split(' ').filter(Boolean);
const NODE_FLAGS = (process.env.BENCH_NODE_FLAGS ?? '').split(' ').filter(Boolean);
const lmctfy = (args) => [process.execPath, [...BIN_FLAGS, ...NODE_FLAGS, BIN, ...args]];
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

/** Both processes over the same window: warm-up, then CPU over `seconds`. */
async function window(a, b, seconds, count = () => 0) {
  await sleep(WARMUP_S * 1000);
  for (const s of [a, b]) if (s.exited) throw new Error(`exited during warm-up: ${s.err}`);
  const [a0, b0, n0] = [cpuOf(a.child.pid), cpuOf(b.child.pid), count()];
  const load0 = os.loadavg()[0];
  await sleep(seconds * 1000);
  const [a1, b1, n1] = [cpuOf(a.child.pid), cpuOf(b.child.pid), count()];
  return { lmctfy: a1 - a0, cgtop: b1 - b0, load: (load0 + os.loadavg()[0]) / 2, counted: n1 - n0 };
}

async function topJson() {
  const top = started(...lmctfy(['top', '--json', '--interval', '1', '/']));
  const cgtop = started('systemd-cgtop', ['-b', '-n', ITERATIONS, '-d', '1', `/${root}`]);
  try {
    const r = await window(top, cgtop, MEASURE_S);
    return { ...r, out: [top.bytes, cgtop.bytes] };
  } finally {
    await Promise.all([stop(top), stop(cgtop)]);
  }
}

async function serve() {
  const srv = started(...lmctfy(['serve', '--listen', '127.0.0.1:0', '/']));
  const cgtop = started('systemd-cgtop', ['-b', '-n', ITERATIONS, '-d', String(SCRAPE_S), `/${root}`]);
  let scrapes = 0;
  let bytes = 0;
  let timer;
  try {
    while (srv.firstLine === undefined && !srv.exited) await sleep(50);
    const port = Number(/:(\d+)"/.exec(srv.firstLine ?? '')?.[1]);
    if (!port) throw new Error(`serve did not say where it listens: ${srv.err}`);
    // A Prometheus-like loop: a scrape now, then every 15 s.
    const scrape = async () => {
      bytes += await get(port, '/metrics');
      scrapes++;
    };
    await scrape();
    timer = setInterval(() => scrape().catch((e) => console.error(e.message)), SCRAPE_S * 1000);
    const r = await window(srv, cgtop, SERVE_MEASURE_S, () => scrapes);
    return { ...r, scrapes: r.counted, out: [bytes, cgtop.bytes] };
  } finally {
    clearInterval(timer);
    await Promise.all([stop(srv), stop(cgtop)]);
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
  const goal = { on: 'ratio', max: 1, text: '≤ 1.0× systemd-cgtop (#14)' };
  const t = await topJson();
  record('headless', `lmctfy top --json, ${N} containers, 1 s, CPU over ${MEASURE_S} s`, t.lmctfy, 'CPU-s', { baseline: { what: 'systemd-cgtop -b -d 1', value: t.cgtop }, goal });
  rows.push({ path: 'top --json --interval 1', against: 'systemd-cgtop -b -d 1', seconds: MEASURE_S, 'lmctfy CPU-s': t.lmctfy.toFixed(2), 'cgtop CPU-s': t.cgtop.toFixed(2), ratio: (t.lmctfy / Math.max(t.cgtop, 1 / TICK)).toFixed(2), 'lmctfy KB out': (t.out[0] / 1000).toFixed(0), 'cgtop KB out': (t.out[1] / 1000).toFixed(0), load: t.load.toFixed(2) });
  const s = await serve();
  record('headless', `lmctfy serve, ${N} containers, scraped every ${SCRAPE_S} s, CPU over ${SERVE_MEASURE_S} s`, s.lmctfy, 'CPU-s', { baseline: { what: `systemd-cgtop -b -d ${SCRAPE_S}`, value: s.cgtop }, goal });
  rows.push({ path: `serve, GET /metrics every ${SCRAPE_S} s (${s.scrapes} in the window)`, against: `systemd-cgtop -b -d ${SCRAPE_S}`, seconds: SERVE_MEASURE_S, 'lmctfy CPU-s': s.lmctfy.toFixed(2), 'cgtop CPU-s': s.cgtop.toFixed(2), ratio: (s.lmctfy / Math.max(s.cgtop, 1 / TICK)).toFixed(2), 'lmctfy KB out': (s.out[0] / 1000).toFixed(0), 'cgtop KB out': (s.out[1] / 1000).toFixed(0), load: s.load.toFixed(2) });
  table(rows);
  console.log(`\ngoal: each lmctfy process's CPU ≤ 1.0× systemd-cgtop's over the same window (after ${WARMUP_S} s), ${N} containers; /proc/<pid>/stat, 10 ms ticks`);
} finally {
  await destroyBenchTree(api, made, root, unifiedMirror);
}

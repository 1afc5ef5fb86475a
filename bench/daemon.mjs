// The policy daemon's speed and cost (docs/DAEMON.md; issue 16's goals):
// 1. From root memory crossing the eviction threshold to the victim's tasks gone, over
//    BENCH_TRIALS trials (default 50), as the daemon's own records measure it (latency_ms:
//    from the kernel's notification reaching it to the kill done). Goal p99 ≤ 100 ms.
// 2. The daemon's CPU and RSS with BENCH_IDLE containers (default 1,000) idle for
//    BENCH_IDLE_S seconds (default 30), helpers included. Goal ≤ 0.5 % of a core, ≤ 100 MB.
// 3. A latency-sensitive task's p99 wake-up latency (bench/latprobe.c) alone, and beside two
//    CPUs of stress-ng: in a NORMAL container without a daemon, in a NORMAL container with
//    the daemon's CPU enforcement on (the probe's warm-up rounds, in every setting, let the
//    PRIORITY container wait and the daemon act: short slice, NORMAL capped),
//    beside NORMAL batch with the probe given the daemon's short slice by hand from its start
//    (the slice alone, without the daemon's reaction time or caps), in a BEST_EFFORT
//    container; BENCH_WAKE_ROUNDS (default 5) interleaved rounds of these,
//    each round's ratios against its own "alone"; then a PREMIER probe on exclusive CPUs,
//    alone and beside NORMAL batch, alternating. Goal ≤ 1.2 × alone (median ratio).
// Run: npm run build && node bench/daemon.mjs   (as root; stress-ng from Debian)
import { spawn, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import * as lmctfy from '../dist/index.js';
import { ensureCommand, ownDirs, record, table } from './lib.mjs';
import { removeRootTree } from './cleanup.mjs';

const { ContainerApi } = lmctfy;
const here = path.dirname(fileURLToPath(import.meta.url));
const BIN = path.join(here, '..', 'bin', 'lmctfy.js');
const PSI_HELPER = path.join(here, '..', 'build', 'lmctfy-psi');
const TRIALS = Number(process.env.BENCH_TRIALS ?? 50);
const IDLE = Number(process.env.BENCH_IDLE ?? 1000);
const IDLE_S = Number(process.env.BENCH_IDLE_S ?? 30);
const WAKE_ROUNDS = Number(process.env.BENCH_WAKE_ROUNDS ?? 5);
const PROBE_ROUNDS = Number(process.env.BENCH_PROBE_ROUNDS ?? 4000);
/** Rounds the probe runs before it measures, in every setting: 3 s, more than one PSI window. */
const PROBE_WARMUP = Number(process.env.BENCH_PROBE_WARMUP ?? 2500);
const MiB = 2 ** 20;
const parent = `lmctfy-bench-daemon-${process.pid}`;
const root = `${parent}/m`;

ensureCommand('stress-ng', 'stress-ng');
const probe = path.join(os.tmpdir(), `lmctfy-latprobe-${process.pid}`);
if (spawnSync('cc', ['-O2', '-o', probe, path.join(here, 'latprobe.c')], { stdio: 'inherit' }).status !== 0) throw new Error('cannot compile bench/latprobe.c');

const pct = (xs, p) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor((xs.length * p) / 100))];
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** `lmctfy daemon --json` on the bench root; resolves once it has started, with its records as they come. */
async function startDaemon() {
  const child = spawn(process.execPath, [BIN, 'daemon', '--json'], { env: { ...process.env, LMCTFY_ROOT: root }, stdio: ['ignore', 'pipe', 'inherit'] });
  const records = [];
  let tail = '';
  child.stdout.setEncoding('utf8');
  child.stdout.on('data', (chunk) => {
    const lines = (tail + chunk).split('\n');
    tail = lines.pop();
    for (const l of lines) records.push(JSON.parse(l));
  });
  while (!records.some((r) => r.what === 'start')) {
    if (child.exitCode !== null) throw new Error(`lmctfy daemon exited with ${child.exitCode}`);
    await sleep(20);
  }
  return { child, records, stop: () => new Promise((r) => (child.exitCode !== null ? r() : (child.once('exit', r), child.kill('SIGTERM')))) };
}

/** utime + stime (clock ticks) and RSS (bytes) of a pid and its children. */
function usage(pid) {
  const pids = [pid, ...fs.readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').split(' ').filter(Boolean).map(Number)];
  let ticks = 0;
  let rss = 0;
  for (const p of pids) {
    const stat = fs.readFileSync(`/proc/${p}/stat`, 'utf8');
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    ticks += Number(f[11]) + Number(f[12]);
    rss += Number(/VmRSS:\s+(\d+)/.exec(fs.readFileSync(`/proc/${p}/status`, 'utf8'))?.[1] ?? 0) * 1024;
  }
  return { ticks, rss, pids: pids.length };
}

let api;
try {
  api = await ContainerApi.init({}, { root });
  fs.writeFileSync(path.join(ownDirs().memory, parent, 'memory.limit_in_bytes'), String(400 * MiB));
  await api.setPolicy({ capacity: { memory: 400 * MiB }, pressure: { evict_headroom: 64 * MiB, reclaim_headroom: 64 * MiB } });

  // 1. Eviction latency.
  const d = await startDaemon();
  const latencies = [];
  const actions = [];
  for (let i = 0; i < TRIALS; i++) {
    const name = `/t${i}`;
    const c = await api.create(name, { memory: { limit: 1024 * MiB } });
    await c.run(['stress-ng', '--vm', '1', '--vm-bytes', '1G', '--vm-keep', '--timeout', '30s'], { detached: true });
    for (let waited = 0; !d.records.some((r) => r.what === 'evict' && r.container === name); waited += 10) {
      if (waited > 30_000) throw new Error(`no eviction of ${name} within 30 s`);
      await sleep(10);
    }
    const r = d.records.find((x) => x.what === 'evict' && x.container === name);
    latencies.push(r.detail.latency_ms);
    actions.push(r.detail.action_ms);
    await api.destroy(name, { force: true });
  }
  await d.stop();
  const oomKills = d.records.filter((r) => r.what === 'oom').length;

  // 2. Idle cost with many containers.
  for (let i = 0; i < IDLE; i++) await api.create(`/idle${i}`, { memory: { limit: 64 * MiB } });
  const idle = await startDaemon();
  await sleep(2000);
  const before = usage(idle.child.pid);
  await sleep(IDLE_S * 1000);
  const after = usage(idle.child.pid);
  const hz = Number(spawnSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).stdout.trim() || 100);
  const cpuPct = ((after.ticks - before.ticks) / hz / IDLE_S) * 100;

  await idle.stop();
  for (let i = 0; i < IDLE; i++) await api.destroy(`/idle${i}`);

  // 3. Wake-up latency of a latency-sensitive task beside two CPUs of batch, in interleaved
  // rounds: each round runs every setting once, in a shuffled order, and each setting's
  // p99 is divided by that round's "alone" p99, so the machine's drift (other sessions,
  // the VM) falls on both sides of each ratio.
  /** `sliceUs`: the probe is given that slice by hand as it starts (during its warm-up), as the daemon would. */
  const runProbe = async (name, sliceUs) => {
    const out = path.join(os.tmpdir(), `lmctfy-latprobe-${process.pid}.out`);
    const pid = Number(await (await api.get(name).run([probe, String(PROBE_ROUNDS), String(PROBE_WARMUP)], { detached: true, output: out })).pid);
    if (sliceUs !== undefined && spawnSync(PSI_HELPER, ['slice', String(sliceUs), String(pid)]).status !== 0) throw new Error('lmctfy-psi slice failed');
    while (fs.existsSync(`/proc/${pid}`) && !/\n$/.test(fs.existsSync(out) ? fs.readFileSync(out, 'utf8') : '')) await sleep(50);
    const [p50, p99, stallMs] = fs.readFileSync(out, 'utf8').trim().split(' ').map(Number);
    fs.rmSync(out);
    return { p50, p99, stallMs };
  };
  const batch = async (tier) => {
    await api.create('/batch', { cpu: tier === 'NORMAL' ? { limit: 1000 } : { scheduling_latency: 'BEST_EFFORT' } });
    await api.get('/batch').run(['stress-ng', '--cpu', '2', '--timeout', '60s', '-q'], { detached: true });
    await sleep(500);
  };
  const noBatch = () => api.destroy('/batch', { force: true });
  /** With the daemon: the probe's warm-up rounds let /lat wait (the trigger fires within a window) and the daemon act before the measured rounds. */
  const underDaemon = async (tier) => {
    const d = await startDaemon();
    try {
      await batch(tier);
      const r = await runProbe('/lat');
      const did = (what) => d.records.filter((x) => x.what === what).length;
      return { ...r, slices: did('cpu_slice'), caps: did('cpu_cap') };
    } finally {
      await noBatch();
      await d.stop();
    }
  };
  const settings = {
    alone: { label: 'alone (no batch, no daemon)', run: () => runProbe('/lat') },
    normal: { label: '2 CPUs of stress-ng in NORMAL, no daemon', run: async () => (await batch('NORMAL'), runProbe('/lat').finally(noBatch)) },
    slice: { label: '2 CPUs of stress-ng in NORMAL, no daemon, probe given the 100 µs slice by hand', run: async () => (await batch('NORMAL'), runProbe('/lat', 100).finally(noBatch)) },
    daemon: { label: '2 CPUs of stress-ng in NORMAL, daemon running', run: () => underDaemon('NORMAL') },
    idle: { label: '2 CPUs of stress-ng in BEST_EFFORT (cpu.idle), daemon running', run: () => underDaemon('BEST_EFFORT') },
  };
  await api.create('/lat', { cpu: { scheduling_latency: 'PRIORITY', limit: 1000 } });
  const rounds = Object.fromEntries(Object.keys(settings).map((k) => [k, []]));
  for (let i = 0; i < WAKE_ROUNDS; i++) {
    const order = Object.keys(settings);
    for (let j = order.length - 1; j > 0; j--) {
      const k = Math.floor(Math.random() * (j + 1));
      [order[j], order[k]] = [order[k], order[j]];
    }
    for (const k of order) rounds[k].push(await settings[k].run());
  }
  await api.destroy('/lat');
  // PREMIER on a CPU of its own: the batch runs on the shared pool's. Its own rounds, alone and beside batch alternating.
  await api.setPolicy({ capacity: { memory: 400 * MiB }, exclusive_cpus: true });
  await api.create('/lat', { cpu: { scheduling_latency: 'PREMIER', limit: 1000 } });
  const premier = { alone: [], beside: [] };
  for (let i = 0; i < WAKE_ROUNDS; i++) {
    premier.alone.push(await runProbe('/lat'));
    await batch('NORMAL');
    premier.beside.push(await runProbe('/lat').finally(noBatch));
  }
  await api.destroy('/lat');

  const median = (xs) => {
    const s = [...xs].sort((a, b) => a - b);
    return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
  };
  const latRows = [];
  /** A row of medians over the rounds; returns the median per-round ratio to `alones`. */
  const summary = (label, rs, alones) => {
    const ratios = rs.map((r, i) => r.p99 / alones[i].p99);
    latRows.push({
      setting: label,
      'p50 µs': median(rs.map((r) => r.p50)),
      'p99 µs': median(rs.map((r) => r.p99)),
      'waited ms/2 s': median(rs.map((r) => r.stallMs)).toFixed(1),
      '/ alone': median(ratios).toFixed(2),
      range: `${Math.min(...ratios).toFixed(2)}–${Math.max(...ratios).toFixed(2)}`,
    });
    return median(ratios);
  };
  const ratios = {};
  for (const [k, st] of Object.entries(settings)) ratios[k] = summary(st.label, rounds[k], rounds.alone);
  ratios.premier = summary('PREMIER on an exclusive CPU, NORMAL batch (vs PREMIER alone)', premier.beside, premier.alone);
  const aloneP99 = rounds.alone.map((r) => r.p99);
  const acted = rounds.daemon.map((r) => `${r.slices} slice/${r.caps} cap`).join(', ');

  const load = os.loadavg().map((x) => x.toFixed(2)).join(' ');
  console.log(`\nlmctfy daemon, ${os.cpus().length} CPUs, load average ${load}\n`);
  table([
    { measure: `threshold → eviction done, p50 (${TRIALS} trials)`, value: `${pct(latencies, 50)} ms` },
    { measure: 'threshold → eviction done, p99', value: `${pct(latencies, 99)} ms (goal ≤ 100)` },
    { measure: 'of which the kill until tasks gone, p99', value: `${pct(actions, 99)} ms` },
    { measure: 'kernel OOM kills during the trials', value: String(oomKills) },
    { measure: `daemon CPU, ${IDLE} idle containers, ${IDLE_S} s`, value: `${cpuPct.toFixed(3)} % of a core (goal ≤ 0.5)` },
    { measure: 'daemon RSS with its helpers', value: `${(after.rss / MiB).toFixed(1)} MiB in ${after.pids} processes (goal ≤ 100 MB)` },
  ]);
  console.log(`\nPRIORITY probe (${PROBE_ROUNDS} wake-ups measured a run, after ${PROBE_WARMUP}), ${WAKE_ROUNDS} interleaved rounds; alone p99 ${Math.min(...aloneP99)}–${Math.max(...aloneP99)} µs (median ${median(aloneP99)}); the daemon acted in its rounds: ${acted}\n`);
  table(latRows);
  record('daemon', 'eviction p99', pct(latencies, 99), 'ms', { goal: { on: 'value', max: 100, text: '≤ 100 ms' } });
  record('daemon', `idle CPU, ${IDLE} containers`, cpuPct, '% of a core', { goal: { on: 'value', max: 0.5, text: '≤ 0.5 %' } });
  record('daemon', 'RSS', after.rss / MiB, 'MiB', { goal: { on: 'value', max: 95, text: '≤ 100 MB' } });
  const wake = (what, ratio) => record('daemon', `wake-up p99 ${what}, median of ${WAKE_ROUNDS} per-round ratios to alone`, ratio, '×', { ratio, goal: { on: 'ratio', max: 1.2, text: '≤ 1.2 × alone' } });
  wake('beside NORMAL batch, daemon running', ratios.daemon);
  wake('beside BEST_EFFORT batch', ratios.idle);
  wake('of PREMIER on an exclusive CPU beside NORMAL batch', ratios.premier);
} finally {
  await api?.clearPolicy().catch(() => {});
  await removeRootTree(parent);
  fs.rmSync(probe, { force: true });
}

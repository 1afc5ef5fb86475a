// The policy daemon's speed and cost (docs/DAEMON.md; issue 16's goals):
// 1. From root memory crossing the eviction threshold to the victim's tasks gone, over
//    BENCH_TRIALS trials (default 50), as the daemon's own records measure it (latency_ms:
//    from the kernel's notification reaching it to the kill done). Goal p99 ≤ 100 ms.
// 2. The daemon's CPU and RSS with BENCH_IDLE containers (default 1,000) idle for
//    BENCH_IDLE_S seconds (default 30), helpers included. Goal ≤ 0.5 % of a core, ≤ 100 MB.
// 3. A latency-sensitive task's p99 wake-up latency (bench/latprobe.c) alone, and beside two
//    CPUs of stress-ng: in a NORMAL container without a daemon, in a NORMAL container with
//    the daemon's CPU enforcement on (a first probe run makes the PRIORITY container stall
//    and the daemon cap the batch; the second, measured, runs under the cap), in a
//    BEST_EFFORT container, and a PREMIER probe on exclusive CPUs beside NORMAL batch.
//    Goal ≤ 1.2 × alone, same run.
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
const TRIALS = Number(process.env.BENCH_TRIALS ?? 50);
const IDLE = Number(process.env.BENCH_IDLE ?? 1000);
const IDLE_S = Number(process.env.BENCH_IDLE_S ?? 30);
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
  for (let i = 0; i < IDLE; i++) await api.destroy(`/idle${i}`);

  // 3. Wake-up latency of a latency-sensitive task beside two CPUs of batch.
  const runProbe = async (name) => {
    const out = path.join(os.tmpdir(), `lmctfy-latprobe-${process.pid}.out`);
    const pid = Number(await (await api.get(name).run([probe, '4000'], { detached: true, output: out })).pid);
    while (fs.existsSync(`/proc/${pid}`) && !/\n$/.test(fs.existsSync(out) ? fs.readFileSync(out, 'utf8') : '')) await sleep(50);
    const [p50, p99] = fs.readFileSync(out, 'utf8').trim().split(' ').map(Number);
    fs.rmSync(out);
    return { p50, p99 };
  };
  await idle.stop();
  await api.create('/lat', { cpu: { scheduling_latency: 'PRIORITY', limit: 1000 } });
  const alone = await runProbe('/lat');
  const latRows = [{ setting: 'alone (machine idle)', p50_us: alone.p50, p99_us: alone.p99, ratio: '1.00' }];
  const row = (setting, r) => {
    latRows.push({ setting, p50_us: r.p50, p99_us: r.p99, ratio: (r.p99 / alone.p99).toFixed(2) });
    return r;
  };
  const batch = async (tier) => {
    await api.create('/batch', { cpu: tier === 'NORMAL' ? { limit: 1000 } : { scheduling_latency: 'BEST_EFFORT' } });
    await api.get('/batch').run(['stress-ng', '--cpu', '2', '--timeout', '60s'], { detached: true });
    await sleep(500);
  };
  await batch('NORMAL');
  row('2 CPUs of stress-ng in NORMAL, no daemon', await runProbe('/lat'));
  const enforcing = await startDaemon();
  await runProbe('/lat');
  const capped = enforcing.records.filter((r) => r.what === 'cpu_cap').map((r) => `${r.container} to ${r.detail.cap / 1000} CPUs`);
  const underCap = row(`2 CPUs of stress-ng in NORMAL, daemon capped ${capped.join(', ') || 'nothing'}`, await runProbe('/lat'));
  await api.destroy('/batch', { force: true });
  await batch('BEST_EFFORT');
  const underIdle = row('2 CPUs of stress-ng in BEST_EFFORT (cpu.idle), daemon running', await runProbe('/lat'));
  await api.destroy('/batch', { force: true });
  await enforcing.stop();
  await api.destroy('/lat');
  // PREMIER on a CPU of its own: the batch runs on the shared pool's.
  await api.setPolicy({ capacity: { memory: 400 * MiB }, exclusive_cpus: true });
  await api.create('/lat', { cpu: { scheduling_latency: 'PREMIER', limit: 1000 } });
  await batch('NORMAL');
  const premier = row('PREMIER on an exclusive CPU, 2 CPUs of stress-ng in NORMAL', await runProbe('/lat'));
  await api.destroy('/batch', { force: true });
  await api.destroy('/lat');

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
  console.log('');
  table(latRows);
  record('daemon', 'eviction p99', pct(latencies, 99), 'ms', { goal: { on: 'value', max: 100, text: '≤ 100 ms' } });
  record('daemon', `idle CPU, ${IDLE} containers`, cpuPct, '% of a core', { goal: { on: 'value', max: 0.5, text: '≤ 0.5 %' } });
  record('daemon', 'RSS', after.rss / MiB, 'MiB', { goal: { on: 'value', max: 95, text: '≤ 100 MB' } });
  const wake = (what, r) => record('daemon', `wake-up p99 ${what}`, r.p99, 'µs', { baseline: { value: alone.p99 }, goal: { on: 'ratio', max: 1.2, text: '≤ 1.2 × alone' } });
  wake('beside NORMAL batch, capped by the daemon', underCap);
  wake('beside BEST_EFFORT batch', underIdle);
  wake('of PREMIER on an exclusive CPU beside NORMAL batch', premier);
} finally {
  await api?.clearPolicy().catch(() => {});
  await removeRootTree(parent);
  fs.rmSync(probe, { force: true });
}

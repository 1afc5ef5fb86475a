// What the interactive console costs while it runs, against systemd-cgtop on the same tree:
// `lmctfy top --interval 1` and `systemd-cgtop -d 1 /<root>`, each in its own pseudo-terminal
// (node-pty, 200×50), both at once so that they see the same machine load. At N = 100,
// 1,000, 5,000 containers, on an idle tree and on one where 10 % of the containers run a
// small CPU loop. The figure is each whole process's CPU (utime + stime of every thread, from
// /proc/<pid>/stat) over MEASURE_S seconds after WARMUP_S seconds, and lmctfy's RSS read
// every second of those (median, max, and at the end); also the bytes each wrote to its terminal (a frame where nothing moved writes none),
// and the CPU each used during the warm-up, from its start. The warm-up is long because
// V8 goes on compiling the console's code with TurboFan on its background threads for a
// minute or more after start (at 100 containers ~0.25 CPU-s in 30 s at 50 s, ~0.08 at 100 s):
// a console left open for hours pays the steady state, which is what the ratio compares.
// Run: npm run build && node bench/console-cost.mjs   (BENCH_SIZES=100,1000 BENCH_MODES=idle,busy
// BENCH_MEASURE_S=30 BENCH_WARMUP_S=90 BENCH_NODE_FLAGS=... BENCH_BIN=...; needs cgroups, as root)
// Side by side: BENCH_VARIANTS='before=/tmp/old/bin/lmctfy.js;after=bin/lmctfy.js;pool1=bin/lmctfy.js --v8-pool-size=1;arena=MALLOC_ARENA_MAX=2 bin/lmctfy.js'
// runs every variant (label=[VAR=value ...] bin [extra node flags]) at once beside one systemd-cgtop, each
// in its own pty on the same tree and in the same seconds: a before/after whose two sides
// share the machine's load, which runs one after the other do not (the first is recorded).
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as pty from 'node-pty';
import { ContainerApi } from '../dist/index.js';
import { ensureCommand, median, ownDirs, record, table } from './lib.mjs';
import { destroyBenchTree } from './cleanup.mjs';
import { treeNames as names } from './floors.mjs';

const SIZES = (process.env.BENCH_SIZES ?? '100,1000,5000').split(',').map(Number);
const MODES = (process.env.BENCH_MODES ?? 'idle,busy').split(',');
const MEASURE_S = Number(process.env.BENCH_MEASURE_S ?? 30);
const WARMUP_S = Number(process.env.BENCH_WARMUP_S ?? 90);
const COLS = 200;
const ROWS = 50;
// Profiling the console under the same load: BENCH_NODE_FLAGS='--cpu-prof --cpu-prof-dir=/tmp/prof'.
const NODE_FLAGS = (process.env.BENCH_NODE_FLAGS ?? '').split(' ').filter(Boolean);
// lmctfy as users start it: with the Node flags of the bin's #! line. BENCH_BIN=path runs
// another build (an earlier commit's, for a before/after on the same machine).
const BIN = process.env.BENCH_BIN ?? 'bin/lmctfy.js';
/**
 * Node flags and environment from a #! line such as `#!/usr/bin/env -S A=1 node --flag`,
 * or from a variant's own words: VAR=value words set the environment, the others are flags.
 */
function startWords(words) {
  const env = {};
  const flags = [];
  for (const w of words) {
    const m = /^([A-Z_][A-Z0-9_]*)=(.*)$/.exec(w);
    if (m) env[m[1]] = m[2];
    else flags.push(w);
  }
  return { env, flags };
}
/** The consoles measured at once: label, bin, and the environment and Node flags to start it with (its #! line's, then the variant's). */
const VARIANTS = (process.env.BENCH_VARIANTS ?? `lmctfy=${BIN}`).split(';').filter(Boolean).map((entry) => {
  const [label, rest] = entry.split(/=(.*)/s);
  const words = rest.split(' ').filter(Boolean);
  const at = words.findIndex((w) => !/^[A-Z_][A-Z0-9_]*=/.test(w));
  const bin = words[at];
  const shebang = fs.readFileSync(bin, 'utf8').split('\n')[0].replace(/^#!\S*(\s+-S)?/, '').split(' ').filter(Boolean);
  const own = startWords(shebang.filter((w) => !/(^|\/)node$/.test(w) && w !== 'env'));
  const extra = startWords([...words.slice(0, at), ...words.slice(at + 1)]);
  return { label, bin, env: { ...own.env, ...extra.env }, flags: [...own.flags, ...extra.flags, ...NODE_FLAGS] };
});
const BUSY_SHARE = 0.1;
// The busy loops together use about this much of one core, whatever their number: this
// 2-core machine is shared, and what matters is that their figures move every pass.
const BUSY_CORES = 0.3;
const TICK = 100; // USER_HZ: /proc/<pid>/stat counts in 1/100 s

ensureCommand('systemd-cgtop', 'systemd');
const root = `lmctfy-bench-console-${process.pid}`;
const api = await ContainerApi.init({}, { root });
const unifiedMirror = path.join('/sys/fs/cgroup/unified', root);

/** utime + stime in CPU seconds of /proc/<path>/stat. */
function cpuOf(stat) {
  const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(f[11]) + Number(f[12])) / TICK;
}

/**
 * utime + stime of a whole process (all its threads), in CPU seconds; RSS in bytes; and
 * the CPU of each thread by tid (Node names none of them: the main thread's tid is the pid).
 */
function residentBytes(pid) {
  return Number(/^VmRSS:\s+(\d+) kB/m.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'))[1]) * 1024;
}

function usage(pid) {
  const cpu = cpuOf(fs.readFileSync(`/proc/${pid}/stat`, 'utf8'));
  const rss = residentBytes(pid);
  const threads = new Map();
  for (const tid of fs.readdirSync(`/proc/${pid}/task`)) {
    try {
      threads.set(tid, cpuOf(fs.readFileSync(`/proc/${pid}/task/${tid}/stat`, 'utf8')));
    } catch {
      /* ended meanwhile */
    }
  }
  return { cpu, rss, threads };
}

/** Of the CPU between two usages: the main thread's, the busiest other thread's (the sampling worker) and the rest. */
function split(pid, a, b) {
  const d = [...b.threads].map(([tid, c]) => [tid, c - (a.threads.get(tid) ?? 0)]);
  const main = d.find(([tid]) => tid === String(pid))?.[1] ?? 0;
  const others = d.filter(([tid]) => tid !== String(pid)).map(([, c]) => c).sort((x, y) => y - x);
  const worker = others[0] ?? 0;
  return { main, worker, rest: b.cpu - a.cpu - main - worker };
}

/** A program in a 200×50 pty whose output is drained and counted, not interpreted. */
function inPty(file, args, env) {
  const p = pty.spawn(file, args, { cols: COLS, rows: ROWS, name: 'xterm-256color', env: { ...env, CI: 'false', TERM: 'xterm-256color' } });
  const s = { proc: p, bytes: 0, exited: false, tail: '' };
  p.onData((d) => {
    s.bytes += Buffer.byteLength(d);
    s.tail = (s.tail + d).slice(-2000);
  });
  p.onExit(() => {
    s.exited = true;
  });
  return s;
}

async function stop(s) {
  if (s.exited) return;
  const gone = new Promise((r) => s.proc.onExit(r));
  s.proc.write('q');
  const kill = setTimeout(() => s.exited || s.proc.kill('SIGKILL'), 3000);
  await gone;
  clearTimeout(kill);
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** Places pid in the container in every hierarchy (and the cgroup2 mirror cgtop walks). */
function place(pid, name) {
  const dirs = [...new Set(Object.values(ownDirs()))].map((d) => path.join(d, root, name));
  dirs.push(path.join(unifiedMirror, name));
  for (const d of dirs) {
    if (fs.existsSync(path.join(d, 'cgroup.procs'))) fs.writeFileSync(path.join(d, 'cgroup.procs'), String(pid));
  }
}

// A loop that spins for `spin` ms, then sleeps for `period - spin` ms (±50 %), forever.
const LOOP = 'use Time::HiRes qw(time sleep); my ($s, $p) = @ARGV; while (1) { my $t = time + $s / 1000; 1 while time < $t; sleep(($p - $s) * (0.5 + rand()) / 1000) }';

function startBusy(list) {
  const busy = list.filter((_, i) => i % Math.round(1 / BUSY_SHARE) === 0);
  const periodMs = 1000;
  const spinMs = Math.max(0.05, (BUSY_CORES * periodMs) / busy.length);
  const procs = [];
  for (const name of busy) {
    const child = spawn('perl', ['-e', LOOP, String(spinMs), String(periodMs)], { stdio: 'ignore' });
    procs.push(child);
    place(child.pid, name);
  }
  return { procs, spinMs };
}

function stopBusy(procs) {
  for (const p of procs) {
    try {
      process.kill(p.pid, 'SIGKILL');
    } catch {
      /* already gone */
    }
  }
}

async function measure(n, mode, list) {
  const busy = mode === 'busy' ? startBusy(list) : { procs: [], spinMs: 0 };
  const env = { ...process.env, LMCTFY_ROOT: root };
  const tops = VARIANTS.map((v) => inPty(process.execPath, [...v.flags, v.bin, 'top', '--interval', '1'], { ...env, ...v.env }));
  const cgtop = inPty('systemd-cgtop', ['-d', '1', `/${root}`], process.env);
  try {
    await sleep(WARMUP_S * 1000);
    const gone = [...tops, cgtop].find((s) => s.exited);
    if (gone) throw new Error(`exited during warm-up:\n${gone.tail}`);
    const t0 = tops.map((t) => usage(t.proc.pid));
    const c0 = usage(cgtop.proc.pid);
    const b0 = tops.map((t) => t.bytes);
    const d0 = cgtop.bytes;
    const load0 = os.loadavg()[0];
    // RSS moves by tens of MB with the garbage collector's timing: read every second of the window.
    const rssSeen = tops.map(() => []);
    for (let s = 0; s < MEASURE_S; s++) {
      await sleep(1000);
      tops.forEach((t, i) => rssSeen[i].push(residentBytes(t.proc.pid)));
    }
    const t1 = tops.map((t) => usage(t.proc.pid));
    const c1 = usage(cgtop.proc.pid);
    return {
      tops: tops.map((t, i) => ({
        label: VARIANTS[i].label,
        cpu: t1[i].cpu - t0[i].cpu,
        warmup: t0[i].cpu,
        rss: t1[i].rss,
        rssMedian: median(rssSeen[i]),
        rssMax: Math.max(...rssSeen[i]),
        bytes: t.bytes - b0[i],
        threads: split(t.proc.pid, t0[i], t1[i]),
      })),
      cgtop: { cpu: c1.cpu - c0.cpu, warmup: c0.cpu, rss: c1.rss, bytes: cgtop.bytes - d0 },
      load: (load0 + os.loadavg()[0]) / 2,
      spinMs: busy.spinMs,
    };
  } finally {
    await Promise.all([...tops, cgtop].map(stop));
    stopBusy(busy.procs);
    // PID 1 reaps late: a killed loop keeps its cgroup busy for a moment.
    await sleep(busy.procs.length ? 1500 : 0);
  }
}

const rows = [];
const made = [];
try {
  for (const n of SIZES) {
    const list = names(n);
    for (const name of list.slice(made.length)) {
      await api.create(name, {});
      made.push(name);
      fs.mkdirSync(path.join(unifiedMirror, name), { recursive: true });
    }
    for (const mode of MODES) {
      const r = await measure(n, mode, list);
      const top = r.tops[0];
      const what = `lmctfy top, ${n} containers, ${mode}${mode === 'busy' ? ` (10 % busy)` : ''}, CPU over ${MEASURE_S} s`;
      record('console', what, top.cpu, 'CPU-s', {
        baseline: { what: 'systemd-cgtop -d 1', value: r.cgtop.cpu },
        goal: { on: 'ratio', max: 1, text: '≤ 1.0× systemd-cgtop (#14)' },
      });
      const rssGoal = n <= 100 ? 80 : n <= 1000 ? 120 : undefined;
      record('console', `lmctfy top RSS (median over the window), ${n} containers, ${mode}`, top.rssMedian / 1e6, 'MB', rssGoal ? { goal: { on: 'value', max: rssGoal, text: `≤ ${rssGoal} MB (#14)` } } : {});
      for (const t of r.tops) {
        rows.push({
          containers: n,
          tree: mode === 'busy' ? `busy (${Math.round(n * BUSY_SHARE)} loops × ${r.spinMs.toFixed(2)} ms/s)` : 'idle',
          ...(VARIANTS.length > 1 ? { variant: t.label } : {}),
          'lmctfy CPU-s': t.cpu.toFixed(2),
          'cgtop CPU-s': r.cgtop.cpu.toFixed(2),
          ratio: (t.cpu / Math.max(r.cgtop.cpu, 1 / TICK)).toFixed(2),
          'lmctfy % core': `${((t.cpu / MEASURE_S) * 100).toFixed(2)} %`,
          'main/worker/rest CPU-s': [t.threads.main, t.threads.worker, t.threads.rest].map((x) => x.toFixed(2)).join('/'),
          'warm-up CPU-s lmctfy/cgtop': `${t.warmup.toFixed(2)}/${r.cgtop.warmup.toFixed(2)}`,
          'lmctfy RSS MB median/max/end': [t.rssMedian, t.rssMax, t.rss].map((b) => (b / 1e6).toFixed(1)).join('/'),
          'cgtop RSS MB': (r.cgtop.rss / 1e6).toFixed(1),
          'lmctfy KB/s out': (t.bytes / MEASURE_S / 1000).toFixed(1),
          'cgtop KB/s out': (r.cgtop.bytes / MEASURE_S / 1000).toFixed(1),
          load: r.load.toFixed(2),
        });
      }
    }
  }
  table(rows);
  console.log(`\ngoal: lmctfy top's CPU ≤ 1.0× systemd-cgtop's over the same ${MEASURE_S} s (after ${WARMUP_S} s of warm-up, whose CPU is shown apart), both at 1 s in a ${COLS}×${ROWS} pty;`);
  console.log('RSS ≤ 80 MB at 100 containers, ≤ 120 MB at 1,000 (/proc/<pid>/stat and status; 10 ms CPU ticks)');
} finally {
  await destroyBenchTree(api, made, root, unifiedMirror);
}

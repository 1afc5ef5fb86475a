// The recorder's size, CPU and seek time (issue 19, docs/RECORDING.md):
// 1. a real tree of BENCH_CONTAINERS (1,000) containers, 10 of them waking every 0.2 s, sampled
//    BENCH_PASSES (40) times as `lmctfy record` samples it (counters, histograms), after a
//    whole re-validation cycle of warm-up: the CPU of a pass; then every other container given
//    one sleeping task (idle but populated: an empty container is not read at all, a populated
//    one costs its CPU time's read unless its parent's sum check spares it) and sampled as
//    many times again, by the same sampler;
//    Beside those in-process passes, the recorder as a user runs it: `lmctfy record` (bin/lmctfy)
//    over the same tree, at its default 1 Hz, its process's whole CPU (utime + stime from
//    /proc/<pid>/stat: every thread, the store, the timers, the garbage collector, V8's
//    compiler, nothing excluded) over BENCH_WINDOWS (4) windows of BENCH_WINDOW_S (60) seconds
//    each after BENCH_LIVE_WARM_S (120) seconds of warm-up (two re-validation cycles: V8 is
//    still compiling the re-validation's and the keyframe's functions through the second
//    minute); each window is a whole cycle (each container re-validated once in it), so which
//    passes hold the re-validations does not move a window's figure; the windows' spread is
//    printed. BENCH_BEFORE=path/to/bin/lmctfy (another build's) runs that build's recorder beside it over
//    the same tree in the same windows (paired: the same load, the same moments). Then
//    (BENCH_INSTR=0 skips it) the same command under callgrind: the user-space instructions
//    of BENCH_INSTR_PASSES (60) of its passes after the same warm-up, all threads and the
//    main thread alone (V8's compiler and the collector's helpers run beside it), figures the
//    machine's load does not move (the kernel's side of its system calls is not in them);
// 2. BENCH_SECONDS (600) synthetic seconds built from those real passes (cycled, counters
//    carried on so they keep growing, a container kept as the same object where the real
//    passes kept it), written through the store's writer once to warm it up, then again:
//    bytes and writer CPU per sample; a day is 86,400 / BENCH_SECONDS such pieces (a keyframe every 60 samples
//    whatever the segment, so the size scales with time);
// 3. that piece copied into a day of segments (frame times and checksums rewritten): open the
//    day's store and seek to random moments, each a fresh open as `stats --at` does (one
//    view), then as the console does (`top --replay --at`: the first view, then 120 samples of
//    history before the moment, filled in after it).
// Run: npm run build && node bench/record.mjs
import { spawn, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { build } from 'esbuild';
import { ContainerApi } from '../dist/index.js';
import { removeRootDirs } from './cleanup.mjs';
import { ensureCommand, median, processCpuMs, record, table } from './lib.mjs';

const N = Number(process.env.BENCH_CONTAINERS ?? 1000);
const PASSES = Number(process.env.BENCH_PASSES ?? 40);
// Warm-up passes before each measured run: a whole re-validation cycle (KEY_EVERY passes), as a
// recorder running for more than a minute is past it (its first re-validation of each
// container gives that container its first still interval's histograms, a new reading once).
const WARM = 63;
const WINDOWS = Number(process.env.BENCH_WINDOWS ?? 4);
const WINDOW_S = Number(process.env.BENCH_WINDOW_S ?? 60);
const INSTR = process.env.BENCH_INSTR !== '0';
// A whole re-validation cycle. With 30 the main thread's count was 10.9 and 16.9 M a pass in two
// runs of one code (loads 5 and 14; likely V8's compiler, starved at 14, had optimized less by
// then): a longer window averages more of that tail.
const INSTR_PASSES = Number(process.env.BENCH_INSTR_PASSES ?? 60);
// The live recorder's warm-up, in its 1 s passes: a whole re-validation cycle and a few more.
const LIVE_WARM_S = Number(process.env.BENCH_LIVE_WARM_S ?? 120);
const BEFORE = process.env.BENCH_BEFORE ? path.resolve(process.env.BENCH_BEFORE) : undefined;
const SEEKS = Number(process.env.BENCH_SEEKS ?? 5);
const SECONDS = Number(process.env.BENCH_SECONDS ?? 600);
const PIECES = Math.ceil(86400 / SECONDS);

// The library bundle does not expose the store: bundle it for this run only.
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'lmctfy-record-bench-'));
const outfile = path.join(tmp, 'record.mjs');
await build({
  stdin: {
    contents: `export * from './src/record/store.js'; export * from './src/record/replay.js'; export * from './src/record/retention.js'; export { recordingSampler } from './src/record/recorder.js'; export { crc32 } from './src/record/bytes.js'; export { replaySource } from './src/cli/replay-source.js';`,
    resolveDir: process.cwd(),
    loader: 'ts',
  },
  bundle: true,
  platform: 'node',
  format: 'esm',
  outfile,
  logLevel: 'error',
});
const { StoreWriter, StoreReader, parseRetention, viewAt, recordingSampler, replaySource, crc32 } = await import(outfile);

const cpuMs = (fn) => {
  const c0 = process.cpuUsage();
  fn();
  const c = process.cpuUsage(c0);
  return (c.user + c.system) / 1000;
};
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

const root = `lmctfy-bench-record-${process.pid}`;
const LMCTFY = path.resolve('bin/lmctfy');
const recorderEnv = { ...process.env, LMCTFY_ROOT: root };

/** Starts `bin record` (argv before it, e.g. valgrind's) into a new store; resolves when it has written `samples` samples. */
async function startRecorder(label, before, samples, bin = LMCTFY) {
  const dir = path.join(tmp, `live-${label}`);
  const child = spawn(before[0] ?? bin, [...before.slice(1), ...(before.length ? [bin] : []), 'record', '--dir', dir], { env: recorderEnv, stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (d) => (stderr += d));
  const exited = new Promise((r) => child.once('exit', (code, signal) => r(code ?? signal)));
  const stored = () => (fs.existsSync(path.join(dir, 'store.json')) ? StoreReader.open(dir).sampleTimes() : []);
  while (stored().length < samples) {
    if (child.exitCode !== null || child.signalCode !== null) throw new Error(`lmctfy record exited (${child.exitCode ?? child.signalCode}): ${stderr}`);
    await sleep(1000);
  }
  const stop = async () => {
    child.kill('SIGTERM');
    const how = await exited;
    if (how !== 0) throw new Error(`lmctfy record ended with ${how}: ${stderr}`);
  };
  return { pid: child.pid, stored, stop, stderr: () => stderr };
}
/** The recorder process's CPU, % of a core, in each of WINDOWS windows after its warm-up; with BENCH_BEFORE, the other build's beside it. */
async function liveRecorder(label) {
  const rs = await Promise.all([startRecorder(label, [], LIVE_WARM_S), ...(BEFORE ? [startRecorder(`${label}-before`, [], LIVE_WARM_S, BEFORE)] : [])]);
  try {
    const windows = rs.map(() => []);
    // The main thread apart: the rest is V8's compiler and the collector's helper threads.
    let main = 0;
    let all = 0;
    for (let w = 0; w < WINDOWS; w++) {
      const c0 = rs.map((r) => processCpuMs(r.pid));
      const m0 = processCpuMs(rs[0].pid, rs[0].pid);
      const t0 = performance.now();
      await sleep(WINDOW_S * 1000);
      const dt = performance.now() - t0;
      rs.forEach((r, i) => windows[i].push(((processCpuMs(r.pid) - c0[i]) / dt) * 100));
      main += processCpuMs(rs[0].pid, rs[0].pid) - m0;
      all += processCpuMs(rs[0].pid) - c0[0];
    }
    return { windows: windows[0], before: windows[1], load: os.loadavg()[0], mainShare: main / all };
  } finally {
    for (const r of rs) await r.stop();
  }
}
/** User-space instructions per pass of the recorder under callgrind, counted over INSTR_PASSES passes after its warm-up. */
async function recorderInstructions(label) {
  const out = path.join(tmp, `callgrind-${label}`);
  // No instrumentation until the warm-up is over (a start under it takes minutes); V8 writes machine code into its heap: all-non-file.
  // Node itself under valgrind, not the native launcher: the entry it execs (where built) and
  // the node and options of that entry's #! line.
  const entry = [path.resolve('bin/lmctfy-node.cjs'), LMCTFY].find((f) => fs.existsSync(f) && fs.readFileSync(f).subarray(0, 2).toString() === '#!');
  const node = fs.readFileSync(entry, 'utf8').split('\n')[0].slice(2).trim().split(/\s+/);
  const r = await startRecorder(`instr-${label}`, ['valgrind', '--tool=callgrind', '--instr-atstart=no', '--separate-threads=yes', `--callgrind-out-file=${out}`, '--smc-check=all-non-file', ...node], LIVE_WARM_S, entry);
  try {
    const control = (...a) => {
      const c = spawnSync('callgrind_control', [...a, String(r.pid)], { encoding: 'utf8' });
      if (c.status !== 0) throw new Error(`callgrind_control ${a.join(' ')}: ${c.stderr}`);
    };
    control('-i', 'on');
    const from = r.stored().at(-1);
    let passes;
    while ((passes = r.stored().filter((t) => t > from)).length < INSTR_PASSES) await sleep(250);
    control('-d');
    // One file a thread (out.1-01 the main thread), each holding its instructions since
    // instrumentation went on: the passes written since, and the wait after the last.
    const totals = fs.readdirSync(tmp).filter((f) => f.startsWith(`callgrind-${label}.1-`)).sort().map((f) => Number(/^totals: (\d+)/m.exec(fs.readFileSync(path.join(tmp, f), 'utf8'))[1]));
    const n = passes.length;
    return { perPass: totals.reduce((a, b) => a + b, 0) / n, mainPerPass: totals[0] / n, passes: n, seconds: (passes.at(-1) - from) / 1000 };
  } finally {
    await r.stop();
  }
}
const mean = (xs) => xs.reduce((a, b) => a + b, 0) / xs.length;
const spread = (xs) => `${mean(xs).toFixed(2)} % of a core (${xs.length} × ${WINDOW_S} s: ${xs.map((x) => x.toFixed(2)).join(' / ')}; median ${median(xs).toFixed(2)})`;
const liveRow = (l) => `${spread(l.windows)}, main thread ${(100 * l.mainShare).toFixed(0)} % of it, load ${l.load.toFixed(1)}${l.before ? `; before: ${spread(l.before)}, ratio ${(mean(l.windows) / mean(l.before)).toFixed(2)}` : ''}`;
const instrRow = (x) => (x ? `${(x.perPass / 1e6).toFixed(2)} M a pass, main thread ${(x.mainPerPass / 1e6).toFixed(2)} M (${x.passes} passes in ${x.seconds.toFixed(0)} s)` : 'not measured (BENCH_INSTR=0)');

const api = await ContainerApi.init({}, { root });
const made = [];
const passes = [];
const populatedPasses = [];
const live = {};
const instr = {};
if (INSTR) ensureCommand('valgrind', 'valgrind');
let sampleCpu = 0;
let populatedCpu = 0;
try {
  for (let i = 0; i < N; i++) {
    await api.create(`c${i}`, { cpu: { limit: 100 }, memory: { limit: 64 << 20 } });
    made.push(`c${i}`);
  }
  const busy = new Set(Array.from({ length: 10 }, (_, i) => `c${i * Math.floor(N / 10)}`));
  for (const name of busy) (await api.get(name).run(['/bin/sh', '-c', 'while :; do sleep 0.2; done'], { detached: true })).unref();
  const sampler = recordingSampler({ root, container: '/' });
  const measure = async (into) => {
    let cpu = 0;
    for (let i = 0; i < PASSES; i++) {
      await sleep(500);
      let raw;
      cpu += cpuMs(() => (raw = sampler.sample()));
      into.push(raw);
    }
    return cpu;
  };
  // Warm-up, as a long-running recorder is past it: the first pass reads every container
  // whole, the second finds which are still and which hold no task, and each container's
  // first re-validation (within KEY_EVERY passes) gives it its first still histograms.
  for (let i = 0; i < WARM; i++) {
    await sleep(500);
    sampler.sample();
  }
  sampleCpu = await measure(passes);
  live.empty = await liveRecorder('empty');
  if (INSTR) instr.empty = await recorderInstructions('empty');
  for (const name of made) if (!busy.has(name)) (await api.get(name).run(['/bin/sleep', '3600'], { detached: true })).unref();
  // Warm-up again: each container is read after its task joined, then found still.
  for (let i = 0; i < WARM; i++) {
    await sleep(500);
    sampler.sample();
  }
  populatedCpu = await measure(populatedPasses);
  live.populated = await liveRecorder('populated');
  if (INSTR) instr.populated = await recorderInstructions('populated');
  sampler.close();
} finally {
  for (const name of made.reverse()) await api.destroy(name, { force: true }).catch(() => undefined);
  removeRootDirs(root);
}
const passCpuMs = sampleCpu / PASSES;
const populatedPassCpuMs = populatedCpu / PASSES;

// Counters of the real passes carried on across cycles: each cycle adds the growth of one.
const T0 = Date.UTC(2026, 0, 1);
function synthetic(real) {
  const growth = new Map();
  for (const c of real.at(-1).containers) {
    const first = real[0].containers.find((x) => x.name === c.name);
    if (first) growth.set(c.name, (c.stats.cpu?.usage?.total ?? 0) - (first.stats.cpu?.usage?.total ?? 0));
  }
  const byName = real.map((pass) => new Map(pass.containers.map((c) => [c.name, c])));
  // What the previous synthetic sample handed over, by name: a container the real passes kept
  // (the same object from one to the next) is the same object here too, as a live recorder
  // hands it on; at the wrap from the last real pass to the first, which no live recorder
  // sees, every container is kept (its counters carried on are continuous there).
  let handed = new Map();
  return (i) => {
    const j = i % PASSES;
    const pass = real[j];
    const cycle = Math.floor(i / PASSES);
    const containers = pass.containers.map((c) => {
      const kept = handed.get(c.name);
      if (kept && (j === 0 || byName[j - 1].get(c.name) === c)) return kept;
      const add = cycle * (growth.get(c.name) ?? 0);
      if (!add || !c.stats.cpu?.usage) return c;
      return { ...c, stats: { ...c.stats, cpu: { ...c.stats.cpu, usage: { ...c.stats.cpu.usage, total: c.stats.cpu.usage.total + add } } } };
    });
    handed = new Map(containers.map((c) => [c.name, c]));
    return { ...pass, timestamp: new Date(T0 + i * 1000).toISOString(), monoNs: i * 1e9, containers };
  };
}
/** SECONDS synthetic samples from `real` written into a new store in `dir`: the writer's CPU per sample. */
function writePiece(real, dir) {
  const sample = synthetic(real);
  let clock = T0;
  const writer = new StoreWriter(dir, { root: '/bench', container: '/', intervalMs: 1000, retention: parseRetention('30d'), now: () => clock });
  let cpu = 0;
  for (let i = 0; i < SECONDS; i++) {
    clock = T0 + i * 1000;
    const raw = sample(i);
    cpu += cpuMs(() => writer.writeSample(raw));
  }
  writer.close();
  return cpu / SECONDS;
}
// Each piece is written once unmeasured first, as the passes are warmed up: a long-running
// recorder's writer is compiled and past its first keyframe of every container (measured
// cold, the first piece of the run paid that and the second did not).
writePiece(passes, path.join(tmp, 'warm'));
writePiece(populatedPasses, path.join(tmp, 'warm-populated'));
const pieceDir = path.join(tmp, 'piece');
const writeCpuMs = writePiece(passes, pieceDir);
// The populated tree's piece: its writer's CPU only (the store rows are the first tree's).
const populatedWriteCpuMs = writePiece(populatedPasses, path.join(tmp, 'populated'));
const seg = fs.readdirSync(pieceDir).find((f) => f.endsWith('.seg'));
const pieceBytes = fs.statSync(path.join(pieceDir, seg)).size + fs.statSync(path.join(pieceDir, seg.replace('.seg', '.idx'))).size;
const dayBytes = PIECES * pieceBytes;

// A day: the piece again and again, frame times moved and checksums redone.
const dayDir = path.join(tmp, 'day');
fs.mkdirSync(dayDir);
fs.copyFileSync(path.join(pieceDir, 'store.json'), path.join(dayDir, 'store.json'));
const segBuf = fs.readFileSync(path.join(pieceDir, seg));
const idxBuf = fs.readFileSync(path.join(pieceDir, seg.replace('.seg', '.idx')));
for (let h = 0; h < PIECES; h++) {
  const shift = h * SECONDS * 1000;
  const s = Buffer.from(segBuf);
  const x = Buffer.from(idxBuf);
  for (let at = 0; at + 17 <= x.length; at += 17) {
    const off = x.readUInt32LE(at + 8);
    const len = x.readUInt32LE(at + 12);
    x.writeDoubleLE(x.readDoubleLE(at) + shift, at);
    s.writeDoubleLE(s.readDoubleLE(off + 13) + shift, off + 13);
    s.writeUInt32LE(crc32(s.subarray(off + 12, off + len)), off + 8);
  }
  const name = String(T0 + shift).padStart(13, '0');
  fs.writeFileSync(path.join(dayDir, `${name}.seg`), s);
  fs.writeFileSync(path.join(dayDir, `${name}.idx`), x);
}
const seeks = [];
for (let k = 0; k < SEEKS; k++) {
  const t = T0 + Math.floor(Math.random() * PIECES * SECONDS) * 1000;
  const t0 = performance.now();
  const store = StoreReader.open(dayDir);
  const view = viewAt(store, t);
  seeks.push(performance.now() - t0);
  if (view.containers.length < N) throw new Error(`seek found ${view.containers.length} containers`);
}
// The console's first frame (top --replay --at): the moment and the sample before it (its
// rates), from the indexes of the segments holding them and the first and last ones. Then,
// REPLAY_FILL_DELAY_MS later (included), the REPLAY_HISTORY samples before the moment
// decoded into views for its charts: the time until that second view.
const consoleSeeks = [];
const consoleFills = [];
for (let k = 0; k < SEEKS; k++) {
  const t = T0 + Math.floor(Math.random() * PIECES * SECONDS) * 1000;
  const t0 = performance.now();
  const views = [];
  let filled;
  const done = new Promise((r) => (filled = r));
  replaySource(StoreReader.open(dayDir), '/', t).subscribe((v) => {
    views.push(v);
    if (views.length === 2) filled();
  });
  consoleSeeks.push(performance.now() - t0);
  await done;
  consoleFills.push(performance.now() - t0);
  if (views[0].containers.length < N) throw new Error(`the console's first view has ${views[0].containers.length} containers`);
}
fs.rmSync(tmp, { recursive: true, force: true });

const GiB = 2 ** 30;
const cpuPercent = ((passCpuMs + writeCpuMs) / 1000) * 100;
const populatedCpuPercent = ((populatedPassCpuMs + populatedWriteCpuMs) / 1000) * 100;
const worstSeek = Math.max(...seeks);
table([
  { what: `sampling pass, ${N} containers (CPU)`, value: `${passCpuMs.toFixed(1)} ms` },
  { what: 'store write per sample (CPU)', value: `${writeCpuMs.toFixed(2)} ms` },
  { what: 'pass + store write, at 1 Hz (in-process)', value: `${cpuPercent.toFixed(2)} % of a core` },
  { what: '`lmctfy record` process CPU at 1 Hz', value: liveRow(live.empty) },
  { what: '`lmctfy record` user-space instructions (callgrind)', value: instrRow(instr.empty) },
  { what: `sampling pass, every container populated (CPU)`, value: `${populatedPassCpuMs.toFixed(1)} ms` },
  { what: 'store write per sample, populated (CPU)', value: `${populatedWriteCpuMs.toFixed(2)} ms` },
  { what: 'pass + store write at 1 Hz, populated (in-process)', value: `${populatedCpuPercent.toFixed(2)} % of a core` },
  { what: '`lmctfy record` process CPU at 1 Hz, populated', value: liveRow(live.populated) },
  { what: '`lmctfy record` instructions, populated (callgrind)', value: instrRow(instr.populated) },
  { what: `store, ${SECONDS} s written`, value: `${(pieceBytes / 2 ** 20).toFixed(2)} MiB` },
  { what: `store, 24 hours (${PIECES} × that)`, value: `${(dayBytes / 2 ** 20).toFixed(0)} MiB` },
  { what: 'per container-hour', value: `${((pieceBytes * (3600 / SECONDS)) / N / 1024).toFixed(1)} KiB` },
  { what: `open + seek + view, 24 h store (worst of ${SEEKS})`, value: `${worstSeek.toFixed(0)} ms` },
  { what: `open + console's first view, 24 h store (worst of ${SEEKS})`, value: `${Math.max(...consoleSeeks).toFixed(0)} ms` },
  { what: `console's history window filled, from open (worst of ${SEEKS})`, value: `${Math.max(...consoleFills).toFixed(0)} ms` },
]);
record('record', `store size, ${N} containers × 24 h at 1 Hz`, dayBytes / GiB, 'GiB', { goal: { on: 'value', max: 1, text: '≤ 1 GiB (#19)' } });
// The goal is the recorder process's CPU as a user runs it: the live windows' mean.
record('record', `recorder CPU, ${N} containers at 1 Hz`, mean(live.empty.windows), '% of a core', { goal: { on: 'value', max: 1, text: '≤ 1 % (#19)' } });
record('record', `recorder CPU, ${N} containers each with a sleeping task, at 1 Hz`, mean(live.populated.windows), '% of a core', { goal: { on: 'value', max: 1, text: '≤ 1 % (#19)' } });
if (instr.empty) record('record', `recorder user-space instructions a pass, ${N} containers`, instr.empty.perPass, 'instr');
if (instr.populated) record('record', `recorder user-space instructions a pass, ${N} containers each with a sleeping task`, instr.populated.perPass, 'instr');
record('record', 'seek in a 24 h store to a first view', worstSeek, 'ms', { goal: { on: 'value', max: 200, text: '≤ 200 ms (#19)' } });
record('record', "seek in a 24 h store to the console's first view", Math.max(...consoleSeeks), 'ms', { goal: { on: 'value', max: 200, text: '≤ 200 ms (#19)' } });
console.log(`\nload average: ${os.loadavg().map((l) => l.toFixed(2)).join(' ')}`);
// The machine's state beside the load: the same code's recorder measured 1.60 % of a core in
// one session and 0.8-0.9 % in the next, on a VM booted minutes before (BENCHMARKS.md, Record
// and replay, afternoon of 2026-12-03). Memory cgroups removed while still charged stay
// counted in /proc/cgroups.
const cgroupCounts = Object.fromEntries(
  fs
    .readFileSync('/proc/cgroups', 'utf8')
    .split('\n')
    .filter((l) => l && !l.startsWith('#'))
    .map((l) => l.split('\t'))
    .map(([name, , count]) => [name, count]),
);
console.log(`machine: up ${(os.uptime() / 3600).toFixed(1)} h; cgroups on it: cpuacct ${cgroupCounts.cpuacct}, memory ${cgroupCounts.memory} (/proc/cgroups)`);

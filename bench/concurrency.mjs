// Concurrent lmctfy clients on real cgroups (docs/RELIABILITY.md 15): W OS processes × N cycles of
// create / update / pause / resume / run -n / destroy -f on a few shared names (some nested,
// so a create races the destroy of its parent). Prints per-worker outcomes and the end
// state: leaked cgroups, leaked processes, calls that failed with an unexpected code.
// Run: npm run build && node bench/concurrency.mjs [--workers 4] [--cycles 250] [--mode lib|cli|mixed]
// --mode admit: the workers race to create containers against one machine policy's budget
// (docs/POLICY.md); exactly what fits must be admitted, every other create RESOURCE_EXHAUSTED.
// Worker mode (one client; test/integration/concurrency.test.ts starts these too):
//   node bench/concurrency.mjs --worker ID --root R --cycles N --mode lib|cli|admit|admit-cli --seed S --marker M
import { spawn, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const BIN = path.join(HERE, '../bin/lmctfy.js');
/** Shared by every worker; the nested ones need their parent to exist. */
const NAMES = ['/s0', '/s1', '/s2', '/s0/k', '/s1/k'];
/**
 * Codes a call may fail with when another client got there first (ABORTED: a lock held past
 * the wait limit). A call on a nested name also races the destroy of its parent, which is not
 * serialized with it (docs/LOCKING.md): once its container is gone, that is NOT_FOUND too.
 */
const EXPECTED = {
  create: ['ALREADY_EXISTS', 'NOT_FOUND'],
  update: ['NOT_FOUND'],
  pause: ['NOT_FOUND'],
  resume: ['NOT_FOUND'],
  run: ['NOT_FOUND', 'FAILED_PRECONDITION'],
  destroy: ['NOT_FOUND'],
};
function expected(op, code) {
  return code === 'ABORTED' || EXPECTED[op].includes(code);
}
const CODE_NAMES = ['OK', 'CANCELLED', 'UNKNOWN', 'INVALID_ARGUMENT', 'DEADLINE_EXCEEDED', 'NOT_FOUND', 'ALREADY_EXISTS', 'PERMISSION_DENIED', 'RESOURCE_EXHAUSTED', 'FAILED_PRECONDITION', 'ABORTED', 'OUT_OF_RANGE', 'UNIMPLEMENTED', 'INTERNAL', 'UNAVAILABLE', 'DATA_LOSS'];

/** Small seeded PRNG (mulberry32) so a failing run can be replayed with its seed. */
function prng(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Every container isolates cpu and memory, so an update of either is always valid. */
function createSpec(rand) {
  return { cpu: { limit: 100 + Math.floor(rand() * 900) }, memory: { limit: (64 + Math.floor(rand() * 192)) * 2 ** 20 } };
}
function updateSpec(rand) {
  return rand() < 0.5 ? { memory: { limit: (64 + Math.floor(rand() * 192)) * 2 ** 20 } } : { cpu: { limit: 100 + Math.floor(rand() * 900) } };
}
const toText = (spec) =>
  Object.entries(spec)
    .map(([k, v]) => `${k}:{${Object.entries(v).map(([f, x]) => `${f}:${x}`).join(' ')}}`)
    .join(' ');

/** One call through the library: its outcome as { code, message?, pid? }. */
async function libCall(api, LmctfyError, op, name, rand, marker) {
  try {
    if (op === 'create') await api.create(name, createSpec(rand));
    else if (op === 'destroy') await api.destroy(name, { force: true });
    else {
      const c = api.get(name);
      if (op === 'update') await c.update(updateSpec(rand), 'diff');
      else if (op === 'pause') await c.pause();
      else if (op === 'resume') await c.resume();
      else {
        const child = await c.run(['sleep', marker], { detached: true });
        child.unref();
        return { code: 'OK', pid: child.pid };
      }
    }
    return { code: 'OK' };
  } catch (e) {
    if (e instanceof LmctfyError) return { code: CODE_NAMES[e.code], message: e.message };
    return { code: 'THROWN', message: String(e?.stack ?? e) };
  }
}

/** One call through the built CLI: exit code → code name; a failure must be one stderr line naming it. */
function cliCall(root, op, name, rand, marker) {
  const args = {
    create: ['create', name, toText(createSpec(rand))],
    update: ['update', 'diff', name, toText(updateSpec(rand))],
    pause: ['pause', name],
    resume: ['resume', name],
    run: ['run', '-n', name, 'sleep', marker],
    destroy: ['destroy', '-f', name],
  }[op];
  const r = spawnSync(process.execPath, [BIN, ...args], { encoding: 'utf8', env: { ...process.env, LMCTFY_ROOT: root }, timeout: 60_000 });
  const code = r.status === null ? `SIGNAL ${r.signal}` : (CODE_NAMES[r.status] ?? `EXIT ${r.status}`);
  if (r.status === 0) {
    const pid = op === 'run' ? Number(/^pid="(\d+)"$/m.exec(r.stdout)?.[1]) : undefined;
    return pid === undefined || pid > 0 ? { code: 'OK', pid } : { code: 'BAD OUTPUT', message: r.stdout };
  }
  const oneLine = new RegExp(`^lmctfy: ${code}: [^\\n]+\\n$`);
  return oneLine.test(r.stderr) ? { code, message: r.stderr.trim() } : { code: 'BAD STDERR', message: `exit ${r.status}: ${r.stderr}` };
}

/**
 * Admission (docs/POLICY.md): every worker creates its own containers, each guaranteed
 * ADMIT_CPU of a policy's ADMIT_BUDGET_CPU, until `cycles` tries; the budget fits exactly
 * ADMIT_BUDGET_CPU / ADMIT_CPU of them, whoever is first. A try ends OK or RESOURCE_EXHAUSTED.
 */
const ADMIT_CPU = 100;
const ADMIT_BUDGET_CPU = 1000;
const ADMIT_POLICY = `capacity:{cpu:${ADMIT_BUDGET_CPU} memory:${2 ** 30}}`;

async function admitWorker(opts) {
  const cycles = Number(opts.cycles);
  const lib = opts.mode === 'admit';
  const { ContainerApi, LmctfyError } = lib ? await import('../dist/index.js') : {};
  const api = lib ? ContainerApi.open({ root: opts.root }) : undefined;
  const report = { worker: Number(opts.worker), mode: opts.mode, cycles, ms: 0, ops: {}, pids: [], bad: [], admitted: [] };
  const t0 = Date.now();
  for (let i = 0; i < cycles; i++) {
    const name = `/w${opts.worker}-${i}`;
    const spec = { cpu: { limit: ADMIT_CPU } };
    let r;
    if (lib) {
      try {
        await api.create(name, spec);
        r = { code: 'OK' };
      } catch (e) {
        r = e instanceof LmctfyError ? { code: CODE_NAMES[e.code], message: e.message } : { code: 'THROWN', message: String(e?.stack ?? e) };
      }
    } else {
      const x = spawnSync(process.execPath, [BIN, 'create', name, toText(spec)], { encoding: 'utf8', env: { ...process.env, LMCTFY_ROOT: opts.root }, timeout: 60_000 });
      r = { code: x.status === null ? `SIGNAL ${x.signal}` : (CODE_NAMES[x.status] ?? `EXIT ${x.status}`), message: x.stderr.trim() };
    }
    const tally = (report.ops.create ??= {});
    tally[r.code] = (tally[r.code] ?? 0) + 1;
    if (r.code === 'OK') report.admitted.push(name);
    else if (r.code !== 'RESOURCE_EXHAUSTED' && r.code !== 'ABORTED') report.bad.push({ op: 'create', name, code: r.code, message: r.message });
  }
  report.ms = Date.now() - t0;
  process.stdout.write(JSON.stringify(report) + '\n');
}

async function worker(opts) {
  if (opts.mode === 'admit' || opts.mode === 'admit-cli') return admitWorker(opts);
  const rand = prng(Number(opts.seed));
  const cycles = Number(opts.cycles);
  let call;
  if (opts.mode === 'lib') {
    const { ContainerApi, LmctfyError } = await import('../dist/index.js');
    const api = ContainerApi.open({ root: opts.root });
    call = (op, name) => libCall(api, LmctfyError, op, name, rand, opts.marker);
  } else {
    call = async (op, name) => cliCall(opts.root, op, name, rand, opts.marker);
  }
  const report = { worker: Number(opts.worker), mode: opts.mode, cycles, ms: 0, ops: {}, pids: [], bad: [] };
  const t0 = Date.now();
  for (let i = 0; i < cycles; i++) {
    const name = NAMES[Math.floor(rand() * NAMES.length)];
    for (const op of ['create', 'update', 'pause', 'resume', 'run', 'destroy']) {
      const r = await call(op, name);
      const tally = (report.ops[op] ??= {});
      tally[r.code] = (tally[r.code] ?? 0) + 1;
      if (r.pid) report.pids.push(r.pid);
      if (r.code !== 'OK' && !expected(op, r.code)) report.bad.push({ op, name, code: r.code, message: r.message });
    }
  }
  report.ms = Date.now() - t0;
  process.stdout.write(JSON.stringify(report) + '\n');
}

/** Starts one worker process; resolves with its report (or a bad entry if it died). */
function startWorker({ id, root, cycles, mode, seed, marker }) {
  const child = spawn(process.execPath, [fileURLToPath(import.meta.url), '--worker', String(id), '--root', root, '--cycles', String(cycles), '--mode', mode, '--seed', String(seed), '--marker', marker], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  child.stdout.on('data', (d) => (out += d));
  child.stderr.on('data', (d) => (err += d));
  return new Promise((resolve) =>
    child.once('exit', (code, signal) => {
      try {
        resolve(JSON.parse(out.trim().split('\n').at(-1)));
      } catch {
        resolve({ worker: id, mode, cycles, ms: 0, ops: {}, pids: [], bad: [{ op: 'worker', code: `exit ${code ?? signal}`, message: err.slice(-2000) }] });
      }
    }),
  );
}

/** A pid we started that is still running (not a zombie), recognised by its marker argument. */
function aliveWithMarker(marker) {
  const alive = [];
  for (const entry of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const cmdline = fs.readFileSync(`/proc/${entry}/cmdline`, 'utf8');
      const state = fs.readFileSync(`/proc/${entry}/stat`, 'utf8').replace(/^.*\) /, '')[0];
      if (cmdline.split('\0').includes(marker) && state !== 'Z') alive.push(Number(entry));
    } catch {
      /* exited while we looked */
    }
  }
  return alive;
}

async function driver(opts) {
  const { ownDirs, table } = await import('./lib.mjs');
  const { removeRootDirs } = await import('./cleanup.mjs');
  const workers = Number(opts.workers ?? 4);
  const cycles = Number(opts.cycles ?? 250);
  const mode = opts.mode ?? 'lib';
  const root = `lmctfy-bench-conc-${process.pid}`;
  const marker = `${1000 + (process.pid % 1000)}.${process.pid}`;
  const lm = (...a) => spawnSync(process.execPath, [BIN, ...a], { encoding: 'utf8', env: { ...process.env, LMCTFY_ROOT: root } });
  if (lm('init', '').status !== 0) throw new Error('init failed');
  if (mode === 'admit') return admitDriver({ root, workers, cycles: Number(opts.cycles ?? 8), marker, lm, table, removeRootDirs });
  try {
    const t0 = Date.now();
    const reports = await Promise.all(
      Array.from({ length: workers }, (_, id) =>
        startWorker({ id, root, cycles, mode: mode === 'mixed' ? (id === 0 ? 'cli' : 'lib') : mode, seed: 1 + id + process.pid * 16, marker }),
      ),
    );
    const wall = Date.now() - t0;
    const rows = reports.map((r) => {
      const calls = Object.values(r.ops).flatMap((t) => Object.entries(t));
      const count = (pred) => calls.filter(([c]) => pred(c)).reduce((s, [, n]) => s + n, 0);
      return {
        worker: r.worker,
        mode: r.mode,
        cycles: r.cycles,
        calls: count(() => true),
        ok: count((c) => c === 'OK'),
        failed: count((c) => c !== 'OK'),
        unexpected: r.bad.length,
        ms_per_cycle: (r.ms / Math.max(1, r.cycles)).toFixed(1),
      };
    });
    table(rows);
    const byOp = {};
    for (const r of reports) for (const [op, t] of Object.entries(r.ops)) for (const [c, n] of Object.entries(t)) (byOp[op] ??= {})[c] = (byOp[op][c] ?? 0) + n;
    console.log('\noutcomes per call:');
    for (const [op, t] of Object.entries(byOp)) console.log(`  ${op.padEnd(8)} ${Object.entries(t).map(([c, n]) => `${c} ${n}`).join(', ')}`);
    for (const r of reports) for (const b of r.bad.slice(0, 5)) console.log(`unexpected: worker ${r.worker} ${b.op} ${b.name ?? ''} ${b.code}: ${b.message}`);

    // What lmctfy lists must be exactly what every hierarchy the workers' containers use holds.
    const listed = lm('list', 'containers', '-r', '-v', '/').stdout.split('\n').filter(Boolean);
    const dirs = Object.fromEntries(Object.entries(ownDirs()).map(([c, d]) => [c, path.join(d, root)]));
    const below = (d) => {
      const out = [];
      const walk = (x) => {
        for (const e of fs.readdirSync(x, { withFileTypes: true })) if (e.isDirectory()) (out.push(path.join(x, e.name)), walk(path.join(x, e.name)));
      };
      if (fs.existsSync(d)) walk(d);
      return out.map((x) => x.slice(d.length));
    };
    const mismatched = Object.entries(dirs).filter(([c, d]) => {
      const want = ['freezer', 'cpuacct', 'pids', 'cpu', 'memory'].includes(c) ? listed : [];
      return below(d).sort().join() !== [...want].sort().join();
    });
    for (const n of listed.filter((x) => x.split('/').length === 2)) lm('destroy', '-f', n);
    const leakedDirs = Object.values(dirs).flatMap((d) => below(d).map((n) => d + n));
    const leakedPids = aliveWithMarker(marker);
    table([
      { check: 'containers left by the workers', value: listed.length },
      { check: 'hierarchies not matching the list', value: mismatched.map(([c]) => c).join(' ') || 'none' },
      { check: 'cgroups left after destroy -f', value: leakedDirs.length },
      { check: 'processes left running', value: leakedPids.length },
      { check: 'unexpected failures', value: rows.reduce((s, r) => s + r.unexpected, 0) },
      { check: 'wall time, s', value: (wall / 1000).toFixed(1) },
    ]);
    for (const pid of leakedPids) {
      const where = fs.readFileSync(`/proc/${pid}/cgroup`, 'utf8').split('\n').filter((l) => l.includes(root));
      console.log(`process left running: ${pid} in ${where.join(', ')}`);
      process.kill(pid, 'SIGKILL');
    }
    for (const d of leakedDirs.sort((a, b) => b.length - a.length)) {
      console.log(`cgroup left: ${d}`);
      try {
        fs.rmdirSync(d);
      } catch {
        /* reported above; removeRootDirs names what stays */
      }
    }
    if (mismatched.length || leakedDirs.length || leakedPids.length || rows.some((r) => r.unexpected)) process.exitCode = 1;
  } finally {
    removeRootDirs(root);
  }
}

/** --mode admit: W workers (one through the CLI) race for one policy's budget; exactly what fits is admitted. */
async function admitDriver({ root, workers, cycles, marker, lm, table, removeRootDirs }) {
  try {
    if (lm('policy', 'set', ADMIT_POLICY).status !== 0) throw new Error('policy set failed');
    const reports = await Promise.all(
      Array.from({ length: workers }, (_, id) => startWorker({ id, root, cycles, mode: id === 0 ? 'admit-cli' : 'admit', seed: id, marker })),
    );
    const admitted = reports.flatMap((r) => r.admitted ?? []).sort();
    const listed = lm('list', 'containers', '-r', '-v', '/').stdout.split('\n').filter(Boolean).sort();
    const fits = ADMIT_BUDGET_CPU / ADMIT_CPU;
    table([
      { check: 'creates tried', value: workers * cycles },
      { check: `admitted (the budget fits ${fits})`, value: admitted.length },
      { check: 'containers in the kernel', value: listed.length },
      { check: 'kernel holds exactly the admitted', value: listed.join() === admitted.join() ? 'yes' : 'no' },
      { check: 'unexpected failures', value: reports.reduce((s, r) => s + r.bad.length, 0) },
    ]);
    for (const r of reports) for (const b of r.bad.slice(0, 5)) console.log(`unexpected: worker ${r.worker} ${b.op} ${b.name ?? ''} ${b.code}: ${b.message}`);
    if (admitted.length !== Math.min(fits, workers * cycles) || listed.join() !== admitted.join() || reports.some((r) => r.bad.length)) process.exitCode = 1;
    for (const n of listed) lm('destroy', '-f', n);
  } finally {
    lm('policy', 'clear');
    removeRootDirs(root);
  }
}

const { values } = parseArgs({
  options: {
    worker: { type: 'string' },
    root: { type: 'string' },
    cycles: { type: 'string' },
    mode: { type: 'string' },
    seed: { type: 'string' },
    marker: { type: 'string' },
    workers: { type: 'string' },
  },
});
if (values.worker !== undefined) await worker(values);
else await driver(values);

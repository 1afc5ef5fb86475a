// CLI cold start of `lmctfy list containers /` and `lmctfy create` against a bare `node -e ''`
// (goal: ≤ 1.2×, issue 14). Paired and interleaved: each round runs the three once, in turn,
// so a busy moment on this shared machine stretches all three alike, and the figure is the
// median over rounds of each round's ratio. Beside it, each command's CPU time (user +
// system, from the kernel's count of waited-for children), which other work stretches less. lmctfy runs as a user runs it, bin/lmctfy.js by
// its #! line (with its node flags and the code cache made for them).
// Run: npm run build && node bench/cli-startup.mjs   (BENCH_RUNS=N rounds, default 21;
// BENCH_BEFORE=path/to/bin/lmctfy.js adds another build's list and create to every round, for
// a before/after in the same rounds: an earlier commit built in a copy of the tree)
import { spawnSync } from 'node:child_process';
import * as path from 'node:path';
import { childrenCpuMs, median, record, table } from './lib.mjs';
import { removeRootDirs } from './cleanup.mjs';

const N = Number(process.env.BENCH_RUNS ?? 21);
const root = `lmctfy-bench-${process.pid}`;
const env = { ...process.env, LMCTFY_ROOT: root };
const bin = path.resolve('bin/lmctfy.js');
const lm = (...a) => spawnSync(bin, a, { env, encoding: 'utf8' });
const before = process.env.BENCH_BEFORE ? path.resolve(process.env.BENCH_BEFORE) : undefined;

const cpu = { base: [], list: [], create: [], beforeList: [], beforeCreate: [] };

/** Wall time of one run in ms (its CPU time into cpu[what]); a failure stops the benchmark. */
function timed(what, argv) {
  const c0 = childrenCpuMs();
  const t0 = process.hrtime.bigint();
  const r = spawnSync(argv[0], argv.slice(1), { env, stdio: ['ignore', 'ignore', 'pipe'], encoding: 'utf8' });
  const ms = Number(process.hrtime.bigint() - t0) / 1e6;
  cpu[what].push(childrenCpuMs() - c0);
  if (r.status !== 0) throw new Error(`${argv.join(' ')} exited ${r.status}: ${r.stderr}`);
  return ms;
}

if (lm('init', '').status !== 0) throw new Error('init failed');
let made = 0;
try {
  lm('list', 'containers', '/'); // warm the page cache
  const base = [];
  const list = [];
  const create = [];
  const beforeList = [];
  const beforeCreate = [];
  const spec = 'cpu:{limit:500} memory:{limit:100000000}';
  for (let k = 0; k < N; k++) {
    base.push(timed('base', [process.execPath, '-e', '']));
    list.push(timed('list', [bin, 'list', 'containers', '/']));
    create.push(timed('create', [bin, 'create', `c${made++}`, spec]));
    if (before) {
      beforeList.push(timed('beforeList', [before, 'list', 'containers', '/']));
      beforeCreate.push(timed('beforeCreate', [before, 'create', `c${made++}`, spec]));
    }
  }
  const ratios = (xs, bs = base) => xs.map((x, i) => x / bs[i]).sort((a, b) => a - b);
  const q = (s, p) => s[Math.min(s.length - 1, Math.floor(p * s.length))];
  const row = (command, xs, cs) => {
    const r = ratios(xs);
    return {
      command,
      median_ms: median(xs).toFixed(1),
      min_ms: Math.min(...xs).toFixed(1),
      paired_ratio: median(r).toFixed(2),
      'ratio_p25-p75': `${q(r, 0.25).toFixed(2)}–${q(r, 0.75).toFixed(2)}`,
      cpu_ms: median(cs).toFixed(0),
      // CPU is what the machine's other work stretches least; 10 ms ticks, hence the sum.
      cpu_ratio: (cs.reduce((a, b) => a + b, 0) / cpu.base.reduce((a, b) => a + b, 0)).toFixed(2),
    };
  };
  const rows = [row("node -e ''", base, cpu.base), row('lmctfy list containers /', list, cpu.list), row('lmctfy create (cpu+memory)', create, cpu.create)];
  if (before) rows.push(row('before: list containers /', beforeList, cpu.beforeList), row('before: create (cpu+memory)', beforeCreate, cpu.beforeCreate));
  table(rows);
  const baseline = { what: "node -e ''", value: median(base) };
  const goal = { on: 'ratio', max: 1.2, text: "≤ 1.2× node -e '', paired (#14)" };
  record('CLI start', 'lmctfy list containers /', median(list), 'ms', { baseline, goal, ratio: median(ratios(list)) });
  record('CLI start', 'lmctfy create', median(create), 'ms', { baseline, goal, ratio: median(ratios(create)) });
  const cpuBaseline = { what: "node -e '' (CPU)", value: median(cpu.base) };
  record('CLI start', 'lmctfy list containers / (CPU)', median(cpu.list), 'ms', { baseline: cpuBaseline });
  record('CLI start', 'lmctfy create (CPU)', median(cpu.create), 'ms', { baseline: cpuBaseline });
  console.log(`\ngoal: paired ratio ≤ 1.2 (rounds=${N}, load ${(await import('node:os')).loadavg()[0].toFixed(2)})`);
} finally {
  for (let k = 0; k < made; k++) lm('destroy', '-f', `c${k}`);
  removeRootDirs(root);
}

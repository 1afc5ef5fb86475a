// CLI cold start of `lmctfy list containers /` and `lmctfy create` against a bare `node -e ''`
// (goal: ≤ 1.2×, issue 14), with `lmctfy -V` and `lmctfy run` (of `true`, in a plain
// container) beside them: no goal of their own here, they show the start alone and the start
// of a command that spawns. Paired and interleaved: each round runs the three once, in turn,
// so a busy moment on this shared machine stretches all three alike, and the figure is the
// median over rounds of each round's ratio. Beside it, each command's CPU time (user +
// system, from the kernel's count of waited-for children), which other work stretches less.
// lmctfy runs as a user runs it: bin/lmctfy, the command npm installs (bin/lmctfy.js with
// the #! line scripts/write-launcher.mjs wrote at install or build), by its #! line.
// Run: npm run build && node bench/cli-startup.mjs   (BENCH_RUNS=N rounds, default 21;
// BENCH_BEFORE=path/to/bin/lmctfy.js adds another build's commands to every round, for
// a before/after in the same rounds: an earlier commit built in a copy of the tree;
// BENCH_CA=unset runs every command, node -e '' too, without NODE_EXTRA_CA_CERTS: Node then
// skips reading the CA bundle at start, the stricter case for the ratio, and the one a user
// without such a bundle has)
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import * as path from 'node:path';
import { childrenCpuMs, median, record, table } from './lib.mjs';
import { removeRootDirs } from './cleanup.mjs';

const N = Number(process.env.BENCH_RUNS ?? 21);
const root = `lmctfy-bench-${process.pid}`;
const env = { ...process.env, LMCTFY_ROOT: root };
if (process.env.BENCH_CA === 'unset') delete env.NODE_EXTRA_CA_CERTS;
const bin = path.resolve('bin/lmctfy');
if (!existsSync(bin)) throw new Error('bin/lmctfy is missing: `npm run build` writes it');
const lm = (...a) => spawnSync(bin, a, { env, encoding: 'utf8' });
const before = process.env.BENCH_BEFORE ? path.resolve(process.env.BENCH_BEFORE) : undefined;

const COMMANDS = ['version', 'list', 'create', 'run'];
const cpu = Object.fromEntries(['base', ...COMMANDS, ...COMMANDS.map((c) => `before_${c}`)].map((k) => [k, []]));

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
  if (lm('create', 'plain', 'cpu:{limit:500}').status !== 0) throw new Error('create plain failed');
  lm('list', 'containers', '/'); // warm the page cache
  const base = [];
  const wall = Object.fromEntries(Object.keys(cpu).filter((k) => k !== 'base').map((k) => [k, []]));
  const spec = 'cpu:{limit:500} memory:{limit:100000000}';
  const argvOf = (b, what) => {
    if (what === 'version') return [b, '-V'];
    if (what === 'list') return [b, 'list', 'containers', '/'];
    if (what === 'create') return [b, 'create', `c${made++}`, spec];
    return [b, 'run', 'plain', 'true'];
  };
  for (let k = 0; k < N; k++) {
    base.push(timed('base', [process.execPath, '-e', '']));
    for (const what of COMMANDS) {
      wall[what].push(timed(what, argvOf(bin, what)));
      if (before) wall[`before_${what}`].push(timed(`before_${what}`, argvOf(before, what)));
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
  const label = { version: 'lmctfy -V', list: 'lmctfy list containers /', create: 'lmctfy create (cpu+memory)', run: 'lmctfy run plain true' };
  const rows = [row("node -e ''", base, cpu.base)];
  for (const what of COMMANDS) {
    rows.push(row(label[what], wall[what], cpu[what]));
    if (before) rows.push(row(`before: ${label[what].replace(/^lmctfy /, '')}`, wall[`before_${what}`], cpu[`before_${what}`]));
  }
  table(rows);
  const ca = env.NODE_EXTRA_CA_CERTS ? 'set' : 'unset';
  // Appended results of both cases stay apart.
  const area = ca === 'set' ? 'CLI start' : 'CLI start, NODE_EXTRA_CA_CERTS unset';
  const baseline = { what: "node -e ''", value: median(base) };
  const goal = { on: 'ratio', max: 1.2, text: "≤ 1.2× node -e '', paired (#14)" };
  record(area, 'lmctfy list containers /', median(wall.list), 'ms', { baseline, goal, ratio: median(ratios(wall.list)) });
  record(area, 'lmctfy create', median(wall.create), 'ms', { baseline, goal, ratio: median(ratios(wall.create)) });
  const cpuBaseline = { what: "node -e '' (CPU)", value: median(cpu.base) };
  record(area, 'lmctfy list containers / (CPU)', median(cpu.list), 'ms', { baseline: cpuBaseline });
  record(area, 'lmctfy create (CPU)', median(cpu.create), 'ms', { baseline: cpuBaseline });
  console.log(`\ngoal: paired ratio ≤ 1.2 (rounds=${N}, load ${(await import('node:os')).loadavg()[0].toFixed(2)}, NODE_EXTRA_CA_CERTS ${ca})`);
} finally {
  for (let k = 0; k < made; k++) lm('destroy', '-f', `c${k}`);
  lm('destroy', '-f', 'plain');
  removeRootDirs(root);
}

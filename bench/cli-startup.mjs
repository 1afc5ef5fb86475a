// CLI cold start of `lmctfy list containers /` and `lmctfy create` against a bare `node -e ''`
// (goal: ≤ 1.2×, issue 14). Paired and interleaved: each round runs the three once, in turn,
// so a busy moment on this shared machine stretches all three alike, and the figure is the
// median over rounds of each round's ratio. lmctfy runs as a user runs it, bin/lmctfy.js by
// its #! line (with its node flags and the code cache made for them).
// Run: npm run build && node bench/cli-startup.mjs   (BENCH_RUNS=N rounds, default 21)
import { spawnSync } from 'node:child_process';
import * as path from 'node:path';
import { median, record, table } from './lib.mjs';
import { removeRootDirs } from './cleanup.mjs';

const N = Number(process.env.BENCH_RUNS ?? 21);
const root = `lmctfy-bench-${process.pid}`;
const env = { ...process.env, LMCTFY_ROOT: root };
const bin = path.resolve('bin/lmctfy.js');
const lm = (...a) => spawnSync(bin, a, { env, encoding: 'utf8' });

/** Wall time of one run in ms; a failure stops the benchmark. */
function timed(argv) {
  const t0 = process.hrtime.bigint();
  const r = spawnSync(argv[0], argv.slice(1), { env, stdio: ['ignore', 'ignore', 'pipe'], encoding: 'utf8' });
  const ms = Number(process.hrtime.bigint() - t0) / 1e6;
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
  for (let k = 0; k < N; k++) {
    base.push(timed([process.execPath, '-e', '']));
    list.push(timed([bin, 'list', 'containers', '/']));
    create.push(timed([bin, 'create', `c${made++}`, 'cpu:{limit:500} memory:{limit:100000000}']));
  }
  const ratios = (xs) => xs.map((x, i) => x / base[i]).sort((a, b) => a - b);
  const q = (s, p) => s[Math.min(s.length - 1, Math.floor(p * s.length))];
  const row = (command, xs) => {
    const r = ratios(xs);
    return { command, median_ms: median(xs).toFixed(1), min_ms: Math.min(...xs).toFixed(1), paired_ratio: median(r).toFixed(2), 'ratio_p25-p75': `${q(r, 0.25).toFixed(2)}–${q(r, 0.75).toFixed(2)}` };
  };
  table([row("node -e ''", base), row('lmctfy list containers /', list), row('lmctfy create (cpu+memory)', create)]);
  const baseline = { what: "node -e ''", value: median(base) };
  const goal = { on: 'ratio', max: 1.2, text: "≤ 1.2× node -e '', paired (#14)" };
  record('CLI start', 'lmctfy list containers /', median(list), 'ms', { baseline, goal, ratio: median(ratios(list)) });
  record('CLI start', 'lmctfy create', median(create), 'ms', { baseline, goal, ratio: median(ratios(create)) });
  console.log(`\ngoal: paired ratio ≤ 1.2 (rounds=${N}, load ${(await import('node:os')).loadavg()[0].toFixed(2)})`);
} finally {
  for (let k = 0; k < made; k++) lm('destroy', '-f', `c${k}`);
  removeRootDirs(root);
}

// CLI cold start of `lmctfy list containers` and `lmctfy create` against a bare `node -e ''`
// measured in the same run (goal: ≤ 1.5×). Run: npm run build && node bench/cli-startup.mjs
import { spawnSync } from 'node:child_process';
import { record, table, timeCommand } from './lib.mjs';
import { removeRootDirs } from './cleanup.mjs';

const N = Number(process.env.BENCH_RUNS ?? 20);
const root = `lmctfy-bench-${process.pid}`;
const env = { ...process.env, LMCTFY_ROOT: root };
const lm = (...a) => spawnSync(process.execPath, ['bin/lmctfy.js', ...a], { env, encoding: 'utf8' });

if (lm('init', '').status !== 0) throw new Error('init failed');
try {
  const base = timeCommand([process.execPath, '-e', ''], N);
  const list = timeCommand([process.execPath, 'bin/lmctfy.js', 'list', 'containers', '/'], N, env);
  // create needs a fresh name each run: create + destroy in one shell loop would add sh cost,
  // so time create alone with unique names and destroy them afterwards.
  let i = 0;
  const createTimes = [];
  for (let k = 0; k < N; k++) {
    const t0 = process.hrtime.bigint();
    const r = lm('create', `c${i++}`, 'cpu:{limit:500} memory:{limit:100000000}');
    createTimes.push(Number(process.hrtime.bigint() - t0) / 1e6);
    if (r.status !== 0) throw new Error(r.stderr);
  }
  createTimes.sort((a, b) => a - b);
  const create = { median: createTimes[Math.floor(N / 2)], min: createTimes[0] };
  const rows = [
    { command: "node -e ''", median_ms: base.median.toFixed(1), min_ms: base.min.toFixed(1), ratio: '1.00' },
    { command: 'lmctfy list containers /', median_ms: list.median.toFixed(1), min_ms: list.min.toFixed(1), ratio: (list.median / base.median).toFixed(2) },
    { command: 'lmctfy create (cpu+memory)', median_ms: create.median.toFixed(1), min_ms: create.min.toFixed(1), ratio: (create.median / base.median).toFixed(2) },
  ];
  table(rows);
  const baseline = { what: "node -e ''", value: base.median };
  const goal = { on: 'ratio', max: 1.5, text: "≤ 1.5× node -e '' (#2)" };
  record('CLI start', 'lmctfy list containers /', list.median, 'ms', { baseline, goal });
  record('CLI start', 'lmctfy create', create.median, 'ms', { baseline, goal });
  console.log(`\ngoal: ratio ≤ 1.5 (runs=${N})`);
} finally {
  for (let k = 0; k < N; k++) lm('destroy', '-f', `c${k}`);
  removeRootDirs(root);
}

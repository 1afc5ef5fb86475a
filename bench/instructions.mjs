// Instructions executed by lmctfy's hot paths and by their plain-Node floors, counted with
// valgrind --tool=callgrind, where wall time on a shared VM is too noisy to compare small
// changes (issue 7). Each path runs in its own node under callgrind twice, with K and with 0
// measured iterations after the same warm-up; (count(K) − count(0)) / K is the steady-state
// cost of one iteration, with node's start-up and the JIT warm-up cancelled out. Callgrind
// sees user space only: the kernel's side of each syscall is not in these counts.
// Run: npm run build && node bench/instructions.mjs   (about 5 minutes; valgrind installed if missing)
import { spawnSync } from 'node:child_process';
import * as path from 'node:path';
import { ContainerApi } from '../dist/index.js';
import { removeRootDirs } from './cleanup.mjs';
import { LIFECYCLE_SPEC, treeNames } from './floors.mjs';
import { SAMPLE_CONTAINERS } from './hot-path.mjs';
import { ensureCommand, record, table } from './lib.mjs';

const K = { lifecycle: Number(process.env.BENCH_CYCLES ?? 200), sample: Number(process.env.BENCH_PASSES ?? 10) };
const root = `lmctfy-bench-instr-${process.pid}`;

ensureCommand('valgrind', 'valgrind');

function instructions(which, count) {
  const r = spawnSync(
    'valgrind',
    // V8 writes machine code into its heap: all-non-file makes valgrind notice it.
    ['--tool=callgrind', '--callgrind-out-file=/dev/null', '--smc-check=all-non-file', process.execPath, path.resolve('bench/hot-path.mjs'), which, String(count)],
    { env: { ...process.env, LMCTFY_ROOT: root }, encoding: 'utf8', timeout: 600_000 },
  );
  const m = /Collected : (\d+)/.exec(r.stderr);
  if (r.status !== 0 || !m) throw new Error(`callgrind of ${which} ${count} failed (${r.status ?? r.signal}):\n${r.stderr.slice(-2000)}`);
  return Number(m[1]);
}
const perIteration = (which) => {
  const k = K[which.split('-')[0]];
  return (instructions(which, k) - instructions(which, 0)) / k;
};

const api = await ContainerApi.init({}, { root });
const names = treeNames(SAMPLE_CONTAINERS);
try {
  for (const name of names) await api.create(name, LIFECYCLE_SPEC);
  const engine = perIteration('lifecycle-engine');
  const raw = perIteration('lifecycle-raw');
  const sampler = perIteration('sample-engine') / SAMPLE_CONTAINERS;
  const plain = perIteration('sample-plain') / SAMPLE_CONTAINERS;
  const k = (x) => `${(x / 1000).toFixed(1)} k`;
  table([
    { path: 'create + destroy: engine', instructions: k(engine), floor: 'raw mkdir/write/rmdir', floor_instructions: k(raw), ratio: (engine / raw).toFixed(2) },
    { path: `sampler pass, per container (${SAMPLE_CONTAINERS})`, instructions: k(sampler), floor: 'plain readFileSync loop', floor_instructions: k(plain), ratio: (sampler / plain).toFixed(2) },
  ]);
  console.log(`\nuser-space instructions per iteration, (count(K) − count(0)) / K with K = ${K.lifecycle} cycles / ${K.sample} passes`);
  record('instructions', 'engine create+destroy', engine, 'instr', { baseline: { what: 'raw mkdir/write/rmdir', value: raw } });
  record('instructions', 'sampler pass per container', sampler, 'instr', { baseline: { what: 'plain read loop', value: plain } });
} finally {
  for (const name of [...names].reverse()) await api.destroy(name).catch(() => undefined);
  removeRootDirs(root);
}

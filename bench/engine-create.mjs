// In-process create + destroy of a cpu + memory container through the engine vs a raw Node
// loop doing the same mkdir / write / rmdir calls (goal: ≤ 2×).
// Run: npm run build && node bench/engine-create.mjs
import { ContainerApi } from '../dist/index.js';
import { LIFECYCLE_SPEC as spec, rawCreateDestroy } from './floors.mjs';
import { record, table } from './lib.mjs';
import { removeRootDirs } from './cleanup.mjs';

const N = Number(process.env.BENCH_RUNS ?? 300);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 7);
const root = `lmctfy-bench-engine-${process.pid}`;
const api = await ContainerApi.init({}, { root });
async function engineLoop() {
  for (let i = 0; i < N; i++) {
    await api.create(`e${i}`, spec);
    await api.destroy(`e${i}`);
  }
}
function rawLoop() {
  for (let i = 0; i < N; i++) rawCreateDestroy(api.machine, `r${i}`);
}
// CPU time (user + system) of this process: other load on the machine does not count.
const time = async (fn) => {
  const c0 = process.cpuUsage();
  await fn();
  const c = process.cpuUsage(c0);
  return (c.user + c.system) / 1000 / N;
};
try {
  // Alternate the loops and keep each one's best round: the machine's other work only adds.
  let raw = Infinity;
  let eng = Infinity;
  for (let round = 0; round < ROUNDS; round++) {
    raw = Math.min(raw, await time(rawLoop));
    eng = Math.min(eng, await time(engineLoop));
  }
  table([
    { loop: 'raw mkdir/write/rmdir', cpu_ms_per_cycle: raw.toFixed(3), ratio: '1.00' },
    { loop: 'engine create+destroy', cpu_ms_per_cycle: eng.toFixed(3), ratio: (eng / raw).toFixed(2) },
  ]);
  record('lifecycle', 'lmctfy library create+destroy (CPU)', eng, 'ms', {
    baseline: { what: 'raw mkdir/write/rmdir', value: raw },
    goal: { on: 'ratio', max: 2, text: '≤ 2× raw (#2)' },
  });
  console.log(`\ngoal: ratio ≤ 2 (best of ${ROUNDS} rounds × ${N} cycles)`);
} finally {
  removeRootDirs(root);
}

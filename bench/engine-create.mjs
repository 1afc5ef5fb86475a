// In-process create + destroy of a cpu + memory container through the engine vs a raw Node
// loop doing the same mkdir / write / rmdir calls (goal: ≤ 2×).
// Run: npm run build && node bench/engine-create.mjs
// BENCH_ADMIT=1000: instead, the cost of admission (docs/POLICY.md): the same loop in a root
// with a machine policy and BENCH_ADMIT containers already admitted, against a root with as
// many containers and no policy (goal: ≤ 1.10×).
import { ContainerApi } from '../dist/index.js';
import { LIFECYCLE_SPEC as spec, rawCreateDestroy } from './floors.mjs';
import { record, table } from './lib.mjs';
import { removeRootDirs, removeRootTree } from './cleanup.mjs';

const N = Number(process.env.BENCH_RUNS ?? 300);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 7);
const ADMIT = Number(process.env.BENCH_ADMIT ?? 0);
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
if (ADMIT > 0) {
  removeRootDirs(root);
  await admissionCost();
} else try {
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

/** BENCH_ADMIT: create+destroy with a policy and ADMIT admitted containers vs ADMIT containers and none. */
async function admissionCost() {
  const roots = { bare: `lmctfy-bench-bare-${process.pid}`, policy: `lmctfy-bench-admit-${process.pid}` };
  const apis = {};
  try {
    for (const [kind, r] of Object.entries(roots)) {
      const a = await ContainerApi.init({}, { root: r });
      // Room for everything: the cost measured is the check, never a refusal.
      if (kind === 'policy') await a.setPolicy({ capacity: { cpu: 1e12, memory: 1e15 } });
      for (let i = 0; i < ADMIT; i++) await a.create(`held${i}`, { cpu: { limit: 10 }, memory: { reservation: 1 << 20 } });
      apis[kind] = a;
    }
    const loop = (a, tag) => async () => {
      for (let i = 0; i < N; i++) {
        await a.create(`${tag}${i}`, spec);
        await a.destroy(`${tag}${i}`);
      }
    };
    let bare = Infinity;
    let admitted = Infinity;
    for (let round = 0; round < ROUNDS; round++) {
      bare = Math.min(bare, await time(loop(apis.bare, 'b')));
      admitted = Math.min(admitted, await time(loop(apis.policy, 'p')));
    }
    table([
      { loop: `engine create+destroy, ${ADMIT} containers, no policy`, cpu_ms_per_cycle: bare.toFixed(3), ratio: '1.00' },
      { loop: `engine create+destroy, ${ADMIT} admitted, policy`, cpu_ms_per_cycle: admitted.toFixed(3), ratio: (admitted / bare).toFixed(2) },
    ]);
    record('lifecycle', `create+destroy under a machine policy, ${ADMIT} admitted (CPU)`, admitted, 'ms', {
      baseline: { what: `${ADMIT} containers, no policy`, value: bare },
      goal: { on: 'ratio', max: 1.1, text: '≤ 1.10× no policy (#15)' },
    });
    console.log(`\ngoal: ratio ≤ 1.10 (best of ${ROUNDS} rounds × ${N} cycles)`);
  } finally {
    await apis.policy?.clearPolicy();
    for (const r of Object.values(roots)) await removeRootTree(r);
  }
}

// Running a command inside a container (issue 7): `lmctfy run NAME /bin/true` (waits for it
// and forwards its exit status) vs cgroup-tools' `cgexec` into the same cgroups vs a bare
// spawn of /bin/true, in one run. Wall time per command, spawned from this process.
// Run: npm run build && node bench/peer-run.mjs   (BENCH_RUNS=20)
import { spawnSync } from 'node:child_process';
import * as path from 'node:path';
import { removeRootDirs } from './cleanup.mjs';
import { cgToolsGroups, ensureCommand, median, record, table, wallTimes } from './lib.mjs';

const N = Number(process.env.BENCH_RUNS ?? 20);
const root = `lmctfy-bench-run-${process.pid}`;
const env = { ...process.env, LMCTFY_ROOT: root };
const lmctfy = path.resolve('bin/lmctfy');
// lmctfy run joins every hierarchy the container has: the two it isolates and the tracking ones.
const HIERARCHIES = ['cpu', 'memory', 'cpuacct', 'pids', 'freezer'];

function run(argv, opts = {}) {
  const r = spawnSync(argv[0], argv.slice(1), { encoding: 'utf8', ...opts });
  if (r.status !== 0) throw new Error(`${argv.join(' ')} exited ${r.status}: ${r.stderr}`);
  return r.stdout;
}

ensureCommand('cgexec', 'cgroup-tools');
run([lmctfy, 'init', ''], { env });
try {
  run([lmctfy, 'create', 'job', 'cpu:{limit:500} memory:{limit:100000000}'], { env });
  const groups = cgToolsGroups(HIERARCHIES, root, 'job');
  // Both must really land the command in the container: check once with cat /proc/self/cgroup.
  for (const argv of [[lmctfy, 'run', 'job', 'cat', '/proc/self/cgroup'], ['cgexec', ...groups, 'cat', '/proc/self/cgroup']]) {
    const memoryLine = run(argv, { env }).split('\n').find((l) => /:memory:/.test(l));
    if (!memoryLine?.endsWith(`/${root}/job`)) throw new Error(`${argv[0]} did not run inside the container: ${memoryLine}`);
  }

  const bare = await wallTimes(N, () => run(['/bin/true']));
  const cgexec = await wallTimes(N, () => run(['cgexec', ...groups, '/bin/true']));
  const node = await wallTimes(N, () => run([process.execPath, '-e', '']));
  const lm = await wallTimes(N, () => run([lmctfy, 'run', 'job', '/bin/true'], { env }));
  const floor = median(bare);
  table(
    [
      ['bare spawn /bin/true', bare],
      ['cgexec -g … /bin/true', cgexec],
      ["node -e '' (what any node CLI starts with)", node],
      ['lmctfy run job /bin/true', lm],
    ].map(([what, t]) => ({ what, median_ms: median(t).toFixed(2), min_ms: Math.min(...t).toFixed(2), 'vs bare': (median(t) / floor).toFixed(1) })),
  );
  console.log(`\nlmctfy run vs cgexec: ${(median(lm) / median(cgexec)).toFixed(2)}×, vs node -e '': ${(median(lm) / median(node)).toFixed(2)}× (runs=${N})`);
  record('run', 'cgexec /bin/true', median(cgexec), 'ms', { baseline: { what: 'bare spawn', value: floor } });
  record('run', 'lmctfy run /bin/true', median(lm), 'ms', { baseline: { what: 'cgexec', value: median(cgexec) } });
  record('run', 'lmctfy run /bin/true', median(lm), 'ms', { baseline: { what: "node -e ''", value: median(node) } });
} finally {
  spawnSync(lmctfy, ['destroy', '-f', 'job'], { env });
  removeRootDirs(root);
}

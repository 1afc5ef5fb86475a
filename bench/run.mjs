// Runs every benchmark in turn (npm run bench). Each prints its own table against a
// baseline measured in the same run; see BENCHMARKS.md for the goals and last results.
import { spawnSync } from 'node:child_process';

const BENCHES = [
  ['CLI cold start', ['bench/cli-startup.mjs']],
  ['engine create + destroy', ['bench/engine-create.mjs']],
  ['stats sampling', ['--expose-gc', 'bench/stats-sample.mjs']],
  ['stats math', ['bench/stats-math.mjs']],
  ['console start', ['bench/ui-startup.mjs']],
  ['console render', ['--expose-gc', 'bench/ui-render.mjs']],
  ['notification latency', ['bench/notify-latency.mjs']],
];

let failed = 0;
for (const [title, args] of BENCHES) {
  console.log(`\n## ${title}: node ${args.join(' ')}\n`);
  const r = spawnSync(process.execPath, args, { stdio: 'inherit' });
  if (r.status !== 0) failed++;
}
process.exitCode = failed ? 1 : 0;

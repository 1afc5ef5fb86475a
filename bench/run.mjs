// `npm run bench`: every benchmark, each run BENCH_REPEAT times (default 3) on this machine,
// then one table of the headline figures: medians over the runs, each beside the baseline
// measured in the same run and the goal it answers to (BENCHMARKS.md explains each).
// BENCH_ONLY=name,name runs a subset (names as in BENCHES below); BENCH_KEEP=FILE appends the
// raw figures to FILE and summarizes everything in it, so subsets run apart add up to one table.
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { median } from './lib.mjs';

const BENCHES = [
  ['cli-startup', []],
  ['engine-create', []],
  ['peer-lifecycle', []],
  ['peer-run', []],
  ['stats-sample', ['--expose-gc']],
  ['stats-math', []],
  ['ui-startup', []],
  ['ui-render', ['--expose-gc']],
  ['console-cost', []],
  ['notify-latency', []],
  ['headless-cost', []],
  ['image-import', []],
  ['vhost', []],
  // Builds a tree of 1,000 containers and a synthetic day of store: once.
  ['record', [], { once: true }],
  // Instruction counts barely vary between runs, and one run takes minutes: once.
  ['instructions', [], { once: true }],
];
const REPEAT = Number(process.env.BENCH_REPEAT ?? 3);
const only = process.env.BENCH_ONLY?.split(',');

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lmctfy-bench-'));
const results = process.env.BENCH_KEEP ? path.resolve(process.env.BENCH_KEEP) : path.join(dir, 'results.jsonl');
fs.appendFileSync(results, '');
const failed = [];
try {
  for (const [name, flags, opts = {}] of BENCHES) {
    if (only && !only.includes(name)) continue;
    const runs = opts.once ? 1 : REPEAT;
    for (let k = 1; k <= runs; k++) {
      console.log(`\n## ${name} (run ${k} of ${runs}): node ${[...flags, `bench/${name}.mjs`].join(' ')}\n`);
      const r = spawnSync(process.execPath, [...flags, `bench/${name}.mjs`], { stdio: 'inherit', env: { ...process.env, BENCH_RESULTS: results } });
      if (r.status !== 0) failed.push(`${name} run ${k} (${r.status ?? r.signal})`);
    }
  }
  printSummary(fs.readFileSync(results, 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l)));
} finally {
  fs.rmSync(dir, { recursive: true, force: true });
}
if (failed.length) console.log(`\nfailed: ${failed.join(', ')}`);
process.exitCode = failed.length ? 1 : 0;

function printSummary(records) {
  const groups = new Map();
  for (const r of records) {
    const key = `${r.area}\0${r.what}\0${r.baseline?.what ?? ''}`;
    groups.set(key, [...(groups.get(key) ?? []), r]);
  }
  const num = (x) => (Math.abs(x) >= 100 ? x.toFixed(0) : Math.abs(x) >= 10 ? x.toFixed(1) : x.toFixed(2));
  const rows = [...groups.values()].map((rs) => {
    const { area, what, unit, baseline, goal } = rs[0];
    const value = median(rs.map((r) => r.value));
    const ratio = baseline ? median(rs.map((r) => r.ratio)) : undefined;
    const checked = goal?.on === 'ratio' ? ratio : value;
    return [
      area,
      what,
      `${num(value)} ${unit}`,
      baseline ? `${baseline.what}: ${num(median(rs.map((r) => r.baseline.value)))} ${unit}` : '',
      ratio === undefined ? '' : `${num(ratio)}×`,
      goal?.text ?? '',
      goal ? (checked <= goal.max ? 'yes' : '**no**') : '',
      String(rs.length),
    ];
  });
  const head = ['area', 'measurement', 'lmctfy (median)', 'baseline, same run (median)', 'ratio (median)', 'goal', 'met', 'runs'];
  const cpus = os.cpus();
  console.log(`\n# Summary: ${new Date().toISOString()}, ${os.hostname()}, ${cpus.length} × ${cpus[0]?.model ?? 'CPU'}, `
    + `${(os.totalmem() / 2 ** 30).toFixed(1)} GiB, Linux ${os.release()}, Node ${process.versions.node}, load ${os.loadavg().map((l) => l.toFixed(2)).join(' ')}\n`);
  console.log(`| ${head.join(' | ')} |`);
  console.log(`|${head.map(() => '---').join('|')}|`);
  for (const r of rows) console.log(`| ${r.join(' | ')} |`);
}

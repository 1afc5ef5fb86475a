// Shared helpers for benchmarks: timing, tables, and a delegated root below our own cgroup.
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';

export function median(xs) {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

/** Wall time of a command over n runs (after one warm-up), in ms: median and min. */
export function timeCommand(argv, n, env = process.env) {
  spawnSync(argv[0], argv.slice(1), { env, stdio: 'ignore' });
  const times = [];
  for (let i = 0; i < n; i++) {
    const t0 = process.hrtime.bigint();
    const r = spawnSync(argv[0], argv.slice(1), { env, stdio: 'ignore' });
    times.push(Number(process.hrtime.bigint() - t0) / 1e6);
    if (r.status !== 0) throw new Error(`${argv.join(' ')} exited ${r.status}`);
  }
  return { median: median(times), min: Math.min(...times) };
}

export function table(rows) {
  const cols = Object.keys(rows[0]);
  const w = cols.map((c) => Math.max(c.length, ...rows.map((r) => String(r[c]).length)));
  const line = (vals) => vals.map((v, i) => String(v).padEnd(w[i])).join('  ');
  console.log(line(cols));
  console.log(line(w.map((n) => '-'.repeat(n))));
  for (const r of rows) console.log(line(cols.map((c) => r[c])));
}

/** Own cgroup dir per v1 hierarchy, from /proc/self/cgroup. */
export function ownDirs() {
  const out = {};
  for (const line of fs.readFileSync('/proc/self/cgroup', 'utf8').split('\n')) {
    const [, ctrls, p] = line.split(/:(.*?):/);
    if (!ctrls) continue;
    for (const c of ctrls.split(',')) {
      const mount = `/sys/fs/cgroup/${c}`;
      if (fs.existsSync(mount)) out[c] = path.join(mount, p);
    }
  }
  return out;
}

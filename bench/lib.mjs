// Shared helpers for benchmarks: timing, tables, and a delegated root below our own cgroup.
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';

export function median(xs) {
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? s[mid] : (s[mid - 1] + s[mid]) / 2;
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

/**
 * A cgroupsPath for runc below this process's own cgroup in every hierarchy (the deepest of
 * its paths; every other must be its ancestor), and the directories runc will make that do
 * not exist yet, deepest first, for removeRuncCgroups once runc is done.
 */
export function runcCgroups(id) {
  const paths = fs.readFileSync('/proc/self/cgroup', 'utf8').split('\n').filter((l) => /^\d+:[^:]+:/.test(l)).map((l) => l.split(':')[2]);
  const deepest = paths.reduce((a, b) => (b.length > a.length ? b : a), '/');
  if (!paths.every((p) => p === '/' || deepest === p || deepest.startsWith(`${p}/`))) throw new Error("this process's cgroups are not nested; cannot place runc below all of them");
  const cgroupsPath = `${deepest.replace(/\/$/, '')}/${id}`;
  const made = [];
  for (const mount of fs.readdirSync('/sys/fs/cgroup').map((d) => path.join('/sys/fs/cgroup', d))) {
    let p = mount;
    for (const part of cgroupsPath.split('/').filter(Boolean)) {
      p = path.join(p, part);
      if (!fs.existsSync(p) && fs.existsSync(path.join(mount, 'tasks'))) made.unshift(p);
    }
  }
  return { cgroupsPath, made };
}

/** Removes what runcCgroups said runc would make (runc delete removes only the last level). */
export function removeRuncCgroups(made) {
  for (const d of made) spawnSync('rmdir', [d]);
}

/**
 * A headline figure for `npm run bench`'s summary: appended as one JSON line to the file
 * named by BENCH_RESULTS (set by bench/run.mjs), ignored when a bench runs on its own.
 * `ratio` is value / baseline.value measured in the same run, unless the benchmark gives its
 * own (the median of paired ratios); `goal` says which of the two it bounds
 * ({ on: 'ratio' | 'value', max, text }).
 */
export function record(area, what, value, unit, { baseline, goal, ratio = baseline ? value / baseline.value : undefined } = {}) {
  const file = process.env.BENCH_RESULTS;
  if (!file) return;
  fs.appendFileSync(file, `${JSON.stringify({ area, what, value, unit, baseline, ratio, goal })}\n`);
}

/** Installs a Debian package when its command is missing (benchmarks run as root). */
export function ensureCommand(command, pkg) {
  const has = () => spawnSync('sh', ['-c', `command -v ${command}`], { stdio: 'ignore' }).status === 0;
  if (has()) return;
  const apt = (...a) => spawnSync('apt-get', a, { stdio: ['ignore', 'ignore', 'inherit'], env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' } });
  if (apt('install', '-y', '-q', pkg).status !== 0) {
    apt('update', '-q');
    apt('install', '-y', '-q', pkg);
  }
  if (!has()) throw new Error(`${command} is missing and apt-get could not install ${pkg}`);
}

/** CPU time (user + system, in ms) of this process's waited-for children, from /proc/self/stat (10 ms ticks). */
export function childrenCpuMs() {
  const stat = fs.readFileSync('/proc/self/stat', 'utf8');
  const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(f[13]) + Number(f[14])) * 10;
}

/** CPU time (user + system, in ms) so far of process `pid`, all its threads, or of its thread `tid` alone, from /proc (10 ms ticks). */
export function processCpuMs(pid, tid) {
  const stat = fs.readFileSync(tid === undefined ? `/proc/${pid}/stat` : `/proc/${pid}/task/${tid}/stat`, 'utf8');
  const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(f[11]) + Number(f[12])) * 10;
}

/** Per-cycle wall times in ms of fn over n cycles (after one warm-up cycle). */
export async function wallTimes(n, fn) {
  await fn(-1);
  const times = [];
  for (let i = 0; i < n; i++) {
    const t0 = process.hrtime.bigint();
    await fn(i);
    times.push(Number(process.hrtime.bigint() - t0) / 1e6);
  }
  return times;
}

/** A delegated container's path inside hierarchy c as cgroup-tools names it (from the mount root). */
export function cgToolsPath(c, root, name) {
  const own = ownDirs()[c];
  return path.join(own.slice(`/sys/fs/cgroup/${c}`.length) || '/', root, name);
}

/** cgroup-tools' -g arguments for a container: one per distinct path, as our own cgroup differs per hierarchy. */
export function cgToolsGroups(hierarchies, root, name) {
  const byPath = new Map();
  for (const c of hierarchies) {
    const p = cgToolsPath(c, root, name);
    byPath.set(p, [...(byPath.get(p) ?? []), c]);
  }
  return [...byPath].flatMap(([p, cs]) => ['-g', `${cs.join(',')}:${p}`]);
}

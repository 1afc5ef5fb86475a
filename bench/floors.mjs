// The floors lmctfy's hot paths are compared with: the same kernel calls made by the
// plainest Node code, shared by the wall/CPU benchmarks and the instruction counts.
import * as fs from 'node:fs';
import * as path from 'node:path';

/** The spec every lifecycle benchmark creates, and what the engine writes for it. */
export const LIFECYCLE_SPEC = { cpu: { limit: 500 }, memory: { limit: 100000000 } };
const LIFECYCLE_HIERARCHIES = ['cpu', 'memory', 'cpuacct', 'pids', 'freezer'];
// A fresh cgroup's swap and quota are already unlimited, so the engine leaves them.
const LIFECYCLE_WRITES = [
  ['memory', 'memory.limit_in_bytes', '100000000'],
  ['memory', 'memory.soft_limit_in_bytes', '0'],
  ['cpu', 'cpu.shares', '512'],
];

/** Exactly the engine's mkdir / write / rmdir calls for LIFECYCLE_SPEC, nothing else. */
export function rawCreateDestroy(machine, name) {
  const dirs = LIFECYCLE_HIERARCHIES.map((c) => [c, path.join(machine.dirOf('/', c), name)]);
  for (const [, d] of dirs) fs.mkdirSync(d);
  const dirOf = Object.fromEntries(dirs);
  for (const [c, f, v] of LIFECYCLE_WRITES) fs.writeFileSync(path.join(dirOf[c], f), v);
  for (const [, d] of dirs.reverse()) fs.rmdirSync(d);
}

// Everything a console shows per container, read the plain way (from strace of a polling
// pass on this kernel): the tree walked, counters every pass, settings on every fifth pass
// (staggered); cpu.stat (throttling) only for containers with a CPU cap, which the benchmark
// trees have not. A steady console pass reads a subset: memory.stat and the OOM count only
// when usage moved, and the tree, settings and freezer state only when inotify says so.
const COUNTERS = {
  freezer: ['freezer.state'],
  cpuacct: ['cpuacct.usage'],
  memory: ['memory.stat', 'memory.usage_in_bytes', 'memory.oom_control'],
  pids: ['pids.current'],
};
const SETTINGS = {
  cpu: ['cpu.idle', 'cpu.shares', 'cpu.cfs_quota_us', 'cpu.cfs_period_us'],
  memory: ['memory.limit_in_bytes', 'memory.soft_limit_in_bytes', 'memory.memsw.limit_in_bytes'],
  pids: ['pids.max'],
};

/** One pass of a plain loop over the same files a console pass reads: walk, then readFileSync. */
export function plainPass(machine, names, pass) {
  const walk = (d) => {
    for (const e of fs.readdirSync(d, { withFileTypes: true })) if (e.isDirectory()) walk(path.join(d, e.name));
  };
  walk(machine.trackingDir('/'));
  names.forEach((name, i) => {
    const read = (groups) => {
      for (const [c, files] of Object.entries(groups)) {
        const dir = machine.dirOf(name, c);
        for (const f of files) fs.readFileSync(path.join(dir, f), 'utf8');
      }
    };
    read(COUNTERS);
    if ((pass + i) % 5 === 0) read(SETTINGS);
  });
}

/** Ten top-level containers, the rest spread below them: a tree, as in production. */
export function treeNames(n) {
  const out = [];
  for (let i = 0; i < Math.min(10, n); i++) out.push(`/g${i}`);
  for (let i = out.length; i < n; i++) out.push(`/g${i % 10}/c${i}`);
  return out;
}

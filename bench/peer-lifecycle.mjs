// Container lifecycle side by side (issue 7): create + destroy of a cpu + memory container
// (limit 100 MB, 0.5 CPU of shares) through the lmctfy library, the lmctfy CLI, cgroup-tools
// (cgcreate / cgset / cgdelete, installed from Debian if missing) and a raw
// mkdir / write / rmdir floor, in one run on one delegated root. Wall time per cycle.
// Every tool touches the same five hierarchies lmctfy does (cpu, memory and the tracking
// ones: cpuacct, pids, freezer) and writes the same three files.
// Run: npm run build && node bench/peer-lifecycle.mjs   (BENCH_RUNS=20 spawned cycles)
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { ContainerApi } from '../dist/index.js';
import { removeRootDirs } from './cleanup.mjs';
import { LIFECYCLE_SPEC as spec, rawCreateDestroy } from './floors.mjs';
import { cgToolsGroups, cgToolsPath, ensureCommand, median, record, table, wallTimes } from './lib.mjs';

const SPAWNED = Number(process.env.BENCH_RUNS ?? 20);
const IN_PROCESS = SPAWNED * 10;
const root = `lmctfy-bench-peers-${process.pid}`;
const HIERARCHIES = ['cpu', 'memory', 'cpuacct', 'pids', 'freezer'];
const SPEC_TEXT = 'cpu:{limit:500} memory:{limit:100000000}';

ensureCommand('cgcreate', 'cgroup-tools');
const groups = (name) => cgToolsGroups(HIERARCHIES, root, name);
const cgPath = (c, name) => cgToolsPath(c, root, name);
function run(argv, env = process.env) {
  const r = spawnSync(argv[0], argv.slice(1), { env, encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`${argv.join(' ')} exited ${r.status}: ${r.stderr}`);
}

const env = { ...process.env, LMCTFY_ROOT: root };
const api = await ContainerApi.init({}, { root });
const lmctfy = path.resolve('bin/lmctfy.js');
try {
  const library = await wallTimes(IN_PROCESS, async (i) => {
    await api.create(`l${i}`, spec);
    await api.destroy(`l${i}`);
  });
  const cli = await wallTimes(SPAWNED, (i) => {
    run([lmctfy, 'create', `c${i}`, SPEC_TEXT], env);
    run([lmctfy, 'destroy', `c${i}`], env);
  });
  const tools = await wallTimes(SPAWNED, (i) => {
    const name = `t${i}`;
    run(['cgcreate', ...groups(name)]);
    // cgset takes one path; memory and cpu live at different paths under our own cgroup.
    run(['cgset', '-r', 'memory.limit_in_bytes=100000000', '-r', 'memory.soft_limit_in_bytes=0', cgPath('memory', name)]);
    run(['cgset', '-r', 'cpu.shares=512', cgPath('cpu', name)]);
    run(['cgdelete', ...groups(name)]);
  });
  const raw = await wallTimes(IN_PROCESS, (i) => rawCreateDestroy(api.machine, `r${i}`));

  const floor = median(raw);
  const rows = [
    ['raw mkdir/write/rmdir (in process)', raw],
    ['lmctfy library (in process)', library],
    ['cgroup-tools: cgcreate + 2 cgset + cgdelete', tools],
    ['lmctfy CLI: create + destroy', cli],
  ].map(([what, t]) => ({ what, median_ms: median(t).toFixed(3), min_ms: Math.min(...t).toFixed(3), 'vs raw': (median(t) / floor).toFixed(1), cycles: t.length }));
  table(rows);
  console.log(`\nlmctfy CLI vs cgroup-tools: ${(median(cli) / median(tools)).toFixed(2)}× (both spawn per step; the CLI is two node starts, cgroup-tools four C programs)`);

  const base = { what: 'raw mkdir/write/rmdir', value: floor };
  record('lifecycle', 'lmctfy library create+destroy', median(library), 'ms', { baseline: base });
  record('lifecycle', 'cgroup-tools cgcreate+cgset+cgdelete', median(tools), 'ms', { baseline: base });
  record('lifecycle', 'lmctfy CLI create+destroy', median(cli), 'ms', { baseline: { what: 'cgroup-tools', value: median(tools) } });
} finally {
  for (const c of HIERARCHIES) {
    for (const e of fs.readdirSync(api.machine.dirOf('/', c), { withFileTypes: true })) {
      if (e.isDirectory()) fs.rmdirSync(path.join(api.machine.dirOf('/', c), e.name));
    }
  }
  removeRootDirs(root);
}

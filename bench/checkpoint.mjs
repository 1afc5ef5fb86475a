// Checkpoint and restore of a virtual host holding 64 MiB (bench/hold.c, statically linked
// into a busybox rootfs), against `runc checkpoint` / `runc restore` of the same program on
// the same rootfs with the same criu (scripts/criu.mjs's), alternating, in one run. Each
// figure is the wall time of the whole command as a user runs it (lmctfy's includes Node's
// start; runc's its own): checkpoint ends the container on both sides, restore brings it back
// detached. Goal (issue 18): each ≤ 1.0× runc's. A third side calls the library's checkpoint
// and restore in this process (no Node start), to show what Node's start is of the commands'.
// The library's calls are not primed (docs/CHECKPOINT.md, "criu's probe of the kernel"): their
// criu probes the kernel itself, in series, as runc's does; the commands' overlaps Node's start.
// Each round runs the three sides one after the other; besides the ratio of the medians the
// table gives the median of the rounds' own ratios ("paired"). lmctfy runs as a user runs it:
// bin/lmctfy, the command npm installs (the native launcher where it was built, native/launcher.c).
// Root only; CKPT_RUNS rounds (default 3); CKPT_BEFORE=path/to/bin/lmctfy adds another build's
// commands to every round (an earlier commit built in a copy of the tree), for a before/after
// in the same rounds.
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { ContainerApi, checkpoint, restore } from '../dist/index.js';
import { removeRootDirs } from './cleanup.mjs';
import { ensureCommand, median, record, removeRuncCgroups, runcCgroups, table } from './lib.mjs';

const top = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const RUNS = Number(process.env.CKPT_RUNS ?? 3);
if (process.getuid() !== 0) throw new Error('the checkpoint benchmark needs root (criu, namespaces, cgroups)');

function must(cmd, args, opts = {}) {
  const r = spawnSync(cmd, args, { encoding: 'utf8', ...opts });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')}: ${(r.stderr || r.stdout || r.error?.message || '').trim().split('\n').at(-1)}`);
  return r.stdout;
}

/** Wall time of one command in ms. */
function timed(cmd, args, opts) {
  const t = process.hrtime.bigint();
  must(cmd, args, opts);
  return Number(process.hrtime.bigint() - t) / 1e6;
}

const criu = must(process.execPath, [path.join(top, 'scripts', 'criu.mjs')]).trim();
ensureCommand('runc', 'runc');
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'lmctfy-bench-ckpt-'));
const rootfs = path.join(tmp, 'rootfs');
const env = { ...process.env, PATH: `${path.dirname(criu)}:${process.env.PATH}`, LMCTFY_CRIU: criu, CRIU_FAULT: '130' };
// The library side finds criu as the commands do.
process.env.LMCTFY_CRIU = criu;
const lmctfyRoot = `lmctfy-bench-ckpt-${process.pid}`;
const before = process.env.CKPT_BEFORE ? path.resolve(process.env.CKPT_BEFORE) : undefined;
const command = (bin) => (...args) => [bin, args, { env: { ...env, LMCTFY_ROOT: lmctfyRoot } }];
const lmctfy = command(path.join(top, 'bin', 'lmctfy'));

/** Until the pid holds its 64 MiB (VmRSS), so both sides dump the same memory. */
function waitHolding(pid) {
  for (let i = 0; i < 500; i++) {
    const rss = /VmRSS:\s+(\d+)/.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1];
    if (Number(rss) >= 64 * 1024) return;
    Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 20);
  }
  throw new Error(`pid ${pid} never held 64 MiB`);
}

const runcState = path.join(tmp, 'runc-state');
const bundle = path.join(tmp, 'bundle');
const runcId = `lmctfy-bench-${process.pid}`;
// Detached containers keep whatever stdio runc had: none of it may be a pipe this process waits on.
const runc = (...args) => ['runc', ['--root', runcState, ...args], { env, stdio: 'ignore' }];
let madeCgroups = [];

function setUp() {
  must(...lmctfy('rootfs', 'build', rootfs));
  must('cc', ['-O2', '-static', '-o', path.join(rootfs, 'hold'), path.join(top, 'bench', 'hold.c')]);
  must(...lmctfy('init', ''));
  fs.mkdirSync(bundle);
  must('runc', ['spec', '--bundle', bundle]);
  const config = JSON.parse(fs.readFileSync(path.join(bundle, 'config.json'), 'utf8'));
  config.process.terminal = false;
  config.process.args = ['/hold'];
  config.root = { path: rootfs, readonly: true };
  config.hostname = 'bench';
  const cgroups = runcCgroups(runcId);
  madeCgroups = cgroups.made;
  config.linux.cgroupsPath = cgroups.cgroupsPath;
  config.linux.resources = { ...config.linux.resources, memory: { limit: 256 << 20 } };
  fs.writeFileSync(path.join(bundle, 'config.json'), JSON.stringify(config, null, 2));
}

const SPEC = () => `virtual_host:{virtual_hostname:'bench' init:{init_argv:['/hold']} network:{}} filesystem:{rootfs:'${rootfs}'} memory:{limit:268435456}`;

function lmctfyRound(dir, timedCommand = lmctfy) {
  must(...lmctfy('create', 'vh', SPEC()));
  waitHolding(Number(must(...lmctfy('list', 'pids', 'vh', '-v')).trim().split('\n')[0]));
  const ck = timed(...timedCommand('checkpoint', 'vh', dir));
  const rs = timed(...timedCommand('restore', 'vh', dir));
  waitHolding(Number(must(...lmctfy('list', 'pids', 'vh', '-v')).trim().split('\n')[0]));
  must(...lmctfy('destroy', '-f', 'vh'));
  return { ck, rs };
}

/** The same through the library in this process: the calls' wall times, without a Node start. */
async function libraryRound(dir) {
  const api = ContainerApi.open({ root: lmctfyRoot });
  must(...lmctfy('create', 'vh', SPEC()));
  waitHolding(Number(must(...lmctfy('list', 'pids', 'vh', '-v')).trim().split('\n')[0]));
  let t = process.hrtime.bigint();
  await checkpoint(api, 'vh', dir);
  const ck = Number(process.hrtime.bigint() - t) / 1e6;
  t = process.hrtime.bigint();
  await restore(api, 'vh', dir);
  const rs = Number(process.hrtime.bigint() - t) / 1e6;
  waitHolding(Number(must(...lmctfy('list', 'pids', 'vh', '-v')).trim().split('\n')[0]));
  must(...lmctfy('destroy', '-f', 'vh'));
  return { ck, rs };
}

function runcRound(dir) {
  must(...runc('run', '-d', '--bundle', bundle, runcId));
  const pid = () => Number(JSON.parse(must('runc', ['--root', runcState, 'state', runcId], { env })).pid);
  waitHolding(pid());
  const ck = timed(...runc('checkpoint', '--image-path', dir, runcId));
  const rs = timed(...runc('restore', '-d', '--image-path', dir, '--bundle', bundle, runcId));
  waitHolding(pid());
  must(...runc('delete', '-f', runcId));
  return { ck, rs };
}

function cleanUp() {
  spawnSync(...lmctfy('destroy', '-f', 'vh'));
  spawnSync('runc', ['--root', runcState, 'delete', '-f', runcId], { env });
  removeRuncCgroups(madeCgroups);
  fs.rmSync(tmp, { recursive: true, force: true });
}

const rows = [];
try {
  setUp();
  const ours = { ck: [], rs: [] };
  const lib = { ck: [], rs: [] };
  const theirs = { ck: [], rs: [] };
  const earlier = { ck: [], rs: [] };
  const add = (to, r) => {
    to.ck.push(r.ck);
    to.rs.push(r.rs);
  };
  for (let i = 0; i < RUNS; i++) {
    add(ours, lmctfyRound(path.join(tmp, `lmctfy-${i}`)));
    add(theirs, runcRound(path.join(tmp, `runc-${i}`)));
    add(lib, await libraryRound(path.join(tmp, `library-${i}`)));
    if (before) add(earlier, lmctfyRound(path.join(tmp, `before-${i}`), command(before)));
  }
  for (const [what, key] of [['checkpoint', 'ck'], ['restore', 'rs']]) {
    const mine = median(ours[key]);
    const base = median(theirs[key]);
    const inProcess = median(lib[key]);
    // Each round's own ratio too (its commands ran one after the other): load that drifts
    // across the run moves it less than the ratio of the medians, which the goal is read on.
    const paired = (side) => median(side[key].map((v, i) => v / theirs[key][i])).toFixed(2);
    rows.push({ what: `${what} (64 MiB virtual host)`, lmctfy: `${mine.toFixed(0)} ms`, runc: `${base.toFixed(0)} ms`, ratio: (mine / base).toFixed(2), paired: paired(ours) });
    if (before) {
      const was = median(earlier[key]);
      rows.push({ what: `  CKPT_BEFORE's build`, lmctfy: `${was.toFixed(0)} ms`, runc: `${base.toFixed(0)} ms`, ratio: (was / base).toFixed(2), paired: paired(earlier) });
      rows.push({ what: `  this build / CKPT_BEFORE's`, lmctfy: '', runc: '', ratio: (mine / was).toFixed(2), paired: median(ours[key].map((v, i) => v / earlier[key][i])).toFixed(2) });
    }
    rows.push({ what: `  library call, no Node start`, lmctfy: `${inProcess.toFixed(0)} ms`, runc: `${base.toFixed(0)} ms`, ratio: (inProcess / base).toFixed(2), paired: paired(lib) });
    record('checkpoint', `${what} of a virtual host holding 64 MiB`, mine, 'ms', { baseline: { what: `runc ${what}`, value: base }, goal: { on: 'ratio', max: 1.0, text: `≤ 1.0× runc ${what}` } });
  }
} finally {
  cleanUp();
  // PID 1 reaps late here: give the last processes' zombies a moment before removing the root.
  spawnSync('sleep', ['1']);
  removeRootDirs(lmctfyRoot);
}
console.log(`criu ${must(criu, ['--version']).split('\n')[0].replace('Version: ', '')}, runc ${must('runc', ['--version']).split('\n')[0].split(' ').at(-1)}, ${RUNS} rounds, medians; load average ${os.loadavg().map((l) => l.toFixed(2)).join(' ')}`);
table(rows);

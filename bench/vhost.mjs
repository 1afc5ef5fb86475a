// Virtual hosts (issue 17), in one run:
// 1. library create + start of a virtual host with a veth pair on a bridge and a memory limit,
//    to its init running, vs `runc run -d` of a bundle on the same rootfs (runc works on this
//    hybrid-cgroup machine as is; crun refuses it without a mount trick): wall time each, alternated;
// 2. CLI `lmctfy run vh true` into a running virtual host vs `node -e ''`, paired rounds (wall and CPU),
//    with `lmctfy list containers /` in the same rounds (the CLI's start without a spawn);
// 3. COUNT virtual hosts on one rootfs: disk beyond the rootfs each (their state dirs: upper,
//    work, the mount point and spec), then destroy of them all.
// Run: npm run build && node bench/vhost.mjs   (BENCH_RUNS=10, BENCH_VHOSTS=100)
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { ContainerApi, parseText } from '../dist/index.js';
import { removeRootTree } from './cleanup.mjs';
import { childrenCpuMs, ensureCommand, median, record, removeRuncCgroups, runcCgroups, table } from './lib.mjs';

const N = Number(process.env.BENCH_RUNS ?? 10);
const COUNT = Number(process.env.BENCH_VHOSTS ?? 100);
const tag = process.pid % 100000;
const root = `lmctfy-bench-vhost-${process.pid}`;
// runc's cgroup goes below this process's own in every hierarchy, as every experiment's must.
const runcCgroup = runcCgroups(`lmctfy-bench-runc-${process.pid}`);
const env = { ...process.env, LMCTFY_ROOT: root };
const lmctfy = path.resolve('bin/lmctfy'); // what npm installs (scripts/write-launcher.mjs)
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'lmctfy-bench-vhost-'));
const rootfs = path.join(tmp, 'rootfs');

function run(argv, opts = {}) {
  const r = spawnSync(argv[0], argv.slice(1), { encoding: 'utf8', ...opts });
  if (r.status !== 0) throw new Error(`${argv.join(' ')} exited ${r.status}: ${r.stderr}`);
  return r.stdout;
}

/** A runc bundle on the same rootfs: read-only root, its own pid, ipc, uts, mount and net namespaces, 100 MB, no terminal. */
function runcBundle() {
  const bundle = path.join(tmp, 'bundle');
  fs.mkdirSync(bundle);
  run(['runc', 'spec', '--bundle', bundle]);
  const config = JSON.parse(fs.readFileSync(path.join(bundle, 'config.json'), 'utf8'));
  config.process.terminal = false;
  config.process.args = ['sleep', '1000'];
  config.root = { path: rootfs, readonly: true };
  config.hostname = 'vh';
  config.linux.cgroupsPath = runcCgroup.cgroupsPath;
  config.linux.resources = { ...config.linux.resources, memory: { limit: 100_000_000 } };
  fs.writeFileSync(path.join(bundle, 'config.json'), JSON.stringify(config));
  return bundle;
}

const vhSpec = (i) =>
  `virtual_host:{virtual_hostname:'vh' network:{connection:{veth_pair:{outside:'lmb${tag}v${i}' inside:'eth0'} bridge:{name:'lmbbr${tag}'}} virtual_ip:{ip:'10.222.${(i >> 8) & 255}.${(i & 255) + 1}' netmask:'255.255.0.0'}}} filesystem:{rootfs:'${rootfs}'} memory:{limit:100000000}`;

ensureCommand('runc', 'runc');
const api = await ContainerApi.init({}, { root });
const parse = (text) => parseText('ContainerSpec', text);
/** What is made, so that a failure half-way still destroys it (a virtual host's veth and state live outside its cgroups). */
const made = new Set();
const create = async (name, text) => {
  made.add(name);
  await api.create(name, parse(text));
};
const destroy = async (name) => {
  await api.destroy(name, { force: true });
  made.delete(name);
};
try {
  run([lmctfy, 'rootfs', 'build', rootfs], { env });
  const bundle = runcBundle();

  // 1. Alternate: ours, then runc; each removed untimed before the next.
  const ours = [];
  const runc = [];
  for (let i = 0; i < N; i++) {
    const spec = parse(vhSpec(i));
    made.add(`s${i}`);
    const t0 = process.hrtime.bigint();
    await api.create(`s${i}`, spec);
    ours.push(Number(process.hrtime.bigint() - t0) / 1e6);
    await destroy(`s${i}`);
    const t1 = process.hrtime.bigint();
    // Its stdio goes to the container's init: none, or spawnSync would wait for the container.
    run(['runc', 'run', '-d', '--bundle', bundle, `lmb${tag}r${i}`], { stdio: 'ignore' });
    runc.push(Number(process.hrtime.bigint() - t1) / 1e6);
    run(['runc', 'delete', '-f', `lmb${tag}r${i}`]);
  }

  // 2. run into a running virtual host vs a bare Node start, paired: each round runs both in
  //    turn, so a busy moment stretches both alike; the ratio is the median of the rounds'.
  //    Beside it their CPU time (user + system of the waited-for children), which other work
  //    on a shared machine stretches less than wall time.
  await create('vh', vhSpec(999));
  const node = [];
  const joins = [];
  // `list` in the same rounds: the CLI's start alone, so what run adds after dispatch shows.
  const lists = [];
  const cpu = { node: 0, joins: 0, lists: 0 };
  const timed = (times, what, argv, opts) => {
    const c0 = childrenCpuMs();
    const t0 = process.hrtime.bigint();
    run(argv, opts);
    times.push(Number(process.hrtime.bigint() - t0) / 1e6);
    cpu[what] += childrenCpuMs() - c0;
  };
  run([lmctfy, 'run', 'vh', 'true'], { env });
  for (let i = 0; i < N; i++) {
    timed(node, 'node', [process.execPath, '-e', '']);
    timed(joins, 'joins', [lmctfy, 'run', 'vh', 'true'], { env });
    timed(lists, 'lists', [lmctfy, 'list', 'containers', '/'], { env });
  }
  const pairedRatio = median(joins.map((t, i) => t / node[i]));
  const listRatio = median(lists.map((t, i) => t / node[i]));
  const runOverList = median(joins.map((t, i) => t / lists[i]));
  await destroy('vh');

  // 3. COUNT on one rootfs (no network: the disk and teardown of the overlay and namespaces).
  for (let i = 0; i < COUNT; i++) await create(`m${i}`, `virtual_host:{} filesystem:{rootfs:'${rootfs}'}`);
  const states = fs.readdirSync('/run/lmctfy/vhosts').map((d) => path.join('/run/lmctfy/vhosts', d)).filter((d) => fs.existsSync(path.join(d, 'spec.json')));
  const kib = Number(run(['du', '-skc', ...states.filter((d) => fs.readFileSync(path.join(d, 'spec.json'), 'utf8').includes(rootfs))]).trim().split('\n').pop().split(/\s+/)[0]);
  const t0 = process.hrtime.bigint();
  for (let i = 0; i < COUNT; i++) await destroy(`m${i}`);
  const destroyAll = Number(process.hrtime.bigint() - t0) / 1e9;

  const load = fs.readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ');
  const ms = (v) => v.toFixed(1);
  table([
    { what: 'library create+start, veth + bridge, to init running', median_ms: ms(median(ours)), min_ms: ms(Math.min(...ours)), vs: `${(median(ours) / median(runc)).toFixed(2)}× runc run -d` },
    { what: 'runc run -d, same rootfs (read-only), own netns', median_ms: ms(median(runc)), min_ms: ms(Math.min(...runc)), vs: '' },
    { what: 'lmctfy run vh true (CLI)', median_ms: ms(median(joins)), min_ms: ms(Math.min(...joins)), vs: `${pairedRatio.toFixed(2)}× node -e '' (paired); CPU ${(cpu.joins / cpu.node).toFixed(2)}×` },
    { what: 'lmctfy list containers / (the CLI start alone)', median_ms: ms(median(lists)), min_ms: ms(Math.min(...lists)), vs: `${listRatio.toFixed(2)}× node -e '' (paired); CPU ${(cpu.lists / cpu.node).toFixed(2)}×; run ${runOverList.toFixed(2)}× list` },
    { what: "node -e ''", median_ms: ms(median(node)), min_ms: ms(Math.min(...node)), vs: '' },
  ]);
  console.log(`${COUNT} virtual hosts on one rootfs: ${(kib / COUNT).toFixed(1)} KiB of state each beyond the rootfs (du of their state dirs), destroy of all ${destroyAll.toFixed(2)} s`);
  console.log(`load average at the end: ${load}`);
  record('vhost', 'create+start vs runc run -d', median(ours), 'ms', { baseline: { what: 'runc run -d', value: median(runc) }, goal: { on: 'ratio', max: 1.0, text: '≤ 1.0× runc run' } });
  record('vhost', 'lmctfy run vh true vs node', median(joins), 'ms', { baseline: { what: "node -e ''", value: median(node) }, ratio: pairedRatio, goal: { on: 'ratio', max: 1.3, text: "≤ 1.3× node -e ''" } });
  record('vhost', `destroy of ${COUNT} virtual hosts`, destroyAll, 's', { goal: { on: 'value', max: 10, text: '≤ 10 s' } });
  record('vhost', 'disk beyond the rootfs each', kib / COUNT, 'KiB', { goal: { on: 'value', max: 1024, text: '≤ 1 MB each' } });
} finally {
  for (const name of made) await api.destroy(name, { force: true }).catch((e) => console.error(`destroy ${name}: ${e.message}`));
  await removeRootTree(root);
  spawnSync('runc', ['list', '-q'], { encoding: 'utf8' }).stdout?.split('\n').filter((id) => id.startsWith(`lmb${tag}r`)).forEach((id) => spawnSync('runc', ['delete', '-f', id]));
  removeRuncCgroups(runcCgroup.made);
  fs.rmSync(tmp, { recursive: true, force: true });
}

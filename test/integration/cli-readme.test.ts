import * as fs from 'node:fs';
import * as path from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeCgroups, rootDirs, testRoot } from '../helpers/cgroups.js';
import { lmctfy } from '../helpers/cli.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function kernelDir(root: string, controller: string, name: string): string {
  const dir = rootDirs(root).find((d) => d.startsWith(`/sys/fs/cgroup/${controller}/`))!;
  return path.join(dir, name);
}

function readPids(dir: string): number[] {
  return fs.readFileSync(path.join(dir, 'cgroup.procs'), 'utf8').split('\n').filter(Boolean).map(Number);
}

/** utime+stime of a pid in clock ticks, from /proc/PID/stat. */
function cpuTicks(pid: number): number {
  const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return Number(fields[11]) + Number(fields[12]);
}

describeCgroups('the original README, on real cgroups (CLI)', () => {
  const t = testRoot('readme');
  const run = (args: string[], input?: string) => lmctfy(t.root, args, { input });

  beforeAll(() => {
    const r = run(['init', '']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
  });
  afterAll(() => t.cleanup());

  it('init gave the new root cpuset the CPUs and memory nodes of its parent', () => {
    const dir = rootDirs(t.root).find((d) => d.startsWith('/sys/fs/cgroup/cpuset/'))!;
    for (const f of ['cpuset.cpus', 'cpuset.mems']) {
      expect(fs.readFileSync(path.join(dir, f), 'utf8').trim()).toBe(fs.readFileSync(path.join(path.dirname(dir), f), 'utf8').trim());
    }
  });

  it('commands on a missing root say to run init', () => {
    const r = lmctfy(`${t.root}-missing`, ['list', 'containers', '-r', '/']);
    expect(r.code).toBe(9);
    expect(r.stderr).toMatch(/FAILED_PRECONDITION: .*run `lmctfy init/);
  });

  it('create memory_only "memory:{limit:100000000}" sets memory.limit_in_bytes', () => {
    const r = run(['create', 'memory_only', 'memory:{limit:100000000}']);
    // The README says so: the kernel holds whole pages, and create says what it holds.
    expect(r.stderr).toBe('lmctfy: memory.limit 100000000 is held as 99999744 (whole 4096-byte pages)\n');
    expect(r.code).toBe(0);
    const limit = Number(fs.readFileSync(path.join(kernelDir(t.root, 'memory', 'memory_only'), 'memory.limit_in_bytes'), 'utf8'));
    // The kernel rounds down to a whole page.
    expect(limit).toBe(Math.floor(100000000 / 4096) * 4096);
    expect(run(['spec', 'memory_only']).stdout).toMatch(/memory \{\n {2}limit: 99999744\n/);
  });

  it('creating it again is ALREADY_EXISTS, a bad spec is INVALID_ARGUMENT and writes nothing', () => {
    expect(run(['create', 'memory_only', 'memory:{limit:100000000}']).code).toBe(6);
    const bad = run(['create', 'bad', 'memory:{limt:1}']);
    expect(bad.code).toBe(3);
    expect(bad.stderr).toMatch(/INVALID_ARGUMENT/);
    expect(fs.existsSync(kernelDir(t.root, 'freezer', 'bad'))).toBe(false);
  });

  it('list containers -r / lists absolute names, sorted', () => {
    expect(run(['create', 'memory_only/child']).code).toBe(0);
    const r = run(['list', 'containers', '-r', '/']);
    expect(r.code).toBe(0);
    expect(r.stdout).toBe('name="/memory_only"\nname="/memory_only/child"\n');
    expect(run(['list', 'containers', '-v', '/']).stdout).toBe('/memory_only\n');
    expect(run(['destroy', 'memory_only/child']).code).toBe(0);
  });

  it('run test "echo hello world" forwards output and the exit status', () => {
    expect(run(['create', 'test', 'cpu:{limit:500}']).code).toBe(0);
    const r = run(['run', 'test', 'echo hello world']);
    expect(r.stdout).toBe('hello world\n');
    expect(r.code).toBe(0);
    expect(run(['run', 'test', '/bin/sh', '-c', 'exit 7']).code).toBe(7);
    // flags after NAME belong to the command (the original lost -l here)
    expect(run(['run', 'test', 'ls', '-d', '/']).stdout).toBe('/\n');
  });

  it('run forwards signals to the command and reports how it ended', async () => {
    const { spawn } = await import('node:child_process');
    const { BIN } = await import('../helpers/cli.js');
    const child = spawn(process.execPath, [BIN, 'run', 'test', 'sleep', '30'], { env: { ...process.env, LMCTFY_ROOT: t.root } });
    // Signal once sleep runs in the container, not after a fixed wait a loaded machine outlasts
    // (lmctfy itself, killed before it forwards signals, would die of SIGTERM).
    const comm = (pid: number) => {
      try {
        return fs.readFileSync(`/proc/${pid}/comm`, 'utf8').trim();
      } catch {
        return '';
      }
    };
    for (let i = 0; i < 500 && !readPids(kernelDir(t.root, 'freezer', 'test')).some((p) => comm(p) === 'sleep'); i++) await sleep(20);
    child.kill('SIGTERM');
    const code = await new Promise((r) => child.once('exit', (c) => r(c)));
    // sleep died of SIGTERM: 128 + 15, as a shell reports it.
    expect(code).toBe(143);
  });

  it('--cgroup-version 2 runs the same commands on the cgroup2 mount', () => {
    const v2 = (args: string[]) => run(['--cgroup-version', '2', ...args]);
    expect(v2(['init', '']).code).toBe(0);
    expect(v2(['create', 'v2c']).code).toBe(0);
    const unified = rootDirs(t.root).find((d) => d.startsWith('/sys/fs/cgroup/unified/'))!;
    expect(fs.existsSync(path.join(unified, 'v2c'))).toBe(true);
    expect(v2(['run', 'v2c', 'echo from v2']).stdout).toBe('from v2\n');
    expect(v2(['list', 'containers', '/']).stdout).toBe('name="/v2c"\n');
    expect(v2(['destroy', 'v2c']).code).toBe(0);
    expect(fs.existsSync(path.join(unified, 'v2c'))).toBe(false);
  });

  it('run -n prints pid="N" and the process is inside the container', async () => {
    const r = run(['run', '-n', 'test', 'sleep 30']);
    expect(r.code).toBe(0);
    const m = /^pid="(\d+)"\n$/.exec(r.stdout);
    expect(m).not.toBeNull();
    const pid = Number(m![1]);
    expect(readPids(kernelDir(t.root, 'freezer', 'test'))).toContain(pid);
    expect(readPids(kernelDir(t.root, 'cpu', 'test'))).toContain(pid);
    expect(run(['list', 'pids', 'test']).stdout).toContain(`pid="${pid}"`);
    expect(run(['detect', String(pid)]).stdout).toBe('name="/test"\n');
    expect(run(['destroy', 'test']).code).toBe(9);
    expect(run(['killall', 'test']).code).toBe(0);
    expect(readPids(kernelDir(t.root, 'freezer', 'test'))).toEqual([]);
  });

  it('pause stops a busy task\'s CPU time in the kernel; resume restarts it', async () => {
    const r = run(['run', '-n', 'test', 'while :; do :; done']);
    const pid = Number(/pid="(\d+)"/.exec(r.stdout)![1]);
    await sleep(200);
    expect(run(['pause', 'test']).code).toBe(0);
    expect(fs.readFileSync(path.join(kernelDir(t.root, 'freezer', 'test'), 'freezer.state'), 'utf8').trim()).toBe('FROZEN');
    const a = cpuTicks(pid);
    await sleep(500);
    expect(cpuTicks(pid)).toBe(a);
    const refused = run(['run', 'test', 'true']);
    expect(refused.code).toBe(9);
    expect(refused.stderr).toMatch(/FROZEN/);
    expect(run(['resume', 'test']).code).toBe(0);
    await sleep(500);
    expect(cpuTicks(pid)).toBeGreaterThan(a);
    expect(run(['killall', 'test']).code).toBe(0);
  });

  it('destroy -f removes a container whose task keeps forking, deepest-first, even while paused', async () => {
    expect(run(['create', 'forker', 'memory:{limit:200000000}']).code).toBe(0);
    expect(run(['create', 'forker/inner', 'memory:{limit:50000000}']).code).toBe(0);
    run(['run', '-n', 'forker', 'while :; do sleep 0.01 & done']);
    run(['run', '-n', 'forker/inner', 'while :; do :; done']);
    await sleep(200);
    expect(run(['pause', 'forker/inner']).code).toBe(0);
    const r = run(['destroy', '-f', 'forker']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    for (const c of ['freezer', 'memory', 'cpuacct']) expect(fs.existsSync(kernelDir(t.root, c, 'forker'))).toBe(false);
  });

  it('enter moves a task; detect reports its container', () => {
    expect(run(['create', 'entered']).code).toBe(0);
    const r = run(['run', '-n', 'memory_only', 'sleep 30']);
    const pid = Number(/pid="(\d+)"/.exec(r.stdout)![1]);
    expect(run(['enter', 'entered', String(pid)]).code).toBe(0);
    expect(run(['detect', String(pid)]).stdout).toBe('name="/entered"\n');
    expect(readPids(kernelDir(t.root, 'memory', 'memory_only'))).not.toContain(pid);
    expect(run(['destroy', '-f', 'entered']).code).toBe(0);
  });

  it('update diff changes only what is given; replace resets the rest', () => {
    expect(run(['create', 'upd', 'cpu:{limit:2000 max_limit:1500} memory:{limit:200000000 reservation:100000000}']).code).toBe(0);
    expect(run(['update', 'diff', 'upd', 'memory:{limit:300000000}']).code).toBe(0);
    let spec = run(['spec', '--json', 'upd']);
    let s = JSON.parse(spec.stdout);
    expect(s.memory.limit).toBe(300000000 - (300000000 % 4096));
    expect(s.memory.reservation).toBe(100000000 - (100000000 % 4096));
    expect(s.cpu.max_limit).toBe(1500);
    const missing = run(['update', 'replace', 'upd', 'memory:{limit:300000000}']);
    expect(missing.code).toBe(3);
    expect(missing.stderr).toMatch(/cpu/);
    expect(run(['update', 'replace', 'upd', 'cpu:{limit:1000} memory:{limit:300000000}']).code).toBe(0);
    spec = run(['spec', '--json', 'upd']);
    s = JSON.parse(spec.stdout);
    expect(s.cpu.max_limit ?? -1).toBe(-1);
    expect(s.memory.reservation ?? 0).toBe(0);
    const notIsolated = run(['update', 'diff', 'entered-never', 'cpu:{limit:1}']);
    expect(notIsolated.code).toBe(5);
    const other = run(['update', 'diff', 'memory_only', 'cpu:{limit:1000}']);
    expect(other.code).toBe(3);
    expect(other.stderr).toMatch(/does not isolate "cpu"/);
  });

  it('a memory limit below usage is refused with usage and limit named; the old limit stays', async () => {
    expect(run(['create', 'hog', 'memory:{limit:200000000}']).code).toBe(0);
    const r = run(['run', '-n', 'hog', process.execPath, '-e', 'const b=Buffer.alloc(64<<20,1);setInterval(()=>b[0]++,100)']);
    expect(r.code).toBe(0);
    await sleep(800);
    const dir = kernelDir(t.root, 'memory', 'hog');
    const before = fs.readFileSync(path.join(dir, 'memory.limit_in_bytes'), 'utf8');
    const u = run(['update', 'diff', 'hog', 'memory:{limit:8000000}']);
    expect(u.code).toBe(9);
    expect(u.stderr).toMatch(/usage/);
    expect(fs.readFileSync(path.join(dir, 'memory.limit_in_bytes'), 'utf8')).toBe(before);
    expect(run(['destroy', '-f', 'hog']).code).toBe(0);
  });
});

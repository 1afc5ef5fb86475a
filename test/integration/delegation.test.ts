/**
 * Delegation to non-root users on real cgroups (docs/RELIABILITY.md 13, 24): a container created
 * with owner/owner_group has its cgroup dirs and the files a delegate writes chowned, so
 * that user can create, run in and destroy subcontainers below it through the built CLI,
 * and gets PERMISSION_DENIED (exit 7), with nothing changed, for anything at or above it.
 * A user with no delegation may read (list, stats, top) but not write. A delegated
 * container is made in every hierarchy its parent is in, so its owner's tasks never join
 * a root-owned ancestor (issue 12.15).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { ContainerApi } from '../../src/engine/container-api.js';
import { cpusToMaskWords, parseCpuList } from '../../src/engine/resources/cpulist.js';
import { describeCgroups, rootDirs, testRoot } from '../helpers/cgroups.js';
import { lmctfy } from '../helpers/cli.js';
import { createUser, lmctfyAs, usersUnavailable, type TestUser } from '../helpers/users.js';

const HIERARCHIES = ['cpu', 'cpuacct', 'cpuset', 'memory', 'freezer', 'pids', 'blkio', 'devices'];
const PERMISSION_DENIED = 7;

/** A spec isolating every v1 hierarchy, so each of the delegate's tasks lands in a dir it owns. */
function fullSpec(owner: TestUser): string {
  const online = parseCpuList(fs.readFileSync('/sys/devices/system/cpu/online', 'utf8'));
  const mask = cpusToMaskWords(online).map((w) => `data:${w}`).join(' ');
  return [
    `owner:${owner.uid} owner_group:${owner.gid}`,
    `cpu:{limit:1000 mask:{${mask}}}`,
    'memory:{limit:500000000}',
    'blockio:{device_limit_set:{default_limit:500}}',
    'device:{restrictions_set:{restrictions:{permission:ALLOW type:DEVICE_ALL}}}',
  ].join(' ');
}

function isAlive(pid: number): boolean {
  try {
    return fs.readFileSync(`/proc/${pid}/stat`, 'utf8').replace(/^.*\) /, '')[0] !== 'Z';
  } catch {
    return false;
  }
}

const unavailable = usersUnavailable();

describeCgroups(`delegation to non-root users (docs/RELIABILITY.md 24)${unavailable ? ` (skipped: ${unavailable})` : ''}`, () => {
  if (unavailable) {
    it.skip(`needs users: ${unavailable}`, () => {});
    return;
  }
  const t = testRoot('deleg');
  const users: TestUser[] = [];
  let delegate: TestUser;
  let stranger: TestUser;
  const started: number[] = [];
  const dirsOf = (name: string) => rootDirs(t.root).map((d) => d + name).filter((d) => fs.existsSync(d));
  const asDelegate = (...args: string[]) => lmctfyAs(delegate, t.root, args);
  const asStranger = (...args: string[]) => lmctfyAs(stranger, t.root, args);
  const denied = (r: { code: number; stderr: string }) => {
    expect(r.code, r.stderr).toBe(PERMISSION_DENIED);
    expect(r.stderr).toMatch(/^lmctfy: PERMISSION_DENIED: [^\n]+\n$/);
  };

  beforeAll(async () => {
    await ContainerApi.init({}, { root: t.root });
    users.push((delegate = createUser()), (stranger = createUser()));
    const made = lmctfy(t.root, ['create', 'del', fullSpec(delegate)]);
    expect(made.code, made.stderr).toBe(0);
    const plain = lmctfy(t.root, ['create', 'plain', 'memory:{limit:300000000}']);
    expect(plain.code, plain.stderr).toBe(0);
  });
  afterAll(async () => {
    for (const pid of started.filter((p) => isAlive(p) && fs.statSync(`/proc/${p}`).uid === delegate.uid)) process.kill(pid, 'SIGKILL');
    try {
      await t.cleanup();
    } finally {
      for (const u of users) u.remove();
    }
  });

  it('chowns the delegated dirs and the files a delegate writes, not its own limits', () => {
    const dirs = dirsOf('/del');
    expect(dirs.map((d) => d.split('/')[4]).sort()).toEqual([...HIERARCHIES].sort());
    for (const d of dirs) {
      for (const f of ['', 'cgroup.procs', 'tasks', ...(d.includes('/memory/') ? ['cgroup.event_control'] : [])]) {
        const st = fs.statSync(path.join(d, f));
        expect([st.uid, st.gid], path.join(d, f)).toEqual([delegate.uid, delegate.gid]);
      }
    }
    const limits = ['memory.limit_in_bytes', 'freezer.state', 'cpu.shares', 'cpuset.cpus', 'pids.max', 'devices.allow'];
    for (const f of limits) {
      const file = dirs.map((d) => path.join(d, f)).find((p) => fs.existsSync(p))!;
      expect(fs.statSync(file).uid, file).toBe(0);
    }
  });

  it('the delegate creates, runs in, updates, pauses and destroys subcontainers below it', () => {
    expect(asDelegate('create', '/del/sub').code).toBe(0);
    const sub2 = asDelegate('create', '/del/sub2', 'memory:{limit:100000000} cpu:{limit:500}');
    expect(sub2.code, sub2.stderr).toBe(0);
    const deeper = asDelegate('create', '/del/sub2/deeper', 'memory:{limit:50000000}');
    expect(deeper.code, deeper.stderr).toBe(0);
    for (const d of dirsOf('/del/sub2')) expect(fs.statSync(d).uid, d).toBe(delegate.uid);

    const fg = asDelegate('run', '/del/sub', 'id', '-u');
    expect(fg.code, fg.stderr).toBe(0);
    expect(fg.stdout.trim()).toBe(String(delegate.uid));

    const bg = asDelegate('run', '-n', '/del/sub2/deeper', 'sleep', '600');
    expect(bg.code, bg.stderr).toBe(0);
    const pid = Number(/pid="(\d+)"/.exec(bg.stdout)![1]);
    started.push(pid);
    expect(fs.statSync(`/proc/${pid}`).uid).toBe(delegate.uid);
    expect(asDelegate('list', 'pids', '-v', '/del/sub2/deeper').stdout.trim()).toBe(String(pid));

    expect(asDelegate('update', 'diff', '/del/sub2', 'memory:{limit:209715200}').code).toBe(0);
    expect(asDelegate('spec', '--json', '/del/sub2').stdout).toMatch(/"memory":{"limit":209715200/);
    expect(asDelegate('pause', '/del/sub2').code).toBe(0);
    expect(lmctfy(t.root, ['spec', '--json', '/del/sub2']).code).toBe(0);
    expect(asDelegate('resume', '/del/sub2').code).toBe(0);

    const gone = asDelegate('destroy', '-f', '/del/sub2');
    expect(gone.code, gone.stderr).toBe(0);
    expect(isAlive(pid)).toBe(false);
    expect(asDelegate('destroy', '/del/sub').code).toBe(0);
    expect(dirsOf('/del/sub')).toEqual([]);
    expect(dirsOf('/del/sub2')).toEqual([]);
    // A non-root user's locks live in its own directory, not root's /run/lmctfy.
    const locks = path.join(delegate.tmp, `lmctfy-${delegate.uid}`, 'locks');
    expect(fs.statSync(locks).uid).toBe(delegate.uid);
    expect(fs.statSync(locks).mode & 0o777).toBe(0o700);
  });

  it('anything at or above the delegated container is PERMISSION_DENIED and changes nothing', () => {
    const before = lmctfy(t.root, ['spec', '/del']).stdout;
    denied(asDelegate('create', '/sibling'));
    expect(dirsOf('/sibling')).toEqual([]);
    denied(asDelegate('update', 'diff', '/del', 'memory:{limit:900000000}'));
    denied(asDelegate('update', 'diff', '/plain', 'memory:{limit:900000000}'));
    denied(asDelegate('pause', '/del'));
    denied(asDelegate('destroy', '-f', '/del'));
    denied(asDelegate('create', '/plain/x'));
    expect(lmctfy(t.root, ['spec', '/del']).stdout).toBe(before);
    expect(lmctfy(t.root, ['list', 'containers', '-v', '/']).stdout.split('\n').filter(Boolean)).toEqual(['/del', '/plain']);
  });

  it('a container delegated with one resource is made in every hierarchy, so its owner runs below it as-is (issue 12.15)', () => {
    // Only memory named: the rest keep the kernel's defaults but are the delegate's to join.
    const made = lmctfy(t.root, ['create', 'team', `owner:${delegate.uid} owner_group:${delegate.gid} memory:{limit:300000000}`]);
    expect(made.code, made.stderr).toBe(0);
    const dirs = dirsOf('/team');
    expect(dirs.map((d) => d.split('/')[4]).sort()).toEqual([...HIERARCHIES].sort());
    for (const d of dirs) expect(fs.statSync(path.join(d, 'cgroup.procs')).uid, d).toBe(delegate.uid);
    const cpuShares = dirs.map((d) => path.join(d, 'cpu.shares')).find((f) => fs.existsSync(f))!;
    expect(fs.statSync(cpuShares).uid).toBe(0);

    const job = asDelegate('create', '/team/job', 'memory:{limit:100000000}');
    expect(job.code, job.stderr).toBe(0);
    const run = asDelegate('run', '/team/job', 'id -u');
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout.trim()).toBe(String(delegate.uid));

    const bg = asDelegate('run', '-n', '/team/job', 'sleep', '600');
    expect(bg.code, bg.stderr).toBe(0);
    const pid = Number(/pid="(\d+)"/.exec(bg.stdout)![1]);
    started.push(pid);
    // In every hierarchy the task is inside the delegated subtree: job's own dirs, /team's elsewhere.
    const where = fs.readFileSync(`/proc/${pid}/cgroup`, 'utf8');
    for (const h of HIERARCHIES) {
      const line = where.split('\n').find((l) => l.split(':')[1]!.split(',').includes(h))!;
      expect(line, h).toMatch(new RegExp(`/${t.root}/team(/job)?$`));
    }
    expect(asDelegate('destroy', '-f', '/team/job').code).toBe(0);
    expect(isAlive(pid)).toBe(false);
    expect(lmctfy(t.root, ['destroy', 'team']).code).toBe(0);
    expect(dirsOf('/team')).toEqual([]);
  });

  it('below a parent that is not in a hierarchy, run says which hierarchy and ancestor, and places nothing', () => {
    expect(lmctfy(t.root, ['create', 'mem', 'memory:{limit:300000000}']).code).toBe(0);
    const made = lmctfy(t.root, ['create', '/mem/team', `owner:${delegate.uid} owner_group:${delegate.gid}`]);
    expect(made.code, made.stderr).toBe(0);
    expect(dirsOf('/mem/team').some((d) => d.includes('/cpu/'))).toBe(false);
    expect(asDelegate('create', '/mem/team/sub').code).toBe(0);
    const run = asDelegate('run', '/mem/team/sub', 'sleep', '600');
    denied(run);
    expect(run.stderr).toMatch(/it is not in the (cpu|cpuset|blkio|devices) hierarchy, so there the task joins \/, whose \S+cgroup\.procs uid \d+ cannot write\. Delegate/);
    // Placement is all or nothing: the half-placed process was killed.
    expect(lmctfy(t.root, ['list', 'pids', '-r', '-v', '/mem']).stdout.trim()).toBe('');
    expect(asDelegate('destroy', '/mem/team/sub').code).toBe(0);
    expect(lmctfy(t.root, ['destroy', '-f', 'mem']).code).toBe(0);
  });

  it('v1 limits: device rules need CAP_SYS_ADMIN, even below a delegated container', () => {
    denied(asDelegate('create', '/del/dev', 'device:{restrictions_set:{restrictions:{permission:DENY type:DEVICE_CHAR major:1 minor:3 access:READ}}}'));
    expect(dirsOf('/del/dev')).toEqual([]);
  });

  it('a user with no delegation may list, read stats and run top, but write nothing', () => {
    const list = asStranger('list', 'containers', '-r', '-v', '/');
    expect(list.code, list.stderr).toBe(0);
    expect(list.stdout.split('\n').filter(Boolean)).toEqual(['/del', '/plain']);
    const stats = asStranger('stats', 'summary', '/plain');
    expect(stats.code, stats.stderr).toBe(0);
    expect(stats.stdout).toMatch(/memory \{/);
    const top = asStranger('top', '--json', '--count', '1');
    expect(top.code, top.stderr).toBe(0);
    expect(JSON.parse(top.stdout.trim().split('\n')[0]!).containers.map((c: { name: string }) => c.name)).toContain('/plain');

    denied(asStranger('create', '/del/intruder'));
    const other = asStranger('create', '/other');
    denied(other);
    // docs/RELIABILITY.md 13: the error names the path the kernel refused.
    expect(other.stderr).toMatch(/mkdir \/sys\/fs\/cgroup\/\S+\/other: EACCES/);
    denied(asStranger('update', 'diff', '/plain', 'memory:{limit:100000000}'));
    denied(asStranger('pause', '/plain'));
    denied(asStranger('run', '/plain', 'true'));
    denied(asStranger('destroy', '-f', '/plain'));
    expect(dirsOf('/del/intruder')).toEqual([]);
    expect(lmctfy(t.root, ['list', 'pids', '-r', '-v', '/']).stdout.trim()).toBe('');
  });

  it("refuses a lock directory someone else controls (a non-root user's is in a shared tmp)", () => {
    const base = path.join(stranger.tmp, `lmctfy-${stranger.uid}`);
    fs.mkdirSync(base, { recursive: true });
    fs.chmodSync(base, 0o777);
    const r = asStranger('create', '/del/x');
    denied(r);
    expect(r.stderr).toContain(`lock directory ${base} must be a directory owned by uid ${stranger.uid}`);
  });
});

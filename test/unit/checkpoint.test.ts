import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { Code, LmctfyError } from '../../src/engine/errors.js';
import { criuErrors, criuVerbosity, parseCriuVersion, printedVersion, readVersionCache, resolveCommand } from '../../src/engine/checkpoint/criu.js';
import { formatManifest, parseManifest, type Manifest } from '../../src/engine/checkpoint/manifest.js';
import { describeOrigin } from '../../src/engine/checkpoint/origin.js';
import { cgroupRootArgs, dumpControllers, ownPaths } from '../../src/engine/checkpoint/placement.js';
import { treeRoots } from '../../src/engine/checkpoint/process-tree.js';
import { parseMac } from '../../src/engine/checkpoint/netns.js';
import { primeRequest } from '../../src/engine/checkpoint/prime.js';
import { externalTmpfs, parseSavedTmpfs } from '../../src/engine/checkpoint/tmpfs.js';
import { parseMountinfo } from '../../src/engine/kernel/mountinfo.js';
import { networkArgs } from '../../src/engine/vhost/plan.js';
import type { CgroupLayout } from '../../src/engine/kernel/layout.js';
import type { PlacementTarget } from '../../src/engine/placement.js';

const manifest: Manifest = {
  name: '/c',
  root: 'r',
  host: 'h',
  created: '2026-12-02T13:00:00.000Z',
  criu: '4.1.1',
  rootPid: 10,
  pids: [10, 11],
  spec: { memory: { limit: 67108864 }, cpu: { limit: 512 } },
};

function refusal(text: string): [Code, string] {
  try {
    parseManifest(text, '/ck');
  } catch (e) {
    if (e instanceof LmctfyError) return [e.code, e.message];
    throw e;
  }
  throw new Error('accepted');
}

describe('checkpoint manifest', () => {
  it('round-trips, virtual host network included', () => {
    expect(parseManifest(formatManifest(manifest), '/ck')).toEqual(manifest);
    const vh = { ...manifest, vhost: { network: { outside: 'o', inside: 'eth0', bridge: 'br', mac: '5e:11:22:33:44:55' }, rootfs: '/srv/r' } };
    expect(parseManifest(formatManifest(vh), '/ck')).toEqual(vh);
    const tmpfs = [
      { key: 'lmctfy-tmpfs-0', mountPoint: '/dev', source: 'tmpfs', options: 'size=65536k,mode=755', readOnly: false, archive: 'tmpfs-0.tar' },
      { key: 'lmctfy-tmpfs-1', mountPoint: '/proc/acpi', source: 'tmpfs', options: 'size=0k', readOnly: true },
    ];
    const withTmpfs = { ...manifest, vhost: { rootfs: '/srv/r', tmpfs } };
    expect(parseManifest(formatManifest(withTmpfs), '/ck')).toEqual(withTmpfs);
  });

  it('writes format 3 and still reads format 2 (whose images hold the tmpfs mounts)', () => {
    const text = formatManifest(manifest);
    expect(JSON.parse(text)).toMatchObject({ format: 'lmctfy-checkpoint/3' });
    expect(parseManifest(text.replace('lmctfy-checkpoint/3', 'lmctfy-checkpoint/2'), '/ck')).toEqual(manifest);
  });

  const good = JSON.parse(formatManifest(manifest)) as Record<string, unknown>;
  const edit = (patch: Record<string, unknown>) => JSON.stringify({ ...good, ...patch });
  it.each<[string, string, string]>([
    ['not JSON', '{', 'its lmctfy-checkpoint.json is not JSON'],
    ['an array', '[]', 'is not a JSON object'],
    ['another format', edit({ format: 'x/2' }), 'has format "x/2", not "lmctfy-checkpoint/3"'],
    ['the first format', edit({ format: 'lmctfy-checkpoint/1' }), 'has format "lmctfy-checkpoint/1" (an earlier lmctfy\'s, whose images hold a virtual host\'s network); checkpoint the container again'],
    ['no name', edit({ name: undefined }), 'has no name'],
    ['a relative name', edit({ name: 'c' }), 'name "c" is not an absolute container name'],
    ['no rootPid', edit({ rootPid: 0 }), 'has no rootPid'],
    ['pids without the root', edit({ pids: [11] }), 'pids are not a list of pids holding rootPid'],
    ['a spec with an unknown field', edit({ spec: { nope: 1 } }), 'spec is not a ContainerSpec'],
    ['a network without names', edit({ vhost: { network: { outside: 'o' } } }), 'vhost.network has no outside and inside interface names'],
    ['a network with a bad MAC', edit({ vhost: { network: { outside: 'o', inside: 'i', mac: '5e:11:22:33:44' } } }), 'vhost.network.mac "5e:11:22:33:44" is not a MAC address'],
    ['tmpfs that is not a list', edit({ vhost: { tmpfs: {} } }), 'vhost.tmpfs is not a list'],
    ['a tmpfs archive outside the dir', edit({ vhost: { tmpfs: [{ key: 'lmctfy-tmpfs-0', mountPoint: '/dev', source: 'tmpfs', options: '', readOnly: false, archive: '../x.tar' }] } }), 'vhost.tmpfs[0].archive is not tmpfs-N.tar'],
    ['tmpfs options that are not options', edit({ vhost: { tmpfs: [{ key: 'lmctfy-tmpfs-0', mountPoint: '/dev', source: 'tmpfs', options: 'size=1 k', readOnly: false }] } }), 'vhost.tmpfs[0].options are not mount options'],
  ])('%s is refused with one line naming it', (_what, text, says) => {
    const [code, message] = refusal(text);
    expect(code).toBe(Code.INVALID_ARGUMENT);
    expect(message).toMatch(/^\/ck is not an lmctfy checkpoint: /);
    expect(message).toContain(says);
  });
});

describe('the tmpfs mounts lmctfy archives itself', () => {
  // A virtual host's mount table, as its PID 1 sees it (docs/VIRTUAL-HOSTS.md).
  const VHOST = `70 44 0:40 / / rw,relatime - overlay overlay rw,lowerdir=/r,upperdir=/s/upper,workdir=/s/work
71 70 0:42 / /proc rw,nosuid,nodev,noexec,relatime - proc proc rw
73 70 0:44 / /dev rw,nosuid - tmpfs tmpfs rw,size=65536k,mode=755
74 73 0:6 /null /dev/null rw,relatime - devtmpfs devtmpfs rw,size=12334172k,mode=755
81 73 0:46 / /dev/shm rw,nosuid,nodev,noexec,relatime - tmpfs shm rw,size=65536k
47 71 0:47 / /proc/acpi ro,relatime - tmpfs tmpfs ro,size=0k
50 72 0:47 / /sys/firmware ro,relatime - tmpfs tmpfs ro,size=0k
`;

  it('takes each tmpfs superblock once, at its first mount; its binds stay binds to criu', () => {
    expect(externalTmpfs(parseMountinfo(VHOST), [])).toEqual([
      { key: 'lmctfy-tmpfs-0', mountPoint: '/dev', source: 'tmpfs', options: 'size=65536k,mode=755', readOnly: false },
      { key: 'lmctfy-tmpfs-1', mountPoint: '/dev/shm', source: 'shm', options: 'size=65536k', readOnly: false },
      { key: 'lmctfy-tmpfs-2', mountPoint: '/proc/acpi', source: 'tmpfs', options: 'size=0k', readOnly: true },
    ]);
  });

  it.each<[string, string]>([
    ['a bind of a directory in it', '90 70 0:50 /sub /mnt rw - tmpfs tmpfs rw'],
    ['a shared mount', '90 70 0:50 / /mnt rw shared:3 - tmpfs tmpfs rw'],
    ['a name needing quotes', '90 70 0:50 / /a\\040b rw - tmpfs tmpfs rw'],
    ['one mounted over', '90 70 0:50 / /mnt rw - tmpfs tmpfs rw\n91 70 0:51 / /mnt rw - proc proc rw'],
  ])('leaves criu %s', (_what, lines) => {
    expect(externalTmpfs(parseMountinfo(lines), [])).toEqual([]);
  });

  it("leaves criu a bind of the host's own tmpfs (a filesystem.mounts entry): it is bound again, not copied", () => {
    const host = parseMountinfo('30 1 0:46 / /srv/shared rw,nosuid - tmpfs tmpfs rw,size=1024k');
    expect(externalTmpfs(parseMountinfo(VHOST), host).map((t) => t.mountPoint)).toEqual(['/dev', '/proc/acpi']);
  });

  it('checks a manifest list entry by entry', () => {
    expect(parseSavedTmpfs([{ key: 'lmctfy-tmpfs-0', mountPoint: '/dev', source: 'tmpfs', options: '', readOnly: false }, { key: 'lmctfy-tmpfs-0', mountPoint: '/x', source: 'tmpfs', options: '', readOnly: false }])).toBe(
      'vhost.tmpfs names one key twice',
    );
    expect(parseSavedTmpfs([{ key: 'k', mountPoint: '/dev', source: 'tmpfs', options: '', readOnly: false }])).toBe('vhost.tmpfs[0].key is not lmctfy-tmpfs-N');
    expect(parseSavedTmpfs([{ key: 'lmctfy-tmpfs-0', mountPoint: 'dev', source: 'tmpfs', options: '', readOnly: false }])).toBe('vhost.tmpfs[0].mountPoint is not a plain absolute path');
  });
});

describe('treeRoots', () => {
  it.each<[string, Array<{ pid: number; ppid: number }>, number[]]>([
    ['one tree', [{ pid: 5, ppid: 1 }, { pid: 6, ppid: 5 }, { pid: 7, ppid: 6 }], [5]],
    ['two trees', [{ pid: 9, ppid: 1 }, { pid: 5, ppid: 2 }, { pid: 6, ppid: 5 }], [5, 9]],
    ['none', [], []],
  ])('%s', (_what, procs, roots) => expect(treeRoots(procs)).toEqual(roots));
});

describe('criu cgroups', () => {
  const hierarchy = (controllers: string[]) => ({ mountPoint: `/sys/fs/cgroup/${controllers.join(',')}`, mountRoot: '/', controllers });
  const layout: CgroupLayout = {
    mode: 'hybrid',
    v1: new Map([
      ['freezer', hierarchy(['freezer'])],
      ['memory', { mountPoint: '/sys/fs/cgroup/memory', mountRoot: '/', controllers: ['memory'] }],
      ['cpu', hierarchy(['cpu', 'cpuacct'])],
      ['cpuacct', hierarchy(['cpu', 'cpuacct'])],
      ['blkio', hierarchy(['blkio'])],
    ]),
    unified: { mountPoint: '/sys/fs/cgroup/unified', mountRoot: '/', controllers: [] },
  };
  const targets: PlacementTarget[] = [
    { file: '/sys/fs/cgroup/freezer/t/r/c/cgroup.procs', controller: 'freezer', container: '/c' },
    { file: '/sys/fs/cgroup/memory/t/r/c/cgroup.procs', controller: 'memory', container: '/c' },
    { file: '/sys/fs/cgroup/cpu,cpuacct/t/r/c/cgroup.procs', controller: 'cpu', container: '/c' },
    // Not isolated: the task joins lmctfy's root there, which is never dumped.
    { file: '/sys/fs/cgroup/blkio/t/r/cgroup.procs', controller: 'blkio', container: '/' },
  ];
  const own = ownPaths(layout, 1, '/c', targets);

  it('the container\'s own dirs, as /proc/PID/cgroup names them', () => {
    expect([...own]).toEqual([['freezer', '/t/r/c'], ['memory', '/t/r/c'], ['cpu', '/t/r/c']]);
  });

  it('dumps only the hierarchies where the task is in the container\'s own dir (never the unified or a named one)', () => {
    const proc = ['9:name=systemd:/', '7:blkio:/t/r', '6:freezer:/t/r/c', '4:memory:/t/r/c', '2:cpu,cpuacct:/t/r/c', '0::/'].join('\n');
    expect(dumpControllers(proc, own)).toEqual(['freezer', 'memory', 'cpu,cpuacct']);
  });

  it('restores with one --cgroup-root per hierarchy, or the one root on v2', () => {
    expect(cgroupRootArgs(own)).toEqual(['--cgroup-root', 'freezer:/t/r/c', '--cgroup-root', 'memory:/t/r/c', '--cgroup-root', 'cpu:/t/r/c']);
    const v2 = ownPaths(layout, 2, '/c', [{ file: '/sys/fs/cgroup/unified/t/r/c/cgroup.procs', controller: 'freezer', container: '/c' }]);
    expect(cgroupRootArgs(v2)).toEqual(['--cgroup-root', '/t/r/c']);
  });

  it('a mount whose root is not / (a cgroup namespace or bind) keeps that root in the path', () => {
    const bound: CgroupLayout = { ...layout, v1: new Map([['freezer', { mountPoint: '/sys/fs/cgroup/freezer', mountRoot: '/outer', controllers: ['freezer'] }]]) };
    expect([...ownPaths(bound, 1, '/c', [{ file: '/sys/fs/cgroup/freezer/r/c/cgroup.procs', controller: 'freezer', container: '/c' }])]).toEqual([['freezer', '/outer/r/c']]);
  });
});

describe('criu output', () => {
  it.each<[string | undefined, number]>([
    [undefined, 2],
    ['4', 4],
    ['0', 0],
    ['', 2],
  ])('log level for LMCTFY_CRIU_VERBOSITY=%j', (setting, level) => expect(criuVerbosity(setting)).toBe(level));

  it.each(['5', 'v4', '-1'])('LMCTFY_CRIU_VERBOSITY=%j is refused, naming what it takes', (setting) => {
    expect(() => criuVerbosity(setting)).toThrow(`LMCTFY_CRIU_VERBOSITY is "${setting}"; give criu's log level, 0 to 4`);
  });

  it.each<[string, [number, number, number] | undefined]>([
    ['Version: 4.1.1\n', [4, 1, 1]],
    ['Version: 4.2\nGitID: v4.2\n', [4, 2, 0]],
    ['criu: unknown option', undefined],
  ])('version of %j', (text, v) => expect(parseCriuVersion(text)).toEqual(v));

  it('the errors of a log, without the harmless ones every run here logs', () => {
    const log = [
      "(00.2) Error (criu/util.c:1533): rlimit: Can't setup RLIMIT_NOFILE for self: Operation not permitted",
      'Error (criu/util.c:641): execvp("iptables-save", ...) failed: No such file or directory',
      '(00.3) Error (criu/util.c:1722): iptables-save -V failed',
      "(00.4)      1: Error (criu/image.c:549): Head magic doesn't match for pstree.img",
      '(00.5) Error (criu/cr-restore.c:2324): Restoring FAILED.',
    ].join('\n');
    expect(criuErrors(log)).toEqual(["Error (criu/image.c:549): Head magic doesn't match for pstree.img", 'Error (criu/cr-restore.c:2324): Restoring FAILED.']);
  });
});

describe('a virtual host\'s network at restore', () => {
  it.each<[string, string, string | undefined]>([
    ['a veth end', '62:56:c2:9c:05:a6\n', '62:56:c2:9c:05:a6'],
    ['without the newline', '62:56:c2:9c:05:a6', '62:56:c2:9c:05:a6'],
    ['an interface with a longer hardware address', '00:00:00:00:fe:80:00:00:00:00:00:00\n', undefined],
    ['nothing', '', undefined],
  ])('the MAC address of %s', (_what, text, mac) => expect(parseMac(text)).toBe(mac));

  it('the vhost helper makes the pair with the MAC it had', () => {
    expect(networkArgs({ outside: 'o', inside: 'eth0', mac: '5e:11:22:33:44:55', bridge: 'br', address: { ip: '10.0.0.2', prefix: 24 }, gateway: '10.0.0.1' })).toEqual([
      '--veth', 'o', 'eth0', '--mac', '5e:11:22:33:44:55', '--bridge', 'br', '--address', '10.0.0.2', '24', '--gateway', '10.0.0.1',
    ]);
  });
});

describe('finding criu', () => {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'lmctfy-criu-find-'));
  afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));
  const bin = path.join(tmp, 'bin');
  fs.mkdirSync(bin);
  const runs = path.join(tmp, 'runs');
  // A criu that counts how often it is asked.
  const fake = path.join(bin, 'criu');
  fs.writeFileSync(fake, `#!/bin/sh\necho x >> ${runs}\necho 'Version: 4.1.1'\n`, { mode: 0o755 });
  fs.writeFileSync(path.join(tmp, 'not-executable'), '', { mode: 0o644 });

  it.each<[string, string, string | undefined]>([
    ['a name, on the search path', 'criu', fake],
    ['a name, on a later search path entry', 'criu', fake],
    ['a name nowhere on it', 'nope', undefined],
    ['a path', fake, fake],
    ['a file that is not executable', path.join(tmp, 'not-executable'), undefined],
  ])('%s', (what, name, file) => {
    const searchPath = what.includes('later') ? `${path.join(tmp, 'none')}:${bin}` : bin;
    expect(resolveCommand(name, searchPath)).toBe(file);
  });

  it('asks criu its version once while the file stays the same, and again once it changes', () => {
    const cacheFile = path.join(tmp, 'cache', 'criu-versions.json');
    const asked = () => (fs.existsSync(runs) ? fs.readFileSync(runs, 'utf8').split('\n').filter(Boolean).length : 0);
    expect(printedVersion(fake, readVersionCache(cacheFile), cacheFile)).toBe('Version: 4.1.1\n');
    expect(printedVersion(fake, readVersionCache(cacheFile), cacheFile)).toBe('Version: 4.1.1\n');
    expect(asked()).toBe(1);
    fs.writeFileSync(fake, `#!/bin/sh\necho x >> ${runs}\necho 'Version: 4.2'\n`, { mode: 0o755 });
    expect(printedVersion(fake, readVersionCache(cacheFile), cacheFile)).toBe('Version: 4.2\n');
    expect(asked()).toBe(2);
  });
});

describe("the primed helper's request (native/criu-prime.h reads it)", () => {
  it.each([
    { keep: [] as (5 | 6)[], env: {} as Record<string, string>, argv: ['criu', 'dump'], text: '\0--\0criu\0dump\0' },
    { keep: [5] as (5 | 6)[], env: { CRIU_FAULT: '130' }, argv: ['place', '--', 'criu'], text: '5\0CRIU_FAULT=130\0--\0place\0--\0criu\0' },
    { keep: [5, 6] as (5 | 6)[], env: { A: 'x=y', B: '' }, argv: ['c'], text: '56\0A=x=y\0B=\0--\0c\0' },
  ])('keep $keep, env $env: $argv', ({ keep, env, argv, text }) => {
    expect(primeRequest(keep, env, argv).toString()).toBe(text);
  });

  it("carries the helper's own entries after the environment's", () => {
    expect(primeRequest([], { A: 'b' }, ['criu'], { holdRoot: 42 }).toString()).toBe('\0A=b\0HOLD_ROOT=42\0--\0criu\0');
    expect(primeRequest([5], {}, ['place'], { probeLater: true }).toString()).toBe('5\0PROBE=LATER\0--\0place\0');
  });
});

describe('describeOrigin', () => {
  it('names the directory, the container, its root and machine and when', () => {
    expect(describeOrigin({ dir: '/ck', name: '/c', root: 'r', host: 'h', created: 'T' })).toBe('restored from /ck (/c under root r on h, checkpointed T)');
    expect(describeOrigin({ dir: '/ck', name: '/c', root: '/', host: 'h', created: 'T' })).toBe('restored from /ck (/c on h, checkpointed T)');
  });
});

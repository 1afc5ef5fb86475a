import * as path from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseMountinfo, parseProcCgroup, unescapeMountField } from '../../src/engine/kernel/mountinfo.js';
import { layoutFromMounts, ownCgroupsFrom, defaultVersion, joinDir } from '../../src/engine/kernel/layout.js';
import { Machine, validateRootSpec } from '../../src/engine/kernel/machine.js';
import { realIo } from '../../src/engine/kernel/io.js';
import { Code, LmctfyError } from '../../src/engine/errors.js';

const HYBRID = `31 23 0:28 / /sys/fs/cgroup rw,relatime - tmpfs tmpfs rw,mode=755
32 31 0:29 / /sys/fs/cgroup/cpu,cpuacct rw,relatime shared:7 - cgroup cgroup rw,cpu,cpuacct
34 31 0:31 / /sys/fs/cgroup/cpuset rw,relatime - cgroup cgroup rw,cpuset
35 31 0:32 / /sys/fs/cgroup/memory rw,relatime - cgroup cgroup rw,memory
37 31 0:33 / /sys/fs/cgroup/freezer rw,relatime - cgroup cgroup rw,freezer
40 31 0:37 / /sys/fs/cgroup/systemd rw,relatime - cgroup cgroup rw,xattr,name=systemd
41 31 0:38 / /sys/fs/cgroup/unified rw,relatime - cgroup2 cgroup2 rw,nsdelegate
50 23 0:40 / /mnt/with\\040space rw - ext4 /dev/vdb rw`;

const PURE_V2 = `30 23 0:26 / /sys/fs/cgroup rw,nosuid - cgroup2 cgroup2 rw,nsdelegate,memory_recursiveprot`;

describe('mountinfo', () => {
  it('parses cgroup mounts, co-mounted controllers and escaped spaces', () => {
    const m = parseMountinfo(HYBRID);
    expect(m).toHaveLength(8);
    expect(m[1]).toMatchObject({ mountPoint: '/sys/fs/cgroup/cpu,cpuacct', fsType: 'cgroup' });
    expect(m[1]!.superOptions).toEqual(['rw', 'cpu', 'cpuacct']);
    expect(m[7]!.mountPoint).toBe('/mnt/with space');
  });

  it.each([
    ['a\\040b', 'a b'],
    ['tab\\011x', 'tab\tx'],
    ['back\\134slash', 'back\\slash'],
    ['plain', 'plain'],
    ['\\0401', ' 1'],
    ['not\\08x', 'not\\08x'],
    ['end\\', 'end\\'],
  ])('unescape %j', (i, o) => expect(unescapeMountField(i)).toBe(o));

  it.each<[string, string[], string[]]>([
    ['cgroup file systems', ['cgroup', 'cgroup2'], ['/sys/fs/cgroup/cpu,cpuacct', '/sys/fs/cgroup/cpuset', '/sys/fs/cgroup/memory', '/sys/fs/cgroup/freezer', '/sys/fs/cgroup/systemd', '/sys/fs/cgroup/unified']],
    ['cgroup2 alone', ['cgroup2'], ['/sys/fs/cgroup/unified']],
    ['an escaped mount point', ['ext4'], ['/mnt/with space']],
    ['a type not mounted', ['xfs'], []],
  ])('entries of %s only, equal to those of the whole parse', (_label, types, mountPoints) => {
    const kept = parseMountinfo(HYBRID, new Set(types));
    expect(kept.map((m) => m.mountPoint)).toEqual(mountPoints);
    expect(kept).toEqual(parseMountinfo(HYBRID).filter((m) => types.includes(m.fsType)));
  });

  it('a malformed line among the mounts not kept is still DATA_LOSS, naming its line', () => {
    expect(() => parseMountinfo(`${HYBRID}\n1 2 3 4 5 6 7 8 9 10`, new Set(['cgroup']))).toThrowError(/mountinfo line 9 is malformed/);
  });

  it.each(['garbage', '1 2 3 4 5 6 7 8 9 10', '31 23 0:28 / /x rw - tmpfs'])('malformed line %j is DATA_LOSS', (line) => {
    expect(() => parseMountinfo(line)).toThrowError(LmctfyError);
    try {
      parseMountinfo(line);
    } catch (e) {
      expect((e as LmctfyError).code).toBe(Code.DATA_LOSS);
    }
  });
});

describe('joinDir', () => {
  /** What it must give: path.posix.join without a trailing slash. */
  const viaJoin = (base: string, rel: string) => {
    const dir = path.posix.join(base, rel);
    return dir.length > 1 && dir.endsWith('/') ? dir.slice(0, -1) : dir;
  };

  it.each<[string, string, string]>([
    ['/sys/fs/cgroup/memory', '/user.slice/lm', '/sys/fs/cgroup/memory/user.slice/lm'],
    ['/sys/fs/cgroup/memory', 'lm/a', '/sys/fs/cgroup/memory/lm/a'],
    ['/sys/fs/cgroup/memory', '/', '/sys/fs/cgroup/memory'],
    ['/sys/fs/cgroup/memory', '', '/sys/fs/cgroup/memory'],
    ['/sys/fs/cgroup/memory', 'lm/', '/sys/fs/cgroup/memory/lm'],
    ['/', '/', '/'],
    ['/', 'lm', '/lm'],
    ['/sys/fs/cgroup/memory/', '/lm', '/sys/fs/cgroup/memory/lm'],
    ['/sys/fs/cgroup/memory', '/../../x', '/sys/fs/x'],
    ['/sys/fs/cgroup/memory', '/a/./b', '/sys/fs/cgroup/memory/a/b'],
    ['/sys/fs/cgroup/memory', '/a//b', '/sys/fs/cgroup/memory/a/b'],
    ['/sys/fs/cgroup/memory', '/.hidden', '/sys/fs/cgroup/memory/.hidden'],
    ['/sys/fs/./cgroup', 'lm', '/sys/fs/cgroup/lm'],
    ['relative/base', 'lm', 'relative/base/lm'],
    ['', 'lm', 'lm'],
  ])('%j + %j is %j, as path.posix.join gives', (base, rel, dir) => {
    expect(joinDir(base, rel)).toBe(dir);
    expect(viaJoin(base, rel)).toBe(dir);
  });

  it('gives what path.posix.join gives for paths of any components', () => {
    const part = fc.constantFrom('', '.', '..', 'a', 'b.c', '.d', 'e..', '/');
    const pathOf = fc.array(part, { maxLength: 5 }).map((ps) => ps.join('/'));
    fc.assert(
      fc.property(fc.boolean(), pathOf, fc.boolean(), pathOf, (absBase, base, absRel, rel) => {
        const b = absBase ? `/${base}` : base;
        const r = absRel ? `/${rel}` : rel;
        expect(joinDir(b, r)).toBe(viaJoin(b, r));
      }),
      { numRuns: 2000 },
    );
  });
});

describe('/proc/<pid>/cgroup', () => {
  it('keeps colons in paths and handles the v2 entry', () => {
    const e = parseProcCgroup('4:memory:/a:b/c\n0::/x:y\n2:cpu,cpuacct:/\n');
    expect(e).toEqual([
      { id: 4, controllers: ['memory'], path: '/a:b/c' },
      { id: 0, controllers: [], path: '/x:y' },
      { id: 2, controllers: ['cpu', 'cpuacct'], path: '/' },
    ]);
  });
  it('rejects a line without two colons', () => {
    expect(() => parseProcCgroup('garbage\n')).toThrowError(/malformed/);
  });
});

describe('layout detection', () => {
  it('hybrid: v1 controllers plus a cgroup2 mount, co-mounted cpu,cpuacct share a dir', () => {
    const l = layoutFromMounts(parseMountinfo(HYBRID));
    expect(l.mode).toBe('hybrid');
    expect(defaultVersion(l)).toBe(1);
    expect(l.v1.get('cpu')!.mountPoint).toBe('/sys/fs/cgroup/cpu,cpuacct');
    expect(l.v1.get('cpuacct')!.mountPoint).toBe('/sys/fs/cgroup/cpu,cpuacct');
    expect(l.unified!.mountPoint).toBe('/sys/fs/cgroup/unified');
  });
  it('pure v2 selects the v2 backend', () => {
    const l = layoutFromMounts(parseMountinfo(PURE_V2));
    expect(l.mode).toBe('v2');
    expect(defaultVersion(l)).toBe(2);
  });
  it('no cgroup mount at all is FAILED_PRECONDITION', () => {
    expect(() => layoutFromMounts([])).toThrowError(/no cgroup filesystem/);
  });
  it('own cgroups follow /proc/self/cgroup per hierarchy, relative to a mount root', () => {
    const mounts = parseMountinfo(HYBRID.replace('35 31 0:32 / /sys/fs/cgroup/memory', '35 31 0:32 /outer /sys/fs/cgroup/memory'));
    const l = layoutFromMounts(mounts);
    const own = ownCgroupsFrom(l, '4:memory:/outer/job\n2:cpu,cpuacct:/svc\n3:freezer:/\n0::/u\n');
    expect(own.v1.get('memory')).toBe('/sys/fs/cgroup/memory/job');
    expect(own.v1.get('cpu')).toBe('/sys/fs/cgroup/cpu,cpuacct/svc');
    expect(own.v1.get('freezer')).toBe('/sys/fs/cgroup/freezer');
    expect(own.unified).toBe('/sys/fs/cgroup/unified/u');
  });
});

describe('Machine root anchoring', () => {
  const layout = layoutFromMounts(parseMountinfo(HYBRID));
  const procCgroupText = '4:memory:/job/1\n2:cpu,cpuacct:/\n3:freezer:/\n5:cpuset:/\n0::/sess\n';
  it('relative root is below the caller in each hierarchy', () => {
    const m = new Machine({ io: realIo, layout, procCgroupText, root: 'lm' });
    expect(m.dirOf('/', 'memory')).toBe('/sys/fs/cgroup/memory/job/1/lm');
    expect(m.dirOf('/a/b', 'freezer')).toBe('/sys/fs/cgroup/freezer/lm/a/b');
    expect(m.dirOf('/a', 'cpuacct')).toBe('/sys/fs/cgroup/cpu,cpuacct/lm/a');
  });
  it('absolute root is the same cgroup in every hierarchy', () => {
    const m = new Machine({ io: realIo, layout, procCgroupText, root: '/lm' });
    expect(m.dirOf('/', 'memory')).toBe('/sys/fs/cgroup/memory/lm');
  });
  it('v2 backend on a hybrid machine anchors in the cgroup2 mount', () => {
    const m = new Machine({ io: realIo, layout, procCgroupText, root: 'lm', version: 2 });
    expect(m.dirOf('/a', 'memory')).toBe('/sys/fs/cgroup/unified/sess/lm/a');
    expect(m.trackingDir('/a')).toBe('/sys/fs/cgroup/unified/sess/lm/a');
  });
  it('names of kernel dirs outside the root are undefined', () => {
    const m = new Machine({ io: realIo, layout, procCgroupText, root: 'lm' });
    expect(m.nameOfDir('/sys/fs/cgroup/freezer/lm/x')).toBe('/x');
    expect(m.nameOfDir('/sys/fs/cgroup/freezer/lmx')).toBeUndefined();
    expect(m.nameOfDir('/sys/fs/cgroup/freezer')).toBeUndefined();
  });
  it.each(['../up', 'a/../../b', 'a/./b', 'a b', 'x\0y'])('root %j is INVALID_ARGUMENT', (r) => {
    expect(() => validateRootSpec(r)).toThrowError(/invalid --root/);
  });
  it('a root component takes the characters of [a-zA-Z0-9_\\-.], by every character code to U+017F', () => {
    for (let code = 0; code <= 0x17f; code++) {
      const ch = String.fromCharCode(code);
      const valid = /^[a-zA-Z0-9_\-.]+$/.test(ch) || ch === '/';
      for (const root of [`a${ch}b`, `${ch}x`, `/lm/x${ch}`]) {
        if (valid) expect(() => validateRootSpec(root), root).not.toThrow();
        else expect(() => validateRootSpec(root), root).toThrowError(/invalid --root/);
      }
    }
  });
});

import { describe, expect, it } from 'vitest';
import { mountArgs } from '../../src/engine/kernel/mounts.js';
import { parseText } from '../../src/messages/codec.js';
import type { CgroupMount, InitSpec } from '../../src/messages/types.js';
import { codeOf } from '../helpers/errors.js';
import { Code } from '../../src/engine/errors.js';

// The InitSpec from the original README, with its single-quoted strings.
const README_INIT = `
  cgroup_mount:{
    mount_path:'/dev/cgroup/cpu'
    hierarchy:CGROUP_CPU hierarchy:CGROUP_CPUACCT
  }
  cgroup_mount:{
    mount_path:'/dev/cgroup/cpuset' hierarchy:CGROUP_CPUSET
  }
  cgroup_mount:{
    mount_path:'/dev/cgroup/freezer' hierarchy:CGROUP_FREEZER
  }
  cgroup_mount:{
    mount_path:'/dev/cgroup/memory' hierarchy:CGROUP_MEMORY
  }`;

describe('init cgroup_mount', () => {
  it('parses the README InitSpec into mount plans', () => {
    const spec = parseText<InitSpec>('InitSpec', README_INIT);
    expect(spec.cgroup_mount!.map(mountArgs)).toEqual([
      { path: '/dev/cgroup/cpu', fsType: 'cgroup', options: ['cpu', 'cpuacct'] },
      { path: '/dev/cgroup/cpuset', fsType: 'cgroup', options: ['cpuset'] },
      { path: '/dev/cgroup/freezer', fsType: 'cgroup', options: ['freezer'] },
      { path: '/dev/cgroup/memory', fsType: 'cgroup', options: ['memory'] },
    ]);
  });

  it('CGROUP_UNIFIED names a cgroup2 mount', () => {
    expect(mountArgs({ mount_path: '/sys/fs/cgroup/unified', hierarchy: ['CGROUP_UNIFIED'] })).toEqual({
      path: '/sys/fs/cgroup/unified',
      fsType: 'cgroup2',
      options: [],
    });
  });

  it.each<[CgroupMount, Code]>([
    [{ hierarchy: ['CGROUP_CPU'] }, Code.INVALID_ARGUMENT],
    [{ mount_path: 'relative', hierarchy: ['CGROUP_CPU'] }, Code.INVALID_ARGUMENT],
    [{ mount_path: '/x' }, Code.INVALID_ARGUMENT],
    [{ mount_path: '/x', hierarchy: ['CGROUP_UNIFIED', 'CGROUP_CPU'] }, Code.INVALID_ARGUMENT],
    [{ mount_path: '/x', hierarchy: ['CGROUP_JOB'] }, Code.UNIMPLEMENTED],
  ])('%j is refused before any mount', (m, code) => {
    expect(codeOf(() => mountArgs(m))).toBe(code);
  });
});

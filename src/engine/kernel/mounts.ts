import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import { Code, LmctfyError } from '../errors.js';
import type { KernelIo } from './io.js';
import { parseMountinfo } from './mountinfo.js';
import type { CgroupHierarchy, CgroupMount } from '../../messages/types.js';

const V1_NAME: Partial<Record<CgroupHierarchy, string>> = {
  CGROUP_CPU: 'cpu',
  CGROUP_CPUACCT: 'cpuacct',
  CGROUP_CPUSET: 'cpuset',
  CGROUP_FREEZER: 'freezer',
  CGROUP_MEMORY: 'memory',
  CGROUP_NET: 'net_cls',
  CGROUP_PERF_EVENT: 'perf_event',
  CGROUP_DEVICE: 'devices',
  CGROUP_BLOCKIO: 'blkio',
  CGROUP_PIDS: 'pids',
};

/** What `mount` needs for one CgroupMount: fs type and options, validated before any mount. */
export function mountArgs(m: CgroupMount): { path: string; fsType: 'cgroup' | 'cgroup2'; options: string[] } {
  const p = m.mount_path;
  if (!p || !p.startsWith('/')) throw new LmctfyError(Code.INVALID_ARGUMENT, `cgroup_mount.mount_path must be an absolute path, got "${p ?? ''}"`);
  const hs = m.hierarchy ?? [];
  if (hs.length === 0) throw new LmctfyError(Code.INVALID_ARGUMENT, `cgroup_mount ${p}: no hierarchy named`);
  if (hs.includes('CGROUP_UNIFIED')) {
    if (hs.length > 1) throw new LmctfyError(Code.INVALID_ARGUMENT, `cgroup_mount ${p}: CGROUP_UNIFIED cannot be co-mounted with v1 hierarchies`);
    return { path: p, fsType: 'cgroup2', options: [] };
  }
  const options = hs.map((h) => {
    const n = V1_NAME[h];
    if (!n) throw new LmctfyError(Code.UNIMPLEMENTED, `cgroup_mount ${p}: hierarchy ${h} is not supported`);
    return n;
  });
  return { path: p, fsType: 'cgroup', options };
}

/** Mounts each CgroupMount unless that path already holds exactly that hierarchy. */
export function mountHierarchies(io: KernelIo, mounts: CgroupMount[]): void {
  const planned = mounts.map(mountArgs);
  const current = parseMountinfo(io.readFile('/proc/self/mountinfo'));
  for (const p of planned) {
    const existing = current.find((e) => e.mountPoint === p.path);
    if (existing) {
      const same = existing.fsType === p.fsType && p.options.every((o) => existing.superOptions.includes(o));
      if (same) continue;
      throw new LmctfyError(Code.FAILED_PRECONDITION, `${p.path} is already a ${existing.fsType} mount with ${existing.superOptions.join(',')}`);
    }
    fs.mkdirSync(p.path, { recursive: true });
    const args = ['-t', p.fsType, ...(p.options.length ? ['-o', p.options.join(',')] : []), p.fsType, p.path];
    const r = spawnSync('mount', args, { encoding: 'utf8' });
    if (r.status !== 0) {
      throw new LmctfyError(r.status === 32 ? Code.PERMISSION_DENIED : Code.FAILED_PRECONDITION, `mount ${args.join(' ')} failed: ${(r.stderr || r.error?.message || '').trim()}`);
    }
  }
}

/**
 * Where restored processes go, said to criu as one `--cgroup-root CTRL:PATH` per hierarchy,
 * as runc passes them. Never one global root: criu then makes that path in every hierarchy
 * and mirrors the host's sibling cgroups below it (docs/CHECKPOINT.md, pitfalls).
 */
import * as path from 'node:path';
import type { CgroupLayout } from '../kernel/layout.js';
import type { Machine } from '../kernel/machine.js';
import { placementTargets, type PlacementTarget } from '../placement.js';

/** A cgroup dir as /proc/PID/cgroup names it: below the hierarchy's root, not its mount point. */
function hierarchyPath(mountPoint: string, mountRoot: string, dir: string): string {
  const below = dir === mountPoint ? '/' : dir.slice(mountPoint.length);
  return path.posix.join(mountRoot, below);
}

/**
 * criu's arguments placing restored tasks exactly where `lmctfy run` places a new one
 * (placementTargets: the container's own dir, or the nearest ancestor's in a hierarchy it
 * does not isolate). On cgroup v2 the one hierarchy takes a root with no controller.
 */
export function cgroupRootArgs(layout: CgroupLayout, version: 1 | 2, targets: readonly PlacementTarget[]): string[] {
  const args: string[] = [];
  for (const t of targets) {
    const dir = path.posix.dirname(t.file);
    if (version === 2) {
      const u = layout.unified!;
      args.push('--cgroup-root', hierarchyPath(u.mountPoint, u.mountRoot, dir));
      continue;
    }
    const h = layout.v1.get(t.controller)!;
    args.push('--cgroup-root', `${t.controller}:${hierarchyPath(h.mountPoint, h.mountRoot, dir)}`);
  }
  return args;
}

export function restorePlacement(machine: Machine, name: string): string[] {
  return cgroupRootArgs(machine.layout, machine.version, placementTargets(machine, name, 'procs'));
}

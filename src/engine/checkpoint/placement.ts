/**
 * The cgroups criu dumps and restores (docs/CHECKPOINT.md, pitfalls). criu records, for each
 * hierarchy a dumped task is in, every cgroup below the task's one, and soft mode makes the
 * missing ones again at restore: a task sitting at a hierarchy's root (or at lmctfy's root)
 * would have criu walk, record and mirror the host's whole tree. So only the hierarchies
 * where the container has a dir of its own are dumped (`--cgroup-dump-controller`), and
 * restored with one `--cgroup-root CTRL:PATH` each, as runc passes them; never one global
 * root on v1. In the other hierarchies restored tasks inherit criu's cgroups, and criu is
 * started where `lmctfy run` places a task.
 */
import * as path from 'node:path';
import type { CgroupLayout } from '../kernel/layout.js';
import type { Machine } from '../kernel/machine.js';
import { parseProcCgroup } from '../kernel/mountinfo.js';
import { nativeHelper } from '../native-helpers.js';
import { placementTargets, type PlacementTarget } from '../placement.js';

/** A cgroup dir as /proc/PID/cgroup names it: below the hierarchy's root, not its mount point. */
function hierarchyPath(mountPoint: string, mountRoot: string, dir: string): string {
  const below = dir === mountPoint ? '/' : dir.slice(mountPoint.length);
  return path.posix.join(mountRoot, below);
}

/** The container's own dirs as /proc/PID/cgroup paths, by hierarchy (v1 controller, or '' for cgroup2). */
export function ownPaths(layout: CgroupLayout, version: 1 | 2, name: string, targets: readonly PlacementTarget[]): Map<string, string> {
  const out = new Map<string, string>();
  for (const t of targets.filter((t) => t.container === name)) {
    const dir = path.posix.dirname(t.file);
    const h = version === 2 ? layout.unified! : layout.v1.get(t.controller)!;
    out.set(version === 2 ? '' : t.controller, hierarchyPath(h.mountPoint, h.mountRoot, dir));
  }
  return out;
}

/**
 * criu's names (the controller list of a /proc/PID/cgroup line) of the v1 hierarchies where
 * the dumped task sits in the container's own dir. On cgroup v2 there is one, and none is named.
 */
export function dumpControllers(procCgroupText: string, own: ReadonlyMap<string, string>): string[] {
  const out: string[] = [];
  for (const e of parseProcCgroup(procCgroupText)) {
    if (e.controllers.length === 0) continue;
    const mine = e.controllers.map((c) => own.get(c)).find((p) => p !== undefined);
    if (mine !== undefined && mine === e.path) out.push(e.controllers.join(','));
  }
  return out;
}

/** One `--cgroup-root` per hierarchy the container has a dir in (v2: the one root, no controller). */
export function cgroupRootArgs(own: ReadonlyMap<string, string>): string[] {
  return [...own].flatMap(([ctrl, p]) => ['--cgroup-root', ctrl === '' ? p : `${ctrl}:${p}`]);
}

export function containerPaths(machine: Machine, name: string): Map<string, string> {
  return ownPaths(machine.layout, machine.version, name, placementTargets(machine, name, 'procs'));
}

/**
 * What the wrap makes before criu runs (a virtual host's): its upper dir unpacked, its net
 * namespace (`netns`: the network's helper options, none for loopback only) with the veth
 * pair's limits shaped at a gate (`gate`), and the overlay mounted in a mount namespace of its own.
 */
export interface WrapSetup {
  overlay?: { options: string; dir: string };
  /** tmpfs mounts to make in the wrap's mount namespace and fill from their archives (tmpfs.ts). */
  tmpfs?: { dir: string; source: string; options: string; readOnly: boolean; archive?: string }[];
  untar?: { file: string; dir: string };
  netns?: string[];
  gate?: boolean;
}

/** The wrap's exit status when its tar failed (native/vhost-helper.c's PLACE_UNTAR_FAILED); tar's message is on its stderr. */
export const PLACE_UNTAR_FAILED = 124;

/**
 * A command prefix that puts itself (and so criu, which it execs) where `lmctfy run` puts a
 * new task of the container, with the setup made, then execs the rest of its arguments: the
 * vhost helper's `place`, one process where `tar`, the net namespace's holder, a shell,
 * unshare, a second shell and mount were six (the tar and the network made before it joins
 * the cgroups, so the container is not charged for them).
 */
export function placedWrap(machine: Machine, name: string, setup: WrapSetup = {}): string[] {
  const files = placementTargets(machine, name, 'procs').map((t) => t.file);
  return [
    nativeHelper('lmctfy-vhost', 'vhost helper'),
    'place',
    ...(setup.untar ? ['--untar', setup.untar.file, setup.untar.dir] : []),
    ...(setup.netns ? ['--netns', ...setup.netns, ...(setup.gate ? ['--gate'] : [])] : []),
    ...files.flatMap((f) => ['--file', f]),
    ...(setup.overlay ? ['--overlay', setup.overlay.options, setup.overlay.dir] : []),
    ...(setup.tmpfs ?? []).flatMap((t) => ['--tmpfs', t.dir, t.source, t.options, t.readOnly ? 'ro' : 'rw', t.archive ?? '-']),
    '--',
  ];
}

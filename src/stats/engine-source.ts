import { unlessNotFound } from '../engine/errors.js';
import { ContainerApi, type ApiOptions } from '../engine/container-api.js';
import { CachingIo } from '../engine/kernel/cached-io.js';
import { realIo } from '../engine/kernel/io.js';
import { readStats } from '../engine/container.js';
import { handleWith, presentControllers } from '../engine/handle.js';
import type { V1Controller } from '../engine/kernel/layout.js';
import { cpu, cpuThrottling } from '../engine/resources/cpu.js';
import { memoryLimit } from '../engine/resources/memory.js';
import { pids } from '../engine/resources/pids.js';
import type { CgroupHandle } from '../engine/resources/types.js';
import { listTasks } from '../engine/tree.js';
import { joinName } from '../engine/names.js';
import type { StatsSource } from './sampler.js';
import type { RawContainerSample } from './model.js';
import type { ContainerStats } from '../spec/types.js';

/** An engine for sampling: cgroup files stay open between passes (see CachingIo). */
export function openSamplingApi(opts: Omit<ApiOptions, 'io'>): ContainerApi {
  return ContainerApi.open({ ...opts, io: new CachingIo(realIo) });
}

/** Settings (limits) are re-read every this many passes per container, staggered. */
export const SETTINGS_EVERY = 5;

interface Known {
  id: number;
  controllers: Set<V1Controller>;
  /** Pass at which the settings below were read; undefined before the first read. */
  settingsPass?: number;
  limits: RawContainerSample['limits'];
  memoryLimit?: number;
  pidsLimit?: number;
  /** The last counters pass, for what a resource may carry over (memory.stat). */
  last?: ContainerStats;
}

/**
 * The sampler's view of the live engine: read-only walks and counters. Which hierarchies a
 * container has is learned once per cgroup (keyed by its inode). With type `counters`,
 * limits are read on a slower schedule (every SETTINGS_EVERY passes, staggered across
 * containers) and merged in, so a live pass reads only what changes every second.
 */
export function engineStatsSource(api: ContainerApi): StatsSource {
  const m = api.machine;
  const io = m.io;
  const known = new Map<string, Known>();
  let pass = 0;

  const readSettings = (h: CgroupHandle, k: Known, withLimits: boolean) => {
    const cpuSpec = h.dir('cpu') ? cpu.read(h)?.cpu : undefined;
    const limits: RawContainerSample['limits'] = {};
    if (cpuSpec?.max_limit !== undefined && cpuSpec.max_limit > 0) limits.cpuMaxMilli = cpuSpec.max_limit;
    if (cpuSpec?.limit !== undefined) limits.cpuShareMilli = cpuSpec.limit;
    k.limits = limits;
    // summary and full stats carry the memory and pids limits already.
    if (withLimits) {
      k.memoryLimit = memoryLimit(h);
      k.pidsLimit = h.dir('pids') ? pids.read(h)?.pids?.limit : undefined;
    }
    k.settingsPass = pass;
  };

  return {
    endPass: io instanceof CachingIo ? () => io.endPass() : undefined,
    walk(root) {
      pass++;
      const out: Array<{ name: string; id: number }> = [];
      const seen = new Set<string>();
      // One stat per container gives its identity and whether it has children: leaves,
      // most of any tree, are never listed (a cgroup dir lists dozens of control files).
      const visit = (name: string) => {
        const info = m.io.dirInfo(m.trackingDir(name));
        if (info === undefined) return;
        out.push({ name, id: info.inode });
        seen.add(name);
        if (known.get(name)?.id !== info.inode) known.set(name, { id: info.inode, controllers: presentControllers(m, name), limits: {} });
        if (info.subdirs === 0) return;
        const kids = unlessNotFound(() => m.io.listDirs(m.trackingDir(name))) ?? [];
        for (const k of kids.sort()) visit(joinName(name, k));
      };
      visit(root);
      for (const [name, k] of known) {
        if (seen.has(name)) continue;
        known.delete(name);
        if (io instanceof CachingIo) io.forgetDirs([...k.controllers].flatMap((c) => m.dirOf(name, c) ?? []));
      }
      return out;
    },
    read(name, type) {
      const k = known.get(name);
      if (!k) return undefined;
      return unlessNotFound(() => {
        const h = handleWith(m, name, k.controllers);
        const counters = type === 'counters';
        // On its settings pass a container's carried-over values are refreshed too.
        const due = k.settingsPass === undefined || (pass + k.id) % SETTINGS_EVERY === 0;
        const stats = readStats(h, type, counters && !due ? k.last : undefined);
        if (counters) k.last = stats;
        // Missing files read as absent fields: a container gone by now drops out instead. A
        // live container always has CPU usage, so only its absence needs the extra check.
        if (!stats.cpu?.usage && !m.io.exists(m.trackingDir(name))) return undefined;
        if (!counters || due) readSettings(h, k, counters);
        if (counters && m.version === 1 && k.limits.cpuMaxMilli !== undefined) {
          const t = cpuThrottling(h).cpu?.throttling_data;
          if (t) stats.cpu = { ...stats.cpu, throttling_data: t };
        }
        if (counters) {
          if (stats.memory && k.memoryLimit !== undefined) stats.memory.limit = k.memoryLimit;
          if (stats.pids && k.pidsLimit !== undefined) stats.pids.limit = k.pidsLimit;
        }
        const limits = { ...k.limits };
        const mem = stats.memory?.limit;
        if (mem !== undefined && mem >= 0) limits.memoryLimit = mem;
        const pidsLimit = stats.pids?.limit;
        if (pidsLimit !== undefined && pidsLimit >= 0) limits.pidsLimit = pidsLimit;
        return { stats, limits };
      });
    },
    pids(name) {
      return listTasks(m, name, 'pids', false);
    },
  };
}

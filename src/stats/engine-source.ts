import { unlessNotFound } from '../engine/errors.js';
import { ContainerApi, type ApiOptions } from '../engine/container-api.js';
import { CachingIo } from '../engine/kernel/cached-io.js';
import { realIo } from '../engine/kernel/io.js';
import { readStats } from '../engine/container.js';
import { handleWith, presentControllers } from '../engine/handle.js';
import type { V1Controller } from '../engine/kernel/layout.js';
import { cpu } from '../engine/resources/cpu.js';
import { listSubcontainers, listTasks } from '../engine/tree.js';
import type { StatsSource } from './sampler.js';
import type { RawContainerSample } from './model.js';

/** An engine for sampling: cgroup files stay open between passes (see CachingIo). */
export function openSamplingApi(opts: Omit<ApiOptions, 'io'>): ContainerApi {
  return ContainerApi.open({ ...opts, io: new CachingIo(realIo) });
}

/**
 * The sampler's view of the live engine: read-only walks and counters. Which hierarchies a
 * container has is learned once per cgroup (keyed by its inode), not on every pass.
 */
export function engineStatsSource(api: ContainerApi): StatsSource {
  const m = api.machine;
  const io = m.io;
  const known = new Map<string, { id: number; controllers: Set<V1Controller> }>();
  return {
    endPass: io instanceof CachingIo ? () => io.endPass() : undefined,
    walk(root) {
      const out: Array<{ name: string; id: number }> = [];
      const seen = new Set<string>();
      for (const name of [root, ...(unlessNotFound(() => listSubcontainers(m, root, true)) ?? [])]) {
        const id = m.io.inode(m.trackingDir(name));
        if (id === undefined) continue;
        out.push({ name, id });
        seen.add(name);
        if (known.get(name)?.id !== id) known.set(name, { id, controllers: presentControllers(m, name) });
      }
      for (const name of known.keys()) if (!seen.has(name)) known.delete(name);
      return out;
    },
    read(name, type) {
      const k = known.get(name);
      if (!k) return undefined;
      return unlessNotFound(() => {
        const h = handleWith(m, name, k.controllers);
        const stats = readStats(h, type);
        // Missing files read as absent fields: a container gone by now drops out instead.
        if (!m.io.exists(m.trackingDir(name))) return undefined;
        const limits: RawContainerSample['limits'] = {};
        const cpuSpec = h.dir('cpu') ? cpu.read(h)?.cpu : undefined;
        if (cpuSpec?.max_limit !== undefined && cpuSpec.max_limit > 0) limits.cpuMaxMilli = cpuSpec.max_limit;
        if (cpuSpec?.limit !== undefined) limits.cpuShareMilli = cpuSpec.limit;
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

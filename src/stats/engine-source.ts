import { unlessNotFound } from '../engine/errors.js';
import type { ContainerApi } from '../engine/container-api.js';
import { Container } from '../engine/container.js';
import { handleFor } from '../engine/handle.js';
import { cpu } from '../engine/resources/cpu.js';
import { listSubcontainers, listTasks } from '../engine/tree.js';
import type { StatsSource } from './sampler.js';
import type { RawContainerSample } from './model.js';

/** The sampler's view of the live engine: read-only walks and counters. */
export function engineStatsSource(api: ContainerApi): StatsSource {
  const m = api.machine;
  return {
    walk(root) {
      const out: Array<{ name: string; id: number }> = [];
      for (const name of [root, ...(unlessNotFound(() => listSubcontainers(m, root, true)) ?? [])]) {
        const id = m.io.inode(m.trackingDir(name));
        if (id !== undefined) out.push({ name, id });
      }
      return out;
    },
    read(name, type) {
      return unlessNotFound(() => {
        const stats = new Container(m, name).stats(type);
        const h = handleFor(m, name);
        const limits: RawContainerSample['limits'] = {};
        const cpuSpec = m.version === 2 || h.dir('cpu') ? cpu.read(h)?.cpu : undefined;
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

import type { V1Controller } from '../../kernel/layout.js';

/** The cgroup v2 controller behind each lmctfy controller (undefined: none on v2). */
export const V2_CONTROLLER: Readonly<Record<V1Controller, string | undefined>> = {
  cpu: 'cpu',
  cpuacct: undefined,
  cpuset: 'cpuset',
  memory: 'memory',
  freezer: undefined,
  pids: 'pids',
  blkio: 'io',
  devices: undefined,
};

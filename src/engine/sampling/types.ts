import type { ContainerStats } from '../../messages/types.js';
import type { CpuSettings, StatsType } from '../resources/types.js';

export type { StatsType };

/** Settings a sampled container shows beside its usage. */
export interface SampleLimits {
  cpuMaxMilli?: number;
  cpuShareMilli?: number;
  /** An idle cpu group (cpu.idle=1): scheduling_latency BEST_EFFORT, which has no cpuShareMilli. */
  cpuIdle?: true;
  /**
   * The raw quota, period and shares (cAdvisor's container_spec_cpu_*), read with the
   * milli-CPUs above so that the exports need not re-read them; absent without a cpu directory.
   */
  cpuKernel?: CpuSettings;
  memoryLimit?: number;
  pidsLimit?: number;
}

/** What a virtual host is, for the console (docs/VIRTUAL-HOSTS.md); fixed at create. */
export interface VirtualHostInfo {
  hostname?: string;
  /** The inside interface's IPv4 address. */
  ip?: string;
  rootfs?: string;
  /** The namespaces of its own: mnt, pid, ipc, uts, net, user. */
  namespaces: string[];
  /** Its veth pair: the name inside and the host end. */
  interfaces: Array<{ inside: string; outside: string }>;
}

/** One container's reading in one pass. */
export interface ContainerReading {
  stats: ContainerStats;
  limits: SampleLimits;
  /** Present for a virtual host. */
  virtualHost?: VirtualHostInfo;
}

/**
 * What a sampler asks of the engine, pass by pass: the tree under a root, each container's
 * counters and settings, its processes. The engine's own is engineStatsSource; tests pass a fake.
 */
export interface StatsSource {
  /**
   * The container named root and everything below it, with each one's cgroup id. Never
   * changed once returned: the very same array again says the tree is unchanged since that
   * walk (the same containers, in the same order), which a sampler may rely on.
   */
  walk(root: string): ReadonlyArray<{ name: string; id: number }>;
  /** undefined = the container vanished since the walk. */
  read(name: string, type: StatsType): ContainerReading | undefined;
  /** Processes (tgids) in the container itself. */
  pids(name: string): number[];
  /** Threads (tids) in the container itself: its thread list (v1 `tasks`, v2 `cgroup.threads`). */
  threads?(name: string): number[];
  /**
   * Whether nothing of the container can have changed since the previous pass (one cheap
   * read; sampling/still.ts says when): a sampler may then keep its last reading. Absent, or
   * always false, where the source cannot tell (polling, without events).
   */
  still?(name: string): boolean;
  /**
   * Whether no event since the previous pass says anything of the container was written (a
   * setting, a counter reset, its task lists, a child made) and its re-validation is not due.
   * Absent, or always false, where the source cannot tell (polling, without events).
   */
  quiet?(name: string): boolean;
  /** Called after each pass (lets a source release what the pass did not touch). */
  endPass?(): void;
  /** Releases what the source holds between passes (watches, kept-open files). */
  close?(): void;
}

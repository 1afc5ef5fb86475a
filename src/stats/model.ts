import type { HostSample, SampleLimits, VirtualHostInfo } from '../engine/sampling/index.js';
import type { ContainerStats, FreezerState, HistogramMap, SchedulingLatency } from '../messages/types.js';

export type { HostSample, SampleLimits, VirtualHostInfo };

/**
 * The plain data model stats produces and every face consumes (console, JSON, OpenMetrics).
 * Raw = what the kernel said in one pass; derived = numbers that need two passes.
 */

/** One container in one pass over the tree. */
export interface RawContainerSample {
  /** Absolute lmctfy name. */
  name: string;
  /** Identity of the cgroup (inode of its tracking dir): a changed id means destroyed and recreated. */
  id: number;
  stats: ContainerStats;
  /** Settings the views show beside the usage. */
  limits: SampleLimits;
  /**
   * Where stats.cpu.histograms came from: the kernel's own (cumulative), or lmctfy's
   * per-interval derivation from the scheduler statistics of the container's threads (docs/STATS.md).
   */
  histogramSource?: 'kernel' | 'schedstat';
  /** Present for a virtual host: its hostname, address, rootfs, namespaces and interfaces. */
  virtualHost?: VirtualHostInfo;
}

export interface RawSample {
  /** RFC 3339 wall-clock time of the pass. */
  timestamp: string;
  /** Monotonic clock at the pass, in nanoseconds (process.hrtime.bigint() as a number). */
  monoNs: number;
  containers: RawContainerSample[];
  host?: HostSample;
}

/** Numbers derived from this pass and the previous pass of the same cgroup. */
export interface ContainerRates {
  /** Δcpu / Δwall × 100; 100 = one full CPU. Absent on the first pass of a series. */
  cpuPercent?: number;
  /** cpuPercent against the container's own cap (max_limit), when one is set. */
  cpuPercentOfCap?: number;
  /** Share of CFS periods in the interval that were throttled, 0–100. */
  throttledPercent?: number;
  ioReadBytesPerSec?: number;
  ioWriteBytesPerSec?: number;
  /** Read and write operations per second (IOPS), where the kernel counts them. */
  ioReadOpsPerSec?: number;
  ioWriteOpsPerSec?: number;
  /** A virtual host's network traffic per second (bytes/s) over its interfaces, as seen from inside: rx into it, tx out of it. */
  netRxBytesPerSec?: number;
  netTxBytesPerSec?: number;
  /** Memory usage change per second (bytes/s), may be negative. */
  memoryGrowthPerSec?: number;
  /** OOM kills since the previous pass. */
  oomKillsDelta?: number;
}

export interface ContainerView {
  name: string;
  depth: number;
  raw: RawContainerSample;
  rates: ContainerRates;
  state?: FreezerState;
  histograms?: HistogramMap[];
  /** Its tier (stats/tier.ts), where the face showing it has looked it up (the console, once per pass). */
  tier?: SchedulingLatency;
}

export interface SampleView {
  timestamp: string;
  monoNs: number;
  /** Seconds between this pass and the previous one (0 on the first). */
  intervalSec: number;
  containers: ContainerView[];
  host?: HostSample;
}

export interface Percentiles {
  p50: number;
  p90: number;
  p99: number;
}

export interface HistorySeries {
  /** Oldest first. */
  cpuPercent: number[];
  memoryUsage: number[];
  cpuPercentiles?: Percentiles;
  memoryPercentiles?: Percentiles;
}

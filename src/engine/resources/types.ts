import type { KernelIo } from '../kernel/io.js';
import type { V1Controller } from '../kernel/layout.js';
import type { ContainerSpec, ContainerStats, CpuSpec, FreezerState } from '../../messages/types.js';

/** Where one container lives in the kernel, as a resource handler sees it. */
export interface CgroupHandle {
  readonly io: KernelIo;
  /** The controllers of the machine's cgroup version (resources/index.ts chooses them). */
  readonly resources: ResourceSet;
  /** Absolute lmctfy name, for error messages. */
  readonly name: string;
  /**
   * Directory of this container for a controller: v1 its directory in that hierarchy, or
   * undefined when the container does not isolate that controller; v2 always the one
   * unified directory.
   */
  dir(controller: V1Controller): string | undefined;
  /** Directory of the nearest ancestor (or lmctfy's root) that has the controller. */
  parentDir(controller: V1Controller): string;
}

/**
 * create: a new container, unset fields take their defaults.
 * diff: only the fields set in the spec change.
 * replace: unset fields go back to their defaults.
 */
export type UpdatePolicy = 'create' | 'diff' | 'replace';
/**
 * summary: what `lmctfy stats summary` prints; full: everything, memory.stat breakdown too;
 * export: what the metrics exposition prints, full without per-CPU usage, the kernel's latency
 * histograms and the freezer state; counters: summary without settings (limits) and without
 * what no live view shows, for samplers that read settings on their own, slower schedule
 * (sampling/reading.ts).
 */
export type StatsType = 'summary' | 'full' | 'export' | 'counters';

/**
 * One controller, as one cgroup version implements it (resources/v1/, resources/v2/; pids
 * and the shared halves of the others live beside this file).
 */
export interface Resource {
  readonly controller: V1Controller;
  /** True when the spec asks this controller for anything (so it must be isolated on v1). */
  wants(spec: ContainerSpec): boolean;
  /**
   * Pure check before anything is written: INVALID_ARGUMENT (bad value, naming the field)
   * or UNIMPLEMENTED (this cgroup version cannot honour it).
   */
  validate(spec: ContainerSpec): void;
  /** True when the container isolates this controller now (so its settings can be updated). */
  isolated(h: CgroupHandle): boolean;
  /** Writes the spec's settings for this controller; reads back what it wrote where the kernel rounds. */
  apply(h: CgroupHandle, spec: ContainerSpec, policy: UpdatePolicy): void;
  /** The settings as the kernel holds them, as a spec fragment (undefined when not isolated). */
  read(h: CgroupHandle): ContainerSpec | undefined;
  /**
   * Raw counters as a stats fragment; a missing file is an absent field. `prev` is this
   * container's previous pass, given only while nothing says its settings were written
   * (sampling/reading.ts): a resource may carry settings over from it on any pass, and on a
   * counters pass what is costly to read when its cheap counters show no change (memory.ts
   * says what and why), on any pass what moves only with a cheap counter (v1/cpuacct.ts).
   */
  stats(h: CgroupHandle, type: StatsType, prev?: ContainerStats): ContainerStats;
}

/** A container's CPU settings as the kernel holds them, unconverted (what cAdvisor's container_spec_cpu_* name). */
export interface CpuSettings {
  /** CFS quota, µs per period; absent when unlimited. */
  quotaUs?: number;
  /** CFS period, µs. */
  periodUs?: number;
  /** cpu.shares; on v2, cpu.weight mapped onto shares as cAdvisor maps it. */
  shares?: number;
}

export interface CpuResource extends Resource {
  /** Throttling counters alone, for a `counters` pass over a capped container. */
  throttling(h: CgroupHandle): ContainerStats;
  /**
   * The spec `read` gives and the raw settings, from one read of each file (samplers keep
   * both). A file the container lacks (no cpu controller of its own) leaves its raw field out.
   */
  settings(h: CgroupHandle): CpuSettingsRead;
  /**
   * Writes the CFS quota alone, as `maxLimit` milli-CPUs of the group's own period
   * (undefined: unlimited), leaving weight and idle as they are (the daemon's CPU caps).
   */
  setMaxLimit(h: CgroupHandle, maxLimit: number | undefined): void;
}

export interface CpuSettingsRead {
  /** undefined when the container does not isolate cpu, as `read` gives none. */
  spec?: CpuSpec;
  kernel: CpuSettings;
}

export interface MemoryResource extends Resource {
  /** The memory limit alone (one file), undefined when the container has no memory hierarchy. */
  limit(h: CgroupHandle): number | undefined;
  /**
   * Asks the kernel to reclaim up to `bytes` of the container's memory (its page cache: no
   * swap is assumed); returns how far its usage fell. 0 for a container without a memory
   * cgroup of its own.
   */
  reclaim(h: CgroupHandle, bytes: number): number;
}

export interface CpusetResource extends Resource {
  /** Makes a fresh cpuset dir usable (v1 starts it empty); a no-op where it needs nothing. */
  prepare(h: CgroupHandle): void;
}

export interface FreezerResource extends Resource {
  /** State of the container, including a freeze inherited from an ancestor. */
  state(h: CgroupHandle): FreezerState;
  /** True when this container itself was asked to freeze (not only an ancestor). */
  selfFreezing(h: CgroupHandle): boolean;
  /** Asks the kernel to freeze or thaw the container's freezer dir `dir` (freezer.ts waits). */
  request(h: CgroupHandle, dir: string, frozen: boolean): void;
}

/** Every controller of one cgroup version, as resources/index.ts chooses them. */
export interface ResourceSet {
  /** In apply order (resources/index.ts says why). */
  readonly all: readonly Resource[];
  readonly cpu: CpuResource;
  readonly cpuset: CpusetResource;
  readonly memory: MemoryResource;
  readonly freezer: FreezerResource;
  readonly pids: Resource;
  readonly blkio: Resource;
  readonly devices: Resource;
  /**
   * The container's cumulative CPU time, ns, from the cheapest file that holds it (v1
   * cpuacct.usage, v2 cpu.stat); undefined without one. It moves whenever any task of the
   * container or below it ran: samplers use it to tell a container that did nothing.
   */
  cpuUsage(h: CgroupHandle): number | undefined;
  /**
   * cpuUsage of a cgroup is exactly its own tasks' CPU time plus its children's, in ns, every
   * charge added to the cgroup and each ancestor at once (v1 cpuacct), so a parent's growth
   * can stand for its children's (sampling/still.ts). Not v2: cpu.stat is in µs, each
   * cgroup's rounded on its own.
   */
  readonly cpuUsageSums: boolean;
  /**
   * No task is in the cgroup cpuUsage reads or below it (v1: cpuacct's `tasks` empty and no
   * child cgroup; v2: cgroup.events `populated 0`), so its CPU time cannot move until one
   * joins: by a write to its tasks or cgroup.procs, or on v2 a clone into it, which
   * cgroup.events notifies. False where it cannot tell.
   */
  unpopulated(h: CgroupHandle): boolean;
  /** Notes for the user where the kernel will hold a value of this (valid) spec other than the one asked (held.ts). */
  held(spec: ContainerSpec): string[];
  /** Spec parts outside any controller this version cannot honour: UNIMPLEMENTED. */
  checkSpec(spec: ContainerSpec): void;
  /**
   * Why a control file `file` of a controller is missing from an existing dir `dir` when
   * the version can tell (v2: the controller is not enabled there), else undefined.
   */
  whyMissing(h: CgroupHandle, controller: V1Controller, dir: string): string | undefined;
}

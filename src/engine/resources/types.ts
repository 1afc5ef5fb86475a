import type { KernelIo } from '../kernel/io.js';
import type { CgroupVersion, V1Controller } from '../kernel/layout.js';
import type { ContainerSpec, ContainerStats } from '../../messages/types.js';

/** Where one container lives in the kernel, as a resource handler sees it. */
export interface CgroupHandle {
  readonly io: KernelIo;
  readonly version: CgroupVersion;
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
 * counters: summary without settings (limits) and without what no live view shows, for
 * samplers that read settings on their own, slower schedule (stats/engine-source.ts).
 */
export type StatsType = 'summary' | 'full' | 'counters';

/** One controller (one file under resources/), with its v1 and v2 variants. */
export interface Resource {
  readonly controller: V1Controller;
  /** True when the spec asks this controller for anything (so it must be isolated on v1). */
  wants(spec: ContainerSpec): boolean;
  /**
   * Pure check before anything is written: INVALID_ARGUMENT (bad value, naming the field)
   * or UNIMPLEMENTED (this cgroup version cannot honour it).
   */
  validate(spec: ContainerSpec, version: CgroupVersion): void;
  /** Writes the spec's settings for this controller; reads back what it wrote where the kernel rounds. */
  apply(h: CgroupHandle, spec: ContainerSpec, policy: UpdatePolicy): void;
  /** The settings as the kernel holds them, as a spec fragment (undefined when not isolated). */
  read(h: CgroupHandle): ContainerSpec | undefined;
  /**
   * Raw counters as a stats fragment; a missing file is an absent field. `prev` (counters
   * only) is this container's previous pass: a resource may carry over what is costly to read
   * when its cheap counters show no change (memory.ts says what and why).
   */
  stats(h: CgroupHandle, type: StatsType, prev?: ContainerStats): ContainerStats;
}

/**
 * The engine's sampling face: everything stats, the console and the exporters learn from
 * the kernel comes through here, as typed readings (a container's counters, its limits,
 * the host's figures), never as cgroup file names or version branches.
 *
 * - source.ts: opens a subtree for sampling (openSampling, engineStatsSource)
 * - tree.ts: the walk and each container's identity
 * - reading.ts, counters.ts, settings.ts: what a pass reads of a container, and when
 * - watch.ts, tree-watch.ts: inotify, so that a steady pass reads only counters
 * - still.ts: the recorder's cheap check that a container did nothing since the last pass
 * - absent-interfaces.ts: the interface files this kernel lacks, tried once
 * - proc.ts: the host and its processes' threads
 * - working-set.ts: the one working-set rule
 * - network.ts: what a virtual host is, and its interfaces' counters
 */
export { openSampling, engineStatsSource, VALIDATE_EVERY, type SamplingOptions, type SamplingSource, type SourceOptions } from './source.js';
export { SETTINGS_EVERY } from './reading.js';
export { fsWatchDir, watchBudget, type WatchDir } from './tree-watch.js';
export { procReader, type HostSample, type ProcReader, type Schedstat, type TaskSchedstat } from './proc.js';
export { workingSetBytes } from './working-set.js';
export type { ContainerReading, SampleLimits, StatsSource, StatsType, VirtualHostInfo } from './types.js';

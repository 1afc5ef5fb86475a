/** lmctfy as a library: the engine API, the spec codec and the stats room. */
export { ContainerApi, type ApiOptions } from './engine/container-api.js';
export { Container, type ForegroundCommand, type ListOptions, type RunOptions } from './engine/container.js';
export { PROCESS_SIGNALS, type ProcessInfo, type ProcessList, type ProcessSignal } from './engine/process-info.js';
export { LOG_MAX_BYTES, type LogChunk } from './engine/run-log.js';
export { journalPath, readJournal, removeJournal, type JournalRecord } from './engine/journal.js';
export { defaultShell } from './engine/interactive.js';
export { Code, LmctfyError } from './engine/errors.js';
export { resolveName } from './engine/names.js';
export { checkpoint, migrate, originOf, readCheckpoint, restore, type CheckpointOptions, type Manifest, type Origin } from './engine/checkpoint/index.js';
export {
  NotificationHub,
  notificationHub,
  type NotificationEvent,
  type NotificationCallback,
  type NotificationType,
} from './engine/notify/index.js';
export { realIo, type KernelIo } from './engine/kernel/io.js';
export { CachingIo, type CachingOptions } from './engine/kernel/cached-io.js';
export { withFaults, type FaultRule } from './engine/kernel/faults.js';
export { parseText, formatText, parseJson, formatJson, parseBinary, encodeBinary, parseSpecInput, type MessageName } from './messages/codec.js';
export { PassViews, Sampler, type SamplerOptions, type StatsSource } from './stats/sampler.js';
export { engineStatsSource, openSampling, procReader, type ProcReader, type SamplingOptions, type SamplingSource, type SourceOptions } from './engine/sampling/index.js';
export { LiveSampler, type LiveOptions } from './stats/live.js';
export { sampleToJson, toNdjsonLine } from './stats/json.js';
export { toOpenMetrics, contentType, type MetricsFormat, type MetricsOptions } from './stats/openmetrics.js';
export { exportReads, type CpuSettings, type ExportReads } from './engine/export-reads.js';
export type * from './stats/model.js';
export type * from './messages/types.js';

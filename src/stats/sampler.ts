import { unlessNotFound } from '../engine/errors.js';
import type { KernelIo } from '../engine/kernel/io.js';
import { cpuCount, hostname, listTids, readLoadavg, readMeminfo, readSchedstat } from '../engine/kernel/procfs.js';
import type { StatsType } from '../engine/resources/types.js';
import type { ContainerStats } from '../messages/types.js';
import { SchedstatHistogrammer, type TaskSchedstat } from './histogram.js';
import { HistoryStore, type HistoryOptions } from './history.js';
import type { HistorySeries, HostSample, RawContainerSample, RawSample, SampleView } from './model.js';
import { SampleDeriver } from './rates.js';

/** What the sampler needs from the engine; tests pass a fake. */
export interface StatsSource {
  /** The container named root and everything below it, with each one's cgroup id. */
  walk(root: string): Array<{ name: string; id: number }>;
  /** undefined = the container vanished since the walk. */
  read(name: string, type: StatsType): { stats: ContainerStats; limits: RawContainerSample['limits'] } | undefined;
  /** Processes (tgids) in the container itself. */
  pids(name: string): number[];
  /** Called after each pass (lets a source release what the pass did not touch). */
  endPass?(): void;
  /** Releases what the source holds between passes (watches). */
  close?(): void;
}

export interface Clock {
  /** Wall clock, ms since the epoch. */
  wallMs(): number;
  /** Monotonic clock, ns. */
  monoNs(): number;
}

export const systemClock: Clock = {
  wallMs: () => Date.now(),
  monoNs: () => Number(process.hrtime.bigint()),
};

export interface SamplerOptions {
  /** Reads /proc and /sys for host figures and schedstat. */
  io: KernelIo;
  /** Container whose subtree is sampled (default `/`). */
  root?: string;
  /** Which stats to read; `full` includes memory.stat, the costly file (default `summary`). */
  type?: StatsType;
  /** Derive CPU latency histograms from schedstat for containers the kernel gives none. */
  histograms?: boolean;
  /** Read hostname, CPUs, load and memory of the machine (default true). */
  host?: boolean;
  clock?: Clock;
  history?: HistoryOptions;
}

/** Reads the host figures; each one the kernel lacks is absent. */
export function readHost(io: KernelIo): HostSample {
  const host: HostSample = {};
  const name = unlessNotFound(() => hostname(io));
  if (name !== undefined) host.hostname = name;
  const cpus = unlessNotFound(() => cpuCount(io));
  if (cpus !== undefined) host.cpus = cpus;
  const load = unlessNotFound(() => readLoadavg(io));
  if (load) Object.assign(host, { load1: load.load1, load5: load.load5, load15: load.load15 });
  const mem = unlessNotFound(() => readMeminfo(io));
  if (mem?.totalBytes !== undefined) host.memTotalBytes = mem.totalBytes;
  if (mem?.availableBytes !== undefined) host.memAvailableBytes = mem.availableBytes;
  return host;
}

/** schedstat of every thread of the given processes; exited processes and threads drop out. */
export function readTasks(io: KernelIo, pids: readonly number[]): TaskSchedstat[] {
  const tasks: TaskSchedstat[] = [];
  for (const pid of pids) {
    for (const tid of listTids(io, pid)) {
      const stat = readSchedstat(io, pid, tid);
      if (stat) tasks.push({ pid, tid, stat });
    }
  }
  return tasks;
}

/**
 * One pass over a container tree at a time: raw samples, then views with rates and
 * history. Keeps only what the next pass needs (previous raw per container, previous
 * schedstat per task, bounded history rings).
 */
export class Sampler {
  private readonly clock: Clock;
  private readonly deriver = new SampleDeriver();
  private readonly history: HistoryStore;
  private readonly histogrammer = new SchedstatHistogrammer();

  constructor(
    private readonly source: StatsSource,
    private readonly options: SamplerOptions,
  ) {
    this.clock = options.clock ?? systemClock;
    this.history = new HistoryStore(options.history);
  }

  /** One raw pass. Containers that vanish during it are left out of it. */
  sample(): RawSample {
    const monoNs = this.clock.monoNs();
    const timestamp = new Date(this.clock.wallMs()).toISOString();
    const type = this.options.type ?? 'summary';
    const containers: RawContainerSample[] = [];
    for (const { name, id } of this.source.walk(this.options.root ?? '/')) {
      const read = this.source.read(name, type);
      if (!read) continue;
      const c: RawContainerSample = { name, id, stats: read.stats, limits: read.limits };
      if (read.stats.cpu?.histograms?.length) c.histogramSource = 'kernel';
      else if (this.options.histograms) this.addSchedstatHistograms(c);
      containers.push(c);
    }
    if (this.options.histograms) this.histogrammer.prune(new Set(containers.map((c) => c.name)));
    this.source.endPass?.();
    const raw: RawSample = { timestamp, monoNs, containers };
    if (this.options.host ?? true) raw.host = readHost(this.options.io);
    return raw;
  }

  /** A pass turned into a view (rates against the previous pass), recorded in history. */
  next(): SampleView {
    return this.view(this.sample());
  }

  /** Derives the view of a raw pass taken with sample() and records it in history. */
  view(raw: RawSample): SampleView {
    const view = this.deriver.derive(raw);
    this.history.record(view);
    return view;
  }

  /** Releases the source's watches; the sampler is not used after this. */
  close(): void {
    this.source.close?.();
  }

  /** Recent CPU % and memory of a container, oldest first, with percentiles. */
  series(name: string): HistorySeries | undefined {
    return this.history.series(name);
  }

  recentCpu(name: string, n: number): number[] | undefined {
    return this.history.recentCpu(name, n);
  }

  private addSchedstatHistograms(c: RawContainerSample): void {
    // The container may vanish between its stats and its process list.
    const pids = unlessNotFound(() => this.source.pids(c.name));
    if (!pids) return;
    const histograms = this.histogrammer.observe(c.name, c.id, readTasks(this.options.io, pids));
    if (!histograms) return;
    c.stats = { ...c.stats, cpu: { ...c.stats.cpu, histograms } };
    c.histogramSource = 'schedstat';
  }
}

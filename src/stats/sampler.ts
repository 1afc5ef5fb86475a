import { isDeepStrictEqual } from 'node:util';
import { unlessNotFound } from '../engine/errors.js';
import { parentName } from '../engine/names.js';
import { procReader, type ProcReader, type StatsSource, type StatsType, type TaskSchedstat } from '../engine/sampling/index.js';
import { SchedstatHistogrammer } from './histogram.js';
import { HistoryStore, type HistoryOptions } from './history.js';
import type { HistorySeries, RawContainerSample, RawSample, SampleView } from './model.js';
import { SampleDeriver } from './rates.js';

export type { StatsSource };

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
  /** Reads /proc and /sys for host figures and schedstat (default: the real ones). */
  proc?: ProcReader;
  /** Container whose subtree is sampled (default `/`). */
  root?: string;
  /** Which stats to read; `full` includes the memory breakdown (default `summary`). */
  type?: StatsType;
  /** Derive CPU latency histograms from schedstat for containers the kernel gives none. */
  histograms?: boolean;
  /** Read hostname, CPUs, load and memory of the machine (default true). */
  host?: boolean;
  clock?: Clock;
  history?: HistoryOptions;
  /**
   * Keep a container's last reading, the very same object, when the source finds it still
   * (StatsSource.still: one cheap read instead of a whole pass over its files) or a read
   * finds every figure as it was. For the recorder, whose store skips an object it has
   * already written.
   */
  reuseStill?: boolean;
  /**
   * Keep a container's last reading, the very same object, when a container above it was
   * read this pass with no task in its subtree and its CPU time exactly where it stood (see
   * carriesEmpty): for the exports and the console, whose every figure must be what reading
   * the files gives.
   */
  carryEmpty?: boolean;
}

/**
 * Whether a reading holds only figures that nothing moves in a cgroup while no task is in it,
 * with no task: what an empty, still subtree leaves exactly as it was. CPU time and the task
 * count; a THAWED freezer state, which only a write to its own or an ancestor's freezer file
 * changes (an event, which quiet() hears); schedstat histograms, which are per task and move
 * only while a task runs (`histograms`: the sampler derives them, so a reading without them
 * is a container's first and is read again). Not throttling: a capped group's period timer
 * counts a period or two more after its last task has gone; not the kernel's own histograms.
 */
function onlyTaskDriven(c: RawContainerSample, histograms: boolean): boolean {
  if (c.virtualHost || c.histogramSource === 'kernel' || histograms !== (c.histogramSource === 'schedstat')) return false;
  for (const key in c.stats) if (key !== 'cpu' && key !== 'pids' && !(key === 'freezer' && c.stats.freezer?.state === 'THAWED')) return false;
  for (const key in c.stats.cpu) if (key !== 'usage' && key !== 'histograms') return false;
  return (c.stats.pids?.current ?? 0) === 0;
}

/** Whether two readings hold the same CPU time: the cheap first test before comparing them whole (a container that ran differs there). */
function sameCpuTime(a: RawContainerSample, b: RawContainerSample): boolean {
  return a.stats.cpu?.usage?.total === b.stats.cpu?.usage?.total;
}

/**
 * Whether a container read this pass shows that nothing in its subtree ran or held a task
 * between its previous reading and this one: CPU time and the task count are hierarchical
 * (a parent's counts every descendant's), CPU time only grows, and with no event a counter
 * was not reset. So every descendant's CPU time and task count are those of its previous
 * reading, exactly.
 */
function carriesEmpty(now: RawContainerSample, before: RawContainerSample): boolean {
  const usage = now.stats.cpu?.usage?.total;
  return usage !== undefined && usage === before.stats.cpu?.usage?.total && now.stats.pids?.current === 0;
}

/**
 * Views of raw passes: rates against the previous pass of the same cgroup, recorded in a
 * bounded history. Reads nothing: it can live on another thread than the passes' reader.
 */
export class PassViews {
  private readonly deriver = new SampleDeriver();
  private readonly history: HistoryStore;

  constructor(history?: HistoryOptions) {
    this.history = new HistoryStore(history);
  }

  /** Derives the view of a raw pass and records it in history. */
  view(raw: RawSample): SampleView {
    const view = this.deriver.derive(raw);
    this.history.record(view);
    return view;
  }

  /** Recent CPU % and memory of a container, oldest first, with percentiles. */
  series(name: string): HistorySeries | undefined {
    return this.history.series(name);
  }

  recentCpu(name: string, n: number): readonly number[] | undefined {
    return this.history.recentCpu(name, n);
  }
}

/**
 * One pass over a container tree at a time: raw samples, then views with rates and
 * history. Keeps only what the next pass needs (previous raw per container, previous
 * schedstat per task, bounded history rings).
 */
export class Sampler {
  private readonly clock: Clock;
  private readonly proc: ProcReader;
  private readonly views: PassViews;
  private readonly histogrammer = new SchedstatHistogrammer();
  /** The last pass's readings by name, for reuseStill and carryEmpty. */
  private kept = new Map<string, RawContainerSample>();
  /** Kept readings whose histograms are already a still interval's (empty). */
  private readonly quiet = new WeakSet<RawContainerSample>();
  /** Readings carried() found carriable as they are: readings do not change, so neither does that. */
  private readonly carriable = new WeakSet<RawContainerSample>();

  constructor(
    private readonly source: StatsSource,
    private readonly options: SamplerOptions = {},
  ) {
    this.clock = options.clock ?? systemClock;
    this.proc = options.proc ?? procReader();
    this.views = new PassViews(options.history);
  }

  /** One raw pass. Containers that vanish during it are left out of it. */
  sample(): RawSample {
    const monoNs = this.clock.monoNs();
    const timestamp = new Date(this.clock.wallMs()).toISOString();
    const type = this.options.type ?? 'summary';
    const containers: RawContainerSample[] = [];
    const still = this.options.reuseStill ? this.source.still?.bind(this.source) : undefined;
    const quiet = this.options.carryEmpty ? this.source.quiet?.bind(this.source) : undefined;
    // Containers shown this pass to have had no task and no CPU time in their subtree since their previous reading.
    const empty = new Set<string>();
    for (const { name, id } of this.source.walk(this.options.root ?? '/')) {
      const kept = this.kept.get(name);
      const before = kept?.id === id ? kept : undefined;
      if (still?.(name) && before) {
        containers.push(this.keptStill(before));
        continue;
      }
      const carried = before && quiet && empty.has(parentName(name) ?? '') && quiet(name) ? this.carried(before) : undefined;
      if (carried) {
        containers.push(carried);
        empty.add(name);
        continue;
      }
      const read = this.source.read(name, type);
      if (!read) continue;
      const c: RawContainerSample = { name, id, stats: read.stats, limits: read.limits };
      if (read.virtualHost) c.virtualHost = read.virtualHost;
      if (read.stats.cpu?.histograms?.length) c.histogramSource = 'kernel';
      else if (this.options.histograms) this.addSchedstatHistograms(c);
      // Read whole and found as it was (a re-validation, most often): the same object again,
      // which the store skips unread; its histograms are then a still interval's if the new ones are.
      if (still && before && sameCpuTime(c, before) && isDeepStrictEqual(c, before)) {
        if (this.quiet.has(c)) this.quiet.add(before);
        containers.push(before);
      } else containers.push(c);
      if (before && quiet && carriesEmpty(c, before) && quiet(name)) empty.add(name);
    }
    // One map of the pass's containers serves both (a pass at 1,000 containers built two).
    const live = new Map<string, RawContainerSample>();
    for (const c of containers) live.set(c.name, c);
    if (this.options.histograms) this.histogrammer.prune(live);
    if (still || quiet) this.kept = live;
    this.source.endPass?.();
    const raw: RawSample = { timestamp, monoNs, containers };
    if (this.options.host ?? true) raw.host = this.proc.host();
    this.proc.endPass?.();
    return raw;
  }

  /** A pass turned into a view (rates against the previous pass), recorded in history. */
  next(): SampleView {
    return this.view(this.sample());
  }

  /** Derives the view of a raw pass taken with sample() and records it in history. */
  view(raw: RawSample): SampleView {
    return this.views.view(raw);
  }

  /** Releases what the source and the /proc reader hold (watches, kept-open files); the sampler is not used after this. */
  close(): void {
    this.source.close?.();
    this.proc.close?.();
  }

  /** Recent CPU % and memory of a container, oldest first, with percentiles. */
  series(name: string): HistorySeries | undefined {
    return this.views.series(name);
  }

  recentCpu(name: string, n: number): readonly number[] | undefined {
    return this.views.recentCpu(name, n);
  }

  /**
   * The reading a container below an empty, still one keeps this pass, unread; undefined
   * when it must be read. Its schedstat histograms are a still interval's (keptStill): no
   * task below it ran.
   */
  private carried(before: RawContainerSample): RawContainerSample | undefined {
    if (this.carriable.has(before)) return before;
    if (!onlyTaskDriven(before, this.options.histograms ?? false)) return undefined;
    const kept = before.histogramSource === 'schedstat' ? this.keptStill(before) : before;
    if (kept.histogramSource === 'schedstat' && !this.quiet.has(kept)) return undefined;
    this.carriable.add(kept);
    return kept;
  }

  /**
   * A still container's kept reading for this pass. Schedstat histograms are the last
   * interval's, and a still container's next interval is empty (as the live pass gives it):
   * the reading that ran gives way once to a copy with empty histograms, kept from then on.
   */
  private keptStill(kept: RawContainerSample): RawContainerSample {
    if (kept.histogramSource !== 'schedstat' || this.quiet.has(kept)) return kept;
    const histograms = this.histogrammer.still(kept.name, kept.id, kept.stats.cpu?.usage?.total);
    if (!histograms) return kept;
    const quiet: RawContainerSample = { ...kept, stats: { ...kept.stats, cpu: { ...kept.stats.cpu, histograms } } };
    this.quiet.add(quiet);
    return quiet;
  }

  /**
   * schedstat of the container's own threads: from its thread list where the source and the
   * reader offer it (one list read, no directory read per process), else every thread of each
   * of its processes. Undefined when the container vanished.
   */
  private ownTasks(name: string): TaskSchedstat[] | undefined {
    if (this.source.threads && this.proc.threads) {
      const tids = unlessNotFound(() => this.source.threads!(name));
      return tids && this.proc.threads(tids);
    }
    const pids = unlessNotFound(() => this.source.pids(name));
    return pids && this.proc.tasks(pids);
  }

  private addSchedstatHistograms(c: RawContainerSample): void {
    const usage = c.stats.cpu?.usage?.total;
    // An idle container's tasks need not be listed: nothing of theirs moved.
    let histograms = this.histogrammer.still(c.name, c.id, usage);
    // Already a still interval's: kept as it is while the container stays still (keptStill).
    if (histograms) this.quiet.add(c);
    else {
      // The container may vanish between its stats and its task list.
      const tasks = this.ownTasks(c.name);
      if (!tasks) return;
      histograms = this.histogrammer.observe(c.name, c.id, tasks, usage);
    }
    if (!histograms) return;
    c.stats = { ...c.stats, cpu: { ...c.stats.cpu, histograms } };
    c.histogramSource = 'schedstat';
  }
}

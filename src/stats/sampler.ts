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
  /**
   * The last pass's walk and, entry by entry, the reading it handed on (undefined: it
   * vanished), for reuseStill and carryEmpty. The same walk again means the same containers
   * in the same order (StatsSource.walk): a steady pass takes each kept reading by its place,
   * with no lookup by name.
   */
  private walked: ReadonlyArray<{ name: string; id: number }> = [];
  private handed: Array<RawContainerSample | undefined> = [];
  /** Entry by entry, 1 where the reading handed on is kept as it is while still (see keptStill): a steady pass does not look into it. */
  private settled = new Uint8Array(0);
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
    const containers: RawContainerSample[] = [];
    const still = this.options.reuseStill ? this.source.still?.bind(this.source) : undefined;
    const quiet = this.options.carryEmpty ? this.source.quiet?.bind(this.source) : undefined;
    const keeping = still !== undefined || quiet !== undefined;
    // Containers shown this pass to have had no task and no CPU time in their subtree since their previous reading.
    const empty = quiet && new Set<string>();
    const entries = this.source.walk(this.options.root ?? '/');
    const steady = keeping && entries === this.walked;
    // Only when the tree changed: the last pass's readings by name.
    const byName = keeping && !steady ? this.keptByName() : undefined;
    // Committed when the pass is whole: one that throws leaves the last pass's readings kept.
    const handed = keeping ? new Array<RawContainerSample | undefined>(entries.length) : undefined;
    const settled = still ? new Uint8Array(entries.length) : undefined;
    let vanished = false;
    for (let k = 0; k < entries.length; k++) {
      const { name, id } = entries[k]!;
      let before: RawContainerSample | undefined;
      // A steady pass's kept reading was made for this very entry: its id is the entry's.
      if (steady) before = this.handed[k];
      else {
        const kept = byName?.get(name);
        if (kept?.id === id) before = kept;
      }
      let c: RawContainerSample | undefined;
      let known = false;
      // Asked of every container, kept reading or not: the source follows its state by it.
      if (still?.(name) && before) {
        known = steady && this.settled[k] === 1;
        c = known ? before : this.keptStill(before);
      } else c = this.reading(name, id, before, still !== undefined, quiet, empty);
      if (handed) handed[k] = c;
      if (c) {
        containers.push(c);
        if (settled && (known || this.isSettled(c))) settled[k] = 1;
      } else vanished = true;
    }
    // The histograms' state needs no pruning when the pass holds every container the last one held.
    if (this.options.histograms && !(steady && !vanished)) {
      const live = new Set<string>();
      for (const c of containers) live.add(c.name);
      this.histogrammer.prune(live);
    }
    if (handed) {
      this.walked = entries;
      this.handed = handed;
    }
    if (settled) this.settled = settled;
    this.source.endPass?.();
    const raw: RawSample = { timestamp, monoNs, containers };
    if (this.options.host ?? true) raw.host = this.proc.host();
    this.proc.endPass?.();
    return raw;
  }

  /** The last pass's readings by name: what a pass after a change in the tree finds its containers' by. */
  private keptByName(): Map<string, RawContainerSample> {
    const byName = new Map<string, RawContainerSample>();
    for (const c of this.handed) if (c) byName.set(c.name, c);
    return byName;
  }

  /** A container's reading this pass when the source did not find it still: carried below an empty parent, or read; undefined when it vanished. */
  private reading(
    name: string,
    id: number,
    before: RawContainerSample | undefined,
    reuse: boolean,
    quiet: ((name: string) => boolean) | undefined,
    empty: Set<string> | undefined,
  ): RawContainerSample | undefined {
    const carried = before && quiet && empty!.has(parentName(name) ?? '') && quiet(name) ? this.carried(before) : undefined;
    if (carried) {
      empty!.add(name);
      return carried;
    }
    const read = this.source.read(name, this.options.type ?? 'summary');
    if (!read) return undefined;
    const c: RawContainerSample = { name, id, stats: read.stats, limits: read.limits };
    if (read.virtualHost) c.virtualHost = read.virtualHost;
    if (read.stats.cpu?.histograms?.length) c.histogramSource = 'kernel';
    else if (this.options.histograms) this.addSchedstatHistograms(c);
    if (before && quiet && carriesEmpty(c, before) && quiet(name)) empty!.add(name);
    // Read whole and found as it was (a re-validation, most often): the same object again,
    // which the store skips unread; its histograms are then a still interval's if the new ones are.
    if (reuse && before && sameCpuTime(c, before) && isDeepStrictEqual(c, before)) {
      if (this.quiet.has(c)) this.quiet.add(before);
      return before;
    }
    return c;
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

  /** Whether keptStill hands a reading on as it is (its histograms, if any, are a still interval's). */
  private isSettled(c: RawContainerSample): boolean {
    return c.histogramSource !== 'schedstat' || this.quiet.has(c);
  }

  /**
   * A still container's kept reading for this pass. Schedstat histograms are the last
   * interval's, and a still container's next interval is empty (as the live pass gives it):
   * the reading that ran gives way once to a copy with empty histograms, kept from then on.
   */
  private keptStill(kept: RawContainerSample): RawContainerSample {
    if (this.isSettled(kept)) return kept;
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

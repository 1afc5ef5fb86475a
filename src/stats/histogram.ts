import type { Schedstat, TaskSchedstat } from '../engine/sampling/index.js';
import { OPEN_BUCKET, type CpuHistogramType, type HistogramMap } from '../messages/types.js';

/**
 * Upper bucket edges in microseconds. A value v falls in the first bucket whose edge is
 * ≥ v; values above the last edge fall in one more, open-ended bucket.
 */
export const SCHEDSTAT_BUCKET_EDGES_US: readonly number[] = [
  1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 2000, 5000, 10000, 20000, 50000, 100000,
];

/**
 * Run-queue wait goes into QUEUE_OTHER. schedstat's run_delay is all time spent runnable
 * but not running, whoever held the CPU; the kernel's histogram split it into QUEUE_SELF
 * (behind a task of the same cgroup) and QUEUE_OTHER (behind another cgroup's task).
 * We cannot split it, so we report the sum under QUEUE_OTHER and never emit QUEUE_SELF:
 * anyone adding the two queue histograms (total queueing) gets the exact answer, and for
 * the usual case of interest, a container with fewer runnable threads than CPUs, nearly
 * all of its waiting is behind other cgroups. SERVE would be wrong in kind, not just in
 * attribution: it is the whole runnable period from wakeup until sleep, on-CPU time
 * included and spanning several timeslices, and schedstat counts neither wakeups nor
 * sleeps.
 */
export const WAIT_HISTOGRAM_TYPE: CpuHistogramType = 'QUEUE_OTHER';

/** Index of the bucket holding a value in ns: edges.length is the open last bucket. */
export function bucketIndex(valueNs: number, edgesUs: readonly number[] = SCHEDSTAT_BUCKET_EDGES_US): number {
  let i = 0;
  while (i < edgesUs.length && valueNs > edgesUs[i]! * 1000) i++;
  return i;
}

type Bucket = HistogramMap['stat'][number];

/**
 * Empty bucket entries by edge list, made once and frozen: most buckets of an interval are
 * empty, and a busy container's two histograms made 34 entries a pass.
 */
const emptyBuckets = new WeakMap<readonly number[], readonly Bucket[]>();

function emptyBucketsOf(edgesUs: readonly number[]): readonly Bucket[] {
  let empty = emptyBuckets.get(edgesUs);
  if (!empty) {
    empty = Object.freeze(Array.from({ length: edgesUs.length + 1 }, (_, i) => Object.freeze({ bucket: edgesUs[i] ?? OPEN_BUCKET, value: 0 })));
    emptyBuckets.set(edgesUs, empty);
  }
  return empty;
}

/** Bucket entries as HistogramMap.stat: each closed bucket under its upper edge, the open last one under OPEN_BUCKET. */
function toStat(counts: number[], edgesUs: readonly number[]): HistogramMap['stat'] {
  const empty = emptyBucketsOf(edgesUs);
  return counts.map((value, i) => (value === 0 ? empty[i]! : { bucket: edgesUs[i] ?? OPEN_BUCKET, value }));
}

/** Above any pid or tid (the kernel's PID_MAX_LIMIT is 2^22): pid and tid in one exact number. */
const TID_SPAN = 2 ** 22;

/** A task's key among a container's previous readings: a number, not a string made per task and pass. */
function taskKey(t: { pid: number; tid: number }): number {
  return t.pid * TID_SPAN + t.tid;
}

/** A pass's readings by task, as histogramsFromSchedstat takes the previous pass's. */
export function readingsByTask(tasks: readonly TaskSchedstat[]): Map<number, Schedstat> {
  const byTask = new Map<number, Schedstat>();
  for (const t of tasks) byTask.set(taskKey(t), t.stat);
  return byTask;
}

/**
 * Histograms for one interval from two schedstat readings per task. Pure.
 * A task present in both passes with Δslices > 0 adds Δslices counts to the bucket of its
 * mean per-slice on-CPU time (ONCPU) and mean per-slice run-queue wait (QUEUE_OTHER).
 * Tasks missing from either pass (exited, or new: their series starts now), tasks with
 * no new timeslice, and tasks whose counters went backwards (a reused tid) add nothing.
 */
export function histogramsFromSchedstat(
  prev: ReadonlyMap<number, Schedstat>,
  cur: readonly TaskSchedstat[],
  edgesUs: readonly number[] = SCHEDSTAT_BUCKET_EDGES_US,
): HistogramMap[] {
  const onCpu = new Array<number>(edgesUs.length + 1).fill(0);
  const wait = new Array<number>(edgesUs.length + 1).fill(0);
  for (const t of cur) {
    const before = prev.get(taskKey(t));
    if (!before) continue;
    const slices = t.stat.slices - before.slices;
    const cpuNs = t.stat.onCpuNs - before.onCpuNs;
    const waitNs = t.stat.waitNs - before.waitNs;
    if (slices <= 0 || cpuNs < 0 || waitNs < 0) continue;
    onCpu[bucketIndex(cpuNs / slices, edgesUs)]! += slices;
    wait[bucketIndex(waitNs / slices, edgesUs)]! += slices;
  }
  return [
    { type: 'ONCPU', stat: toStat(onCpu, edgesUs) },
    { type: WAIT_HISTOGRAM_TYPE, stat: toStat(wait, edgesUs) },
  ];
}

/**
 * Keeps, per container, the previous schedstat of each of its tasks and turns each new
 * reading into that interval's histograms. A container seen for the first time, or
 * recreated (new id), starts a series and has no histogram for that pass.
 */
export class SchedstatHistogrammer {
  private state = new Map<string, { id: number; tasks: Map<number, Schedstat>; cpuUsageNs?: number }>();
  /**
   * A still interval's histograms, the same for every container: made once and shared (a
   * pass over 1,000 idle containers made 40,000 objects for them), frozen so that no reader
   * can change them for the others.
   */
  private readonly empty: HistogramMap[];

  constructor(private readonly edgesUs: readonly number[] = SCHEDSTAT_BUCKET_EDGES_US) {
    const empty = histogramsFromSchedstat(new Map(), [], edgesUs);
    for (const h of empty) {
      for (const b of h.stat) Object.freeze(b);
      Object.freeze(h.stat);
      Object.freeze(h);
    }
    this.empty = Object.freeze(empty) as HistogramMap[];
  }

  /** `cpuUsageNs`: the container's CPU usage counter at this reading, which still() compares with the next. */
  observe(name: string, id: number, tasks: readonly TaskSchedstat[], cpuUsageNs?: number): HistogramMap[] | undefined {
    const before = this.state.get(name);
    this.state.set(name, { id, tasks: readingsByTask(tasks), cpuUsageNs });
    if (!before || before.id !== id) return undefined;
    return histogramsFromSchedstat(before.tasks, tasks, this.edgesUs);
  }

  /**
   * The interval's (empty) histograms without reading the tasks, when the container's CPU
   * usage (its tasks' and its descendants') has not moved since its last observe(): a
   * task's schedstat only moves when the task runs. Undefined when the tasks must be read.
   * What this skips: a task moved into the container in the interval without running
   * there is first seen when the container next runs, so that interval leaves it out.
   */
  still(name: string, id: number, cpuUsageNs: number | undefined): HistogramMap[] | undefined {
    const before = this.state.get(name);
    if (!before || before.id !== id || cpuUsageNs === undefined || before.cpuUsageNs !== cpuUsageNs) return undefined;
    return this.empty;
  }

  /** Forgets containers not in `live` (call once per pass) so state stays bounded. */
  prune(live: { has(name: string): boolean }): void {
    for (const name of this.state.keys()) if (!live.has(name)) this.state.delete(name);
  }

  get size(): number {
    return this.state.size;
  }
}

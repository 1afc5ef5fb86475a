import { ContainerApi, type ApiOptions } from '../engine/container-api.js';
import { Code, LmctfyError, asLmctfyError, isLmctfyError } from '../engine/errors.js';
import { followJournal, readJournal, type JournalRecord } from '../engine/journal.js';
import { withLock } from '../engine/lock.js';
import { openSampling, procReader, type StatsType } from '../engine/sampling/index.js';
import { Sampler } from '../stats/sampler.js';
import { writePointer } from './pointer.js';
import type { Retention } from './retention.js';
import { KEY_EVERY, StoreReader, StoreWriter } from './store.js';

export interface RecorderOptions {
  api: Omit<ApiOptions, 'io'>;
  /** Top of the tree recorded (default `/`). */
  container?: string;
  dir: string;
  intervalMs: number;
  retention: Retention;
  /** What a pass reads: counters (what the console shows, the default), summary or full. */
  type?: StatsType;
  /** Told of each error of a pass; sampling goes on. */
  onError?: (e: LmctfyError) => void;
}

/**
 * The journal records not yet in the store, once each: those after the newest it holds,
 * and at that same millisecond those it does not hold (a restart copies nothing twice).
 */
export function unrecorded(journal: readonly JournalRecord[], stored: readonly JournalRecord[]): JournalRecord[] {
  const last = stored.reduce((t, r) => Math.max(t, r.time), -Infinity);
  const seen = new Set(stored.filter((r) => r.time === last).map((r) => JSON.stringify(r)));
  return journal.filter((r) => {
    if (r.time < last) return false;
    const key = JSON.stringify(r);
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

/**
 * The recorder's sampler (docs/RECORDING.md, "What a sample holds"): the console's counters
 * with CPU latency histograms, watching with inotify; a container none of whose tasks ran
 * since the last pass (one read of its CPU time) keeps its last reading, the same object,
 * which the store skips unread. Each container is re-validated, and so read whole, once per
 * keyframe interval (KEY_EVERY passes, staggered), its files kept open until then.
 */
export function recordingSampler(opts: Omit<ApiOptions, 'io'> & { container: string; type?: StatsType }): Sampler {
  const { container, type = 'counters', ...api } = opts;
  const sampling = openSampling({ ...api, watch: true, validateEvery: KEY_EVERY });
  // Its own /proc reader, closed with it: the host's files and the running threads' schedstat kept open.
  return new Sampler(sampling, { root: container, histograms: true, type, reuseStill: true, proc: procReader(undefined, { keepOpen: true }) });
}

/**
 * lmctfy record: samples the tree every interval into the store and copies the root's
 * journal into it as it grows (followed with inotify, nothing polled). One recorder per
 * store (a lock beside the root's locks). Runs until `stop()`.
 */
export class Recorder {
  private stopped = false;
  private wake?: () => void;

  constructor(private readonly opts: RecorderOptions) {}

  async run(): Promise<void> {
    const api = ContainerApi.open(this.opts.api);
    const scope = api.machine.trackingDir('/');
    const container = api.get(this.opts.container ?? '/').name;
    try {
      await withLock(scope, `:record:${this.opts.dir}`, () => this.recordLocked(scope, container), 0);
    } catch (e) {
      if (isLmctfyError(e, Code.ABORTED)) throw new LmctfyError(Code.ABORTED, `another lmctfy record is writing the store ${this.opts.dir}`, { cause: e });
      throw e;
    }
  }

  private async recordLocked(scope: string, container: string): Promise<void> {
    const writer = new StoreWriter(this.opts.dir, { root: scope, container, intervalMs: this.opts.intervalMs, retention: this.opts.retention });
    const sampler = recordingSampler({ ...this.opts.api, container, type: this.opts.type });
    let unfollow: (() => void) | undefined;
    try {
      writePointer(scope, { dir: this.opts.dir, pid: process.pid, interval_ms: this.opts.intervalMs, started: new Date().toISOString() });
      // Follow first, then copy what came before: a record appended in between is in both, and unrecorded() drops it.
      const pending: JournalRecord[] = [];
      let caughtUp = false;
      unfollow = followJournal(scope, (records) => {
        if (caughtUp) writer.writeJournal(records);
        else pending.push(...records);
      });
      const stored = StoreReader.open(this.opts.dir).journal();
      writer.writeJournal(unrecorded([...readJournal(scope).records, ...pending], stored));
      caughtUp = true;
      let next = Date.now();
      while (!this.stopped) {
        try {
          writer.writeSample(sampler.sample());
        } catch (e) {
          this.opts.onError?.(asLmctfyError(e));
        }
        // On the interval's grid: a slow pass does not shift every later one.
        next += this.opts.intervalMs;
        const now = Date.now();
        if (next < now) next = now;
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, next - now);
          this.wake = () => {
            clearTimeout(timer);
            resolve();
          };
        });
      }
    } finally {
      unfollow?.();
      sampler.close();
      writer.close();
    }
  }

  stop(): void {
    this.stopped = true;
    this.wake?.();
  }
}

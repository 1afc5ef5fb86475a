import { Code, LmctfyError } from '../engine/errors.js';
import type { HistorySeries, Percentiles, SampleView } from './model.js';

/**
 * Nearest-rank percentile of values sorted ascending: the smallest value with at least
 * p % of the values at or below it (rank ⌈p/100 × n⌉, at least 1). Undefined when empty.
 */
export function nearestRank(sorted: ArrayLike<number>, p: number): number | undefined {
  const n = sorted.length;
  if (n === 0) return undefined;
  const rank = Math.min(n, Math.max(1, Math.ceil((p / 100) * n)));
  return sorted[rank - 1];
}

export function percentiles(values: ArrayLike<number>): Percentiles | undefined {
  if (values.length === 0) return undefined;
  const sorted = Float64Array.from(values).sort();
  return { p50: nearestRank(sorted, 50)!, p90: nearestRank(sorted, 90)!, p99: nearestRank(sorted, 99)! };
}

/** The typed arrays a Ring can keep its numbers in. */
export type RingArray = typeof Float64Array | typeof Float32Array;

/**
 * A bounded ring of numbers in a typed array (Float64 unless told: Float32 halves a
 * series whose values need no more than 7 significant digits). It starts small and
 * doubles up to its capacity, so short-lived containers under churn cost little.
 */
export class Ring {
  private buf: Float64Array | Float32Array;
  private start = 0;
  private count = 0;
  /** How many of the newest values are equal (as stored): a window inside this run is constant. */
  private run = 0;

  constructor(
    readonly capacity: number,
    private readonly array: RingArray = Float64Array,
  ) {
    this.buf = new array(Math.min(capacity, 16));
  }

  push(v: number): void {
    if (this.count === this.buf.length && this.buf.length < this.capacity) {
      const grown = new this.array(Math.min(this.capacity, this.buf.length * 2));
      grown.set(this.toArray());
      this.buf = grown;
      this.start = 0;
    }
    const newest = this.count === 0 ? undefined : this.buf[(this.start + this.count - 1) % this.buf.length];
    if (this.count < this.buf.length) {
      this.buf[(this.start + this.count) % this.buf.length] = v;
      this.count++;
    } else {
      this.buf[this.start] = v;
      this.start = (this.start + 1) % this.buf.length;
    }
    this.run = newest === this.buf[(this.start + this.count - 1) % this.buf.length] ? this.run + 1 : 1;
  }

  get length(): number {
    return this.count;
  }

  /** Allocated slots, for memory accounting. */
  get allocated(): number {
    return this.buf.length;
  }

  /** Oldest first. */
  toArray(): number[] {
    return this.last(this.count);
  }

  /**
   * last(n), read-only: while the newest `n` values are all one value, the same array
   * (shared by every ring) pass after pass, so that a caller comparing windows (a sparkline
   * of an idle container) finds it unchanged by identity, with no copy made.
   */
  recent(n: number): readonly number[] {
    if (n > 0 && this.count >= n && this.run >= n) return constantWindow(this.buf[(this.start + this.count - 1) % this.buf.length]!, n);
    return this.last(n);
  }

  /** The newest `n` values (fewer if it holds fewer), oldest first. */
  last(n: number): number[] {
    const k = Math.max(0, Math.min(n, this.count));
    const out = new Array<number>(k);
    const from = this.start + this.count - k;
    for (let i = 0; i < k; i++) out[i] = this.buf[(from + i) % this.buf.length]!;
    return out;
  }
}

/**
 * Frozen windows of one value repeated, by length then value: few are in use at once (idle
 * containers all share one; the length is the sparkline's width), so each map starts over
 * when full.
 */
const constantWindows = new Map<number, Map<number, readonly number[]>>();
const CONSTANT_WINDOWS_MAX = 64;

function constantWindow(value: number, n: number): readonly number[] {
  let byValue = constantWindows.get(n);
  const known = byValue?.get(value);
  if (known) return known;
  if (!byValue && constantWindows.size >= CONSTANT_WINDOWS_MAX) constantWindows.clear();
  if (!byValue || byValue.size >= CONSTANT_WINDOWS_MAX) constantWindows.set(n, (byValue = new Map()));
  const window = Object.freeze(new Array<number>(n).fill(value));
  byValue.set(value, window);
  return window;
}

export interface HistoryOptions {
  /** Points kept per container and series (default 600: 10 min at 1 s). */
  capacity?: number;
  /** A container not seen for this many passes is dropped (default 5). */
  forgetAfterPasses?: number;
}

interface Entry {
  id: number;
  lastPass: number;
  cpu: Ring;
  memory: Ring;
}

/**
 * Recent history per container, keyed by name and cgroup id: a recreated container (new
 * id) starts a fresh history. Entries not seen for forgetAfterPasses passes are dropped,
 * so under churn the store holds the live containers plus those gone in the last passes.
 * CPU and memory have their own rings: a point is recorded only when the value exists
 * (CPU % is absent on the first pass of a series), so the two need not align by index.
 */
export class HistoryStore {
  private entries = new Map<string, Entry>();
  private pass = 0;
  private readonly capacity: number;
  private readonly forgetAfter: number;

  constructor(options: HistoryOptions = {}) {
    this.capacity = options.capacity ?? 600;
    this.forgetAfter = options.forgetAfterPasses ?? 5;
    if (!(Number.isInteger(this.capacity) && this.capacity > 0)) {
      throw new LmctfyError(Code.INVALID_ARGUMENT, `history capacity must be a positive integer, got ${this.capacity}`);
    }
    if (!(Number.isInteger(this.forgetAfter) && this.forgetAfter > 0)) {
      throw new LmctfyError(Code.INVALID_ARGUMENT, `forgetAfterPasses must be a positive integer, got ${this.forgetAfter}`);
    }
  }

  record(view: SampleView): void {
    this.pass++;
    for (const c of view.containers) {
      let e = this.entries.get(c.name);
      if (!e || e.id !== c.raw.id) {
        e = {
          id: c.raw.id,
          lastPass: this.pass,
          // CPU % is shown to one decimal: float32's 7 digits are plenty. Memory is bytes, kept whole.
          cpu: new Ring(this.capacity, Float32Array),
          memory: new Ring(this.capacity),
        };
        this.entries.set(c.name, e);
      }
      e.lastPass = this.pass;
      if (c.rates.cpuPercent !== undefined) e.cpu.push(c.rates.cpuPercent);
      const usage = c.raw.stats.memory?.usage;
      if (usage !== undefined) e.memory.push(usage);
    }
    for (const [name, e] of this.entries) {
      if (this.pass - e.lastPass >= this.forgetAfter) this.entries.delete(name);
    }
  }

  series(name: string): HistorySeries | undefined {
    const e = this.entries.get(name);
    if (!e) return undefined;
    const series: HistorySeries = { cpuPercent: e.cpu.toArray(), memoryUsage: e.memory.toArray() };
    const cpu = percentiles(series.cpuPercent);
    if (cpu) series.cpuPercentiles = cpu;
    const mem = percentiles(series.memoryUsage);
    if (mem) series.memoryPercentiles = mem;
    return series;
  }

  /** The newest `n` CPU % points, oldest first: what a sparkline needs, without the whole series. */
  recentCpu(name: string, n: number): readonly number[] | undefined {
    return this.entries.get(name)?.cpu.recent(n);
  }

  /** Containers held. */
  get size(): number {
    return this.entries.size;
  }

  /** Typed-array slots allocated across all containers, for memory bounds. */
  get allocatedPoints(): number {
    let n = 0;
    for (const e of this.entries.values()) n += e.cpu.allocated + e.memory.allocated;
    return n;
  }
}

import * as fs from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import type { ApiOptions } from '../engine/container-api.js';
import { Code, LmctfyError, asLmctfyError } from '../engine/errors.js';
import { openSampling, procReader } from '../engine/sampling/index.js';
import { PassDecoder } from './pass-message.js';
import { PassViews, Sampler, type SamplerOptions } from './sampler.js';
import type { HistorySeries, RawSample, SampleView } from './model.js';

export interface LiveOptions {
  api: Omit<ApiOptions, 'io'>;
  /** Container whose subtree is watched. */
  root: string;
  intervalMs: number;
  sampler?: Omit<SamplerOptions, 'proc' | 'root' | 'clock'>;
  /** Sample on the main thread (tests, or when the worker bundle is absent). */
  inThread?: boolean;
  /**
   * Start on the main thread and move to the worker for good once passes cost more than
   * this many ms of CPU (see PassBudget). A small tree's passes cost less than a second
   * isolate and the text they cross in; a large one's would hold up keys and frames.
   * Without it: the worker from the start.
   */
  workerOverMs?: number;
  /** Cap of the worker's old-generation heap, MB (default 384). */
  workerHeapMb?: number;
}

/** Messages between LiveSampler and its worker. */
export type ToWorker = { kind: 'interval'; ms: number } | { kind: 'stop' };
/** A raw pass crosses as PassEncoder's text: cheaper than cloning thousands of small objects on both threads. */
export type FromWorker = { kind: 'raw'; pass: string } | { kind: 'error'; code: number; message: string };

/**
 * Whether passes on the main thread cost more than a budget: the median of the last
 * JUDGED passes, once WARM_UP passes are over (the first walks, and passes run before V8
 * has compiled the sampler, cost two to four times a steady pass), or at once a single
 * pass past the first that costs SPIKE× the budget (a tree far too large to wait for).
 */
export class PassBudget {
  static readonly WARM_UP = 8;
  static readonly JUDGED = 5;
  static readonly SPIKE = 5;
  private readonly costs: number[] = [];
  private passes = 0;

  constructor(private readonly budgetMs: number) {}

  /** Records a pass's CPU ms; true when sampling should move. */
  over(costMs: number): boolean {
    this.passes++;
    if (this.passes > 1 && costMs > PassBudget.SPIKE * this.budgetMs) return true;
    this.costs.push(costMs);
    if (this.costs.length > PassBudget.JUDGED) this.costs.shift();
    return this.passes >= PassBudget.WARM_UP && median(this.costs) > this.budgetMs;
  }
}

/**
 * Periodic sampling for the console and `serve`. Passes read the kernel synchronously, so
 * large trees are read in a worker thread: the console's input and rendering do not wait
 * on a long pass. Rates and history are derived here, on the receiving side, from the raw
 * passes, wherever they were read.
 */
export class LiveSampler {
  private readonly listeners = new Set<(view: SampleView) => void>();
  private readonly errorListeners = new Set<(err: LmctfyError) => void>();
  private readonly views: PassViews;
  /** Passes read on this thread: only without a worker, made when that starts. */
  private sampler?: Sampler;
  private worker?: Worker;
  private timer?: NodeJS.Timeout;
  private interval: number;
  private latest?: SampleView;
  private stopped = false;

  constructor(private readonly opts: LiveOptions) {
    this.interval = opts.intervalMs;
    this.views = new PassViews(opts.sampler?.history);
  }

  start(): void {
    if (this.opts.inThread || this.opts.workerOverMs !== undefined || !this.startWorker()) this.startInThread();
  }

  /** Where passes are read now. */
  where(): 'worker' | 'thread' {
    return this.worker ? 'worker' : 'thread';
  }

  /** Starts the worker; false when there is none to start (the bundle's worker file is absent). */
  private startWorker(): boolean {
    const workerUrl = new URL('./sampler-worker.js', import.meta.url);
    if (fs.existsSync(fileURLToPath(workerUrl))) {
      this.worker = new Worker(workerUrl, {
        workerData: { ...this.opts, intervalMs: this.interval },
        // A pass's garbage is short-lived: a small young generation keeps the sampler's
        // footprint flat. The old generation's cap is a ceiling against runaway growth, not
        // a working size: 10,000 watched containers outgrew the 96 MB it once was.
        resourceLimits: { maxYoungGenerationSizeMb: 8, maxOldGenerationSizeMb: this.opts.workerHeapMb ?? 384 },
      });
      const decoder = new PassDecoder();
      this.worker.on('message', (m: FromWorker) => {
        if (m.kind !== 'raw') return this.fail(new LmctfyError(m.code, m.message));
        let raw: RawSample;
        try {
          raw = decoder.decode(m.pass);
        } catch (e) {
          return this.fail(asLmctfyError(e));
        }
        this.publish(raw);
      });
      // A worker that dies (out of memory, a crash, or an error it reported and ended on)
      // must not take the console with it: say why and go on sampling on this thread.
      const worker = this.worker;
      const replace = (why: string) => {
        if (this.worker !== worker || this.stopped) return;
        this.worker = undefined;
        this.fail(new LmctfyError(Code.RESOURCE_EXHAUSTED, `sampling worker stopped (${why}); sampling on the main thread`));
        this.startInThread(false);
      };
      worker.on('error', (e) => replace(e.message));
      worker.on('exit', (code) => replace(`exit code ${code}`));
      this.worker.unref();
      return true;
    }
    return false;
  }

  private fail(err: LmctfyError): void {
    for (const l of this.errorListeners) l(err);
  }

  /** Samples on this thread; may move to the worker when workerOverMs says so (not after the worker failed). */
  private startInThread(mayMove = this.opts.workerOverMs !== undefined && !this.opts.inThread): void {
    let sampler: Sampler;
    try {
      sampler = this.sampler = openSampler(this.opts);
    } catch (e) {
      this.fail(asLmctfyError(e));
      return;
    }
    const budget = mayMove ? new PassBudget(this.opts.workerOverMs!) : undefined;
    const tick = () => {
      const before = process.cpuUsage();
      try {
        this.publish(sampler.sample());
      } catch (e) {
        this.fail(asLmctfyError(e));
      }
      if (budget?.over(cpuMs(process.cpuUsage(before))) && this.moveToWorker(sampler)) return;
      this.timer = setTimeout(tick, this.interval);
    };
    tick();
  }

  /** Hands sampling to the worker; history and rates stay on this side, so the console sees no gap. */
  private moveToWorker(sampler: Sampler): boolean {
    if (this.stopped || !this.startWorker()) return false;
    sampler.close();
    this.sampler = undefined;
    return true;
  }

  stop(): void {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.sampler?.close();
    this.worker?.postMessage({ kind: 'stop' } satisfies ToWorker);
    void this.worker?.terminate();
    this.worker = undefined;
  }

  private publish(raw: RawSample): void {
    this.latest = this.views.view(raw);
    for (const l of this.listeners) l(this.latest);
  }

  subscribe(listener: (view: SampleView) => void): () => void {
    this.listeners.add(listener);
    if (this.latest) listener(this.latest);
    return () => this.listeners.delete(listener);
  }

  onError(listener: (err: LmctfyError) => void): () => void {
    this.errorListeners.add(listener);
    return () => this.errorListeners.delete(listener);
  }

  series(name: string): HistorySeries | undefined {
    return this.views.series(name);
  }

  recentCpu(name: string, n: number): readonly number[] | undefined {
    return this.views.recentCpu(name, n);
  }

  intervalMs(): number {
    return this.interval;
  }

  setIntervalMs(ms: number): void {
    this.interval = ms;
    this.worker?.postMessage({ kind: 'interval', ms } satisfies ToWorker);
  }
}

function cpuMs(usage: NodeJS.CpuUsage): number {
  return (usage.user + usage.system) / 1000;
}

function median(xs: readonly number[]): number {
  const sorted = [...xs].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
}

/**
 * The reading half of a live sampler, wherever it runs: the engine's sampling face,
 * watching. A carried container (Sampler carryEmpty) is read only at its re-validation:
 * its files stay open between those reads, as they did when it was read every pass. The
 * schedstat files of the threads that ran stay open too (procReader keepOpen, as the
 * recorder's): a busy thread's is read every pass, one pread instead of an open, two reads
 * and a close.
 */
export function openSampler(opts: LiveOptions): Sampler {
  return new Sampler(openSampling({ ...opts.api, watch: true }), {
    ...opts.sampler,
    root: opts.root,
    proc: procReader(undefined, { keepOpen: true }),
  });
}

import * as fs from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import type { ApiOptions } from '../engine/container-api.js';
import { realIo } from '../engine/kernel/io.js';
import { LmctfyError, asLmctfyError } from '../engine/errors.js';
import { engineStatsSource, openSamplingApi } from './engine-source.js';
import { Sampler, type SamplerOptions } from './sampler.js';
import type { HistorySeries, RawSample, SampleView } from './model.js';

export interface LiveOptions {
  api: Omit<ApiOptions, 'io'>;
  /** Container whose subtree is watched. */
  root: string;
  intervalMs: number;
  sampler?: Omit<SamplerOptions, 'io' | 'root' | 'clock'>;
  /** Sample on the main thread (tests, or when the worker bundle is absent). */
  inThread?: boolean;
}

/** Messages between LiveSampler and its worker. */
export type ToWorker = { kind: 'interval'; ms: number } | { kind: 'stop' };
export type FromWorker = { kind: 'raw'; raw: RawSample } | { kind: 'error'; code: number; message: string };

/**
 * Periodic sampling for the console and `serve`. Passes read the kernel synchronously, so
 * they run in a worker thread: the console's input and rendering never wait on cgroupfs.
 * Rates and history are derived here, on the receiving side, from the raw passes.
 */
export class LiveSampler {
  private readonly listeners = new Set<(view: SampleView) => void>();
  private readonly errorListeners = new Set<(err: LmctfyError) => void>();
  private readonly sampler: Sampler;
  private worker?: Worker;
  private timer?: NodeJS.Timeout;
  private interval: number;
  private latest?: SampleView;

  constructor(private readonly opts: LiveOptions) {
    this.interval = opts.intervalMs;
    const api = openSamplingApi(opts.api);
    // Watching starts with the first pass, so only the thread that samples holds watches.
    this.sampler = new Sampler(engineStatsSource(api, { watch: true }), { ...opts.sampler, io: realIo, root: opts.root });
  }

  start(): void {
    const workerUrl = new URL('./sampler-worker.js', import.meta.url);
    if (!this.opts.inThread && fs.existsSync(fileURLToPath(workerUrl))) {
      this.worker = new Worker(workerUrl, {
        workerData: { ...this.opts, intervalMs: this.interval },
        // A pass's garbage is short-lived: a small young generation and a capped heap keep
        // the sampler's footprint flat instead of growing to V8's defaults.
        resourceLimits: { maxYoungGenerationSizeMb: 8, maxOldGenerationSizeMb: 96 },
      });
      this.worker.on('message', (m: FromWorker) => {
        if (m.kind === 'raw') this.publish(m.raw);
        else for (const l of this.errorListeners) l(new LmctfyError(m.code, m.message));
      });
      this.worker.unref();
      return;
    }
    const tick = () => {
      try {
        this.publish(this.sampler.sample());
      } catch (e) {
        for (const l of this.errorListeners) l(asLmctfyError(e));
      }
      this.timer = setTimeout(tick, this.interval);
    };
    tick();
  }

  stop(): void {
    if (this.timer) clearTimeout(this.timer);
    this.sampler.close();
    this.worker?.postMessage({ kind: 'stop' } satisfies ToWorker);
    void this.worker?.terminate();
    this.worker = undefined;
  }

  private publish(raw: RawSample): void {
    this.latest = this.sampler.view(raw);
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
    return this.sampler.series(name);
  }

  recentCpu(name: string, n: number): number[] | undefined {
    return this.sampler.recentCpu(name, n);
  }

  intervalMs(): number {
    return this.interval;
  }

  setIntervalMs(ms: number): void {
    this.interval = ms;
    this.worker?.postMessage({ kind: 'interval', ms } satisfies ToWorker);
  }
}

import { parentPort, workerData } from 'node:worker_threads';
import { realIo } from '../engine/kernel/io.js';
import { asLmctfyError } from '../engine/errors.js';
import { engineStatsSource, openSamplingApi } from './engine-source.js';
import { Sampler } from './sampler.js';
import type { FromWorker, LiveOptions, ToWorker } from './live.js';

// Entry of the sampling worker (bundled as dist/sampler-worker.js): raw passes only.
const opts = workerData as LiveOptions;
const port = parentPort!;
let interval = opts.intervalMs;
let timer: NodeJS.Timeout | undefined;
const post = (m: FromWorker) => port.postMessage(m);

try {
  const api = openSamplingApi(opts.api);
  const sampler = new Sampler(engineStatsSource(api, { watch: true }), { ...opts.sampler, io: realIo, root: opts.root });
  const tick = () => {
    const started = Date.now();
    try {
      post({ kind: 'raw', raw: sampler.sample() });
    } catch (e) {
      const err = asLmctfyError(e);
      post({ kind: 'error', code: err.code, message: err.message });
    }
    timer = setTimeout(tick, Math.max(0, interval - (Date.now() - started)));
  };
  port.on('message', (m: ToWorker) => {
    if (m.kind === 'stop') {
      if (timer) clearTimeout(timer);
      sampler.close();
      port.close();
    } else {
      interval = m.ms;
      if (timer) clearTimeout(timer);
      timer = setTimeout(tick, interval);
    }
  });
  tick();
} catch (e) {
  const err = asLmctfyError(e);
  post({ kind: 'error', code: err.code, message: err.message });
}

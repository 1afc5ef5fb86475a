import { parentPort, workerData } from 'node:worker_threads';
import { asLmctfyError } from '../engine/errors.js';
import { PassEncoder } from './pass-message.js';
import { openSampler, type FromWorker, type LiveOptions, type ToWorker } from './live.js';

// Entry of the sampling worker (bundled as dist/sampler-worker.js): raw passes only.
const opts = workerData as LiveOptions;
const port = parentPort!;
let interval = opts.intervalMs;
let timer: NodeJS.Timeout | undefined;
const post = (m: FromWorker) => port.postMessage(m);

try {
  const sampler = openSampler(opts);
  const encoder = new PassEncoder();
  const tick = () => {
    const started = Date.now();
    try {
      post({ kind: 'raw', pass: encoder.encode(sampler.sample()) });
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

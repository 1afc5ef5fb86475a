// RSS of a sampler holding 10 minutes of 1 s history for every container below LMCTFY_ROOT
// (bench/stats-sample.mjs runs it against its 1,000+ containers): 600 real passes back to
// back, so the garbage each pass makes is part of the figure, as in production.
import { Sampler, engineStatsSource, openSamplingApi, realIo } from '../dist/index.js';

const api = openSamplingApi({ root: process.env.LMCTFY_ROOT });
const sampler = new Sampler(engineStatsSource(api), { io: realIo, root: '/', host: false, type: 'counters' });
const passes = Number(process.env.HISTORY_PASSES ?? 600);
let containers = 0;
for (let i = 0; i < passes; i++) containers = sampler.next().containers.length;
global.gc?.();
const { rss, heapUsed, arrayBuffers } = process.memoryUsage();
const mib = (b) => (b / 2 ** 20).toFixed(1);
console.log(
  `history: ${containers} containers × ${passes} passes: RSS ${mib(rss)} MiB ` +
    `(live heap ${mib(heapUsed)} MiB, typed arrays ${mib(arrayBuffers)} MiB); goal RSS ≤ 100 MB`,
);

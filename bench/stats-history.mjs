// RSS of the console's sampling with 10 minutes of 1 s history for every container below
// LMCTFY_ROOT (bench/stats-sample.mjs runs it against 1,000 containers): the LiveSampler
// as `lmctfy top` runs it (passes in its worker thread, rates and history on this thread),
// 600 passes back to back (interval 0), so each pass's garbage is part of the figure. Run it
// with the young generation `lmctfy top` keeps (src/cli/young-generation.ts:
// --semi-space-growth-factor=1), as stats-sample.mjs does.
import * as fs from 'node:fs';
import { LiveSampler } from '../dist/index.js';
import { record } from './lib.mjs';

const passes = Number(process.env.HISTORY_PASSES ?? 600);
// Open cgroup files pin kernel memory (a seq_file buffer each) that RSS does not show:
// system-wide unreclaimable slab before and while sampling, in kB.
const slabKb = () => Number(/^SUnreclaim:\s+(\d+)/m.exec(fs.readFileSync('/proc/meminfo', 'utf8'))?.[1]);
const slabBefore = slabKb();
let slabDuring = 0;
const live = new LiveSampler({ api: { root: process.env.LMCTFY_ROOT }, root: '/', intervalMs: 0, sampler: { type: 'counters', host: false } });
let seen = 0;
let containers = 0;
let peak = 0;
// The worker is unref'd (the console's own loop keeps the process alive): hold it here.
const keepAlive = setInterval(() => undefined, 1000);
await new Promise((resolve) => {
  live.subscribe((view) => {
    containers = view.containers.length;
    peak = Math.max(peak, process.memoryUsage().rss);
    if (++seen >= passes) {
      slabDuring = slabKb();
      resolve();
    }
  });
  live.onError((e) => {
    console.error(e.describe());
    process.exit(1);
  });
  live.start();
});
live.stop();
clearInterval(keepAlive);
global.gc?.();
await new Promise((r) => setTimeout(r, 500));
global.gc?.();
const { rss, heapUsed, arrayBuffers } = process.memoryUsage();
const mib = (b) => (b / 2 ** 20).toFixed(1);
const series = live.series('/');
console.log(
  `history: ${containers} containers × ${seen} passes (${series?.memoryUsage.length ?? 0} points kept per series): ` +
    `RSS ${mib(rss)} MiB, peak ${mib(peak)} MiB (this thread's live heap ${mib(heapUsed)} MiB, typed arrays ${mib(arrayBuffers)} MiB); goal RSS ≤ 100 MB`,
);
const slabMb = ((slabDuring - slabBefore) * 1024) / 1e6;
console.log(`kernel: unreclaimable slab +${slabMb.toFixed(1)} MB while sampling (system-wide; the kept-open cgroup files' buffers)`);
record('stats', `RSS with 10 min history, ${containers} containers`, rss / 1e6, 'MB', { goal: { on: 'value', max: 100, text: '≤ 100 MB (#3)' } });
record('stats', `kernel slab for open cgroup files, ${containers} containers`, slabMb, 'MB');

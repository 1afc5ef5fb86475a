// Console frame cost and memory with a big tree (goals: ≤ 16 ms per frame at 1,000
// containers, ≤ 50 ms at 10,000; RSS ≤ 200 MB at 10,000).
//
// <App readOnly/> over a FakeConsole with N containers is rendered by Ink's render() with
// production options (throttled at 30 fps, log-update, no debug) into a fake 160×50 TTY
// stdout that only counts bytes, with a fake TTY stdin. "frame" is the wall time from the
// moment a pass is handed to the source's listeners (FakeConsole.tick() has built it by then,
// so making up the numbers is not counted) until the stdout write of the new frame: React's
// update (scheduled as a task, not inside tick()), Yoga layout, Ink's output string and
// log-update's write. Passes are 50 ms apart, so each meets the throttle's leading edge as a
// 1 s sample interval does. "ink output" is the part Ink reports through its onRender option:
// turning the laid-out DOM into the frame's string.
//
// Baseline, in a separate child of the same run: "model", the same passes from the same
// FakeConsole turned into the table's rows with src/ui/view/tree.ts (indexTree, visibleRows,
// rowPositions) as the console does each pass, with nothing rendered. It is the O(N) work any
// renderer of this table must do, and its process's RSS is what the source and the model
// hold without the UI. frame − model is what drawing adds; the table renders only the rows
// on screen, so that part should not grow with N.
//
// Each N and mode runs in its own process (node --expose-gc and bin/lmctfy.js's own node
// flags, as `lmctfy top` runs), so RSS is that run's alone,
// read with the last pass still shown (App mounted) after gc(), a 500 ms pause (V8 hands
// freed pages back to the OS in the background; read at once, RSS is up to 60 % higher)
// and gc() again. peak_rss is the process's maximum RSS over the whole run.
// Run: node bench/ui-render.mjs   (BENCH_PASSES=30; bundles src/ui into a temp dir itself)
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { PassThrough, Writable } from 'node:stream';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { median, record, table } from './lib.mjs';

const PASSES = Number(process.env.BENCH_PASSES ?? 30);
const NODE_FLAGS = fs.readFileSync(new URL('../bin/lmctfy.js', import.meta.url), 'utf8').split('\n')[0].split(/\s+/).filter((w) => w.startsWith('--'));
const WARMUP = 3;
const GAP_MS = 50;
const SIZES = [1000, 10000];

if (process.argv[2] === '--child') await child(process.argv[3], Number(process.argv[4]), process.argv[5]);
else await parent();

async function parent() {
  const { build } = await import('esbuild');
  const { inkOutputEsbuild } = await import('../src/ui/render/ink-output-plugin.mjs');
  // dist/ splits the console into hashed chunks and exports no App: bundle it for this run,
  // with React and Ink inside and the same production settings as scripts/build.mjs
  // (splitting too, so Ink's optional devtools import stays a lazy chunk that never loads;
  // Ink's Output replaced by src/ui/render/frame-output.ts, as shipped).
  // Under node_modules/.cache, not /tmp: the fake console's specs go through the real codec,
  // which (with no dist/schema.json beside the bundle) compiles the .proto files with
  // protobufjs, found from here.
  const cache = fileURLToPath(new URL('../node_modules/.cache/', import.meta.url));
  fs.mkdirSync(cache, { recursive: true });
  const dir = fs.mkdtempSync(path.join(cache, 'lmctfy-ui-bench-'));
  try {
    await build({
      stdin: {
        // The fake console is a test double: it lives in test/support and is bundled from there.
        contents: `export { App } from './src/ui/components/App.js'; export { INK_OPTIONS } from './src/ui/index.js';
          export { FakeConsole } from './test/support/fake-console.js';
          export { indexTree, visibleRows, rowPositions } from './src/ui/view/tree.js';
          export { render } from 'ink'; export { createElement } from 'react';`,
        resolveDir: process.cwd(),
        loader: 'ts',
      },
      bundle: true,
      splitting: true,
      format: 'esm',
      platform: 'node',
      target: 'node20',
      outdir: dir,
      entryNames: 'ui',
      outExtension: { '.js': '.mjs' },
      define: { 'process.env.NODE_ENV': '"production"' },
      banner: { js: "import { createRequire as __benchCreateRequire } from 'node:module'; const require = __benchCreateRequire(import.meta.url);" },
      external: ['react-devtools-core'],
      plugins: [inkOutputEsbuild()],
      logLevel: 'warning',
    });
    const run = (n, mode) => {
      // With bin/lmctfy.js's node flags, as `lmctfy top` runs.
      const r = spawnSync(process.execPath, ['--expose-gc', ...NODE_FLAGS, fileURLToPath(import.meta.url), '--child', path.join(dir, 'ui.mjs'), String(n), mode], {
        // Ink writes no interactive frames under CI=true.
        env: { ...process.env, CI: 'false' },
        encoding: 'utf8',
        timeout: 300_000,
      });
      if (r.status !== 0) throw new Error(`${mode} child for ${n} containers failed (${r.status ?? r.signal}):\n${r.stderr}`);
      return JSON.parse(r.stdout.trim().split('\n').at(-1));
    };
    const frames = [];
    const memory = [];
    const ms = (x) => x.toFixed(2);
    const mb = (x) => (x / 1e6).toFixed(0);
    for (const n of SIZES) {
      const model = run(n, 'model');
      const app = run(n, 'app');
      frames.push({
        containers: n,
        model_ms: ms(model.median),
        frame_median_ms: ms(app.median),
        frame_p90_ms: ms(app.p90),
        frame_max_ms: ms(app.max),
        ink_output_ms: ms(app.inkOutput),
        'frame/model': (app.median / model.median).toFixed(1),
        goal_ms: n <= 1000 ? 16 : 50,
      });
      const goalMs = n <= 1000 ? 16 : 50;
      record('console', `frame, ${n} containers (median)`, app.median, 'ms', {
        baseline: { what: 'model only, nothing drawn', value: model.median },
        goal: { on: 'value', max: goalMs, text: `≤ ${goalMs} ms (#4)` },
      });
      record('console', `RSS, ${n} containers`, app.rss / 1e6, 'MB', {
        baseline: { what: 'model only', value: model.rss / 1e6 },
        goal: n >= 10000 ? { on: 'value', max: 200, text: '≤ 200 MB (#4)' } : undefined,
      });
      memory.push({
        containers: n,
        model_rss_MB: mb(model.rss),
        model_peak_rss_MB: mb(model.peakRss),
        app_rss_MB: mb(app.rss),
        app_peak_rss_MB: mb(app.peakRss),
        app_heap_used_MB: mb(app.heapUsed),
        app_heap_total_MB: mb(app.heapTotal),
      });
    }
    table(frames);
    console.log();
    table(memory);
    console.log(`\n${PASSES} passes per size after ${WARMUP} warm-up, ${GAP_MS} ms apart, 160×50; ms are medians unless named.`);
    console.log('goal: frame ≤ 16 ms at 1,000 and ≤ 50 ms at 10,000; app RSS ≤ 200 MB at 10,000 (settled, App mounted)');
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

/** One N in one mode: 'model' (baseline, nothing rendered) or 'app'; prints a JSON line. */
async function child(bundle, n, mode) {
  const ui = await import(pathToFileURL(bundle).href);
  // The seed tree has 8 containers; generated ones add /fleet and a group per 100.
  let extra = n;
  while (9 + extra + Math.ceil(extra / 100) > n) extra--;
  const source = new ui.FakeConsole({ extraContainers: extra });

  // Subscribed before the App (which subscribes in an effect), so it hears each pass first.
  let passAt = 0n;
  let lastView;
  source.subscribe((view) => {
    lastView = view;
    passAt = process.hrtime.bigint();
  });

  let frameAt = 0n;
  let onFrame;
  let passInk = [];
  let instance;
  if (mode === 'app') {
    const stdout = Object.assign(
      new Writable({
        write(chunk, _enc, done) {
          // A frame is one long write between synchronized-update markers; the rest are short escapes.
          if (chunk.length > 200) {
            frameAt = process.hrtime.bigint();
            onFrame?.();
          }
          done();
        },
      }),
      { columns: 160, rows: 50, isTTY: true },
    );
    const stdin = Object.assign(new PassThrough(), { isTTY: true, setRawMode() {}, ref() {}, unref() {} });
    instance = ui.render(ui.createElement(ui.App, { source, actions: source, readOnly: true }), {
      ...ui.INK_OPTIONS,
      stdout,
      stdin,
      stderr: stdout,
      exitOnCtrlC: false,
      patchConsole: false,
      onRender: ({ renderTime }) => passInk.push(renderTime),
    });
  }

  const times = [];
  const inkTimes = [];
  for (let k = 0; k < WARMUP + PASSES; k++) {
    await new Promise((r) => setTimeout(r, GAP_MS));
    let ms;
    if (mode === 'app') {
      passInk = [];
      const written = new Promise((resolve, reject) => {
        const t = setTimeout(() => reject(new Error(`no frame within 5 s of pass ${k}`)), 5000);
        onFrame = () => {
          clearTimeout(t);
          onFrame = undefined;
          resolve();
        };
      });
      source.tick();
      await written;
      ms = Number(frameAt - passAt) / 1e6;
    } else {
      source.tick();
      const rows = ui.visibleRows(ui.indexTree(lastView.containers), { collapsed: new Set(), filter: '', sort: 'name' });
      ui.rowPositions(rows);
      ms = Number(process.hrtime.bigint() - passAt) / 1e6;
      if (rows.length !== n) throw new Error(`expected ${n} rows, the tree has ${rows.length}`);
    }
    if (k >= WARMUP) {
      times.push(ms);
      inkTimes.push(passInk.reduce((a, b) => a + b, 0));
    }
  }

  gc();
  await new Promise((r) => setTimeout(r, 500));
  gc();
  const mem = process.memoryUsage();
  instance?.unmount();
  source.dispose();
  const sorted = [...times].sort((a, b) => a - b);
  console.log(
    JSON.stringify({
      median: median(times),
      p90: sorted[Math.floor(sorted.length * 0.9)],
      max: sorted.at(-1),
      inkOutput: median(inkTimes),
      rss: mem.rss,
      peakRss: process.resourceUsage().maxRSS * 1024,
      heapUsed: mem.heapUsed,
      heapTotal: mem.heapTotal,
    }),
  );
}

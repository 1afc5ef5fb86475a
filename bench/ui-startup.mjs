// Cold start of `lmctfy top` to its first full frame vs a bare `node -e ''` (goal: ≤ 5×).
// Both run in a pseudo-terminal (node-pty, 160×40) whose output feeds a headless xterm, so
// pty and terminal-emulation costs are in both. `lmctfy top`: from spawn until the screen
// shows the table header (NAME, CPU%) and a container row under it; `node -e ''`: from spawn
// until exit. One warm-up run each, then median and min. Also prints `node -e ''` through
// spawnSync (bench/lib.mjs timeCommand) to show what the pty harness adds.
// Run: npm run build && node bench/ui-startup.mjs   (BENCH_RUNS=10; needs cgroups, as root)
import { spawnSync } from 'node:child_process';
import * as pty from 'node-pty';
import xterm from '@xterm/headless';
import { median, record, table, timeCommand } from './lib.mjs';
import { removeRootDirs } from './cleanup.mjs';

const N = Number(process.env.BENCH_RUNS ?? 10);
const COLS = 160;
const ROWS = 40;
const TIMEOUT_MS = 15_000;
const root = `lmctfy-bench-ui-${process.pid}`;
const env = { ...process.env, LMCTFY_ROOT: root };
const CONTAINERS = ['bench-a', 'bench-b', 'bench-c'];
const lm = (...a) => spawnSync(process.execPath, ['bin/lmctfy.js', ...a], { env, encoding: 'utf8' });

function screenLines(term) {
  const buf = term.buffer.active;
  const lines = [];
  for (let i = 0; i < buf.length; i++) lines.push(buf.getLine(i)?.translateToString(true) ?? '');
  return lines;
}

/** The header line has NAME and CPU%, and the line under it is a container, not the wait text. */
function hasFullFrame(term) {
  const lines = screenLines(term);
  const at = lines.findIndex((l) => l.includes('NAME') && l.includes('CPU%'));
  const row = at < 0 ? '' : (lines[at + 1] ?? '').trim();
  return row !== '' && !row.startsWith('waiting for the first sample');
}

/**
 * Spawns `args` in a fresh pty and resolves with ms from spawn until the screen, as xterm has
 * parsed it, shows a full frame (untilFrame) or until the child exits; the child is gone
 * before it settles.
 */
function timeInPty(args, childEnv, { untilFrame }) {
  return new Promise((resolve, reject) => {
    const term = new xterm.Terminal({ cols: COLS, rows: ROWS, allowProposedApi: true });
    const t0 = process.hrtime.bigint();
    // Ink skips interactive frames under CI=true: the child must not see it.
    const proc = pty.spawn(process.execPath, args, {
      cols: COLS,
      rows: ROWS,
      name: 'xterm-256color',
      env: { ...childEnv, CI: 'false', TERM: 'xterm-256color' },
    });
    let elapsed;
    let outcome;
    let exited = false;
    const settle = () => {
      term.dispose();
      if (outcome instanceof Error) reject(outcome);
      else resolve(elapsed);
    };
    /** Records the first outcome; then quits the child (q is the console's quit key) unless it is gone. */
    const finish = (result) => {
      if (outcome !== undefined) return;
      outcome = result;
      clearTimeout(timer);
      if (exited) return settle();
      proc.write('q');
      // SIGKILL, to this child's pid only, if q did not end it.
      const kill = setTimeout(() => proc.kill('SIGKILL'), 3000);
      proc.onExit(() => {
        clearTimeout(kill);
        settle();
      });
    };
    const timer = setTimeout(() => finish(new Error(`no full frame within ${TIMEOUT_MS} ms:\n${screenLines(term).join('\n')}`)), TIMEOUT_MS);
    proc.onData((d) => {
      if (outcome !== undefined) return;
      term.write(d, () => {
        if (untilFrame && outcome === undefined && hasFullFrame(term)) {
          elapsed = Number(process.hrtime.bigint() - t0) / 1e6;
          finish(true);
        }
      });
    });
    proc.onExit(({ exitCode }) => {
      exited = true;
      if (outcome !== undefined) return;
      if (untilFrame) return finish(new Error(`exited ${exitCode} before a full frame:\n${screenLines(term).join('\n')}`));
      elapsed = Number(process.hrtime.bigint() - t0) / 1e6;
      finish(exitCode === 0 ? true : new Error(`${args.join(' ')} exited ${exitCode}`));
    });
  });
}

async function runs(args, childEnv, opts) {
  await timeInPty(args, childEnv, opts);
  const times = [];
  for (let i = 0; i < N; i++) times.push(await timeInPty(args, childEnv, opts));
  return { median: median(times), min: Math.min(...times) };
}

const init = lm('init', '');
if (init.status !== 0) throw new Error(`init failed: ${init.stderr}`);
try {
  for (const c of CONTAINERS) {
    const r = lm('create', c, 'cpu:{limit:500} memory:{limit:100000000}');
    if (r.status !== 0) throw new Error(`create ${c} failed: ${r.stderr}`);
  }
  const bare = await runs(['-e', ''], process.env, { untilFrame: false });
  const top = await runs(['bin/lmctfy.js', 'top'], env, { untilFrame: true });
  const sync = timeCommand([process.execPath, '-e', ''], N);
  const row = (command, t, ratio) => ({ command, median_ms: t.median.toFixed(1), min_ms: t.min.toFixed(1), ratio });
  table([
    row("node -e '' (pty, spawn → exit)", bare, '1.00'),
    row('lmctfy top (pty, spawn → first full frame)', top, (top.median / bare.median).toFixed(2)),
    row("node -e '' (spawnSync, for reference)", sync, '-'),
  ]);
  record('console', 'lmctfy top to first full frame', top.median, 'ms', {
    baseline: { what: "node -e '' (pty)", value: bare.median },
    goal: { on: 'ratio', max: 5, text: '≤ 5× (#4)' },
  });
  console.log(`\ngoal: lmctfy top ratio ≤ 5 (runs=${N}, ${CONTAINERS.length} containers + root, ${COLS}×${ROWS})`);
} finally {
  for (const c of CONTAINERS) lm('destroy', '-f', c);
  removeRootDirs(root);
}

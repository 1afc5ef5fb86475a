import type { Command } from 'commander';
import { Code, LmctfyError } from '../../engine/errors.js';
import { apiOptions, openApi } from '../context.js';
import { flagsOf, subcommand, type CommandFlags } from './options.js';
import type { MetricsFormat } from '../../stats/openmetrics.js';
import { MAX_INTERVAL_MS, MIN_INTERVAL_MS } from '../../ui/view/interval.js';

interface TopFlags extends CommandFlags {
  interval?: string;
  count?: string;
  format?: string;
  readOnly?: boolean;
  replay?: string | boolean;
  from?: string;
  to?: string;
  at?: string;
}

function positiveNumber(value: string | undefined, flag: string, fallback: number, integer = false): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!Number.isFinite(n) || n <= 0 || (integer && !Number.isInteger(n))) {
    throw new LmctfyError(Code.INVALID_ARGUMENT, `${flag} must be a positive ${integer ? 'integer' : 'number'}, got "${value}"`);
  }
  return n;
}

/** --interval SECONDS as milliseconds, within the range the console's `+` and `-` walk. */
export function parseInterval(value: string | undefined): number {
  if (value === undefined) return 1000;
  const ms = Number(value) * 1000;
  if (!(ms >= MIN_INTERVAL_MS && ms <= MAX_INTERVAL_MS)) {
    throw new LmctfyError(Code.INVALID_ARGUMENT, `--interval must be ${MIN_INTERVAL_MS / 1000} to ${MAX_INTERVAL_MS / 1000} seconds (the console's range), got "${value}"`);
  }
  return ms;
}

function metricsFormat(value: string | undefined): MetricsFormat | 'json' | undefined {
  if (value === undefined) return undefined;
  if (value === 'openmetrics' || value === 'prometheus' || value === 'json') return value;
  throw new LmctfyError(Code.INVALID_ARGUMENT, `--format must be json, openmetrics or prometheus, got "${value}"`);
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Headless sampling: one NDJSON line (or one exposition) per pass, until --count or a signal. */
async function streamSamples(f: TopFlags, name: string | undefined, format: MetricsFormat | 'json', intervalMs: number): Promise<void> {
  // Stats and exporters load only for the commands that sample.
  const [{ Sampler }, { openSampling }, { NdjsonLines }, { ExpositionCache, exposed, openMetricsBytes }, { exportReads }, { followDecisions }] = await Promise.all([
    import('../../stats/sampler.js'),
    import('../../engine/sampling/index.js'),
    import('../../stats/json.js'),
    import('../../stats/openmetrics.js'),
    import('../../engine/export-reads.js'),
    import('../../stats/decisions.js'),
  ]);
  const count = f.count === undefined ? Infinity : positiveNumber(f.count, '--count', 1, true);
  // More than one pass: learn the tree from inotify rather than statting it every time (and,
  // watching, a carried container's files stay open between its re-validations: openSampling).
  const sampling = openSampling({ ...apiOptions(f), watch: count > 1 });
  const root = sampling.container(name ?? '/');
  // The exposition prints neither per-CPU usage, latency histograms, the freezer state, rates nor
  // the host's figures: its passes read none and derive none. Both keep the readings of a
  // subtree shown empty and still unread (exact: Sampler's carryEmpty, docs/STATS.md).
  const sampler = new Sampler(sampling, format === 'json' ? { root, histograms: true, type: 'full', carryEmpty: true } : { root, type: 'export', host: false, carryEmpty: true });
  // Device names and raw CPU settings, which cAdvisor's metrics carry and a pass does not
  // keep; the machine policy's budget and tiers, which both formats carry.
  const api = openApi(f);
  const reads = exportReads(api);
  // The daemon's decisions, counted as they are journalled, for the exposition formats.
  const decisions = format === 'json' ? undefined : followDecisions(api.machine.trackingDir('/'));
  // A carried reading's JSON text or exposition lines are copied from the last pass's.
  const lines = new NdjsonLines();
  const exposition = new ExpositionCache();
  let stop = false;
  const onSignal = () => {
    stop = true;
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  try {
    for (let i = 0; i < count && !stop; i++) {
      if (i > 0) await sleep(intervalMs);
      if (stop) break;
      const out =
        format === 'json'
          ? lines.line(sampler.next(), reads.admission?.())
          : openMetricsBytes(exposed(sampler.sample().containers), { format, ...reads, cache: exposition, decisions: decisions && (() => decisions.totals) });
      // Both end with a newline; an exposition of no containers is empty, and still a line.
      if (!process.stdout.write(out.length > 0 ? out : '\n')) await new Promise((r) => process.stdout.once('drain', r));
    }
  } finally {
    decisions?.stop();
    sampler.close();
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
}

/** `top`: the live console on a terminal (src/cli/top.ts), a stream of samples otherwise. */
export function registerTop(program: Command): void {
  subcommand(program, 'top', 'live console of the container tree (no TTY or --json: NDJSON stream)')
    .argument('[name]', 'top of the tree to watch (default /)')
    .option('--interval <seconds>', `sample period in seconds, ${MIN_INTERVAL_MS / 1000} to ${MAX_INTERVAL_MS / 1000} (default 1)`)
    .option('--count <n>', 'headless: stop after N samples')
    .option('--format <format>', 'headless output: json (default), openmetrics or prometheus')
    .option('--read-only', 'console: disable actions')
    .option('--replay [dir]', "the past a recorder kept (lmctfy record) instead of the present; DIR defaults to the root's recorder's store")
    .option('--from <time>', 'replay without a console: from this time ("1h ago", "03:12", "2026-12-02 03:12"; default the first sample)')
    .option('--to <time>', 'replay without a console: up to this time (default the last sample)')
    .option('--at <time>', 'replay in the console: start at this time (default the last sample)')
    .addHelpText('after', '\nCPU % is Δ CPU time / Δ wall time × 100: 100 % = one full CPU (a 4-CPU burner reads 400 %).\nWorking set = usage − inactive file. Every number is explained in docs/STATS.md.')
    .action(async (name: string | undefined, _o, cmd: Command) => {
      const f = flagsOf<TopFlags>(cmd);
      const format = metricsFormat(f.format);
      const intervalMs = parseInterval(f.interval);
      const replayDir = typeof f.replay === 'string' ? f.replay : undefined;
      if (f.replay === undefined && (f.from ?? f.to ?? f.at) !== undefined) {
        throw new LmctfyError(Code.INVALID_ARGUMENT, '--from, --to and --at choose a time of a replay: add --replay [DIR]');
      }
      const headless = f.json || format || !process.stdout.isTTY || !process.stdin.isTTY;
      if (f.replay !== undefined && headless) {
        if (format && format !== 'json') throw new LmctfyError(Code.INVALID_ARGUMENT, `--replay exports json; --format ${format} is for live samples`);
        if (f.at !== undefined) throw new LmctfyError(Code.INVALID_ARGUMENT, '--at chooses where the console starts; without a console, --from and --to choose what is printed');
        const { exportReplay } = await import('./record.js');
        await exportReplay(f, replayDir, name ?? '/', f.from, f.to);
        return;
      }
      if (headless) {
        await streamSamples(f, name, format ?? 'json', intervalMs);
        return;
      }
      if (f.from !== undefined || f.to !== undefined) throw new LmctfyError(Code.INVALID_ARGUMENT, '--from and --to choose what a replay prints without a console (--json); in the console, --at chooses where it starts');
      const replay = f.replay === undefined ? undefined : { dir: await (await import('./record.js')).storeDir(f, replayDir), at: f.at };
      const { runInteractiveTop } = await import('../top.js');
      await runInteractiveTop({
        api: apiOptions(f),
        name: name ?? '/',
        intervalMs,
        readOnly: f.readOnly ?? false,
        replay,
      });
    });
}

import type { Command } from 'commander';
import { Code, LmctfyError } from '../../engine/errors.js';
import { stdout } from '../output.js';
import { apiOptions, openApi, type GlobalFlags } from '../context.js';
import { flagsOf, subcommand, type CommandFlags } from './options.js';

interface RecordFlags extends CommandFlags {
  dir?: string;
  interval?: string;
  retain?: string;
  type?: string;
  verify?: boolean;
}

/**
 * The store a command reads or writes: --dir, else the one a recorder of this root said it
 * writes (its pointer beside the journal), else the root's default store.
 */
export async function storeDir(f: GlobalFlags, dir: string | undefined): Promise<string> {
  if (dir !== undefined) return dir;
  const { readPointer, defaultStoreDir } = await import('../../record/pointer.js');
  const scope = openApi(f).machine.trackingDir('/');
  return readPointer(scope)?.dir ?? defaultStoreDir(scope);
}

function recordInterval(value: string | undefined): number {
  if (value === undefined) return 1000;
  const s = Number(value);
  if (value.trim() === '' || !Number.isFinite(s) || s < 0.1 || s > 3600) {
    throw new LmctfyError(Code.INVALID_ARGUMENT, `--interval must be 0.1 to 3600 seconds, got "${value}"`);
  }
  return Math.round(s * 1000);
}

function statsType(value: string | undefined): 'counters' | 'summary' | 'full' {
  if (value === undefined) return 'counters';
  if (value === 'counters' || value === 'summary' || value === 'full') return value;
  throw new LmctfyError(Code.INVALID_ARGUMENT, `--type must be counters, summary or full, got "${value}"`);
}

/** record --verify: reads every frame; damage is listed on stderr and makes the exit DATA_LOSS. */
async function verifyStore(dir: string): Promise<void> {
  const { StoreReader, describeDamage } = await import('../../record/store.js');
  const store = StoreReader.open(dir);
  const good = store.verify();
  const span = store.span();
  const when = span ? `${new Date(span.fromMs).toISOString()} to ${new Date(span.toMs).toISOString()}` : 'no samples';
  stdout.write(`${dir}: format version ${store.meta.version}, root ${store.meta.root}, ${good} good frames, ${when}\n`);
  for (const d of store.damage) process.stderr.write(`lmctfy: ${describeDamage(d)}\n`);
  if (store.damage.length) throw new LmctfyError(Code.DATA_LOSS, `record store ${dir} has ${store.damage.length} damaged place(s); everything else reads`);
}

/** `record`: the recorder (src/record), until SIGINT or SIGTERM. */
export function registerRecord(program: Command): void {
  subcommand(program, 'record', "record the tree's samples and the root's journal to an on-disk store, until stopped (docs/RECORDING.md)")
    .argument('[name]', 'top of the tree to record (default /)')
    .option('--dir <dir>', 'the store (default: /var/lib/lmctfy/record/<root key> for root, beside the locks otherwise)')
    .option('--interval <seconds>', 'sample period in seconds, 0.1 to 3600 (default 1)')
    .option('--retain <age,size>', 'keep this much: an age (7d), a size (1GiB) or both (default 7d,1GiB)')
    .option('--type <type>', 'what a sample reads: counters (what the console shows, default), summary or full')
    .option('--verify', 'read the whole store, check every frame, and say what is damaged')
    .action(async (name: string | undefined, _o, cmd: Command) => {
      const f = flagsOf<RecordFlags>(cmd);
      const dir = await storeDir(f, f.dir);
      if (f.verify) return verifyStore(dir);
      const [{ Recorder }, { DEFAULT_RETENTION, parseRetention }] = await Promise.all([import('../../record/recorder.js'), import('../../record/retention.js')]);
      const retain = f.retain ?? DEFAULT_RETENTION;
      const retention = parseRetention(retain);
      const intervalMs = recordInterval(f.interval);
      let lastError = '';
      const recorder = new Recorder({
        api: apiOptions(f),
        container: name ?? '/',
        dir,
        intervalMs,
        retention,
        type: statsType(f.type),
        onError: (e) => {
          // Said once per kind of failure, not every second.
          if (e.message !== lastError) process.stderr.write(`lmctfy: record: ${e.describe()}\n`);
          lastError = e.message;
        },
      });
      const stop = () => recorder.stop();
      process.once('SIGINT', stop);
      process.once('SIGTERM', stop);
      process.stderr.write(`lmctfy: recording ${name ?? '/'} every ${intervalMs / 1000} s into ${dir} (retain ${retain})\n`);
      try {
        await recorder.run();
      } finally {
        process.off('SIGINT', stop);
        process.off('SIGTERM', stop);
      }
    });
}

/** Opens the store for a replaying command, each damage said once on stderr when reading meets it. */
export async function openStore(f: GlobalFlags, dir: string | undefined): Promise<import('../../record/store.js').StoreReader> {
  const { StoreReader, describeDamage } = await import('../../record/store.js');
  return StoreReader.open(await storeDir(f, dir), { onDamage: (d) => process.stderr.write(`lmctfy: ${describeDamage(d)}\n`) });
}

/** `stats TYPE NAME --at TIME`: the ContainerStats the store recorded then, as `stats` prints the present. */
export async function recordedStats(f: GlobalFlags & { dir?: string }, name: string, at: string): Promise<object> {
  const [{ parseTime }, { viewAt }] = await Promise.all([import('../../record/time.js'), import('../../record/replay.js')]);
  const store = await openStore(f, f.dir);
  const abs = openApi(f).resolve(name);
  const view = viewAt(store, parseTime(at, Date.now(), '--at'));
  const c = view.containers.find((x) => x.name === abs);
  if (!c) throw new LmctfyError(Code.NOT_FOUND, `container ${abs} was not recorded at ${view.timestamp} (store ${store.dir})`);
  process.stderr.write(`lmctfy: stats: as recorded at ${view.timestamp} (${store.meta.interval_ms / 1000} s samples of ${store.meta.container}, type as recorded)\n`);
  return c.raw.stats;
}

/** `top --replay [DIR] --from T1 --to T2` without a console: one NDJSON line per recorded sample, as `top --json` prints live ones. */
export async function exportReplay(f: GlobalFlags, dir: string | undefined, name: string, from: string | undefined, to: string | undefined): Promise<void> {
  const [{ parseTime }, { replayViews }, { toNdjsonLine }] = await Promise.all([import('../../record/time.js'), import('../../record/replay.js'), import('../../stats/json.js')]);
  const store = await openStore(f, dir);
  const now = Date.now();
  const fromMs = from === undefined ? -Infinity : parseTime(from, now, '--from');
  const toMs = to === undefined ? Infinity : parseTime(to, now, '--to');
  if (fromMs > toMs) throw new LmctfyError(Code.INVALID_ARGUMENT, `--from ${from} is after --to ${to}`);
  const top = name === '/' ? '/' : openApi(f).resolve(name);
  for (const view of replayViews(store, fromMs, toMs, top)) {
    if (!process.stdout.write(toNdjsonLine(view))) await new Promise((r) => process.stdout.once('drain', r));
  }
}

import type { Command } from 'commander';
import { Code, LmctfyError } from '../../engine/errors.js';
import { openApi } from '../context.js';
import { stdout } from '../output.js';
import type { MessageName } from '../../messages/codec.js';
import type { ContainerStats } from '../../messages/types.js';
import type { Container } from '../../engine/container.js';
import { registerList } from './list.js';
import { NamedOption, flagsOf, subcommand, type CommandFlags } from './options.js';

interface MessageFlags extends CommandFlags {
  binary?: boolean;
}

const binaryOption = () => new NamedOption('-b', 'binary protobuf output', 'binary');

/** A message in text format (default), binary (-b) or JSON (--json). */
export async function writeMessage(type: MessageName, obj: object, f: MessageFlags): Promise<void> {
  const { encodeBinary, formatJson, formatText } = await import('../../messages/codec.js');
  if (f.binary) process.stdout.write(encodeBinary(type, obj));
  else if (f.json) stdout.write(formatJson(type, obj) + '\n');
  else stdout.write(formatText(type, obj));
}

/** The commands that read a container: its children and tasks, its spec, its stats. */
export function registerInspect(program: Command): void {
  registerList(program);

  subcommand(program, 'spec', 'print the spec of a container as read back from the kernel')
    .argument('[name]', 'container name')
    .addOption(binaryOption())
    .action(async (name: string | undefined, _o, cmd: Command) => {
      const f = flagsOf<MessageFlags>(cmd);
      await writeMessage('ContainerSpec', openApi(f).get(name ?? '.').spec(), f);
    });

  subcommand(program, 'stats', 'print the ContainerStats of a container')
    .argument('<type>', 'summary or full')
    .argument('[name]', 'container name')
    .addOption(binaryOption())
    .addOption(
      new NamedOption(
        '--window <seconds>',
        'full: CPU latency histograms over this many seconds, where the kernel keeps none (from /proc schedstat)',
        'window',
      ),
    )
    .option('--at <time>', 'the stats a recorder kept then (lmctfy record): "10m ago", "03:12", "2026-12-02 03:12"')
    .option('--dir <dir>', 'with --at: the record store (default: the root\'s recorder\'s)')
    .action(async (type: string, name: string | undefined, _o, cmd: Command) => {
      const f = flagsOf<MessageFlags & { window?: string; at?: string; dir?: string }>(cmd);
      if (type !== 'summary' && type !== 'full') {
        throw new LmctfyError(Code.INVALID_ARGUMENT, `stats type must be "summary" or "full", got "${type}"`);
      }
      if (f.at !== undefined) {
        if (f.window !== undefined) throw new LmctfyError(Code.INVALID_ARGUMENT, '--window reads the present; with --at the histograms are those recorded');
        const { recordedStats } = await import('./record.js');
        await writeMessage('ContainerStats', await recordedStats(f, name ?? '.', f.at), f);
        return;
      }
      const c = openApi(f).get(name ?? '.');
      if (type === 'summary') {
        if (f.window !== undefined) throw new LmctfyError(Code.INVALID_ARGUMENT, '--window is for stats full: summary stats have no histograms');
        await writeMessage('ContainerStats', c.stats('summary'), f);
        return;
      }
      await writeMessage('ContainerStats', await fullStats(c, windowSeconds(f.window)), f);
    });
}

function windowSeconds(value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const s = Number(value);
  if (value.trim() === '' || !Number.isFinite(s) || s <= 0) {
    throw new LmctfyError(Code.INVALID_ARGUMENT, `--window must be a positive number of seconds, got "${value}"`);
  }
  return s;
}

/**
 * Full stats with the CPU latency histograms wherever they can be had: the kernel's,
 * schedstat's over the window, or, without a window, the root's daemon's since it first saw
 * the container. stderr says where they came from when it is not the kernel.
 */
async function fullStats(c: Container, windowSec: number | undefined): Promise<ContainerStats> {
  const [{ statsWithHistograms }, { procReader }, { askContinuousStats }] = await Promise.all([
    import('../../stats/window.js'),
    import('../../engine/sampling/index.js'),
    import('../../stats/continuous.js'),
  ]);
  const proc = procReader();
  const deps = {
    stats: () => c.stats('full'),
    tasks: () => proc.tasks(c.listProcesses()),
    sleep: (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)),
    continuous: () => askContinuousStats(c.machine.trackingDir('/'), c.name),
  };
  const { stats, histograms, daemon } = await statsWithHistograms(deps, windowSec === undefined ? undefined : windowSec * 1000);
  if (histograms === 'none') {
    process.stderr.write(
      'lmctfy: stats: no CPU latency histograms: this kernel keeps none per container and no `lmctfy daemon` keeps them for this root; `stats full --window SECONDS` derives them from the scheduler statistics of its tasks over that window\n',
    );
  } else if (histograms === 'schedstat') {
    process.stderr.write(
      `lmctfy: stats: CPU latency histograms over ${windowSec} s from the scheduler statistics of its tasks (this kernel keeps none per container; see docs/STATS.md)\n`,
    );
  } else if (daemon) {
    process.stderr.write(
      `lmctfy: stats: CPU latency histograms since ${new Date(daemon.since).toISOString()} from lmctfy daemon (pid ${daemon.pid}), which sums the scheduler statistics of its tasks (see docs/STATS.md)\n`,
    );
  }
  return stats;
}

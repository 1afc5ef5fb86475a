import type { Command } from 'commander';
import { Code, LmctfyError } from '../../engine/errors.js';
import { openApi } from '../context.js';
import { formatRows, stdout, styleOf } from '../output.js';
import type { MessageName } from '../../messages/codec.js';
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
  subcommand(program, 'list', 'list subcontainers, pids or tids of a container (default: the caller\'s)', { rows: true })
    .argument('<what>', 'containers, pids or tids')
    .argument('[name]', 'container name')
    .addOption(new NamedOption('-r', 'recursive: the whole subtree', 'recursive'))
    .action(async (what: string, name: string | undefined, _o, cmd: Command) => {
      const f = flagsOf<CommandFlags & { recursive?: boolean }>(cmd);
      const api = openApi(f);
      const c = api.get(name ?? '.');
      const recursive = f.recursive ?? false;
      let rows;
      if (what === 'containers') rows = c.listSubcontainers({ recursive }).map((n) => ({ name: n }));
      else if (what === 'pids') rows = c.listProcesses({ recursive }).map((p) => ({ pid: p }));
      else if (what === 'tids') rows = c.listThreads({ recursive }).map((t) => ({ tid: t }));
      else throw new LmctfyError(Code.INVALID_ARGUMENT, `list: unknown kind "${what}"; expected containers, pids or tids`);
      stdout.write(formatRows(rows, styleOf(f)));
    });

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
    .action(async (type: string, name: string | undefined, _o, cmd: Command) => {
      const f = flagsOf<MessageFlags>(cmd);
      if (type !== 'summary' && type !== 'full') {
        throw new LmctfyError(Code.INVALID_ARGUMENT, `stats type must be "summary" or "full", got "${type}"`);
      }
      await writeMessage('ContainerStats', openApi(f).get(name ?? '.').stats(type), f);
    });
}

import type { Command } from 'commander';
import { Code, LmctfyError } from '../../engine/errors.js';
import { openApi, type GlobalFlags } from '../context.js';
import { formatRows, stdout, styleOf } from '../output.js';
import type { MessageName } from '../../messages/codec.js';
import { flagsOf, subcommand } from './common.js';

interface ProtoFlags extends GlobalFlags {
  b?: boolean;
}

/** A message in text format (default), binary (-b) or JSON (--json). */
export async function writeMessage(type: MessageName, obj: object, f: ProtoFlags): Promise<void> {
  const { encodeBinary, formatJson, formatText } = await import('../../messages/codec.js');
  if (f.b) process.stdout.write(encodeBinary(type, obj));
  else if (f.json) stdout.write(formatJson(type, obj) + '\n');
  else stdout.write(formatText(type, obj));
}

export function registerInspect(program: Command): void {
  subcommand(program, 'list', 'list subcontainers, pids or tids of a container (default: the caller\'s)')
    .argument('<what>', 'containers, pids or tids')
    .argument('[name]', 'container name')
    .option('-r', 'recursive: the whole subtree')
    .action(async (what: string, name: string | undefined, _o, cmd: Command) => {
      const f = flagsOf<GlobalFlags & { r?: boolean }>(cmd);
      const api = openApi(f);
      const c = api.get(name ?? '.');
      const recursive = f.r ?? false;
      let rows;
      if (what === 'containers') rows = c.listSubcontainers({ recursive }).map((n) => ({ name: n }));
      else if (what === 'pids') rows = c.listProcesses({ recursive }).map((p) => ({ pid: p }));
      else if (what === 'tids') rows = c.listThreads({ recursive }).map((t) => ({ tid: t }));
      else throw new LmctfyError(Code.INVALID_ARGUMENT, `list: unknown kind "${what}"; expected containers, pids or tids`);
      stdout.write(formatRows(rows, styleOf(f)));
    });

  subcommand(program, 'spec', 'print the spec of a container as read back from the kernel')
    .argument('[name]', 'container name')
    .option('-b', 'binary protobuf output')
    .action(async (name: string | undefined, _o, cmd: Command) => {
      const f = flagsOf<ProtoFlags>(cmd);
      await writeMessage('ContainerSpec', openApi(f).get(name ?? '.').spec(), f);
    });

  subcommand(program, 'stats', 'print the ContainerStats of a container')
    .argument('<type>', 'summary or full')
    .argument('[name]', 'container name')
    .option('-b', 'binary protobuf output')
    .action(async (type: string, name: string | undefined, _o, cmd: Command) => {
      const f = flagsOf<ProtoFlags>(cmd);
      if (type !== 'summary' && type !== 'full') {
        throw new LmctfyError(Code.INVALID_ARGUMENT, `stats type must be "summary" or "full", got "${type}"`);
      }
      await writeMessage('ContainerStats', openApi(f).get(name ?? '.').stats(type), f);
    });
}

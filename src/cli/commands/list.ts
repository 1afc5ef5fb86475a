import type { Command } from 'commander';
import { Code, LmctfyError } from '../../engine/errors.js';
import { openApi } from '../context.js';
import { formatRows, stdout, styleOf } from '../output.js';
import { NamedOption, flagsOf, subcommand, type CommandFlags } from './options.js';

/**
 * `list`, the first of the inspect group's commands, in a module of its own: its bundle
 * (src/cli/entries/list.ts) holds neither the spec's codec nor the stats' samplers and record
 * store, which the group's other commands bring (BENCHMARKS.md section 5).
 */
export function registerList(program: Command): void {
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
}

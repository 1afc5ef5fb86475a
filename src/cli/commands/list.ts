import type { Command } from 'commander';
import { listContainer, type ListFlags } from './list-action.js';
import { NamedOption, flagsOf, subcommand } from './options.js';

/** `list`'s action: what the command does with its arguments and merged flags. */
export type ListAction = (what: string, name: string | undefined, flags: ListFlags) => Promise<void>;

/**
 * `list`, the first of the inspect group's commands, in a module of its own: the inspect
 * group and the whole CLI register it; `act` is the command's action (a test gives its own,
 * to see what commander parsed).
 */
export function registerList(program: Command, act: ListAction = listContainer): void {
  subcommand(program, 'list', 'list subcontainers, pids or tids of a container (default: the caller\'s)', { rows: true })
    .argument('<what>', 'containers, pids or tids')
    .argument('[name]', 'container name')
    .addOption(new NamedOption('-r', 'recursive: the whole subtree', 'recursive'))
    .action((what: string, name: string | undefined, _o, cmd: Command) => act(what, name, flagsOf<ListFlags>(cmd)));
}

import type { Command } from 'commander';
import { createContainer, type SpecFlags } from './create-action.js';
import { NamedOption, flagsOf, subcommand } from './options.js';

export const specFileOption = (type: string) => new NamedOption('-c <file>', `read the ${type} from a file (text, JSON or binary)`, 'specFile');
export const dryRunOption = () =>
  new NamedOption('--dry-run', 'check everything, admission by the machine policy included, print whether it would be admitted and change nothing', 'dryRun');
export const SPEC_FIELDS = '\nThe spec fields, their types and units (cpu.limit in CPU milliseconds per second,\nmemory.limit in bytes, ...): lmctfy help spec';

/** `create`'s action: what the command does with its arguments and merged flags. */
export type CreateAction = (name: string, spec: string | undefined, flags: SpecFlags) => Promise<void>;

/**
 * `create`, of the lifecycle group, in a module of its own: the lifecycle group and the whole
 * CLI register it; `act` is the command's action (a test gives its own, to see what
 * commander parsed).
 */
export function registerCreate(program: Command, act: CreateAction = createContainer): void {
  subcommand(program, 'create', 'create a container isolating the resources its spec names')
    .argument('<name>', 'container name')
    .argument('[spec]', 'ContainerSpec in text format (e.g. memory:{limit:100000000}) or JSON')
    .addOption(specFileOption('ContainerSpec'))
    .addOption(dryRunOption())
    .addHelpText('after', SPEC_FIELDS)
    .action((name: string, spec: string | undefined, _o, cmd: Command) => act(name, spec, flagsOf<SpecFlags>(cmd)));
}

import type { Command } from 'commander';
import type { ContainerApi } from '../../engine/container-api.js';
import { openApi } from '../context.js';
import { stderr, stdout } from '../output.js';
import { readSpec } from '../spec-input.js';
import type { ContainerSpec } from '../../messages/types.js';
import { NamedOption, flagsOf, subcommand, type CommandFlags } from './options.js';

/** The flags of the commands taking a spec; these options and the held-value notes serve `update` too. */
export interface SpecFlags extends CommandFlags {
  specFile?: string;
  dryRun?: boolean;
}

export const specFileOption = (type: string) => new NamedOption('-c <file>', `read the ${type} from a file (text, JSON or binary)`, 'specFile');
export const dryRunOption = () =>
  new NamedOption('--dry-run', 'check everything, admission by the machine policy included, print whether it would be admitted and change nothing', 'dryRun');
export const SPEC_FIELDS = '\nThe spec fields, their types and units (cpu.limit in CPU milliseconds per second,\nmemory.limit in bytes, ...): lmctfy help spec';

/** Values the kernel holds rounded, said once applied (the spec read back shows them so). */
export function tellHeld(api: ContainerApi, spec: ContainerSpec): void {
  for (const note of api.heldNotes(spec)) stderr.write(`lmctfy: ${note}\n`);
}

/**
 * `create`, of the lifecycle group, in a module of its own for its bundle
 * (src/cli/entries/create.ts), whose program then holds this one command: commander making
 * the group's other five, each with its options, was 2 M instructions of every `create`
 * (BENCHMARKS.md section 5).
 */
export function registerCreate(program: Command): void {
  subcommand(program, 'create', 'create a container isolating the resources its spec names')
    .argument('<name>', 'container name')
    .argument('[spec]', 'ContainerSpec in text format (e.g. memory:{limit:100000000}) or JSON')
    .addOption(specFileOption('ContainerSpec'))
    .addOption(dryRunOption())
    .addHelpText('after', SPEC_FIELDS)
    .action(async (name: string, spec: string | undefined, _o, cmd: Command) => {
      const f = flagsOf<SpecFlags>(cmd);
      const parsed = await readSpec<ContainerSpec>('ContainerSpec', spec, f.specFile);
      const api = openApi(f);
      if (f.dryRun) return void stdout.write(`${await api.checkCreate(name, parsed)}\n`);
      await api.create(name, parsed);
      tellHeld(api, parsed);
    });
}

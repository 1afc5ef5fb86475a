import type { Command } from 'commander';
import { ContainerApi } from '../../engine/container-api.js';
import { Code, LmctfyError } from '../../engine/errors.js';
import { apiOptions, openApi } from '../context.js';
import { stdout } from '../output.js';
import { readSpec } from '../spec-input.js';
import type { ContainerSpec, InitSpec } from '../../messages/types.js';
import { tellHeld, type SpecFlags } from './create-action.js';
import { SPEC_FIELDS, dryRunOption, registerCreate, specFileOption } from './create.js';
import { NamedOption, flagsOf, subcommand, type CommandFlags } from './options.js';

/** The commands that make, change, freeze and remove containers. */
export function registerLifecycle(program: Command): void {
  subcommand(program, 'init', 'mount the hierarchies InitSpec names ("" = use existing mounts) and create a missing lmctfy root')
    .argument('[spec]', 'InitSpec in text format or JSON')
    .addOption(specFileOption('InitSpec'))
    .action(async (spec: string | undefined, _o, cmd: Command) => {
      const f = flagsOf<SpecFlags>(cmd);
      await ContainerApi.init(await readSpec<InitSpec>('InitSpec', spec, f.specFile), apiOptions(f));
    });

  registerCreate(program);

  subcommand(program, 'update', 'update a container: diff changes only the fields given, replace resets the rest to defaults')
    .argument('<policy>', 'diff or replace')
    .argument('<name>', 'container name')
    .argument('[spec]', 'ContainerSpec in text format or JSON')
    .addOption(specFileOption('ContainerSpec'))
    .addOption(dryRunOption())
    .addHelpText('after', SPEC_FIELDS)
    .action(async (policy: string, name: string, spec: string | undefined, _o, cmd: Command) => {
      const f = flagsOf<SpecFlags>(cmd);
      if (policy !== 'diff' && policy !== 'replace') {
        throw new LmctfyError(Code.INVALID_ARGUMENT, `update policy must be "diff" or "replace", got "${policy}"`);
      }
      const parsed = await readSpec<ContainerSpec>('ContainerSpec', spec, f.specFile);
      const api = openApi(f);
      if (f.dryRun) return void stdout.write(`${await api.get(name).checkUpdate(parsed, policy)}\n`);
      await api.get(name).update(parsed, policy);
      tellHeld(api.heldNotes(parsed));
    });

  subcommand(program, 'destroy', 'destroy a container; -f kills its tasks and subcontainers first')
    .argument('<name>', 'container name')
    .addOption(new NamedOption('-f', 'force: kill everything inside and remove the whole subtree', 'force'))
    .action(async (name: string, _o, cmd: Command) => {
      const f = flagsOf<CommandFlags & { force?: boolean }>(cmd);
      await openApi(f).destroy(name, { force: f.force ?? false });
    });

  subcommand(program, 'pause', 'freeze a container and its subcontainers')
    .argument('<name>', 'container name')
    .action(async (name: string, _o, cmd: Command) => {
      await openApi(flagsOf(cmd)).get(name).pause();
    });

  subcommand(program, 'resume', 'thaw a paused container')
    .argument('<name>', 'container name')
    .action(async (name: string, _o, cmd: Command) => {
      await openApi(flagsOf(cmd)).get(name).resume();
    });
}

import type { Command } from 'commander';
import { ContainerApi } from '../../engine/container-api.js';
import { Code, LmctfyError } from '../../engine/errors.js';
import { apiOptions, openApi, type GlobalFlags } from '../context.js';
import { readSpec } from '../spec-input.js';
import type { ContainerSpec, InitSpec } from '../../messages/types.js';
import { flagsOf, subcommand } from './common.js';

interface SpecFlags extends GlobalFlags {
  c?: string;
}

export function registerLifecycle(program: Command): void {
  subcommand(program, 'init', 'mount the hierarchies InitSpec names ("" = use existing mounts) and create a missing lmctfy root')
    .argument('[spec]', 'InitSpec in text format or JSON')
    .option('-c <file>', 'read the InitSpec from a file (text, JSON or binary)')
    .action(async (spec: string | undefined, _o, cmd: Command) => {
      const f = flagsOf<SpecFlags>(cmd);
      await ContainerApi.init(await readSpec<InitSpec>('InitSpec', spec, f.c), apiOptions(f));
    });

  subcommand(program, 'create', 'create a container isolating the resources its spec names')
    .argument('<name>', 'container name')
    .argument('[spec]', 'ContainerSpec in text format (e.g. memory:{limit:100000000}) or JSON')
    .option('-c <file>', 'read the ContainerSpec from a file (text, JSON or binary)')
    .action(async (name: string, spec: string | undefined, _o, cmd: Command) => {
      const f = flagsOf<SpecFlags>(cmd);
      const parsed = await readSpec<ContainerSpec>('ContainerSpec', spec, f.c);
      await openApi(f).create(name, parsed);
    });

  subcommand(program, 'destroy', 'destroy a container; -f kills its tasks and subcontainers first')
    .argument('<name>', 'container name')
    .option('-f', 'force: kill everything inside and remove the whole subtree')
    .action(async (name: string, _o, cmd: Command) => {
      const f = flagsOf<GlobalFlags & { f?: boolean }>(cmd);
      await openApi(f).destroy(name, { force: f.f ?? false });
    });

  subcommand(program, 'update', 'update a container: diff changes only the fields given, replace resets the rest to defaults')
    .argument('<policy>', 'diff or replace')
    .argument('<name>', 'container name')
    .argument('[spec]', 'ContainerSpec in text format or JSON')
    .option('-c <file>', 'read the ContainerSpec from a file (text, JSON or binary)')
    .action(async (policy: string, name: string, spec: string | undefined, _o, cmd: Command) => {
      const f = flagsOf<SpecFlags>(cmd);
      if (policy !== 'diff' && policy !== 'replace') {
        throw new LmctfyError(Code.INVALID_ARGUMENT, `update policy must be "diff" or "replace", got "${policy}"`);
      }
      const parsed = await readSpec<ContainerSpec>('ContainerSpec', spec, f.c);
      await openApi(f).get(name).update(parsed, policy);
    });
}

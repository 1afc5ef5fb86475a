import { Option, type Command } from 'commander';
import type { GlobalFlags } from '../context.js';

/** Flags accepted by every command, before or after its arguments. */
export function withGlobals(cmd: Command): Command {
  return cmd
    .addOption(new Option('--root <path>', "lmctfy root: absolute cgroup path, or relative to the caller's own cgroup (env LMCTFY_ROOT)"))
    .addOption(new Option('--cgroup-version <version>', 'force the cgroup v1 or v2 backend: 1 or 2 (env LMCTFY_CGROUP_VERSION)'))
    .option('-p', 'output key="value" pairs (default)')
    .option('-v', 'output values only')
    .option('-l', 'output long: key | value')
    .option('--json', 'output JSON');
}

/** Adds a subcommand carrying the global flags; its action gets the merged flags. */
export function subcommand(parent: Command, spec: string, description: string): Command {
  return withGlobals(parent.command(spec).description(description));
}

/** Options of this command merged over the program's (flags given before the command name). */
export function flagsOf<T extends GlobalFlags>(cmd: Command): T {
  return cmd.optsWithGlobals() as T;
}

import { Option, type Command } from 'commander';
import type { GlobalFlags } from '../context.js';
import type { OutputFlags } from '../output.js';

/**
 * An option stored under a name that says what it means (`-f` → `force`): users keep typing
 * the original's one-letter flags, the code reads words.
 */
export class NamedOption extends Option {
  private readonly key: string;

  constructor(flags: string, description: string, key: string) {
    super(flags, description);
    this.key = key;
  }

  override attributeName(): string {
    return this.key;
  }
}

/** What every command's action receives: the program's flags merged with its own. */
export type CommandFlags = GlobalFlags & OutputFlags;

export interface OutputKind {
  /** The command prints key/value rows, so -p, -v and -l choose their style. */
  rows?: boolean;
}

/**
 * Flags accepted by every command, before or after its arguments. The row styles are
 * accepted everywhere (scripts written for the original pass them anywhere) but listed only
 * where they change something.
 */
export function withGlobals(cmd: Command, output: OutputKind = { rows: true }): Command {
  const style = (flag: string, description: string, key: keyof OutputFlags) =>
    new NamedOption(flag, description, key).hideHelp(!output.rows);
  return cmd
    .addOption(new Option('--root <path>', "lmctfy root: absolute cgroup path, or relative to the caller's own cgroup (env LMCTFY_ROOT)"))
    .addOption(new Option('--cgroup-version <version>', 'force the cgroup v1 or v2 backend: 1 or 2 (env LMCTFY_CGROUP_VERSION)'))
    .addOption(style('-p', 'output key="value" pairs (default)', 'pairs'))
    .addOption(style('-v', 'output values only', 'values'))
    .addOption(style('-l', 'output long: key | value', 'long'))
    .addOption(new Option('--json', 'output JSON (errors too)'));
}

/** Adds a subcommand carrying the global flags; its action gets the merged flags. */
export function subcommand(parent: Command, spec: string, description: string, output: OutputKind = {}): Command {
  return withGlobals(parent.command(spec).description(description), output);
}

/** Options of this command merged over the program's (flags given before the command name). */
export function flagsOf<T extends CommandFlags>(cmd: Command): T {
  return cmd.optsWithGlobals() as T;
}

import { Command } from 'commander';
import { Code, LmctfyError } from '../engine/errors.js';
import { withGlobals } from './commands/options.js';
import { GROUPS, type GroupInfo, type GroupKey } from './command-groups.js';
import { boundYoungGeneration } from './young-generation.js';

/** package.json's version, put in by the bundler (scripts/build.mjs; vitest.config.ts under test). */
declare const LMCTFY_VERSION: string;

/** The function registering each group's commands, for the groups a bundle holds (entry-*.ts). */
export type Registrars = Partial<Record<GroupKey, (program: Command) => void>>;

/**
 * The groups a command line needs: those naming a word of it (before `--`). All of them
 * when it names none, or asks for help (which lists every command). Building commander's
 * program of every command with its options took ~10 ms of each start (BENCHMARKS.md,
 * section 5); a word that is an argument and happens to name a command only adds its group.
 */
export function groupsFor(args: readonly string[] | undefined): readonly GroupInfo[] {
  if (args === undefined) return GROUPS;
  const end = args.indexOf('--');
  const words = new Set(end < 0 ? args : args.slice(0, end));
  if (words.has('help')) return GROUPS;
  const named = GROUPS.filter((g) => g.names.some((n) => words.has(n)));
  return named.length === 0 ? GROUPS : [...named, GROUPS.at(-1)!];
}

/** True when `registrars` hold every group `groups` names. */
export function holdsAll(registrars: Registrars, groups: readonly GroupInfo[]): boolean {
  return groups.every((g) => registrars[g.key as GroupKey] !== undefined);
}

/** The program with the commands `args` needs (every command without `args`), from `registrars`. */
export function buildProgram(registrars: Registrars, args?: readonly string[]): Command {
  const program = baseProgram();
  for (const group of groupsFor(args)) {
    const register = registrars[group.key as GroupKey];
    if (!register) throw new LmctfyError(Code.INTERNAL, `this CLI bundle lacks the commands ${group.names.join(', ')}`);
    register(program);
    if (!group.longRunning) continue;
    for (const c of program.commands) if (group.names.includes(c.name())) c.hook('preAction', boundYoungGeneration);
  }
  return program;
}

/** The program's own flags and texts, no commands. */
export function baseProgram(): Command {
  const program = withGlobals(new Command('lmctfy'))
    .description('lmctfy: let me contain that for you. Hierarchical Linux containers on cgroups v1 and v2.')
    .version(`lmctfy version ${LMCTFY_VERSION}`, '-V, --version', 'print the version')
    .enablePositionalOptions()
    .showSuggestionAfterError(true);
  program.addHelpText(
    'after',
    `
The exit status is the canonical status code: 0 OK, 1 CANCELLED, 2 UNKNOWN, 3 INVALID_ARGUMENT,
5 NOT_FOUND, 6 ALREADY_EXISTS, 7 PERMISSION_DENIED, 8 RESOURCE_EXHAUSTED, 9 FAILED_PRECONDITION,
10 ABORTED, 12 UNIMPLEMENTED, 13 INTERNAL. Specs are protobuf text format, e.g.
"memory:{limit:100000000}", or JSON; -c FILE also takes binary.`,
  );
  return program;
}

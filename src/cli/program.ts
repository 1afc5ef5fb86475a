import { Command } from 'commander';
import { withGlobals } from './commands/options.js';
import { registerLifecycle } from './commands/lifecycle.js';
import { registerProcesses } from './commands/processes.js';
import { registerInspect } from './commands/inspect.js';
import { registerNotify } from './commands/notify.js';
import { registerEvents } from './commands/events.js';
import { registerTop } from './commands/top.js';
import { registerServe } from './commands/serve.js';
import { registerHelp } from './commands/help.js';
import { registerRootfs } from './commands/rootfs.js';
import { registerPolicy } from './commands/policy.js';
import { registerRecord } from './commands/record.js';
import { registerDaemon } from './commands/daemon.js';
import { registerCheckpoint } from './commands/checkpoint.js';
import { registerImage } from './commands/image.js';
import { boundYoungGeneration } from './young-generation.js';

/** package.json's version, put in by the bundler (scripts/build.mjs; vitest.config.ts under test). */
declare const LMCTFY_VERSION: string;

/** A group of top-level commands and the function that registers them, in `lmctfy help`'s order. */
export interface CommandGroup {
  names: readonly string[];
  register(program: Command): void;
  /** Its commands run until stopped: their young generation is kept small (young-generation.ts). */
  longRunning?: boolean;
}

export const COMMAND_GROUPS: readonly CommandGroup[] = [
  { names: ['init', 'create', 'update', 'destroy', 'pause', 'resume'], register: registerLifecycle },
  { names: ['run', 'enter', 'detect', 'killall'], register: registerProcesses },
  { names: ['list', 'spec', 'stats'], register: registerInspect },
  { names: ['notify'], register: registerNotify },
  { names: ['events'], register: registerEvents },
  { names: ['top'], register: registerTop, longRunning: true },
  { names: ['serve'], register: registerServe, longRunning: true },
  { names: ['policy'], register: registerPolicy },
  { names: ['daemon'], register: registerDaemon, longRunning: true },
  { names: ['record'], register: registerRecord, longRunning: true },
  { names: ['rootfs'], register: registerRootfs },
  { names: ['checkpoint', 'restore', 'migrate'], register: registerCheckpoint },
  { names: ['image'], register: registerImage },
  { names: ['help'], register: registerHelp },
];

/**
 * The groups a command line needs: those naming a word of it (before `--`). All of them
 * when it names none, or asks for help (which lists every command). Building commander's
 * program of every command with its options took ~10 ms of each start (BENCHMARKS.md,
 * section 5); a word that is an argument and happens to name a command only adds its group.
 */
export function groupsFor(args: readonly string[] | undefined): readonly CommandGroup[] {
  if (args === undefined) return COMMAND_GROUPS;
  const end = args.indexOf('--');
  const words = new Set(end < 0 ? args : args.slice(0, end));
  if (words.has('help')) return COMMAND_GROUPS;
  const named = COMMAND_GROUPS.filter((g) => g.names.some((n) => words.has(n)));
  return named.length === 0 ? COMMAND_GROUPS : [...named, COMMAND_GROUPS.at(-1)!];
}

/** The program with the commands `args` needs (every command without `args`). */
export function buildProgram(args?: readonly string[]): Command {
  const program = baseProgram();
  for (const group of groupsFor(args)) {
    group.register(program);
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

import { CommanderError, type Command } from 'commander';
import { Code, LmctfyError, asLmctfyError } from '../engine/errors.js';
import { GROUPS } from './command-groups.js';
import { buildProgram, groupsFor, holdsAll, type Registrars } from './program.js';
import { stderr, stdout } from './output.js';

/** `lmctfy <command> help` (orig) is `lmctfy help <command>`; a bare `lmctfy` is `lmctfy help`. */
export function normalizeArgv(args: string[]): string[] {
  if (args.length === 0) return ['help'];
  if (args.length === 2 && args[1] === 'help' && !args[0]!.startsWith('-')) return ['help', args[0]!];
  return args;
}

function wantsJson(args: string[]): boolean {
  const end = args.indexOf('--');
  return (end < 0 ? args : args.slice(0, end)).includes('--json');
}

/** One line on stderr naming the code and the cause; the canonical code is the exit code. */
function report(err: LmctfyError, json: boolean): void {
  if (json) stderr.write(JSON.stringify({ error: { code: Code[err.code], exit: err.code, message: err.message } }) + '\n');
  else stderr.write(`lmctfy: ${err.describe()}\n`);
}

/** Parses and runs `argv` with commander's errors thrown, not printed. */
async function parse(program: Command, argv: string[]): Promise<void> {
  // Help and the version through output.ts too: no stream of stdout made for them.
  const output = { writeOut: (s: string) => stdout.write(s), writeErr: () => {}, outputError: () => {} };
  program.exitOverride();
  program.configureOutput(output);
  for (const c of program.commands) {
    c.exitOverride();
    c.configureOutput(output);
  }
  await program.parseAsync(argv, { from: 'user' });
}

/** main's answer when the bundle running it lacks a command the line may need: run the whole CLI. */
export const ELSEWHERE = Symbol('the whole CLI');

/**
 * Runs `args` with the commands of `registrars` (a bundle's groups) and resolves with the
 * exit code; with ELSEWHERE, having run nothing, when the line needs a group they lack.
 */
export async function main(args: string[], registrars: Registrars): Promise<number | typeof ELSEWHERE> {
  const argv = normalizeArgv(args);
  const needed = groupsFor(argv);
  if (!holdsAll(registrars, needed)) return ELSEWHERE;
  try {
    try {
      await parse(buildProgram(registrars, argv), argv);
    } catch (e) {
      // The command line named a command only as an argument: the program of every command
      // says what is wrong, with its suggestions. Nothing ran: commander checks the name first.
      if (!(e instanceof CommanderError && e.code === 'commander.unknownCommand' && needed !== GROUPS)) throw e;
      if (!holdsAll(registrars, GROUPS)) return ELSEWHERE;
      await parse(buildProgram(registrars), argv);
    }
    return typeof process.exitCode === 'number' ? process.exitCode : 0;
  } catch (e) {
    if (e instanceof CommanderError) {
      if (e.exitCode === 0 || e.code === 'commander.helpDisplayed' || e.code === 'commander.version' || e.code === 'commander.help') return 0;
      report(new LmctfyError(Code.INVALID_ARGUMENT, e.message.replace(/^error: /, '')), wantsJson(args));
      return Code.INVALID_ARGUMENT;
    }
    const err = asLmctfyError(e);
    report(err, wantsJson(args));
    if (err.code === Code.INTERNAL && process.env.LMCTFY_DEBUG) stderr.write(`${(e as Error).stack}\n`);
    return err.code;
  }
}

import { CommanderError, type Command } from 'commander';
import { Code, LmctfyError } from '../engine/errors.js';
import { GROUPS } from './command-groups.js';
import { failed, report } from './failure.js';
import { buildProgram, groupsFor, holdsAll, type Registrars } from './program.js';
import { stdout } from './output.js';
import { ELSEWHERE } from './start.js';

/** `lmctfy <command> help` (orig) is `lmctfy help <command>`; a bare `lmctfy` is `lmctfy help`. */
export function normalizeArgv(args: string[]): string[] {
  if (args.length === 0) return ['help'];
  if (args.length === 2 && args[1] === 'help' && !args[0]!.startsWith('-')) return ['help', args[0]!];
  return args;
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
      report(new LmctfyError(Code.INVALID_ARGUMENT, e.message.replace(/^error: /, '')), args);
      return Code.INVALID_ARGUMENT;
    }
    return failed(e, args);
  }
}

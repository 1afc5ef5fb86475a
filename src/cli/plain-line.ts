import type { CommandFlags } from './commands/options.js';

/**
 * A command whose line plain-line.ts parses itself: its name, its own flags (besides the
 * program's, src/cli/commands/options.ts's withGlobals) under the names commander stores them
 * by, and how many arguments it takes, as its commander registration declares them (a
 * property test checks the two agree).
 */
export interface LineShape {
  command: string;
  valued: Readonly<Record<string, string>>;
  switches: Readonly<Record<string, string>>;
  required: number;
  optional: number;
}

/** A command line as commander parses it: the action's arguments and its merged flags. */
export interface PlainLine<F extends CommandFlags = CommandFlags> {
  operands: string[];
  flags: F;
}

// withGlobals' flags, which the program and every command carry.
const GLOBAL_VALUED: Readonly<Record<string, string>> = { '--root': 'root', '--cgroup-version': 'cgroupVersion' };
const GLOBAL_SWITCHES: Readonly<Record<string, string>> = { '-p': 'pairs', '-v': 'values', '-l': 'long', '--json': 'json' };

/**
 * The line `args` (the words after `lmctfy`) when it is a plain line of `shape`'s command,
 * parsed as commander parses it with the whole CLI's program; undefined for anything else,
 * which the whole CLI then runs. The bundles of `create` and `list` (src/cli/entries/) run
 * the lines this takes without commander, whose module, program and parse were a fifth of
 * their bundles and ~3 M instructions of every start (BENCHMARKS.md section 5). It takes only
 * what it can parse the same way: the program's flags before the command, the command's
 * flags anywhere after it, as separate words or `--long=value`, a value being the next word
 * whatever it is (as commander takes a required value), the last of a flag given twice
 * winning and the program's over the command's (commander's optsWithGlobals), and the
 * arguments the command takes. Help, `--`, joined short flags, unknown flags, a missing or
 * extra argument: the whole CLI says what they say.
 */
export function parsePlainLine<F extends CommandFlags>(args: readonly string[], shape: LineShape): PlainLine<F> | undefined {
  // A line naming help is help's, whatever its place (src/cli/program.ts, groupsFor).
  if (args.includes('help')) return undefined;
  const own: Record<string, string | true> = {};
  const program: Record<string, string | true> = {};
  const operands: string[] = [];
  let named = false;
  for (let i = 0; i < args.length; i++) {
    const word = args[i]!;
    if (word.length < 2 || word[0] !== '-') {
      if (named) operands.push(word);
      else if (word === shape.command) named = true;
      else return undefined;
      continue;
    }
    const eq = word.startsWith('--') ? word.indexOf('=') : -1;
    const flag = eq > 2 ? word.slice(0, eq) : word;
    const flags = named ? own : program;
    const valued = GLOBAL_VALUED[flag] ?? (named ? shape.valued[flag] : undefined);
    if (valued !== undefined) {
      const value = eq > 2 ? word.slice(eq + 1) : args[++i];
      if (value === undefined) return undefined;
      flags[valued] = value;
      continue;
    }
    const switched = eq > 2 ? undefined : (GLOBAL_SWITCHES[flag] ?? (named ? shape.switches[flag] : undefined));
    if (switched === undefined) return undefined;
    flags[switched] = true;
  }
  if (!named || operands.length < shape.required || operands.length > shape.required + shape.optional) return undefined;
  return { operands, flags: { ...own, ...program } as unknown as F };
}

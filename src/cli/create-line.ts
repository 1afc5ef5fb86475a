import type { SpecFlags } from './commands/create-action.js';

/** A `lmctfy create` line as commander parses it: what the command's action receives. */
export interface CreateLine {
  name: string;
  spec: string | undefined;
  flags: SpecFlags;
}

type FlagKey = keyof SpecFlags;

// The flags of src/cli/commands/options.ts's withGlobals, which the program and `create`
// both carry, and create's own (create.ts), under the names commander stores them by.
const GLOBAL_VALUED: Readonly<Record<string, FlagKey>> = { '--root': 'root', '--cgroup-version': 'cgroupVersion' };
const GLOBAL_SWITCHES: Readonly<Record<string, FlagKey>> = { '-p': 'pairs', '-v': 'values', '-l': 'long', '--json': 'json' };
const CREATE_VALUED: Readonly<Record<string, FlagKey>> = { ...GLOBAL_VALUED, '-c': 'specFile' };
const CREATE_SWITCHES: Readonly<Record<string, FlagKey>> = { ...GLOBAL_SWITCHES, '--dry-run': 'dryRun' };

/**
 * The line `args` (the words after `lmctfy`) when it is a plain `create`, parsed as commander
 * parses it with the whole CLI's program; undefined for anything else, which the whole CLI
 * then runs. The create bundle (src/cli/entries/create.ts) runs the lines this takes without
 * commander, whose module, program and parse were a fifth of its bundle and ~3 M
 * instructions of every `create` (BENCHMARKS.md section 5). It takes only what it can parse
 * the same way: the program's flags before `create`, create's flags anywhere after it, as
 * separate words or `--long=value`, a value being the next word whatever it is (as commander
 * takes a required value), the last of a flag given twice winning (commander's merge of the
 * program's flags and the command's), and one or two arguments. Help, `--`, joined short
 * flags, unknown flags, a missing or extra argument: the whole CLI says what they say.
 */
export function parseCreateLine(args: readonly string[]): CreateLine | undefined {
  // A line naming help is help's, whatever its place (src/cli/program.ts, groupsFor).
  if (args.includes('help')) return undefined;
  const own: Partial<Record<FlagKey, string | true>> = {};
  const program: Partial<Record<FlagKey, string | true>> = {};
  const operands: string[] = [];
  let named = false;
  for (let i = 0; i < args.length; i++) {
    const word = args[i]!;
    if (word.length < 2 || word[0] !== '-') {
      if (named) operands.push(word);
      else if (word === 'create') named = true;
      else return undefined;
      continue;
    }
    const eq = word.startsWith('--') ? word.indexOf('=') : -1;
    const flag = eq > 2 ? word.slice(0, eq) : word;
    const flags = named ? own : program;
    const valued = (named ? CREATE_VALUED : GLOBAL_VALUED)[flag];
    if (valued !== undefined) {
      const value = eq > 2 ? word.slice(eq + 1) : args[++i];
      if (value === undefined) return undefined;
      flags[valued] = value;
    } else {
      const switched = eq > 2 ? undefined : (named ? CREATE_SWITCHES : GLOBAL_SWITCHES)[flag];
      if (switched === undefined) return undefined;
      flags[switched] = true;
    }
  }
  if (!named || operands.length < 1 || operands.length > 2) return undefined;
  return { name: operands[0]!, spec: operands[1], flags: { ...own, ...program } as SpecFlags };
}

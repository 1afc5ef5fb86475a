import fc from 'fast-check';
import type { Command } from 'commander';
import { describe, expect, it } from 'vitest';
import { ALL_COMMANDS } from '../../src/cli/all-commands.js';
import { registerCreate } from '../../src/cli/commands/create.js';
import { CREATE_LINE, type SpecFlags } from '../../src/cli/commands/create-action.js';
import { registerList } from '../../src/cli/commands/list.js';
import { LIST_LINE, type ListFlags } from '../../src/cli/commands/list-action.js';
import { normalizeArgv } from '../../src/cli/main.js';
import { parsePlainLine, type LineShape, type PlainLine } from '../../src/cli/plain-line.js';
import { buildProgram, type Registrars } from '../../src/cli/program.js';

type Flags = SpecFlags & ListFlags;
type Act = (first: string, second: string | undefined, flags: Flags) => Promise<void>;

/** The whole CLI's program with the command of `shape` acting as `act` (the one command of its group here). */
const REGISTRARS: Record<string, (act: Act) => Registrars> = {
  create: (act) => ({ ...ALL_COMMANDS, lifecycle: (p) => registerCreate(p, act) }),
  list: (act) => ({ ...ALL_COMMANDS, inspect: (p) => registerList(p, act) }),
};

/** What commander makes of `args` with the whole CLI's program (main's parse): the action's arguments, or undefined when it rejects the line or does not run the command. */
async function commanderParse(shape: LineShape, args: string[]): Promise<PlainLine<Flags> | undefined> {
  let got: PlainLine<Flags> | undefined;
  const act: Act = async (first, second, flags) => void (got = { operands: second === undefined ? [first] : [first, second], flags });
  const argv = normalizeArgv(args);
  const program = buildProgram(REGISTRARS[shape.command]!(act), argv);
  const silent = { writeOut: () => {}, writeErr: () => {}, outputError: () => {} };
  for (const c of [program, ...program.commands] as Command[]) c.exitOverride().configureOutput(silent);
  try {
    await program.parseAsync(argv, { from: 'user' });
  } catch {
    return undefined;
  }
  return got;
}

describe("parsePlainLine: create's and list's lines without commander", () => {
  it.each<[string, LineShape, string[], PlainLine<Flags>]>([
    ['a name and a spec', CREATE_LINE, ['create', 'web', 'cpu:{limit:500}'], { operands: ['web', 'cpu:{limit:500}'], flags: {} }],
    ['a name alone', CREATE_LINE, ['create', '/a/b'], { operands: ['/a/b'], flags: {} }],
    ['an empty spec', CREATE_LINE, ['create', 'web', ''], { operands: ['web', ''], flags: {} }],
    ['-c and --dry-run after the name', CREATE_LINE, ['create', 'web', '-c', 'f.spec', '--dry-run'], { operands: ['web'], flags: { specFile: 'f.spec', dryRun: true } }],
    ['the program flags before the command', CREATE_LINE, ['--root', 'r', '--cgroup-version', '2', '--json', 'create', 'web'], { operands: ['web'], flags: { root: 'r', cgroupVersion: '2', json: true } }],
    ['--long=value', CREATE_LINE, ['create', '--root=/x=y', 'web'], { operands: ['web'], flags: { root: '/x=y' } }],
    ["a value is the next word, whatever it is (commander's required value)", CREATE_LINE, ['create', '-c', '--dry-run', 'web'], { operands: ['web'], flags: { specFile: '--dry-run' } }],
    ['the last of a flag given twice', CREATE_LINE, ['create', '--root', 'a', 'web', '--root', 'b'], { operands: ['web'], flags: { root: 'b' } }],
    ["the program's flag over the command's (optsWithGlobals)", CREATE_LINE, ['--root', 'a', 'create', 'web', '--root', 'b'], { operands: ['web'], flags: { root: 'a' } }],
    ['a lone dash is an argument', CREATE_LINE, ['create', '-', 'memory:{}'], { operands: ['-', 'memory:{}'], flags: {} }],
    ['list of the caller', LIST_LINE, ['list', 'containers'], { operands: ['containers'], flags: {} }],
    ['list -r of a container, in long rows', LIST_LINE, ['list', '-r', 'pids', '/a', '-l'], { operands: ['pids', '/a'], flags: { recursive: true, long: true } }],
    ['list with the row styles before it', LIST_LINE, ['-p', 'list', '-v', 'tids'], { operands: ['tids'], flags: { pairs: true, values: true } }],
  ])('takes %s as commander does', async (_what, shape, args, line) => {
    expect(parsePlainLine(args, shape)).toEqual(line);
    expect(await commanderParse(shape, args)).toEqual(line);
  });

  it.each<[string, LineShape, string[]]>([
    ['no argument', CREATE_LINE, ['create']],
    ['three arguments', CREATE_LINE, ['create', 'a', 'b', 'c']],
    ['help', CREATE_LINE, ['create', 'help']],
    ['help as a value', CREATE_LINE, ['create', 'web', '--root', 'help']],
    ['--help', CREATE_LINE, ['create', '--help']],
    ['an unknown flag', CREATE_LINE, ['create', '--bogus', 'x']],
    ["the command's own flag before it", CREATE_LINE, ['-c', 'f', 'create', 'web']],
    ["another command's flag", CREATE_LINE, ['create', '-r', 'web']],
    ['joined short flags', CREATE_LINE, ['create', '-pv', 'web']],
    ['a value joined to a short flag', CREATE_LINE, ['create', '-cf.spec', 'web']],
    ['a switch given a value', CREATE_LINE, ['create', '--dry-run=1', 'web']],
    ['a flag missing its value', CREATE_LINE, ['create', 'web', '--root']],
    ['--', CREATE_LINE, ['create', '--', 'web']],
    ['a negative number', CREATE_LINE, ['create', '-5']],
    ['another command', CREATE_LINE, ['destroy', '/a']],
    ['another command, to list', LIST_LINE, ['spec', '/']],
    ['no command', CREATE_LINE, ['--json']],
    ['the version', CREATE_LINE, ['-V', 'create', 'x']],
    ["list's -r before list", LIST_LINE, ['-r', 'list', 'pids']],
  ])('leaves %s to the whole CLI', (_what, shape, args) => {
    expect(parsePlainLine(args, shape)).toBeUndefined();
  });

  // Every line it takes, commander takes alike: the bundles behave as the whole CLI.
  it.each([CREATE_LINE, LIST_LINE])('takes no $command line commander parses otherwise (random lines of flags, values and words)', async (shape) => {
    const value = fc.constantFrom('web', '/a', 'containers', 'cpu:{limit:5}', '', '-', '2', '--dry-run', '-p', '-r', 'help', shape.command, '--');
    const piece = fc.oneof(
      fc.tuple(fc.constantFrom('--root', '--cgroup-version', '-c'), value).map(([f, v]) => [f, v]),
      fc.tuple(fc.constantFrom('--root=', '--cgroup-version=', '-c=', '--dry-run=', '--json='), value).map(([f, v]) => [f + v]),
      fc.constantFrom('--dry-run', '-r', '-p', '-v', '-l', '--json', '-pv', '-rl', '-cf', '-h', '--help', '-V', '-x', '-5', '--', '--=x', '--root').map((f) => [f]),
      value.map((v) => [v]),
    );
    const pieces = fc.array(piece, { maxLength: 5 }).map((ps) => ps.flat());
    const line = fc.tuple(pieces, fc.constantFrom([shape.command], [shape.command], [shape.command], []), pieces).map(([a, c, b]) => [...a, ...c, ...b]);
    await fc.assert(
      fc.asyncProperty(line, async (args) => {
        const taken = parsePlainLine(args, shape);
        if (taken !== undefined) expect(await commanderParse(shape, args)).toEqual(taken);
      }),
      { numRuns: 3000 },
    );
  });
});

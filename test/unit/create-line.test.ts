import fc from 'fast-check';
import type { Command } from 'commander';
import { describe, expect, it } from 'vitest';
import { ALL_COMMANDS } from '../../src/cli/all-commands.js';
import { registerCreate } from '../../src/cli/commands/create.js';
import type { SpecFlags } from '../../src/cli/commands/create-action.js';
import { parseCreateLine, type CreateLine } from '../../src/cli/create-line.js';
import { normalizeArgv } from '../../src/cli/main.js';
import { buildProgram } from '../../src/cli/program.js';

/** What commander makes of `args` with the whole CLI's program (main's parse; create's the one lifecycle command): the action's arguments, or undefined when it rejects the line or does not run create. */
async function commanderParse(args: string[]): Promise<CreateLine | undefined> {
  let got: CreateLine | undefined;
  const act = async (name: string, spec: string | undefined, flags: SpecFlags) => void (got = { name, spec, flags });
  const argv = normalizeArgv(args);
  const program = buildProgram({ ...ALL_COMMANDS, lifecycle: (p) => registerCreate(p, act) }, argv);
  const silent = { writeOut: () => {}, writeErr: () => {}, outputError: () => {} };
  for (const c of [program, ...program.commands] as Command[]) c.exitOverride().configureOutput(silent);
  try {
    await program.parseAsync(argv, { from: 'user' });
  } catch {
    return undefined;
  }
  return got;
}

describe("parseCreateLine: create's line without commander", () => {
  it.each<[string, string[], CreateLine]>([
    ['a name and a spec', ['create', 'web', 'cpu:{limit:500}'], { name: 'web', spec: 'cpu:{limit:500}', flags: {} }],
    ['a name alone', ['create', '/a/b'], { name: '/a/b', spec: undefined, flags: {} }],
    ['an empty spec', ['create', 'web', ''], { name: 'web', spec: '', flags: {} }],
    ['-c and --dry-run after the name', ['create', 'web', '-c', 'f.spec', '--dry-run'], { name: 'web', spec: undefined, flags: { specFile: 'f.spec', dryRun: true } }],
    ['the program flags before create', ['--root', 'r', '--cgroup-version', '2', '--json', 'create', 'web'], { name: 'web', spec: undefined, flags: { root: 'r', cgroupVersion: '2', json: true } }],
    ['--long=value', ['create', '--root=/x=y', 'web'], { name: 'web', spec: undefined, flags: { root: '/x=y' } }],
    ["a value is the next word, whatever it is (commander's required value)", ['create', '-c', '--dry-run', 'web'], { name: 'web', spec: undefined, flags: { specFile: '--dry-run' } }],
    ['the last of a flag given twice', ['create', '--root', 'a', 'web', '--root', 'b'], { name: 'web', spec: undefined, flags: { root: 'b' } }],
    ["the program's flag over create's (optsWithGlobals)", ['--root', 'a', 'create', 'web', '--root', 'b'], { name: 'web', spec: undefined, flags: { root: 'a' } }],
    ['the row styles', ['-p', 'create', '-v', '-l', 'web'], { name: 'web', spec: undefined, flags: { pairs: true, values: true, long: true } }],
    ['a lone dash is an argument', ['create', '-', 'memory:{}'], { name: '-', spec: 'memory:{}', flags: {} }],
  ])('takes %s as commander does', async (_what, args, line) => {
    expect(parseCreateLine(args)).toEqual(line);
    expect(await commanderParse(args)).toEqual(line);
  });

  it.each<[string, string[]]>([
    ['no argument', ['create']],
    ['three arguments', ['create', 'a', 'b', 'c']],
    ['help', ['create', 'help']],
    ['help as a value', ['create', 'web', '--root', 'help']],
    ['--help', ['create', '--help']],
    ['an unknown flag', ['create', '--bogus', 'x']],
    ["create's own flag before create", ['-c', 'f', 'create', 'web']],
    ['joined short flags', ['create', '-pv', 'web']],
    ['a value joined to a short flag', ['create', '-cf.spec', 'web']],
    ['a switch given a value', ['create', '--dry-run=1', 'web']],
    ['a flag missing its value', ['create', 'web', '--root']],
    ['--', ['create', '--', 'web']],
    ['a negative number', ['create', '-5']],
    ['another command', ['destroy', '/a']],
    ['no command', ['--json']],
    ['the version', ['-V', 'create', 'x']],
  ])('leaves %s to the whole CLI', (_what, args) => {
    expect(parseCreateLine(args)).toBeUndefined();
  });

  // Every line it takes, commander takes alike: the create bundle behaves as the whole CLI.
  it('takes no line commander parses otherwise (random lines of flags, values and words)', async () => {
    const value = fc.constantFrom('web', '/a', 'cpu:{limit:5}', '', '-', '2', '--dry-run', '-p', 'help', 'create', '--');
    const piece = fc.oneof(
      fc.tuple(fc.constantFrom('--root', '--cgroup-version', '-c'), value).map(([f, v]) => [f, v]),
      fc.tuple(fc.constantFrom('--root=', '--cgroup-version=', '-c=', '--dry-run=', '--json='), value).map(([f, v]) => [f + v]),
      fc.constantFrom('--dry-run', '-p', '-v', '-l', '--json', '-pv', '-cf', '-h', '--help', '-V', '-x', '-5', '--', '--=x', '--root').map((f) => [f]),
      value.map((v) => [v]),
    );
    const pieces = fc.array(piece, { maxLength: 5 }).map((ps) => ps.flat());
    const line = fc.tuple(pieces, fc.constantFrom(['create'], ['create'], ['create'], []), pieces).map(([a, c, b]) => [...a, ...c, ...b]);
    await fc.assert(
      fc.asyncProperty(line, async (args) => {
        const taken = parseCreateLine(args);
        if (taken !== undefined) expect(await commanderParse(args)).toEqual(taken);
      }),
      { numRuns: 3000 },
    );
  });
});

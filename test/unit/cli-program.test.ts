import * as fs from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ALL_COMMANDS } from '../../src/cli/all-commands.js';
import { GROUPS } from '../../src/cli/command-groups.js';
import { main } from '../../src/cli/main.js';
import { ELSEWHERE } from '../../src/cli/start.js';
import { baseProgram, buildProgram, groupsFor, holdsAll } from '../../src/cli/program.js';
import { BIN } from '../helpers/cli.js';

const names = (args?: string[]) => buildProgram(ALL_COMMANDS, args).commands.map((c) => c.name());

describe('the program is built from the command groups', () => {
  it.each(GROUPS.map((g) => [g.names.join(' '), g] as const))('the group of %s registers exactly those commands', (_n, group) => {
    const program = baseProgram();
    ALL_COMMANDS[group.key](program);
    expect(program.commands.map((c) => c.name())).toEqual(group.names);
  });

  it('the whole program is every group, in order', () => {
    expect(names()).toEqual(GROUPS.flatMap((g) => g.names));
  });
});

describe('groupsFor: the commands a command line needs', () => {
  it.each<[string, string[], string[]]>([
    ['a command: its group, and help', ['list', 'containers', '/'], ['list', 'spec', 'stats', 'help']],
    ['flags before it', ['--root', 'r', 'create', '/a'], ['init', 'create', 'update', 'destroy', 'pause', 'resume', 'help']],
    ['an argument naming a command adds its group', ['create', 'top'], ['init', 'create', 'update', 'destroy', 'pause', 'resume', 'top', 'help']],
    ['words after -- do not count', ['run', '/a', '--', 'top'], ['run', 'enter', 'detect', 'killall', 'help']],
    ['help: everything', ['help', 'list'], GROUPS.flatMap((g) => g.names)],
    ['no command (--version): everything', ['--version'], GROUPS.flatMap((g) => g.names)],
    ['an unknown command: everything, for the suggestions', ['lsit'], GROUPS.flatMap((g) => g.names)],
  ])('%s', (_what, args, commands) => {
    expect(groupsFor(args).flatMap((g) => g.names)).toEqual(commands);
    expect(names(args)).toEqual(commands);
  });
});

describe('a bundle of some groups (src/cli/entries/)', () => {
  const inspectOnly = { inspect: ALL_COMMANDS.inspect, help: ALL_COMMANDS.help };

  it('holds a line that names only its groups', () => {
    expect(holdsAll(inspectOnly, groupsFor(['list', 'containers', '/']))).toBe(true);
    expect(holdsAll(inspectOnly, groupsFor(['list', 'containers', 'create']))).toBe(false);
    expect(holdsAll(inspectOnly, groupsFor(['help', 'list']))).toBe(false);
  });

  // main answers ELSEWHERE having run nothing: the whole CLI then runs the line from the start.
  it.each<[string, string[]]>([
    ['another group named as an argument', ['list', 'containers', 'create']],
    ['help', ['list', 'help']],
    ['no command', ['--version']],
    ['a command it lacks, named after a word it holds: the suggestions need every command', ['lsit', 'list']],
  ])('hands on %s to the whole CLI', async (_what, args) => {
    expect(await main(args, inspectOnly)).toBe(ELSEWHERE);
  });

  it('the whole CLI never hands a line on', async () => {
    expect(await main(['lsit', 'list'], ALL_COMMANDS)).toBe(3);
  });

  it("bin/lmctfy.js's table of bundles names commands of one group each (as src/cli/command-groups.ts has them), none twice, and each bundle has its entry", () => {
    const line = /^const GROUP_BUNDLES = (\{.*\});$/m.exec(fs.readFileSync(BIN, 'utf8'));
    const table = JSON.parse(line![1]!) as Record<string, string[]>;
    expect(Object.keys(table).length).toBeGreaterThan(0);
    for (const [key, commands] of Object.entries(table)) {
      const group = GROUPS.find((g) => g.names.includes(commands[0]!));
      expect(commands).toEqual(group?.names.filter((n) => commands.includes(n)));
      expect(fs.existsSync(new URL(`../../src/cli/entries/${key}.ts`, import.meta.url))).toBe(true);
    }
    const all = Object.values(table).flat();
    expect(new Set(all).size).toBe(all.length);
  });
});

import { describe, expect, it } from 'vitest';
import { COMMAND_GROUPS, baseProgram, buildProgram, groupsFor } from '../../src/cli/program.js';

const names = (args?: string[]) => buildProgram(args).commands.map((c) => c.name());

describe('the program is built from the command groups', () => {
  it.each(COMMAND_GROUPS.map((g) => [g.names.join(' '), g] as const))('the group of %s registers exactly those commands', (_n, group) => {
    const program = baseProgram();
    group.register(program);
    expect(program.commands.map((c) => c.name())).toEqual(group.names);
  });

  it('the whole program is every group, in order', () => {
    expect(names()).toEqual(COMMAND_GROUPS.flatMap((g) => g.names));
  });
});

describe('groupsFor: the commands a command line needs', () => {
  it.each<[string, string[], string[]]>([
    ['a command: its group, and help', ['list', 'containers', '/'], ['list', 'spec', 'stats', 'help']],
    ['flags before it', ['--root', 'r', 'create', '/a'], ['init', 'create', 'update', 'destroy', 'pause', 'resume', 'help']],
    ['an argument naming a command adds its group', ['create', 'top'], ['init', 'create', 'update', 'destroy', 'pause', 'resume', 'top', 'help']],
    ['words after -- do not count', ['run', '/a', '--', 'top'], ['run', 'enter', 'detect', 'killall', 'help']],
    ['help: everything', ['help', 'list'], COMMAND_GROUPS.flatMap((g) => g.names)],
    ['no command (--version): everything', ['--version'], COMMAND_GROUPS.flatMap((g) => g.names)],
    ['an unknown command: everything, for the suggestions', ['lsit'], COMMAND_GROUPS.flatMap((g) => g.names)],
  ])('%s', (_what, args, commands) => {
    expect(groupsFor(args).flatMap((g) => g.names)).toEqual(commands);
    expect(names(args)).toEqual(commands);
  });
});

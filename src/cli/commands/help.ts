import type { Command } from 'commander';
import { Code, LmctfyError } from '../../engine/errors.js';
import { stdout } from '../output.js';

/**
 * `help [topic]` (and `<command> help`, and a bare `lmctfy`): the usage of the program or of
 * one command; `help spec` adds the ContainerSpec fields with their units. An unknown topic
 * is an error, not the program's usage.
 */
export function registerHelp(program: Command): void {
  program.helpCommand(false);
  program
    .command('help')
    .argument('[topic]', 'a command, or spec for the spec fields')
    .description('show help for a command; help spec also lists the ContainerSpec fields and their units')
    .action(async (topic: string | undefined) => {
      if (topic === undefined) {
        program.outputHelp();
        return;
      }
      const cmd = program.commands.find((c) => c.name() === topic);
      if (!cmd) {
        const topics = program.commands.map((c) => c.name()).join(', ');
        throw new LmctfyError(Code.INVALID_ARGUMENT, `help: no command or topic "${topic}"; there is help for ${topics}`);
      }
      cmd.outputHelp();
      if (topic === 'spec') {
        const { containerSpecHelp } = await import('../spec-fields.js');
        stdout.write(`\n${containerSpecHelp()}`);
      }
    });
}

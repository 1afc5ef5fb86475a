import { Command } from 'commander';
import { withGlobals } from './commands/common.js';
import { registerLifecycle } from './commands/lifecycle.js';
import { registerProcesses } from './commands/processes.js';
import { registerInspect } from './commands/inspect.js';
import { registerMonitor } from './commands/monitor.js';

export const VERSION = '0.6.0';

export function buildProgram(): Command {
  const program = withGlobals(new Command('lmctfy'))
    .description('lmctfy: let me contain that for you. Hierarchical Linux containers on cgroups v1 and v2.')
    .version(`lmctfy version ${VERSION}`, '-V, --version', 'print the version')
    .enablePositionalOptions()
    .helpCommand('help [command]', 'show help for a command')
    .showSuggestionAfterError(true);
  registerLifecycle(program);
  registerProcesses(program);
  registerInspect(program);
  registerMonitor(program);
  return program;
}

import { Command } from 'commander';
import { withGlobals } from './commands/options.js';
import { registerLifecycle } from './commands/lifecycle.js';
import { registerProcesses } from './commands/processes.js';
import { registerInspect } from './commands/inspect.js';
import { registerNotify } from './commands/notify.js';
import { registerTop } from './commands/top.js';
import { registerServe } from './commands/serve.js';
import { registerHelp } from './commands/help.js';
import { registerRootfs } from './commands/rootfs.js';
import { registerPolicy } from './commands/policy.js';

/** package.json's version, put in by the bundler (scripts/build.mjs; vitest.config.ts under test). */
declare const LMCTFY_VERSION: string;

export function buildProgram(): Command {
  const program = withGlobals(new Command('lmctfy'))
    .description('lmctfy: let me contain that for you. Hierarchical Linux containers on cgroups v1 and v2.')
    .version(`lmctfy version ${LMCTFY_VERSION}`, '-V, --version', 'print the version')
    .enablePositionalOptions()
    .showSuggestionAfterError(true);
  program.addHelpText(
    'after',
    `
The exit status is the canonical status code: 0 OK, 1 CANCELLED, 2 UNKNOWN, 3 INVALID_ARGUMENT,
5 NOT_FOUND, 6 ALREADY_EXISTS, 7 PERMISSION_DENIED, 8 RESOURCE_EXHAUSTED, 9 FAILED_PRECONDITION,
10 ABORTED, 12 UNIMPLEMENTED, 13 INTERNAL. Specs are protobuf text format, e.g.
"memory:{limit:100000000}", or JSON; -c FILE also takes binary.`,
  );
  registerLifecycle(program);
  registerProcesses(program);
  registerInspect(program);
  registerNotify(program);
  registerTop(program);
  registerServe(program);
  registerPolicy(program);
  registerRootfs(program);
  registerHelp(program);
  return program;
}

import type { Command } from 'commander';
import type { GroupKey } from './command-groups.js';
import { registerLifecycle } from './commands/lifecycle.js';
import { registerProcesses } from './commands/processes.js';
import { registerInspect } from './commands/inspect.js';
import { registerNotify } from './commands/notify.js';
import { registerEvents } from './commands/events.js';
import { registerTop } from './commands/top.js';
import { registerServe } from './commands/serve.js';
import { registerHelp } from './commands/help.js';
import { registerRootfs } from './commands/rootfs.js';
import { registerPolicy } from './commands/policy.js';
import { registerRecord } from './commands/record.js';
import { registerDaemon } from './commands/daemon.js';
import { registerCheckpoint } from './commands/checkpoint.js';
import { registerImage } from './commands/image.js';

/** Every group's registrar: the whole CLI (src/cli/entries/all.ts), and the tests of the program. */
export const ALL_COMMANDS: Record<GroupKey, (program: Command) => void> = {
  lifecycle: registerLifecycle,
  processes: registerProcesses,
  inspect: registerInspect,
  notify: registerNotify,
  events: registerEvents,
  top: registerTop,
  serve: registerServe,
  policy: registerPolicy,
  daemon: registerDaemon,
  record: registerRecord,
  rootfs: registerRootfs,
  checkpoint: registerCheckpoint,
  image: registerImage,
  help: registerHelp,
};

// The processes commands alone (dist/lmctfy-processes.cjs): a smaller bundle for bin/lmctfy.js to start them from.
import { registerHelp } from '../commands/help.js';
import { registerProcesses } from '../commands/processes.js';
import { cliOf } from '../entry.js';

export const run = cliOf({ processes: registerProcesses, help: registerHelp });

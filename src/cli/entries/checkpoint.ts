// The checkpoint commands alone (dist/lmctfy-checkpoint.cjs): a smaller bundle for bin/lmctfy.js to start them from.
import { registerHelp } from '../commands/help.js';
import { registerCheckpoint } from '../commands/checkpoint.js';
import { cliOf } from '../entry.js';

export const run = cliOf({ checkpoint: registerCheckpoint, help: registerHelp });

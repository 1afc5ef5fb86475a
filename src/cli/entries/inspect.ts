// The inspect commands alone (dist/lmctfy-inspect.cjs): a smaller bundle for bin/lmctfy.js to start them from.
import { registerHelp } from '../commands/help.js';
import { registerInspect } from '../commands/inspect.js';
import { cliOf } from '../entry.js';

export const run = cliOf({ inspect: registerInspect, help: registerHelp });

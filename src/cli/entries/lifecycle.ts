// The lifecycle commands alone (dist/lmctfy-lifecycle.cjs): a smaller bundle for bin/lmctfy.js to start them from.
import { registerHelp } from '../commands/help.js';
import { registerLifecycle } from '../commands/lifecycle.js';
import { cliOf } from '../entry.js';

export const run = cliOf({ lifecycle: registerLifecycle, help: registerHelp });

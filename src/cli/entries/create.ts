// `create` alone (dist/lmctfy-create.cjs): commander's program of this one command rather
// than of the lifecycle group's six. bin/lmctfy.js starts only lines naming `create` and no
// other command from it; a line needing another command meets an unknown command here and is
// handed on to the whole CLI, as main does for any group bundle.
import { registerCreate } from '../commands/create.js';
import { registerHelp } from '../commands/help.js';
import { cliOf } from '../entry.js';

export const run = cliOf({ lifecycle: registerCreate, help: registerHelp });

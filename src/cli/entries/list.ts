// `list` alone (dist/lmctfy-list.cjs): the inspect group's most run command, without the
// spec's codec and the stats' samplers its group brings. bin/lmctfy.js starts only lines
// naming `list` and no other command from it; a line needing another command meets an
// unknown command here and is handed on to the whole CLI, as main does for any group bundle.
import { registerHelp } from '../commands/help.js';
import { registerList } from '../commands/list.js';
import { cliOf } from '../entry.js';

export const run = cliOf({ inspect: registerList, help: registerHelp });

// The whole CLI (dist/lmctfy.cjs): every command; what bin/lmctfy.js loads when the command
// line's group has no bundle of its own, and what such a bundle hands a line on to.
import { ALL_COMMANDS } from '../all-commands.js';
import { cliOf } from '../entry.js';

export const run = cliOf(ALL_COMMANDS);

// `list` alone (dist/lmctfy-list.cjs): the inspect group's most run command, without the
// spec's codec and the stats' samplers its group brings, and without commander:
// src/cli/plain-cli.ts runs a plain `list` line and hands any other on to the whole CLI.
import { LIST_LINE, listContainer } from '../commands/list-action.js';
import { plainCli } from '../plain-cli.js';

export const run = plainCli(LIST_LINE, listContainer);

// `create` alone (dist/lmctfy-create.cjs), without commander: src/cli/plain-cli.ts runs a
// plain `create` line and hands any other on to the whole CLI.
import { CREATE_LINE, createContainer } from '../commands/create-action.js';
import { plainCli } from '../plain-cli.js';

export const run = plainCli(CREATE_LINE, createContainer);

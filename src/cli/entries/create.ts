// `create` alone (dist/lmctfy-create.cjs), without commander: the line is parsed by
// src/cli/create-line.ts, which takes the plain `create` lines it parses as commander does
// and hands every other line (help, a flag it does not know, a wrong number of arguments, a
// line the bin sent here by mistake) on to the whole CLI, having run nothing, whose program
// says what is wrong in the words and with the exit code it always did.
import { createContainer } from '../commands/create-action.js';
import { parseCreateLine } from '../create-line.js';
import { failed } from '../failure.js';
import { ELSEWHERE, startWith } from '../start.js';

export const run = startWith(async (args) => {
  const line = parseCreateLine(args);
  if (line === undefined) return ELSEWHERE;
  try {
    await createContainer(line.name, line.spec, line.flags);
    return typeof process.exitCode === 'number' ? process.exitCode : 0;
  } catch (e) {
    return failed(e, args);
  }
});

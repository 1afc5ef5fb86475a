import type { CommandFlags } from './commands/options.js';
import { failed } from './failure.js';
import { parsePlainLine, type LineShape } from './plain-line.js';
import { ELSEWHERE, startWith } from './start.js';

/**
 * The `run` of a bundle of one command (`create`, `list`: src/cli/entries/) without commander:
 * a plain line of `shape` (src/cli/plain-line.ts) runs `act` here, any other line (help, a
 * flag it does not take, a wrong number of arguments, a line the bin sent here by mistake) is
 * handed on to the whole CLI having run nothing, whose program says what is wrong in the
 * words and with the exit code it always did.
 */
export function plainCli<F extends CommandFlags>(shape: LineShape, act: (first: string, second: string | undefined, flags: F) => Promise<void>) {
  return startWith(async (args) => {
    const line = parsePlainLine<F>(args, shape);
    if (line === undefined) return ELSEWHERE;
    try {
      await act(line.operands[0]!, line.operands[1], line.flags);
      return typeof process.exitCode === 'number' ? process.exitCode : 0;
    } catch (e) {
      return failed(e, args);
    }
  });
}

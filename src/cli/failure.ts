import { Code, LmctfyError, asLmctfyError } from '../engine/errors.js';
import { stderr } from './output.js';

function wantsJson(args: string[]): boolean {
  const end = args.indexOf('--');
  return (end < 0 ? args : args.slice(0, end)).includes('--json');
}

/** One line on stderr naming the code and the cause (JSON when the line has --json); the canonical code is the exit code. */
export function report(err: LmctfyError, args: string[]): void {
  if (wantsJson(args)) stderr.write(JSON.stringify({ error: { code: Code[err.code], exit: err.code, message: err.message } }) + '\n');
  else stderr.write(`lmctfy: ${err.describe()}\n`);
}

/** Reports what a command of the line `args` threw and gives its exit code; LMCTFY_DEBUG adds an internal error's stack. */
export function failed(e: unknown, args: string[]): number {
  const err = asLmctfyError(e);
  report(err, args);
  if (err.code === Code.INTERNAL && process.env.LMCTFY_DEBUG) stderr.write(`${(e as Error).stack}\n`);
  return err.code;
}

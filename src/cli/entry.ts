import { setImportModule } from './console-bridge.js';
import { endWhenIdle } from './commands/end-when-idle.js';
import { main } from './main.js';

/**
 * A reader that stops early (`lmctfy list pids -r / | head -1`) ends the output quietly, not
 * with a stack trace. Attached when something first asks for process.stdout: most commands
 * print through src/cli/output.ts and never make Node's stream (a cost at every start).
 */
function quietEpipeOnStdout(): void {
  const own = Object.getOwnPropertyDescriptor(process, 'stdout');
  if (!own?.get || !own.configurable) {
    process.stdout.on('error', onStdoutError);
    return;
  }
  Object.defineProperty(process, 'stdout', {
    configurable: true,
    enumerable: own.enumerable,
    get() {
      Object.defineProperty(process, 'stdout', own);
      const stream = process.stdout;
      stream.on('error', onStdoutError);
      return stream;
    },
  });
}

function onStdoutError(e: NodeJS.ErrnoException): void {
  if (e.code !== 'EPIPE') throw e;
  process.exit();
}

/**
 * Runs the CLI on process.argv: bin/lmctfy.js calls this with its own import(), which the
 * interactive console's ES module is loaded with (src/cli/console-bridge.ts).
 */
export function run(importModule: (url: string) => Promise<unknown>): void {
  setImportModule(importModule);
  quietEpipeOnStdout();
  endWhenIdle();
  void main(process.argv.slice(2)).then((code) => {
    process.exitCode = code;
  });
}

import { setImportModule } from './console-bridge.js';
import { main } from './main.js';

/**
 * Runs the CLI on process.argv: bin/lmctfy.js calls this with its own import(), which the
 * interactive console's ES module is loaded with (src/cli/console-bridge.ts).
 */
export function run(importModule: (url: string) => Promise<unknown>): void {
  setImportModule(importModule);
  // A reader that stops early (`lmctfy list pids -r / | head -1`) ends the output quietly, not
  // with a stack trace.
  process.stdout.on('error', (e: NodeJS.ErrnoException) => {
    if (e.code !== 'EPIPE') throw e;
    process.exit();
  });
  void main(process.argv.slice(2)).then((code) => {
    process.exitCode = code;
  });
}

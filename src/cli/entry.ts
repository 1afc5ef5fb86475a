import type { ChildProcess } from 'node:child_process';
import { adoptPrimedCriu } from '../engine/checkpoint/prime.js';
import { setImportModule } from './console-bridge.js';
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
 * Ends the process as soon as its event loop has nothing left to do, with the exit code
 * already set, instead of letting Node tear its heap down first: that teardown (unmapping
 * the V8 heap, tens of calls each costing a TLB flush across the VM's CPUs) took 60–160 ms
 * of a `restore` after its last step (BENCHMARKS.md, checkpoint/restore). 'beforeExit' fires
 * only once nothing is pending, so no write, child or timer is cut short; 'exit' listeners
 * still run.
 */
function endWhenIdle(): void {
  process.once('beforeExit', () => process.exit());
}

/**
 * Runs the CLI on process.argv: bin/lmctfy.js calls this with its own import(), which the
 * interactive console's ES module is loaded with (src/cli/console-bridge.ts), and for
 * checkpoint and restore with the criu helper it started first (src/engine/checkpoint/prime.ts).
 */
export function run(importModule: (url: string) => Promise<unknown>, primedCriu?: ChildProcess): void {
  setImportModule(importModule);
  adoptPrimedCriu(primedCriu);
  quietEpipeOnStdout();
  endWhenIdle();
  void main(process.argv.slice(2)).then((code) => {
    process.exitCode = code;
  });
}

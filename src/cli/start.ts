import { adoptPrimedCriu, type PrimedHelper } from '../engine/checkpoint/prime.js';
import { spawnAddon } from '../engine/spawn-addon.js';
import { setImportModule } from './console-bridge.js';

/**
 * The process-wide set-up below is made once, though a bundle of some commands may hand a
 * command line on to the whole CLI's bundle, which runs its own copy of this module.
 */
const SET_UP = Symbol.for('lmctfy.cli.set-up');

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
 * still run, and then, where Node has nothing of its own to write at its end, the last of
 * them ends the process (quickEnd), or it ends at once where none listens. `on`, not
 * `once`: process.exit() never returns, and `once` costs three more of Node's functions
 * compiled at every start.
 */
function endWhenIdle(): void {
  process.on('beforeExit', () => {
    const end = quickEnd();
    if (!end) return void process.exit();
    // No listener: nothing for process.exit() to run, and its functions need not be compiled.
    if (process.listenerCount('exit') === 0) end(typeof process.exitCode === 'number' ? process.exitCode : 0);
    process.on('exit', end);
    process.exit();
  });
}

/** What the native launcher gives Node: the main file taken as named (scripts/write-launcher.mjs), a pool of one V8 thread (native/launcher.c). */
const LAUNCHER_OPTIONS: readonly string[] = ['--preserve-symlinks-main', '--v8-pool-size=1'];

/**
 * Whether Node may be left without its own end: its exit joins its worker threads one by
 * one and runs OpenSSL's and its option parsers' C++ destructors, ~0.6 ms of a ~25 ms
 * command on this VM and nothing a command's output needs (it is written synchronously,
 * src/cli/output.ts). Not where Node was asked for something it writes at its end: a
 * profile, coverage, a trace or a log (any node option but the native launcher's own, or
 * NODE_OPTIONS).
 */
export function mayEndQuickly(execArgv: readonly string[], env: NodeJS.ProcessEnv): boolean {
  return !env.NODE_OPTIONS && !env.NODE_V8_COVERAGE && execArgv.every((a) => LAUNCHER_OPTIONS.includes(a));
}

/** The 'exit' listener that ends the process at once (the add-on's _exit); undefined where Node's own end is kept. */
function quickEnd(): ((code: number) => void) | undefined {
  if (!mayEndQuickly(process.execArgv, process.env)) return undefined;
  try {
    const addon = spawnAddon();
    // An exit code beyond what a process can return (Node takes its low byte) is left to Node.
    return (code) => {
      if (Number.isInteger(code) && code >= 0 && code <= 255) addon.exit(code);
    };
  } catch {
    return undefined; // the add-on was not built: Node's own end, only slower
  }
}

/** bin/lmctfy.js's import(), with which the interactive console's ES module is loaded (src/cli/console-bridge.ts). */
export type ImportModule = (url: string) => Promise<unknown>;

/** A command line runner's answer when the bundle running it lacks what the line may need: run the whole CLI. */
export const ELSEWHERE = Symbol('the whole CLI');

/** Runs a command line (the words after `lmctfy`) and resolves with the exit code, or ELSEWHERE having run nothing. */
export type LineRunner = (args: string[]) => Promise<number | typeof ELSEWHERE>;

/**
 * A bundle's `run`, running process.argv with `runLine`. bin/lmctfy.js loads the bundle of
 * the command line's group (scripts/build.mjs) and calls it with its own import(), for
 * checkpoint and restore the criu helper it started first (src/engine/checkpoint/prime.ts),
 * and, from a bundle of some commands, `whole`: what runs the line with every command when
 * it needs one this bundle lacks (the bin's choice is only a guess by the command's name;
 * the runner decides, before running anything).
 */
export function startWith(runLine: LineRunner): (importModule: ImportModule, primedCriu?: PrimedHelper, whole?: () => void) => void {
  return (importModule, primedCriu, whole) => {
    setImportModule(importModule);
    adoptPrimedCriu(primedCriu);
    const proc = process as NodeJS.Process & { [SET_UP]?: true };
    if (!proc[SET_UP]) {
      proc[SET_UP] = true;
      quietEpipeOnStdout();
      endWhenIdle();
    }
    void runLine(process.argv.slice(2)).then((code) => {
      if (code !== ELSEWHERE) process.exitCode = code;
      else if (whole) whole();
      else throw new Error('lmctfy: the whole CLI lacks a command group');
    });
  };
}

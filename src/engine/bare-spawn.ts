import * as fs from 'node:fs';
import { Code, LmctfyError } from './errors.js';
import { errnoName } from './os-names.js';
import { spawnAddon, type SpawnAddon } from './spawn-addon.js';

/**
 * A gated helper started without `child_process` and without a fork of Node: what `lmctfy
 * run` in the foreground needs (a pid, signals, the exit, one byte of gate and a status pipe
 * read to its end). The helper is started by lmctfy's add-on (native/spawn-addon.c) with
 * posix_spawn, a vfork: libuv forks, copying the page tables of Node's whole heap and
 * leaving Node copy-on-write faults to take after it, some milliseconds on a VM
 * (docs/ARCHITECTURE.md, "Two ways to spawn"). The status pipe is read on Node's pipe
 * binding (process.binding's, DEP0111, a documentation-only deprecation for it), the exit
 * found on SIGCHLD (or by a slow poll in a worker thread, which gets no signals); no
 * child_process, net, dgram or stream module is loaded.
 */
export interface BareChild {
  readonly pid: number;
  /** The gate (fd 3 in the child): one byte; a reader already gone is not our error. */
  openGate(): void;
  /** Everything the status pipe (fd 4) carried until every writer closed it. */
  readonly status: Promise<string>;
  /** The exit: its code, or the name of the signal that ended it. */
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  kill(signal: NodeJS.Signals): void;
}

interface PipeHandle {
  onread: (buf: ArrayBuffer | undefined) => void;
  open(fd: number): number;
  readStart(): number;
  close(): void;
}

interface Bindings {
  addon: SpawnAddon;
  Pipe: new (type: number) => PipeHandle;
  socket: number;
  state: Int32Array;
  nread: number;
  offset: number;
  signals: Record<string, number>;
}

let bindings: Bindings | undefined;

function load(): Bindings {
  if (bindings) return bindings;
  const binding = (process as unknown as { binding(name: string): Record<string, unknown> }).binding;
  const { Pipe, constants } = binding('pipe_wrap') as { Pipe: Bindings['Pipe']; constants: { SOCKET: number } };
  const stream = binding('stream_wrap') as { streamBaseState: Int32Array; kReadBytesOrError: number; kArrayBufferOffset: number };
  // The signal numbers without loading node:os (the CLI bundle loads it lazily).
  const { os } = binding('constants') as { os: { signals: Record<string, number> } };
  bindings = { addon: spawnAddon(), Pipe, socket: constants.SOCKET, state: stream.streamBaseState, nread: stream.kReadBytesOrError, offset: stream.kArrayBufferOffset, signals: os.signals };
  return bindings;
}

/**
 * Reads a pipe's read end to its end (EOF or an error) on a pipe handle, then closes it;
 * `onData` sees each piece as it comes.
 */
export function readPipe(fd: number, onData?: (text: string) => void): Promise<string> {
  const b = load();
  const pipe = new b.Pipe(b.socket);
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    pipe.onread = (buf) => {
      const n = b.state[b.nread]!;
      if (n > 0 && buf) {
        const chunk = Buffer.from(buf, b.state[b.offset]!, n);
        chunks.push(chunk);
        onData?.(chunk.toString('utf8'));
        return;
      }
      if (n === 0) return;
      pipe.close();
      resolve(Buffer.concat(chunks).toString('utf8'));
    };
    if (pipe.open(fd) !== 0) {
      fs.closeSync(fd);
      pipe.close();
      resolve('');
    } else if (pipe.readStart() !== 0) {
      pipe.close();
      resolve('');
    }
  });
}

/** A new pipe, both ends close-on-exec (a child gets an end only through spawnBare's fds). */
export function makePipe(file: string): [number, number] {
  return pipeOf(load(), file);
}

/** Writes all of `data` to fd; false when the reader is gone (EPIPE) or the write failed. */
export function writeAll(fd: number, data: Buffer): boolean {
  try {
    for (let at = 0; at < data.length; ) at += fs.writeSync(fd, data, at, data.length - at);
    return true;
  } catch {
    return false;
  }
}

/**
 * Starts `file` with argv (argv[0] included) and envp (null: this process's environment);
 * fds[i] becomes its fd i (-1: /dev/null for 0 to 2, closed above). The pid; an
 * LmctfyError when it could not be started.
 */
export function spawnBare(file: string, argv: string[], envp: string[] | null, fds: number[]): number {
  const pid = load().addon.spawn(file, argv, envp, fds);
  if (pid < 0) throw new LmctfyError(Code.INTERNAL, `cannot start ${file}: ${errnoName(-pid)}`);
  return pid;
}

/** KEY=VALUE strings of an environment, its unset entries left out. */
export function envpOf(env: NodeJS.ProcessEnv): string[] {
  const envp: string[] = [];
  for (const [k, v] of Object.entries(env)) if (v !== undefined) envp.push(`${k}=${v}`);
  return envp;
}

type Exit = { code: number | null; signal: NodeJS.Signals | null };

/**
 * The exit of our child `pid` (`file` names it in an error), found on SIGCHLD or by a slow
 * poll; `onEnd` runs first, once it is reaped. Call before anything could make it end, so
 * an exit cannot come first: Node's signal listener does not hold the event loop open, and
 * a worker thread gets no signals; the poll's timer does both until the exit.
 */
function watchExit(b: Bindings, file: string, onEnd: () => void): { exited: Promise<Exit>; start(pid: number): void; cancel(): void } {
  let pid = 0;
  let running = true;
  let onExit: (exit: Exit) => void = () => undefined;
  let onLost: (e: Error) => void = () => undefined;
  const exited = new Promise<Exit>((resolve, reject) => {
    onExit = resolve;
    onLost = reject;
  });
  const stop = () => {
    running = false;
    process.off('SIGCHLD', reap);
    clearInterval(hold);
  };
  function reap() {
    if (!running || pid <= 0) return;
    const status = b.addon.reap(pid);
    if (status === -1) return; // stopped or continued, or another child's SIGCHLD
    stop();
    onEnd();
    if (status >= 0) onExit(exitOf(status, b.signals));
    else onLost(new LmctfyError(Code.INTERNAL, `cannot wait for ${file} (pid ${pid}): ${errnoName(-status - 1)}`));
  }
  process.on('SIGCHLD', reap);
  const hold = setInterval(reap, REAP_POLL_MS);
  return {
    exited,
    start(p) {
      pid = p;
      reap();
    },
    cancel: stop,
  };
}

/** The exit of our child `pid`, already started (`file` names it in an error). */
export function exitOfChild(pid: number, file: string): Promise<Exit> {
  const watch = watchExit(load(), file, () => undefined);
  watch.start(pid);
  return watch.exited;
}

function pipeOf(b: Bindings, file: string): [number, number] {
  const fds = b.addon.pipe();
  if (typeof fds === 'number') throw new LmctfyError(Code.INTERNAL, `cannot start ${file}: pipe: ${errnoName(-fds)}`);
  return fds;
}

/** The exit a wait status says: its code, or the signal that ended it. */
export function exitOf(status: number, signals: Record<string, number>): { code: number | null; signal: NodeJS.Signals | null } {
  const signo = status & 0x7f;
  if (signo === 0) return { code: (status >> 8) & 0xff, signal: null };
  const name = Object.keys(signals).find((k) => signals[k] === signo);
  return { code: null, signal: (name ?? null) as NodeJS.Signals | null };
}

/** How often the exit is looked for without a SIGCHLD (in a worker thread, which gets none). */
const REAP_POLL_MS = 1000;

/**
 * Starts `file` with `args` (args[0] included) and the given stdin, stdout and stderr
 * inherited, a gate pipe on fd 3 and a status pipe on fd 4.
 */
export function spawnGated(file: string, args: string[], opts: { stdio: [number, number, number]; env: NodeJS.ProcessEnv }): BareChild {
  const b = load();
  const gate = pipeOf(b, file);
  let statusPipe: [number, number];
  try {
    statusPipe = pipeOf(b, file);
  } catch (e) {
    for (const fd of gate) fs.closeSync(fd);
    throw e;
  }
  let gateOpen = true;
  const closeGate = () => {
    if (gateOpen) fs.closeSync(gate[1]);
    gateOpen = false;
  };
  let running = true;
  const watch = watchExit(b, file, () => {
    running = false;
    // Never opened (placement failed and the child was killed): its pipe closes with it.
    closeGate();
  });
  const pid = b.addon.spawn(file, args, envpOf(opts.env), [...opts.stdio, gate[0], statusPipe[1]]);
  fs.closeSync(gate[0]);
  fs.closeSync(statusPipe[1]);
  if (pid < 0) {
    watch.cancel();
    closeGate();
    fs.closeSync(statusPipe[0]);
    throw new LmctfyError(Code.INTERNAL, `cannot start ${file}: ${errnoName(-pid)}`);
  }
  watch.start(pid);
  const status = readPipe(statusPipe[0]);
  return {
    pid,
    openGate() {
      if (!gateOpen) return;
      try {
        fs.writeSync(gate[1], '\n');
      } catch {
        // The gate's reader died before we wrote (killed, or placement failed).
      }
      closeGate();
    },
    status,
    exited: watch.exited,
    kill(signal) {
      if (running) process.kill(pid, signal);
    },
  };
}

import * as fs from 'node:fs';
import { Code, LmctfyError } from './errors.js';
import { errnoName, signalNumber } from './os-names.js';

/**
 * A gated helper started on Node's own process and pipe bindings instead of `child_process`:
 * what `lmctfy run` in the foreground needs (a pid, signals, the exit, one byte of gate and a
 * status pipe read to its end), without loading child_process, net, dgram and the stream
 * modules, nor making a net.Socket per pipe (docs/ARCHITECTURE.md, "Two ways to spawn"). The
 * bindings are process.binding's (DEP0111, a documentation-only deprecation; these modules
 * stay on its allow list); their shapes are Node's, checked by test/unit/bare-spawn.test.ts.
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

interface ProcessHandle {
  pid: number;
  onexit: (code: number, signal: string) => void;
  spawn(options: object): number;
  kill(signal: number): number;
  close(): void;
}

interface PipeHandle {
  readonly fd: number;
  onread: (buf: ArrayBuffer | undefined) => void;
  readStart(): number;
  close(): void;
}

interface Bindings {
  Process: new () => ProcessHandle;
  Pipe: new (type: number) => PipeHandle;
  socket: number;
  state: Int32Array;
  nread: number;
  offset: number;
}

let bindings: Bindings | undefined;

function load(): Bindings {
  if (bindings) return bindings;
  const binding = (process as unknown as { binding(name: string): Record<string, unknown> }).binding;
  const { Process } = binding('process_wrap') as { Process: Bindings['Process'] };
  const { Pipe, constants } = binding('pipe_wrap') as { Pipe: Bindings['Pipe']; constants: { SOCKET: number } };
  const stream = binding('stream_wrap') as { streamBaseState: Int32Array; kReadBytesOrError: number; kArrayBufferOffset: number };
  bindings = { Process, Pipe, socket: constants.SOCKET, state: stream.streamBaseState, nread: stream.kReadBytesOrError, offset: stream.kArrayBufferOffset };
  return bindings;
}

/** Reads a pipe handle to its end (EOF or an error), then closes it. */
function readToEnd(b: Bindings, pipe: PipeHandle): Promise<string> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    pipe.onread = (buf) => {
      const n = b.state[b.nread]!;
      if (n > 0 && buf) {
        chunks.push(Buffer.from(buf, b.state[b.offset]!, n));
        return;
      }
      if (n === 0) return;
      pipe.close();
      resolve(Buffer.concat(chunks).toString('utf8'));
    };
    if (pipe.readStart() !== 0) {
      pipe.close();
      resolve('');
    }
  });
}

/**
 * Starts `file` with `args` (args[0] included) and the given stdin, stdout and stderr
 * inherited, a gate pipe on fd 3 and a status pipe on fd 4.
 */
export function spawnGated(file: string, args: string[], opts: { stdio: [number, number, number]; env: NodeJS.ProcessEnv }): BareChild {
  const b = load();
  const gate = new b.Pipe(b.socket);
  const statusPipe = new b.Pipe(b.socket);
  const handle = new b.Process();
  let gateOpen = true;
  let running = true;
  const closeGate = () => {
    if (gateOpen) gate.close();
    gateOpen = false;
  };
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
    handle.onexit = (code, signal) => {
      running = false;
      handle.close();
      // Never opened (placement failed and the child was killed): a handle left open keeps the loop alive.
      closeGate();
      resolve(signal ? { code: null, signal: signal as NodeJS.Signals } : { code, signal: null });
    };
  });
  const envPairs: string[] = [];
  for (const [k, v] of Object.entries(opts.env)) if (v !== undefined) envPairs.push(`${k}=${v}`);
  const err = handle.spawn({
    file,
    args,
    envPairs,
    stdio: [...opts.stdio.map((fd) => ({ type: 'fd', fd })), { type: 'pipe', handle: gate }, { type: 'pipe', handle: statusPipe }],
  });
  if (err !== 0) {
    gate.close();
    statusPipe.close();
    handle.close();
    throw new LmctfyError(Code.INTERNAL, `cannot start ${file}: ${errnoName(-err)}`);
  }
  const status = readToEnd(b, statusPipe);
  return {
    pid: handle.pid,
    openGate() {
      if (!gateOpen) return;
      try {
        fs.writeSync(gate.fd, '\n');
      } catch {
        // The gate's reader died before we wrote (killed, or placement failed).
      }
      closeGate();
    },
    status,
    exited,
    kill(signal) {
      if (running) handle.kill(signalNumber(signal));
    },
  };
}

import { spawn, type ChildProcess } from 'node:child_process';
import * as path from 'node:path';
import { Code, LmctfyError, isLmctfyError } from './errors.js';
import { errnoName } from './os-names.js';
import { spawnGated } from './bare-spawn.js';
import { exitStatus } from './interactive.js';
import type { Machine } from './kernel/machine.js';
import { poolFor } from './cpu-pool.js';
import { nativeHelper } from './native-helpers.js';
import { handleFor } from './handle.js';
import { freezerState } from './resources/freezer.js';
import type { V1Controller } from './kernel/layout.js';
import { RESOURCE_KEYS, type ResourceKey } from './spec-rules.js';

/** A file to write a task id into, and whose it is: the container's own, or (a hierarchy it does not isolate) an ancestor's. */
export interface PlacementTarget {
  file: string;
  controller: V1Controller;
  /** The container whose cgroup the file belongs to. */
  container: string;
}

/** One target per distinct hierarchy to write a task id into so it lands in `name`. */
export function placementTargets(machine: Machine, name: string, kind: 'procs' | 'tasks'): PlacementTarget[] {
  const file = machine.attachFile(kind);
  const tracking = machine.trackingDir(name);
  const own = { file: path.posix.join(tracking, file), controller: 'freezer' as const, container: name };
  const h = handleFor(machine, name);
  // The tracking hierarchy first and never shared: a task is in the container once it is
  // there, so a concurrent destroy finds and kills it; and if the container is being
  // destroyed the attach fails instead of falling back to an ancestor (docs/RELIABILITY.md 15).
  const targets = new Map<string, PlacementTarget>([[own.file, own]]);
  for (const c of machine.controllers()) {
    // One unified hierarchy (v2) has every controller in the tracking dir: nothing more to add.
    if (machine.dirOf(name, c) === tracking) continue;
    // Hierarchies the container does not isolate are shared with its parent: the task goes
    // to the nearest ancestor there, which also pulls it out of any other container.
    const shared = h.dir(c) ?? h.parentDir(c);
    // The root's own cpuset gives way to the shared pool while PREMIER containers hold CPUs of their own (cpu-pool.ts).
    const dir = c === 'cpuset' ? poolFor(machine, shared) : shared;
    const root = machine.dirOf('/', c)!;
    const f = path.posix.join(dir, file);
    if (!targets.has(f)) targets.set(f, { file: f, controller: c, container: shared === root ? '/' : shared.slice(root.length) });
  }
  // The daemon's PSI mirror (v1), while it keeps one: a task joining joins it too.
  const mirror = machine.pressureMirrored ? machine.pressureDir(name)! : undefined;
  if (mirror !== undefined && machine.io.exists(mirror)) {
    const f = path.posix.join(mirror, 'cgroup.procs');
    targets.set(f, { file: f, controller: 'freezer', container: name });
  }
  return [...targets.values()];
}

/** The files of placementTargets. */
export function placementFiles(machine: Machine, name: string, kind: 'procs' | 'tasks'): string[] {
  return placementTargets(machine, name, kind).map((t) => t.file);
}

/** The spec field that puts a container in a v1 hierarchy. */
function specFieldOf(c: V1Controller): string {
  if (c === 'cpuset') return 'cpu.mask';
  return (Object.keys(RESOURCE_KEYS) as ResourceKey[]).find((k) => RESOURCE_KEYS[k] === c) ?? c;
}

/**
 * Attaches a task everywhere `name` needs it. A task that must join an ancestor's cgroup
 * the caller cannot write (a delegate below a container that is not in that hierarchy)
 * fails with the hierarchy, the ancestor and the fix named, not only the kernel's EACCES.
 */
export function attachToTargets(machine: Machine, name: string, targets: PlacementTarget[], id: number): void {
  for (const t of targets) {
    try {
      attachTask(machine, t.file, id);
    } catch (e) {
      if (!isLmctfyError(e, Code.PERMISSION_DENIED) || t.container === name) throw e;
      const uid = process.getuid?.() ?? 0;
      throw new LmctfyError(
        Code.PERMISSION_DENIED,
        `cannot place task ${id} in ${name}: it is not in the ${t.controller} hierarchy, so there the task joins ${t.container}, whose ${t.file} uid ${uid} cannot write. ` +
          `Delegate (owner/owner_group) a container whose parent is in ${t.controller}: it is then made there too (name ${specFieldOf(t.controller)} in the specs above it)`,
        { cause: e, errno: e.errno },
      );
    }
  }
}

const sleepSync = (ms: number) => Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);

/** Writes a task id to a cgroup file; EINVAL on a newborn task and EINTR are retried briefly. */
export function attachTask(machine: Machine, file: string, id: number): void {
  for (let attempt = 0; ; attempt++) {
    try {
      machine.io.writeFile(file, `${id}\n`);
      return;
    } catch (e) {
      const errno = isLmctfyError(e) ? e.errno : undefined;
      if ((errno === 'EINVAL' || errno === 'EINTR') && attempt < 5) {
        sleepSync(2 << attempt);
        continue;
      }
      if (errno === 'ESRCH') throw new LmctfyError(Code.NOT_FOUND, `task ${id} does not exist`, { cause: e, errno });
      // cgroupfs answers ENODEV for a cgroup removed after its file was opened.
      if (errno === 'ENODEV') throw new LmctfyError(Code.NOT_FOUND, `cannot attach task ${id} to ${file}: the cgroup is being removed`, { cause: e, errno });
      if (errno === 'ENOSPC') {
        throw new LmctfyError(Code.FAILED_PRECONDITION, `cannot attach task ${id} to ${file}: the cgroup has no CPUs or memory nodes (cpuset.cpus/mems empty)`, { cause: e, errno });
      }
      throw e;
    }
  }
}

/** Moves the given task ids into the container, in every hierarchy. */
export function enterTasks(machine: Machine, name: string, tids: number[]): void {
  const targets = placementTargets(machine, name, 'tasks');
  for (const tid of tids) attachToTargets(machine, name, targets, tid);
}

export interface SpawnOptions {
  argv: string[];
  detached: boolean;
  env?: NodeJS.ProcessEnv;
  /** Where stdout and stderr go: inherited (foreground) or /dev/null (detached) by default. */
  output?: { fd: number } | { log: string; maxBytes: number };
  /**
   * A helper the exec helper runs (once placed) in front of argv: the vhost helper
   * (src/engine/vhost), which reports on a third pipe, the child's fd 5.
   */
  via?: string[];
  /** Pipes the `via` helper gets after its status pipe (fd 6 on): the vhost helper's start gate. */
  viaPipes?: number;
  /**
   * A virtual host's PID 1 whose namespaces and root the exec helper enters before the exec
   * (`--join`, native/vhost-join.h), and what a failed step of that means.
   */
  join?: { pid: number; failed: (f: ExecFailure) => LmctfyError };
}


/** The exec helper and its arguments for opts (argv checked first). */
function execHelperCommand(opts: SpawnOptions): { file: string; args: string[]; argv: string[] } {
  if (opts.argv.length === 0) throw new LmctfyError(Code.INVALID_ARGUMENT, 'run: no command given');
  const file = nativeHelper('lmctfy-exec', 'exec helper');
  const log = opts.output && 'log' in opts.output ? opts.output : undefined;
  const argv = [...(opts.via ?? []), ...opts.argv];
  const join = opts.join ? ['--join', String(opts.join.pid)] : [];
  return { file, args: [...join, log?.log ?? '-', String(log?.maxBytes ?? 0), ...argv], argv };
}

/** A started exec helper, as placeAndConfirm drives it whichever way it was spawned. */
interface GatedHelper {
  pid: number;
  kill(signal: NodeJS.Signals): void;
  openGate(): void;
  /** What its status pipe carried until closed: '' once the exec succeeded. */
  status: Promise<string>;
  /** Resolves once it has exited (and been reaped). */
  exited(): Promise<unknown>;
}

/**
 * Places the waiting helper in every hierarchy, opens its gate and waits until the exec is
 * confirmed; a failed exec is reported once the helper is reaped, so the container is left
 * as it was.
 */
async function placeAndConfirm(machine: Machine, name: string, targets: PlacementTarget[], opts: SpawnOptions, argv: string[], helper: GatedHelper): Promise<void> {
  try {
    attachToTargets(machine, name, targets, helper.pid);
  } catch (e) {
    helper.kill('SIGKILL');
    throw e;
  }
  helper.openGate();
  const failure = parseExecStatus(await execOutcome(machine, name, helper.status));
  if (failure) {
    await helper.exited();
    throw opts.join ? opts.join.failed(failure) : execError(failure, argv[0]!, name);
  }
}

/**
 * Starts argv inside the container before its first instruction: the exec helper waits on
 * fd 3 while we write its pid into every hierarchy, then execs the command in place (so
 * the pid we return is the command's). Its status pipe (fd 4, close-on-exec) says whether
 * the exec succeeded: a command that cannot be run is an error here, not a pid that dies.
 * argv is passed as arguments, never spliced into a shell string.
 */
export async function spawnInside(machine: Machine, name: string, opts: SpawnOptions): Promise<ChildProcess> {
  const { file, args, argv } = execHelperCommand(opts);
  const targets = placementTargets(machine, name, 'procs');
  const out = opts.output && 'fd' in opts.output ? opts.output.fd : opts.detached ? 'ignore' : 'inherit';
  const child = spawn(file, args, {
    stdio: [opts.detached ? 'ignore' : 'inherit', out, out, 'pipe', 'pipe', ...(opts.via ? Array<'pipe'>(1 + (opts.viaPipes ?? 0)).fill('pipe') : [])],
    detached: opts.detached,
    env: opts.env ?? process.env,
  });
  const pid = child.pid;
  if (pid === undefined) {
    const err = await new Promise<Error>((resolve) => child.once('error', resolve));
    throw new LmctfyError(Code.INTERNAL, `cannot start ${file}: ${err.message}`);
  }
  const gatePipe = child.stdio[3] as NodeJS.WritableStream;
  // The gate's reader may die before we write (killed, or placement failed): not our error.
  gatePipe.on('error', () => undefined);
  await placeAndConfirm(machine, name, targets, opts, argv, {
    pid,
    kill: (signal) => child.kill(signal),
    openGate: () => gatePipe.end('\n'),
    status: readAll(child.stdio[4] as NodeJS.ReadableStream),
    exited: () => (child.exitCode === null && child.signalCode === null ? new Promise((resolve) => child.once('exit', resolve)) : Promise.resolve()),
  });
  return child;
}

/** A command run in the foreground by startInside: its pid, signals, and its exit status as a shell reports it. */
export interface ForegroundCommand {
  readonly pid: number;
  kill(signal: NodeJS.Signals): void;
  readonly exitStatus: Promise<number>;
}

/**
 * spawnInside for a foreground command that inherits the terminal (or writes to output.fd):
 * the same helper, placement, gate and confirmation, started by posix_spawn from lmctfy's
 * add-on (bare-spawn.ts): no fork of Node, no child_process and no stream.
 */
export async function startInside(machine: Machine, name: string, opts: SpawnOptions & { detached: false; via?: undefined }): Promise<ForegroundCommand> {
  if (opts.output && 'log' in opts.output) throw new LmctfyError(Code.INVALID_ARGUMENT, 'run: a foreground command does not write to the log');
  const { file, args, argv } = execHelperCommand(opts);
  const targets = placementTargets(machine, name, 'procs');
  const out = opts.output?.fd ?? 1;
  const child = spawnGated(file, [file, ...args], { stdio: [0, out, out === 1 ? 2 : out], env: opts.env ?? process.env });
  await placeAndConfirm(machine, name, targets, opts, argv, { ...child, exited: () => child.exited });
  return { pid: child.pid, kill: child.kill, exitStatus: child.exited.then(({ code, signal }) => exitStatus(code, signal)) };
}

/** How often a run whose exec has not been confirmed looks whether a pause froze it. */
const FROZEN_CHECK_MS = 50;

/**
 * The helper's status, or '' (started) once the container is frozen: a pause between the
 * placement and the exec holds the task with the container, which is what a paused
 * container means (docs/LOCKING.md), and run must not wait for a resume.
 */
async function execOutcome(machine: Machine, name: string, status: Promise<string>): Promise<string> {
  for (;;) {
    let timer: NodeJS.Timeout | undefined;
    const tick = new Promise<undefined>((resolve) => {
      timer = setTimeout(() => resolve(undefined), FROZEN_CHECK_MS);
    });
    const text = await Promise.race([status, tick]);
    clearTimeout(timer);
    if (text !== undefined) return text;
    let frozen = false;
    try {
      frozen = freezerState(handleFor(machine, name)) !== 'THAWED';
    } catch {
      // Destroyed meanwhile: the destroy kills the helper, which ends the status.
    }
    if (frozen) return '';
  }
}

function readAll(stream: NodeJS.ReadableStream): Promise<string> {
  return new Promise((resolve) => {
    let text = '';
    stream.setEncoding('utf8');
    stream.on('data', (chunk: string) => (text += chunk));
    stream.on('error', () => resolve(text));
    stream.on('end', () => resolve(text));
  });
}

export interface ExecFailure {
  /** exec: the command; log: setting up its log; with --join, the step of entering the virtual host (open-namespace, setns-KIND, chroot, ...). */
  step: string;
  errno: number;
}

/** The exec helper's status line ("STEP ERRNO"); empty (the exec closed the pipe) is success. */
export function parseExecStatus(text: string): ExecFailure | undefined {
  const m = /^([a-z_-]+) (\d+)\n?$/.exec(text);
  if (m) return { step: m[1]!, errno: Number(m[2]) };
  if (text === '') return undefined;
  throw new LmctfyError(Code.INTERNAL, `the exec helper reported "${text.trim()}"`);
}

/** What a failed exec means to the caller: as sh says it (not found: 127, cannot run: 126). */
export function execError(f: ExecFailure, command: string, container: string): LmctfyError {
  const errno = errnoName(f.errno);
  if (f.step === 'log') return new LmctfyError(Code.INTERNAL, `cannot run ${command} in ${container}: setting up its log failed (${errno})`, { errno });
  if (errno === 'ENOENT' || errno === 'ENOTDIR') {
    const where = command.includes('/') ? 'no such file' : 'command not found in PATH';
    return new LmctfyError(Code.NOT_FOUND, `cannot run ${command} in ${container}: ${where}`, { errno });
  }
  if (errno === 'EACCES' || errno === 'EPERM') {
    return new LmctfyError(Code.PERMISSION_DENIED, `cannot run ${command} in ${container}: permission denied (not executable, or a directory)`, { errno });
  }
  return new LmctfyError(Code.FAILED_PRECONDITION, `cannot run ${command} in ${container}: exec failed with ${errno}`, { errno });
}

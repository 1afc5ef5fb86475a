import { spawn, type ChildProcess } from 'node:child_process';
import * as path from 'node:path';
import { Code, LmctfyError, isLmctfyError } from './errors.js';
import type { Machine } from './kernel/machine.js';
import { handleFor } from './handle.js';

/** One file per distinct hierarchy to write a task id into so it lands in `name`. */
export function placementFiles(machine: Machine, name: string, kind: 'procs' | 'tasks'): string[] {
  const file = kind === 'procs' || machine.version === 2 ? 'cgroup.procs' : 'tasks';
  const tracking = machine.trackingDir(name);
  if (machine.version === 2) return [path.posix.join(tracking, file)];
  const h = handleFor(machine, name);
  // The tracking hierarchy first and never shared: a task is in the container once it is
  // there, so a concurrent destroy finds and kills it; and if the container is being
  // destroyed the attach fails instead of falling back to an ancestor (RELIABILITY 15).
  const files = new Set<string>([path.posix.join(tracking, file)]);
  for (const c of machine.controllers()) {
    if (machine.dirOf(name, c) === tracking) continue;
    // Hierarchies the container does not isolate are shared with its parent: the task goes
    // to the nearest ancestor there, which also pulls it out of any other container.
    const dir = h.dir(c) ?? h.parentDir(c);
    files.add(path.posix.join(dir, file));
  }
  return [...files];
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
  const files = placementFiles(machine, name, 'tasks');
  for (const tid of tids) for (const f of files) attachTask(machine, f, tid);
}

export interface SpawnOptions {
  argv: string[];
  detached: boolean;
  env?: NodeJS.ProcessEnv;
}

/**
 * Starts argv inside the container before its first instruction: a /bin/sh waits on fd 3
 * while we write its pid into every hierarchy, then execs the command. Paths and argv are
 * passed as arguments, never spliced into the script.
 */
export async function spawnInside(machine: Machine, name: string, opts: SpawnOptions): Promise<ChildProcess> {
  if (opts.argv.length === 0) throw new LmctfyError(Code.INVALID_ARGUMENT, 'run: no command given');
  const files = placementFiles(machine, name, 'procs');
  const gate = 'read _ <&3; exec "$@" 3<&-';
  const child = spawn('/bin/sh', ['-c', gate, 'lmctfy-run', ...opts.argv], {
    stdio: opts.detached ? ['ignore', 'ignore', 'ignore', 'pipe'] : ['inherit', 'inherit', 'inherit', 'pipe'],
    detached: opts.detached,
    env: opts.env ?? process.env,
  });
  const pid = child.pid;
  if (pid === undefined) {
    const err = await new Promise<Error>((resolve) => child.once('error', resolve));
    throw new LmctfyError(Code.INTERNAL, `cannot start /bin/sh: ${err.message}`);
  }
  const gatePipe = child.stdio[3] as NodeJS.WritableStream;
  // The gate's reader may die before we write (killed, or placement failed): not our error.
  gatePipe.on('error', () => undefined);
  try {
    for (const f of files) attachTask(machine, f, pid);
  } catch (e) {
    child.kill('SIGKILL');
    throw e;
  }
  gatePipe.end('\n');
  return child;
}

/**
 * The primed criu (docs/CHECKPOINT.md, "criu's probe of the kernel"): bin/lmctfy.js starts
 * `lmctfy-vhost prime` for `checkpoint` and `restore` before the bundle loads, so criu's probe
 * of the kernel runs while Node starts. A checkpoint or restore of a virtual host takes the
 * helper over and sends it criu's command (native/criu-prime.h); any other command leaves it,
 * and it ends on its own when this process's end closes its stdin.
 */
import type { ChildProcess } from 'node:child_process';
import type { Socket } from 'node:net';

let waiting: ChildProcess | undefined;

function streams(child: ChildProcess): Socket[] {
  return child.stdio.filter((s): s is NonNullable<typeof s> => s !== null) as unknown as Socket[];
}

/**
 * Keeps the helper bin/lmctfy.js started (undefined: none) for takePrimedCriu. Until taken it
 * does not hold this process open: a command that never runs criu ends without waiting for it.
 */
export function adoptPrimedCriu(child: ChildProcess | undefined): void {
  if (!child) return;
  // A helper that could not start (not built): the command spawns criu itself.
  child.on('error', () => {
    if (waiting === child) waiting = undefined;
  });
  child.unref();
  for (const s of streams(child)) s.unref();
  waiting = child;
}

/** The primed helper, once, while it waits for its request; undefined when there is none. */
export function takePrimedCriu(): ChildProcess | undefined {
  const child = waiting;
  waiting = undefined;
  if (!child || child.pid === undefined || child.exitCode !== null || child.signalCode !== null) return undefined;
  child.ref();
  for (const s of streams(child)) s.ref();
  return child;
}

/** The helper's own entries of a request (native/criu-prime.h). */
export interface PrimeOptions {
  /**
   * The PID 1 of a virtual host being dumped: the helper keeps a clone of its root mount until
   * criu has ended, so that the overlay's unmount happens after the command, not in criu's exit.
   */
  holdRoot?: number;
  /** The command waits for criu's probe itself, after its own steps (the vhost helper's place). */
  probeLater?: boolean;
}

/** The request native/criu-prime.h reads: the fds it keeps, the environment it adds, its own entries, the command. */
export function primeRequest(keep: readonly (5 | 6)[], env: Readonly<Record<string, string>>, argv: readonly string[], own: PrimeOptions = {}): Buffer {
  const mine = [...(own.holdRoot !== undefined ? [`HOLD_ROOT=${own.holdRoot}`] : []), ...(own.probeLater ? ['PROBE=LATER'] : [])];
  const strings = [keep.join(''), ...Object.entries(env).map(([k, v]) => `${k}=${v}`), ...mine, '--', ...argv];
  return Buffer.from(strings.map((s) => `${s}\0`).join(''));
}

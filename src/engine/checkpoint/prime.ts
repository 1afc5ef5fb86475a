/**
 * The primed criu (docs/CHECKPOINT.md, "criu's probe of the kernel"): bin/lmctfy.js starts
 * `lmctfy-vhost prime` for `checkpoint` and `restore` before the bundle loads, so criu's probe
 * of the kernel runs while Node starts. A checkpoint or restore of a virtual host takes the
 * helper over and sends it criu's command (native/criu-prime.h); any other command leaves it,
 * and it ends on its own when this process's end closes its stdin. bin/lmctfy.js starts it
 * with lmctfy's spawn add-on (src/engine/bare-spawn.ts), not child_process: loading that
 * module and its streams cost each command ~22 ms of Node's main thread (BENCHMARKS.md).
 */

/** The helper bin/lmctfy.js started: its pid and our ends of its pipes (its fds 0, 2, 5 and 6). */
export interface PrimedHelper {
  pid: number;
  /** Its stdin: the request, then EOF. */
  stdin: number;
  stderr: number;
  /** What criu's wrap reports (its fd 5). */
  status: number;
  /** The wrap's gate (its fd 6). */
  gate: number;
}

let waiting: PrimedHelper | undefined;

/**
 * Keeps the helper bin/lmctfy.js started (undefined: none, or it could not start) for
 * takePrimedCriu. Until taken it holds nothing open: its fds are plain ones, and it is reaped
 * only by whoever takes it (untaken, it ends after this process and init reaps it).
 */
export function adoptPrimedCriu(helper: PrimedHelper | undefined): void {
  waiting = helper;
}

/** The primed helper, once; undefined when there is none. One that died shows as its exit status once taken. */
export function takePrimedCriu(): PrimedHelper | undefined {
  const helper = waiting;
  waiting = undefined;
  return helper;
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

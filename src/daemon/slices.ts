import { execFileSync } from 'node:child_process';
import { Code, LmctfyError } from '../engine/errors.js';
import { findHelper } from '../engine/notify/helper.js';

/**
 * EEVDF slices of latency-sensitive tasks (docs/DAEMON.md "CPU"). Since Linux 6.12 a
 * SCHED_OTHER task may ask for a shorter slice (sched_setattr's sched_runtime); a waking
 * task with a shorter slice than the one running preempts it at once instead of waiting for
 * the running one's slice (1.4 ms on two CPUs) to end, and the shortest slice in a cgroup is
 * that cgroup's at the level above. Node has no sched_setattr: the lmctfy-psi helper sets and
 * reads it (`lmctfy-psi slice`, native/psi-helper.c).
 */

/** The slice given to latency-sensitive tasks while they wait for CPU, µs: the kernel's shortest. */
export const LATENCY_SLICE_US = 100;

/** What `lmctfy-psi slice` printed: per pid, its value (threads changed, or a slice in µs), or a negative errno. */
export function parseSliceReplies(out: string): Map<number, number> {
  const replies = new Map<number, number>();
  for (const line of out.split('\n')) {
    const m = /^(\d+) (-?\d+)$/.exec(line);
    if (m) replies.set(Number(m[1]), Number(m[2]));
  }
  return replies;
}

/** ESRCH, as the helper reports a task that ended meanwhile. */
const GONE = -3;

export interface SliceResult {
  /** Threads whose slice changed. */
  threads: number;
  /** Pids the kernel refused, with the errno. */
  refused: Array<{ pid: number; errno: number }>;
}

/** Sets and reads slices of tasks through the helper; one helper run per call. */
export class Slices {
  constructor(private readonly helper: string) {}

  /** The helper, or undefined when it is not built (the daemon then places no slices and says so). */
  static find(): Slices | undefined {
    const helper = findHelper(undefined, 'lmctfy-psi');
    return helper === undefined ? undefined : new Slices(helper);
  }

  private run(args: string[]): Map<number, number> {
    try {
      return parseSliceReplies(execFileSync(this.helper, ['slice', ...args], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }));
    } catch (e) {
      throw new LmctfyError(Code.INTERNAL, `lmctfy-psi slice ${args.slice(0, 2).join(' ')}… failed: ${(e as Error).message}`, { cause: e });
    }
  }

  /** Each live pid's slice, µs (0: a policy without one, SCHED_IDLE or real-time); ended tasks are left out. */
  get(pids: readonly number[]): Map<number, number> {
    const out = new Map<number, number>();
    if (pids.length === 0) return out;
    for (const [pid, v] of this.run(['get', ...pids.map(String)])) if (v >= 0) out.set(pid, v);
    return out;
  }

  /** Gives every thread of each pid the slice `us` (0: the kernel's default back). */
  set(us: number, pids: readonly number[]): SliceResult {
    const result: SliceResult = { threads: 0, refused: [] };
    if (pids.length === 0) return result;
    for (const [pid, v] of this.run([String(us), ...pids.map(String)])) {
      if (v >= 0) result.threads += v;
      else if (v !== GONE) result.refused.push({ pid, errno: -v });
    }
    return result;
  }
}

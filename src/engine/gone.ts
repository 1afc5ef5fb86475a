/** An operation whose container a destroy of an ancestor removed under it (docs/LOCKING.md). */
import { Code, LmctfyError } from './errors.js';
import type { Machine } from './kernel/machine.js';
import { withLock } from './lock.js';
import { parentName } from './names.js';

/** What an operation tells orGone of its container as it goes. */
export interface Finding {
  /** The container's identity (its tracking dir's inode) when the operation found it there. */
  seen?: number;
  /** The operation itself has begun removing the container: its failures are its own. */
  removing?: boolean;
}

/**
 * A destroy of an ancestor holds another lock than this container's (docs/LOCKING.md), so an
 * operation can lose `name` under it midway and fail on whichever file vanished first
 * (ENOENT, ENODEV, a hierarchy no longer isolated). Once `name` is gone, or gone and made
 * again (a different cgroup), the error is the NOT_FOUND that says so. lmctfy's own
 * NOT_FOUND (it did not exist to begin with) stands, as do errors a vanished file cannot
 * cause, and any error once the operation said it began removing `name`. The operation
 * records what it found in its Finding, from the existence check it makes anyway.
 */
export async function orGone<T>(machine: Machine, name: string, what: string, op: (found: Finding) => Promise<T>): Promise<T> {
  const found: Finding = {};
  try {
    return await op(found);
  } catch (e) {
    if (!(e instanceof LmctfyError) || !VANISHED_FILE.has(e.code) || (e.code === Code.NOT_FOUND && e.errno === undefined) || found.seen === undefined || found.removing) throw e;
    // A destroy removes the tracking dir only after every other one: let one under way on
    // it or an ancestor end (its lock) before looking. One lock at a time: no deadlock.
    for (let n: string | undefined = name; n !== undefined && n !== '/'; n = parentName(n)) {
      const ended = await withLock(machine.trackingDir('/'), n, () => true, SETTLE_MS).catch(() => false);
      if (!ended) break;
    }
    if (machine.io.dirInfo(machine.trackingDir(name))?.inode === found.seen) throw e;
    throw new LmctfyError(Code.NOT_FOUND, `cannot ${what}: container ${name} was destroyed meanwhile`, { cause: e });
  }
}

/** Codes a file vanishing under an operation can surface as (ENOENT, ENODEV, a hierarchy no longer isolated). */
const VANISHED_FILE = new Set([Code.NOT_FOUND, Code.UNIMPLEMENTED, Code.INVALID_ARGUMENT, Code.FAILED_PRECONDITION]);

/** How long a failed operation waits, per lock, for a destroy under way to end (its kill and removal retries take up to 5 s each); past it the original error stands. */
const SETTLE_MS = 11_000;

import { Code, LmctfyError } from '../errors.js';
import { sleep } from '../kernel/retry.js';
import type { ContainerStats, FreezerState } from '../../messages/types.js';
import { defined } from './files.js';
import type { CgroupHandle } from './types.js';

/**
 * freezer, what v1 (v1/freezer.ts) and v2 (v2/freezer.ts) share: pause and resume, waiting
 * for the kernel to finish. lmctfy always creates the v1 freezer hierarchy to track
 * containers, so a spec never "wants" it. The root cgroup has no freezer files and is
 * always THAWED.
 */

const MAX_POLL_MS = 100;

/** The container's freezer dir; none means it is gone (e.g. a concurrent destroy removed it). */
export function freezerDir(h: CgroupHandle): string {
  const dir = h.dir('freezer');
  if (dir === undefined) throw new LmctfyError(Code.NOT_FOUND, `container ${h.name} has no freezer cgroup: it does not exist (any more)`);
  return dir;
}

/** State of the container, including a freeze inherited from an ancestor. */
export function freezerState(h: CgroupHandle): FreezerState {
  return h.resources.freezer.state(h);
}

/** True when this container itself was asked to freeze (not only an ancestor). */
export function selfFreezing(h: CgroupHandle): boolean {
  return h.resources.freezer.selfFreezing(h);
}

/**
 * Freezes and waits until every task is frozen, polling with backoff. Tasks stuck in
 * uninterruptible sleep can keep a cgroup FREEZING: past the deadline it is thawed back
 * and DEADLINE_EXCEEDED is thrown (docs/RELIABILITY.md, item 6).
 */
export async function freeze(h: CgroupHandle, timeoutMs = 5000): Promise<void> {
  const dir = freezerDir(h);
  const deadline = Date.now() + timeoutMs;
  h.resources.freezer.request(h, dir, true);
  let delay = 1;
  for (;;) {
    const state = freezerState(h);
    if (state === 'FROZEN') return;
    const left = deadline - Date.now();
    if (left <= 0) {
      h.resources.freezer.request(h, dir, false);
      throw new LmctfyError(
        Code.DEADLINE_EXCEEDED,
        `freezing ${h.name} did not finish within ${timeoutMs} ms (still ${state}); it was thawed back`,
      );
    }
    await sleep(Math.min(delay, left));
    delay = Math.min(MAX_POLL_MS, delay * 2);
  }
}

/**
 * Thaws this container. v1 thaws synchronously in the write. A container whose ancestor is
 * frozen stays frozen until that ancestor is resumed; that is not waited for.
 */
export async function thaw(h: CgroupHandle): Promise<void> {
  h.resources.freezer.request(h, freezerDir(h), false);
}

/** The stats fragment of a known state; only a frozen or freezing container can be frozen on its own. */
export function freezerStats(h: CgroupHandle, state: FreezerState | undefined): ContainerStats {
  const f = defined({ state, self_freezing: state === 'THAWED' ? false : selfFreezing(h) });
  return f ? { freezer: f } : {};
}

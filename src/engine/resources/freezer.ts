import { Code, LmctfyError } from '../errors.js';
import { sleep } from '../kernel/retry.js';
import type { FreezerState } from '../../messages/types.js';
import { defined, readOptional, writeSetting } from './files.js';
import { parseFlatKeyed } from './parse.js';
import type { CgroupHandle, Resource } from './types.js';

/**
 * freezer: pause and resume. v1 freezer.state (THAWED/FREEZING/FROZEN); v2 cgroup.freeze
 * (what was asked) and `frozen` in cgroup.events (what happened). lmctfy always creates the
 * v1 freezer hierarchy to track containers, so a spec never "wants" it. The root cgroup has
 * no freezer files and is always THAWED.
 */

const STATES: readonly FreezerState[] = ['THAWED', 'FREEZING', 'FROZEN'];
const MAX_POLL_MS = 100;

function freezerDir(h: CgroupHandle): string {
  const dir = h.dir('freezer');
  // Every v1 container has a freezer dir (the tracking hierarchy): none means it is gone,
  // e.g. a concurrent destroy removed it (RELIABILITY 14, 15).
  if (dir === undefined) throw new LmctfyError(Code.NOT_FOUND, `container ${h.name} has no freezer cgroup: it does not exist (any more)`);
  return dir;
}

function v2Frozen(h: CgroupHandle, dir: string): boolean | undefined {
  const events = readOptional(h.io, `${dir}/cgroup.events`);
  const frozen = events === undefined ? undefined : parseFlatKeyed(events).get('frozen');
  return frozen === undefined ? undefined : frozen === 1;
}

function parseV1State(dir: string, text: string): FreezerState {
  const state = text.trim() as FreezerState;
  if (!STATES.includes(state)) {
    throw new LmctfyError(Code.DATA_LOSS, `${dir}/freezer.state: unknown state ${JSON.stringify(text.trim())}`);
  }
  return state;
}

/** State of the container, including a freeze inherited from an ancestor. */
export function freezerState(h: CgroupHandle): FreezerState {
  const dir = freezerDir(h);
  if (h.version === 1) {
    const text = readOptional(h.io, `${dir}/freezer.state`);
    return text === undefined ? 'THAWED' : parseV1State(dir, text);
  }
  if (v2Frozen(h, dir)) return 'FROZEN';
  return selfFreezing(h) ? 'FREEZING' : 'THAWED';
}

/** True when this container itself was asked to freeze (not only an ancestor). */
export function selfFreezing(h: CgroupHandle): boolean {
  const dir = freezerDir(h);
  const file = h.version === 1 ? `${dir}/freezer.self_freezing` : `${dir}/cgroup.freeze`;
  return readOptional(h.io, file)?.trim() === '1';
}

function writeState(h: CgroupHandle, dir: string, frozen: boolean): void {
  if (h.version === 1) writeSetting(h, 'freezer', `${dir}/freezer.state`, frozen ? 'FROZEN' : 'THAWED', 'freezer state');
  else writeSetting(h, 'freezer', `${dir}/cgroup.freeze`, frozen ? '1' : '0', 'freezer state');
}

/**
 * Freezes and waits until every task is frozen, polling with backoff. Tasks stuck in
 * uninterruptible sleep can keep a cgroup FREEZING: past the deadline it is thawed back
 * and DEADLINE_EXCEEDED is thrown (RELIABILITY 6).
 */
export async function freeze(h: CgroupHandle, timeoutMs = 5000): Promise<void> {
  const dir = freezerDir(h);
  const deadline = Date.now() + timeoutMs;
  writeState(h, dir, true);
  let delay = 1;
  for (;;) {
    const state = freezerState(h);
    if (state === 'FROZEN') return;
    const left = deadline - Date.now();
    if (left <= 0) {
      writeState(h, dir, false);
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
  writeState(h, freezerDir(h), false);
}

export const freezer: Resource = {
  controller: 'freezer',
  wants: () => false,
  validate() {},
  apply() {},
  read: () => undefined,
  stats(h) {
    const dir = h.dir('freezer');
    if (dir === undefined) return {};
    // v1: reading the state file is also how we learn there is one (a root cgroup has none).
    const v1Text = h.version === 1 ? readOptional(h.io, `${dir}/freezer.state`) : undefined;
    if (h.version === 1 ? v1Text === undefined : !h.io.exists(`${dir}/cgroup.freeze`)) return {};
    let state: FreezerState | undefined;
    try {
      state = v1Text !== undefined ? parseV1State(dir, v1Text) : freezerState(h);
    } catch (e) {
      if (!(e instanceof LmctfyError && e.code === Code.DATA_LOSS)) throw e;
    }
    // Only a frozen or freezing container can be frozen on its own: skip the read otherwise.
    const f = defined({ state, self_freezing: state === 'THAWED' ? false : selfFreezing(h) });
    return f ? { freezer: f } : {};
  },
};

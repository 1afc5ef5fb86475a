import { Code, LmctfyError } from '../../errors.js';
import type { FreezerState } from '../../../messages/types.js';
import { readOptional, writeSetting } from '../files.js';
import { freezerDir, freezerStats } from '../freezer.js';
import type { FreezerResource } from '../types.js';

/** freezer on cgroup v1: freezer.state (THAWED, FREEZING, FROZEN) and freezer.self_freezing. */

const STATES: readonly FreezerState[] = ['THAWED', 'FREEZING', 'FROZEN'];

function parseState(dir: string, text: string): FreezerState {
  const state = text.trim() as FreezerState;
  if (!STATES.includes(state)) {
    throw new LmctfyError(Code.DATA_LOSS, `${dir}/freezer.state: unknown state ${JSON.stringify(text.trim())}`);
  }
  return state;
}

export const freezerV1: FreezerResource = {
  controller: 'freezer',
  wants: () => false,
  validate() {},
  isolated: () => false,
  apply() {},
  read: () => undefined,
  stats(h) {
    const dir = h.dir('freezer');
    // Reading the state file is also how we learn there is one (a root cgroup has none).
    const text = dir === undefined ? undefined : readOptional(h.io, `${dir}/freezer.state`);
    if (dir === undefined || text === undefined) return {};
    let state: FreezerState | undefined;
    try {
      state = parseState(dir, text);
    } catch (e) {
      if (!(e instanceof LmctfyError && e.code === Code.DATA_LOSS)) throw e;
    }
    return freezerStats(h, state);
  },
  state(h) {
    const dir = freezerDir(h);
    const text = readOptional(h.io, `${dir}/freezer.state`);
    return text === undefined ? 'THAWED' : parseState(dir, text);
  },
  selfFreezing(h) {
    return readOptional(h.io, `${freezerDir(h)}/freezer.self_freezing`)?.trim() === '1';
  },
  request(h, dir, frozen) {
    writeSetting(h, 'freezer', `${dir}/freezer.state`, frozen ? 'FROZEN' : 'THAWED', 'freezer state');
  },
};

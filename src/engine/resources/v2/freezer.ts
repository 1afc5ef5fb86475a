import type { FreezerState } from '../../../messages/types.js';
import { readOptional, writeSetting } from '../files.js';
import { freezerDir, freezerStats } from '../freezer.js';
import { parseFlatKeyed } from '../parse.js';
import type { CgroupHandle, FreezerResource } from '../types.js';

/** freezer on cgroup v2: cgroup.freeze (what was asked) and `frozen` in cgroup.events (what happened). */

function frozen(h: CgroupHandle, dir: string): boolean | undefined {
  const events = readOptional(h.io, `${dir}/cgroup.events`);
  const f = events === undefined ? undefined : parseFlatKeyed(events).get('frozen');
  return f === undefined ? undefined : f === 1;
}

export const freezerV2: FreezerResource = {
  controller: 'freezer',
  wants: () => false,
  validate() {},
  isolated: () => false,
  apply() {},
  read: () => undefined,
  stats(h) {
    const dir = h.dir('freezer');
    if (dir === undefined || !h.io.exists(`${dir}/cgroup.freeze`)) return {};
    return freezerStats(h, freezerV2.state(h));
  },
  state(h): FreezerState {
    if (frozen(h, freezerDir(h))) return 'FROZEN';
    return freezerV2.selfFreezing(h) ? 'FREEZING' : 'THAWED';
  },
  selfFreezing(h) {
    return readOptional(h.io, `${freezerDir(h)}/cgroup.freeze`)?.trim() === '1';
  },
  request(h, dir, wanted) {
    writeSetting(h, 'freezer', `${dir}/cgroup.freeze`, wanted ? '1' : '0', 'freezer state');
  },
};

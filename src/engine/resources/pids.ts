import { checkInteger } from './conversions.js';
import { defined, isolatedDir, readOptional, parseOrDataLoss, readStat, writeSetting } from './files.js';
import { parseCounter, parseLimit } from './parse.js';
import type { Resource } from './types.js';

/** pids: pids.max (`max` for -1; 0 is a valid limit: nothing may fork). Same files on v1 and v2. */

const PIDS_MAX = 4194304; // PID_MAX_LIMIT: the largest pid the kernel can hand out

export const pids: Resource = {
  controller: 'pids',
  wants: (spec) => spec.pids !== undefined,
  validate(spec) {
    const limit = spec.pids?.limit;
    if (limit !== undefined) checkInteger('pids.limit', limit, -1, PIDS_MAX);
  },
  apply(h, spec, policy) {
    const dir = isolatedDir(h, 'pids');
    const limit = spec.pids?.limit ?? (policy === 'diff' ? undefined : -1);
    if (limit === undefined) return;
    writeSetting(h, 'pids', `${dir}/pids.max`, limit === -1 ? 'max' : String(limit), 'pids.limit');
  },
  read(h) {
    const dir = h.dir('pids');
    if (dir === undefined) return undefined;
    const file = `${dir}/pids.max`;
    const text = readOptional(h.io, file);
    if (text === undefined) return undefined;
    return { pids: { limit: parseOrDataLoss(file, text, parseLimit, 'a pids limit') } };
  },
  stats(h, type) {
    const dir = h.dir('pids');
    if (dir === undefined) return {};
    const p = defined({
      current: readStat(h.io, `${dir}/pids.current`, parseCounter),
      limit: type === 'counters' ? undefined : readStat(h.io, `${dir}/pids.max`, parseLimit),
    });
    return p ? { pids: p } : {};
  },
};

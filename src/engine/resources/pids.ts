import { checkInteger } from './conversions.js';
import { defined, isolatedDir, readOptional, parseOrDataLoss, readStat, writeSetting } from './files.js';
import { parseCounter, parseLimit } from './parse.js';
import type { CgroupHandle, Resource } from './types.js';

/**
 * pids: pids.max (`max` for -1; 0 is a valid limit: nothing may fork). The files are the
 * same on v1 and v2, so both versions use this one implementation.
 */

const PIDS_MAX = 4194304; // PID_MAX_LIMIT: the largest pid the kernel can hand out

/** pids.max as a limit (-1 unlimited); undefined when the container has no pids.max. */
export function pidsLimit(h: CgroupHandle): number | undefined {
  const dir = h.dir('pids');
  if (dir === undefined) return undefined;
  const file = `${dir}/pids.max`;
  const text = readOptional(h.io, file);
  return text === undefined ? undefined : parseOrDataLoss(file, text, parseLimit, 'a pids limit');
}

export const pids: Resource = {
  controller: 'pids',
  wants: (spec) => spec.pids !== undefined,
  validate(spec) {
    const limit = spec.pids?.limit;
    if (limit !== undefined) checkInteger('pids.limit', limit, -1, PIDS_MAX);
  },
  isolated(h) {
    const dir = h.dir('pids');
    return dir !== undefined && h.io.exists(`${dir}/pids.max`);
  },
  apply(h, spec, policy) {
    const dir = isolatedDir(h, 'pids');
    const limit = spec.pids?.limit ?? (policy === 'diff' ? undefined : -1);
    if (limit === undefined) return;
    writeSetting(h, 'pids', `${dir}/pids.max`, limit === -1 ? 'max' : String(limit), 'pids.limit');
  },
  /**
   * `pids` is our field, not the original lmctfy's: it appears only when the container has
   * a limit, so the spec of a container made with original fields alone stays readable by
   * the original schema. An unlimited pids.max is what every container gets unasked (v1
   * accounts every container in the pids hierarchy), so it says nothing was set.
   */
  read(h) {
    const limit = pidsLimit(h);
    return limit === undefined || limit === -1 ? undefined : { pids: { limit } };
  },
  stats(h, type, prev) {
    const dir = h.dir('pids');
    if (dir === undefined) return {};
    const p = defined({
      current: readStat(h.io, `${dir}/pids.current`, parseCounter),
      // A setting: as last read while nothing wrote it (`prev`).
      limit: type === 'counters' ? undefined : (prev?.pids?.limit ?? readStat(h.io, `${dir}/pids.max`, parseLimit)),
    });
    return p ? { pids: p } : {};
  },
};

import { Code, LmctfyError } from '../../errors.js';
import type { ContainerStats, MemorySpec, MemoryStats } from '../../../messages/types.js';
import { limitAtLeast, memswOrder, v1BytesValue } from '../conversions.js';
import { defined, isolatedDir, missingFileError, parseOrDataLoss, readOptional, readSpecValue, readStat, settingError, writeSetting } from '../files.js';
import { DATA_KEYS, belowUsage, memoryData, memoryTarget, memoryWants, swapUnsupported, unchanged, validateMemory, withBreakdown, workingSet, type MemoryTarget } from '../memory.js';
import { limitFrom, parseCounter, parseFlatKeyed, parseLimit } from '../parse.js';
import type { CgroupHandle, MemoryResource, StatsType } from '../types.js';

/** memory on cgroup v1: memory.limit_in_bytes, memory.soft_limit_in_bytes, memory.memsw.limit_in_bytes. */

/** A v1 limit write; EBUSY (usage above the new limit) becomes FAILED_PRECONDITION with the numbers. */
function writeV1Limit(h: CgroupHandle, file: string, usageFile: string, field: string, value: number, old: number): void {
  try {
    h.io.writeFile(file, v1BytesValue(value));
  } catch (e) {
    if (e instanceof LmctfyError && e.errno === 'EBUSY') {
      throw belowUsage(h, field, value, readStat(h.io, usageFile, parseCounter), old, e);
    }
    if (e instanceof LmctfyError && e.errno === 'ENOENT') throw missingFileError(h, 'memory', file, field, e);
    throw settingError(h, field, v1BytesValue(value), e);
  }
}

/**
 * `fresh`: the cgroup was made by this create, so its limits are the kernel's defaults
 * (unlimited) and need neither reading nor, for an unlimited swap, writing.
 */
function applyV1(h: CgroupHandle, dir: string, t: MemoryTarget, fresh: boolean): void {
  const limitFile = `${dir}/memory.limit_in_bytes`;
  const memswFile = `${dir}/memory.memsw.limit_in_bytes`;
  const swapTarget = fresh && !t.swapAsked && t.swap === -1 ? undefined : t.swap;
  const hasMemsw = swapTarget !== undefined && h.io.exists(memswFile);
  if (t.swapAsked && !hasMemsw) throw swapUnsupported(memswFile);
  const curLimit = fresh ? -1 : readSpecValue(h.io, limitFile, parseLimit, 'a memory limit');
  const writeLimit = () => {
    if (t.limit !== undefined) writeV1Limit(h, limitFile, `${dir}/memory.usage_in_bytes`, 'memory.limit', t.limit, curLimit);
  };
  if (hasMemsw) {
    const curSwap = fresh ? -1 : readSpecValue(h.io, memswFile, parseLimit, 'a memory+swap limit');
    const writeSwap = () => writeV1Limit(h, memswFile, `${dir}/memory.memsw.usage_in_bytes`, 'memory.swap_limit', swapTarget!, curSwap);
    if (memswOrder(curLimit, t.limit ?? curLimit, swapTarget!) === 'swap-first') {
      writeSwap();
      writeLimit();
    } else {
      writeLimit();
      writeSwap();
    }
  } else {
    const memsw = t.limit !== undefined && !fresh ? readStat(h.io, memswFile, parseLimit) : undefined;
    if (memsw !== undefined && !limitAtLeast(memsw, t.limit!)) {
      throw new LmctfyError(
        Code.INVALID_ARGUMENT,
        `memory.limit ${t.limit} of ${h.name} is above its memory.swap_limit ${memsw} (memory plus swap); raise swap_limit with it`,
      );
    }
    writeLimit();
  }
  if (t.reservation !== undefined) {
    writeSetting(h, 'memory', `${dir}/memory.soft_limit_in_bytes`, v1BytesValue(t.reservation), 'memory.reservation');
  }
}

function readV1(h: CgroupHandle, dir: string): MemorySpec {
  const out: MemorySpec = {
    limit: readSpecValue(h.io, `${dir}/memory.limit_in_bytes`, parseLimit, 'a memory limit'),
    reservation: readSpecValue(h.io, `${dir}/memory.soft_limit_in_bytes`, parseLimit, 'a memory soft limit'),
  };
  const memswFile = `${dir}/memory.memsw.limit_in_bytes`;
  const memsw = readOptional(h.io, memswFile);
  if (memsw !== undefined) out.swap_limit = parseOrDataLoss(memswFile, memsw, parseLimit, 'a memory+swap limit');
  return out;
}

const V1_SUMMARY_KEYS = new Set(['total_inactive_file', 'hierarchical_memory_limit']);
const V1_FULL_KEYS = new Set([...V1_SUMMARY_KEYS, ...DATA_KEYS, ...DATA_KEYS.map((k) => `total_${k}`)]);
function statsV1(h: CgroupHandle, dir: string, type: StatsType, prev?: MemoryStats): MemoryStats {
  const io = h.io;
  const usage = readStat(io, `${dir}/memory.usage_in_bytes`, parseCounter);
  const readOom = () => readStat(io, `${dir}/memory.oom_control`, (t) => parseFlatKeyed(t))?.get('oom_kill');
  if (unchanged(type, usage, prev)) {
    const { working_set, effective_limit, hierarchical_memory_limit } = prev;
    // A kill frees the victim's memory, so usage moves; a group pinned at its limit can be
    // back at exactly the same figure a second later, so there the count is read anyway.
    const pinned = prev.limit === undefined || (prev.limit >= 0 && usage! >= prev.limit);
    const oom = pinned ? readOom() : prev.oom_kill_count;
    return defined({ usage, working_set, effective_limit, hierarchical_memory_limit, oom_kill_count: oom }) ?? {};
  }
  const oom = readOom();
  const stat = readStat(io, `${dir}/memory.stat`, (t) => parseFlatKeyed(t, withBreakdown(type) ? V1_FULL_KEYS : V1_SUMMARY_KEYS));
  const hierLimit = stat?.get('hierarchical_memory_limit');
  const counters = type === 'counters';
  const out: MemoryStats = {
    limit: counters ? undefined : readStat(io, `${dir}/memory.limit_in_bytes`, parseLimit),
    // Settings no view shows per pass: only in full stats, to keep a summary pass cheap.
    reservation: withBreakdown(type) ? readStat(io, `${dir}/memory.soft_limit_in_bytes`, parseLimit) : undefined,
    swap_limit: withBreakdown(type) ? readStat(io, `${dir}/memory.memsw.limit_in_bytes`, parseLimit) : undefined,
    usage,
    max_usage: counters ? undefined : readStat(io, `${dir}/memory.max_usage_in_bytes`, parseCounter),
    fail_count: counters ? undefined : readStat(io, `${dir}/memory.failcnt`, parseCounter),
    // usage_in_bytes counts descendants, so the hierarchical inactive_file is the one to subtract.
    working_set: workingSet(usage, stat?.get('total_inactive_file')),
    effective_limit: hierLimit === undefined ? undefined : limitFrom(hierLimit),
    hierarchical_memory_limit: hierLimit === undefined ? undefined : limitFrom(hierLimit),
    oom_kill_count: oom,
  };
  if (withBreakdown(type) && stat) {
    out.container_data = memoryData(stat, (f) => f);
    out.hierarchical_data = memoryData(stat, (f) => `total_${f}`);
  }
  return defined(out) ?? {};
}

export const memoryV1: MemoryResource = {
  controller: 'memory',
  wants: memoryWants,
  validate: validateMemory,
  isolated: (h) => h.dir('memory') !== undefined,
  apply(h, spec, policy) {
    applyV1(h, isolatedDir(h, 'memory'), memoryTarget(spec, policy), policy === 'create');
  },
  read(h) {
    const dir = h.dir('memory');
    return dir === undefined ? undefined : { memory: readV1(h, dir) };
  },
  stats(h, type, prev): ContainerStats {
    const dir = h.dir('memory');
    if (dir === undefined) return {};
    const m = statsV1(h, dir, type, prev?.memory);
    return Object.keys(m).length > 0 ? { memory: m } : {};
  },
  limit(h) {
    const dir = h.dir('memory');
    return dir === undefined ? undefined : readStat(h.io, `${dir}/memory.limit_in_bytes`, parseLimit);
  },
  reclaim(h, bytes) {
    const dir = h.dir('memory');
    return dir === undefined ? 0 : reclaimV1(h, dir, bytes);
  },
};

/**
 * v1 has no memory.reclaim: lowering memory.limit_in_bytes makes the kernel reclaim the
 * group down to it before the write returns (or fail EBUSY when it cannot), so the limit
 * is lowered by what its page cache could give and put back at once, whatever happened.
 * Only file pages are aimed at: without swap, anonymous memory cannot be reclaimed.
 */
function reclaimV1(h: CgroupHandle, dir: string, bytes: number): number {
  const limitFile = `${dir}/memory.limit_in_bytes`;
  const usageFile = `${dir}/memory.usage_in_bytes`;
  const before = readStat(h.io, usageFile, parseCounter) ?? 0;
  const stat = readStat(h.io, `${dir}/memory.stat`, (t) => parseFlatKeyed(t, new Set(['total_inactive_file', 'total_active_file'])));
  const file = (stat?.get('total_inactive_file') ?? 0) + (stat?.get('total_active_file') ?? 0);
  const want = Math.min(bytes, file);
  if (want <= 0) return 0;
  const old = h.io.readFile(limitFile).trim();
  try {
    h.io.writeFile(limitFile, String(before - want));
  } catch (e) {
    // EBUSY: the kernel reclaimed what it could and gave up; the usage below says how much.
    if (!(e instanceof LmctfyError && e.errno === 'EBUSY')) throw e;
  } finally {
    h.io.writeFile(limitFile, old);
  }
  return Math.max(0, before - (readStat(h.io, usageFile, parseCounter) ?? before));
}

import * as path from 'node:path';
import { Code, LmctfyError } from '../../errors.js';
import type { ContainerStats, MemoryData, MemorySpec, MemoryStats } from '../../../messages/types.js';
import { limitAtLeast, v2BytesValue } from '../conversions.js';
import { defined, isolatedDir, missingFileError, parseOrDataLoss, readOptional, readPressure, readSpecValue, readStat, writeSetting } from '../files.js';
import { belowUsage, memoryData, memoryTarget, memoryWants, swapUnsupported, unchanged, validateMemory, withBreakdown, workingSet, type MemoryTarget } from '../memory.js';
import { parseCounter, parseFlatKeyed, parseLimit } from '../parse.js';
import type { CgroupHandle, MemoryResource, StatsType } from '../types.js';

/** memory on cgroup v2: memory.max, memory.low, memory.swap.max (swap alone, not memory plus swap). */

/** v2 would OOM-kill down to a lowered memory.max rather than refuse it: refuse first instead. */
function applyV2(h: CgroupHandle, dir: string, t: MemoryTarget): void {
  const maxFile = `${dir}/memory.max`;
  const swapFile = `${dir}/memory.swap.max`;
  if (t.limit !== undefined && t.limit !== -1) {
    const usage = readStat(h.io, `${dir}/memory.current`, parseCounter);
    if (usage !== undefined && usage > t.limit) {
      throw belowUsage(h, 'memory.limit', t.limit, usage, readStat(h.io, maxFile, parseLimit));
    }
  }
  const hasSwap = h.io.exists(swapFile);
  if (t.swapAsked && !hasSwap) {
    throw h.io.exists(maxFile) ? swapUnsupported(swapFile) : missingFileError(h, 'memory', maxFile, 'memory.swap_limit');
  }
  let swapValue: string | undefined;
  if (hasSwap && (t.swap !== undefined || t.limit !== undefined)) {
    // Keep memory+swap where it was when only the limit changes, as v1's memsw does.
    const cur = t.swap === undefined || t.limit === undefined ? readV2(h, dir) : undefined;
    const limit = t.limit ?? cur?.limit ?? -1;
    const total = t.swap ?? cur?.swap_limit ?? -1;
    if (!limitAtLeast(total, limit)) {
      throw new LmctfyError(Code.INVALID_ARGUMENT, `memory.swap_limit ${total} of ${h.name} is below memory.limit ${limit}; swap_limit counts memory plus swap`);
    }
    if (t.swap !== undefined || total !== -1) swapValue = total === -1 ? 'max' : String(total - limit);
  }
  if (t.limit !== undefined) writeSetting(h, 'memory', maxFile, v2BytesValue(t.limit), 'memory.limit');
  if (swapValue !== undefined) writeSetting(h, 'memory', swapFile, swapValue, 'memory.swap_limit');
  if (t.reservation !== undefined) writeSetting(h, 'memory', `${dir}/memory.low`, v2BytesValue(t.reservation), 'memory.reservation');
}

function readV2(h: CgroupHandle, dir: string): MemorySpec | undefined {
  const maxFile = `${dir}/memory.max`;
  const max = readOptional(h.io, maxFile);
  if (max === undefined) return undefined;
  const limit = parseOrDataLoss(maxFile, max, parseLimit, 'a memory limit');
  const out: MemorySpec = { limit, reservation: readSpecValue(h.io, `${dir}/memory.low`, parseLimit, 'memory.low') };
  const swapFile = `${dir}/memory.swap.max`;
  const swapText = readOptional(h.io, swapFile);
  if (swapText !== undefined) {
    const swap = parseOrDataLoss(swapFile, swapText, parseLimit, 'a swap limit');
    out.swap_limit = swap === -1 || limit === -1 ? -1 : limit + swap;
  }
  return out;
}

/** v2 memory.stat names for MemoryData fields (v2 has no pgpgin/pgpgout). */
const V2_KEYS: Readonly<Partial<Record<keyof MemoryData, string>>> = {
  cache: 'file',
  rss: 'anon',
  rss_huge: 'anon_thp',
  mapped_file: 'file_mapped',
  pgfault: 'pgfault',
  pgmajfault: 'pgmajfault',
  dirty: 'file_dirty',
  writeback: 'file_writeback',
  inactive_anon: 'inactive_anon',
  active_anon: 'active_anon',
  inactive_file: 'inactive_file',
  active_file: 'active_file',
  unevictable: 'unevictable',
};

const V2_SUMMARY_KEYS = new Set(['inactive_file']);
const V2_FULL_KEYS = new Set(Object.values(V2_KEYS));

/** The smallest memory.max from this cgroup up to the top (v2 has no hierarchical_memory_limit). */
function effectiveLimitV2(h: CgroupHandle, dir: string): number | undefined {
  let min: number | undefined;
  for (let d = dir; d !== '/' && d !== '.'; d = path.posix.dirname(d)) {
    const limit = readStat(h.io, `${d}/memory.max`, parseLimit);
    if (limit === undefined) break;
    if (min === undefined || !limitAtLeast(limit, min)) min = limit;
  }
  return min;
}

/** v2 memory.stat counts descendants too: it fills hierarchical_data only. */
function statsV2(h: CgroupHandle, dir: string, type: StatsType, prev?: MemoryStats): MemoryStats {
  const io = h.io;
  const usage = readStat(io, `${dir}/memory.current`, parseCounter);
  const events = readStat(io, `${dir}/memory.events`, (t) => parseFlatKeyed(t));
  const carried = unchanged(type, usage, prev) ? prev : undefined;
  const stat = carried ? undefined : readStat(io, `${dir}/memory.stat`, (t) => parseFlatKeyed(t, withBreakdown(type) ? V2_FULL_KEYS : V2_SUMMARY_KEYS));
  const counters = type === 'counters';
  const limit = counters ? undefined : readStat(io, `${dir}/memory.max`, parseLimit);
  const swapMax = counters ? undefined : readStat(io, `${dir}/memory.swap.max`, parseLimit);
  const out: MemoryStats = {
    limit,
    reservation: counters ? undefined : readStat(io, `${dir}/memory.low`, parseLimit),
    swap_limit: swapMax === undefined || limit === undefined ? undefined : swapMax === -1 || limit === -1 ? -1 : limit + swapMax,
    usage,
    max_usage: counters ? undefined : readStat(io, `${dir}/memory.peak`, parseCounter),
    fail_count: events?.get('max'),
    working_set: carried ? carried.working_set : workingSet(usage, stat?.get('inactive_file')),
    oom_kill_count: events?.get('oom_kill'),
  };
  if (withBreakdown(type)) {
    out.effective_limit = effectiveLimitV2(h, dir);
    if (stat) out.hierarchical_data = memoryData(stat, (f) => V2_KEYS[f]);
  }
  return defined(out) ?? {};
}

export const memoryV2: MemoryResource = {
  controller: 'memory',
  wants: memoryWants,
  validate: validateMemory,
  isolated(h) {
    const dir = h.dir('memory');
    return dir !== undefined && h.io.exists(`${dir}/memory.max`);
  },
  apply(h, spec, policy) {
    applyV2(h, isolatedDir(h, 'memory'), memoryTarget(spec, policy));
  },
  read(h) {
    const dir = h.dir('memory');
    const m = dir === undefined ? undefined : readV2(h, dir);
    return m ? { memory: m } : undefined;
  },
  stats(h, type, prev) {
    const dir = h.dir('memory');
    if (dir === undefined) return {};
    const out: ContainerStats = {};
    const m = statsV2(h, dir, type, prev?.memory);
    if (Object.keys(m).length > 0) out.memory = m;
    const p = readPressure(h.io, `${dir}/memory.pressure`);
    if (p) out.pressure = { memory: p };
    return out;
  },
  limit(h) {
    const dir = h.dir('memory');
    return dir === undefined ? undefined : readStat(h.io, `${dir}/memory.max`, parseLimit);
  },
  reclaim(h, bytes) {
    const dir = h.dir('memory');
    if (dir === undefined || bytes <= 0 || !h.io.exists(`${dir}/memory.reclaim`)) return 0;
    const usage = () => readStat(h.io, `${dir}/memory.current`, parseCounter) ?? 0;
    const before = usage();
    try {
      h.io.writeFile(`${dir}/memory.reclaim`, String(bytes));
    } catch (e) {
      // EAGAIN: less than asked could be reclaimed; the usage below says how much was.
      if (!(e instanceof LmctfyError && e.errno === 'EAGAIN')) throw e;
    }
    return Math.max(0, before - usage());
  },
};

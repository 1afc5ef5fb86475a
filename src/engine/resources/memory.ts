import * as path from 'node:path';
import { Code, LmctfyError } from '../errors.js';
import type { ContainerStats, MemoryData, MemorySpec, MemoryStats } from '../../messages/types.js';
import { bytesValue, checkMemoryBytes, limitAtLeast, memswOrder } from './conversions.js';
import {
  defined,
  isolatedDir,
  missingFileError,
  parseOrDataLoss,
  readOptional,
  readPressure,
  readSpecValue,
  readStat,
  settingError,
  writeSetting,
} from './files.js';
import { limitFrom, parseCounter, parseFlatKeyed, parseLimit } from './parse.js';
import type { CgroupHandle, Resource, StatsType, UpdatePolicy } from './types.js';
import { workingSetBytes } from '../sampling/working-set.js';

/**
 * memory: limit, reservation (soft limit / memory.low) and swap_limit, which counts memory
 * plus swap as v1's memsw does (v2 stores only the swap part: swap.max = swap_limit − limit).
 */

/** MemorySpec fields no upstream kernel offers: refused by name, never dropped. */
const UNSUPPORTED: ReadonlyArray<keyof MemorySpec> = [
  'eviction_priority',
  'max_limit',
  'hugetlbfs_path',
  'tmpfs',
  'compression_sampling_ratio',
  'stale_page_age',
  'dirty',
  'kmem_charge_usage',
];

function validate(m: MemorySpec): void {
  for (const field of UNSUPPORTED) {
    if (m[field] !== undefined) {
      throw new LmctfyError(Code.UNIMPLEMENTED, `memory.${field} is not supported: upstream kernels have no such control`);
    }
  }
  if (m.limit !== undefined) checkMemoryBytes('memory.limit', m.limit, false);
  if (m.reservation !== undefined) checkMemoryBytes('memory.reservation', m.reservation, true);
  if (m.swap_limit !== undefined) checkMemoryBytes('memory.swap_limit', m.swap_limit, false);
  if (m.limit !== undefined && m.swap_limit !== undefined && !limitAtLeast(m.swap_limit, m.limit)) {
    throw new LmctfyError(
      Code.INVALID_ARGUMENT,
      `memory.swap_limit ${m.swap_limit} is below memory.limit ${m.limit}; swap_limit counts memory plus swap`,
    );
  }
}

interface MemoryTarget {
  limit?: number;
  reservation?: number;
  swap?: number;
  /** True when swap came from the spec, not from defaults: then its absence is an error. */
  swapAsked: boolean;
}

function target(m: MemorySpec, policy: UpdatePolicy): MemoryTarget {
  const defaults = policy !== 'diff';
  return {
    limit: m.limit ?? (defaults ? -1 : undefined),
    reservation: m.reservation ?? (defaults ? 0 : undefined),
    swap: m.swap_limit ?? (defaults ? -1 : undefined),
    swapAsked: m.swap_limit !== undefined,
  };
}

function swapUnsupported(file: string): LmctfyError {
  return new LmctfyError(Code.UNIMPLEMENTED, `memory.swap_limit needs ${file}, which does not exist (swap accounting is off: boot with swapaccount=1)`);
}

function belowUsage(h: CgroupHandle, field: string, value: number, usage: number | undefined, old: number | undefined, cause?: unknown): LmctfyError {
  const usageText = usage === undefined ? 'the current usage' : `the current usage ${usage}`;
  const oldText = old === undefined ? '' : `; it stays ${old === -1 ? 'unlimited' : old}`;
  return new LmctfyError(
    Code.FAILED_PRECONDITION,
    `cannot set ${field} of ${h.name} to ${value}: below ${usageText} bytes, which the kernel could not reclaim${oldText}`,
    cause === undefined ? undefined : { cause, errno: 'EBUSY' },
  );
}

/** A v1 limit write; EBUSY (usage above the new limit) becomes FAILED_PRECONDITION with the numbers. */
function writeV1Limit(h: CgroupHandle, file: string, usageFile: string, field: string, value: number, old: number): void {
  try {
    h.io.writeFile(file, bytesValue(value, 1));
  } catch (e) {
    if (e instanceof LmctfyError && e.errno === 'EBUSY') {
      throw belowUsage(h, field, value, readStat(h.io, usageFile, parseCounter), old, e);
    }
    if (e instanceof LmctfyError && e.errno === 'ENOENT') throw missingFileError(h, 'memory', file, field, e);
    throw settingError(h, field, bytesValue(value, 1), e);
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
    writeSetting(h, 'memory', `${dir}/memory.soft_limit_in_bytes`, bytesValue(t.reservation, 1), 'memory.reservation');
  }
}

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
  if (t.limit !== undefined) writeSetting(h, 'memory', maxFile, bytesValue(t.limit, 2), 'memory.limit');
  if (swapValue !== undefined) writeSetting(h, 'memory', swapFile, swapValue, 'memory.swap_limit');
  if (t.reservation !== undefined) writeSetting(h, 'memory', `${dir}/memory.low`, bytesValue(t.reservation, 2), 'memory.reservation');
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

// ---- stats ----

const DATA_KEYS: ReadonlyArray<keyof MemoryData> = [
  'cache',
  'rss',
  'rss_huge',
  'mapped_file',
  'pgpgin',
  'pgpgout',
  'pgfault',
  'pgmajfault',
  'dirty',
  'writeback',
  'inactive_anon',
  'active_anon',
  'inactive_file',
  'active_file',
  'unevictable',
];

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

const V1_SUMMARY_KEYS = new Set(['total_inactive_file', 'hierarchical_memory_limit']);
const V1_FULL_KEYS = new Set([...V1_SUMMARY_KEYS, ...DATA_KEYS, ...DATA_KEYS.map((k) => `total_${k}`)]);
const V2_SUMMARY_KEYS = new Set(['inactive_file']);
const V2_FULL_KEYS = new Set(Object.values(V2_KEYS));

function memoryData(stat: Map<string, number>, keyOf: (field: keyof MemoryData) => string | undefined): MemoryData | undefined {
  const out: MemoryData = {};
  for (const field of DATA_KEYS) {
    const key = keyOf(field);
    const v = key === undefined ? undefined : stat.get(key);
    if (v !== undefined) out[field] = v;
  }
  return Object.keys(out).length > 0 ? out : undefined;
}

/** cAdvisor's working set: usage minus the inactive file cache, floored at 0; the rule every face shares (sampling/working-set.ts). */
export const workingSet = workingSetBytes;

/**
 * A counters pass skips memory.stat (the costliest file of a pass: ~70 formatted lines) when
 * usage is exactly what it was last pass, and carries over what it gives: the working set
 * (LRU aging without allocation can still move it; the sampler bounds the lag by re-reading
 * every few passes) and the hierarchical limit (a setting).
 */
function unchanged(type: StatsType, usage: number | undefined, prev: MemoryStats | undefined): prev is MemoryStats {
  return type === 'counters' && usage !== undefined && prev?.usage === usage;
}

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
  const stat = readStat(io, `${dir}/memory.stat`, (t) => parseFlatKeyed(t, type === 'full' ? V1_FULL_KEYS : V1_SUMMARY_KEYS));
  const hierLimit = stat?.get('hierarchical_memory_limit');
  const counters = type === 'counters';
  const out: MemoryStats = {
    limit: counters ? undefined : readStat(io, `${dir}/memory.limit_in_bytes`, parseLimit),
    // Settings no view shows per pass: only in full stats, to keep a summary pass cheap.
    reservation: type === 'full' ? readStat(io, `${dir}/memory.soft_limit_in_bytes`, parseLimit) : undefined,
    swap_limit: type === 'full' ? readStat(io, `${dir}/memory.memsw.limit_in_bytes`, parseLimit) : undefined,
    usage,
    max_usage: counters ? undefined : readStat(io, `${dir}/memory.max_usage_in_bytes`, parseCounter),
    fail_count: counters ? undefined : readStat(io, `${dir}/memory.failcnt`, parseCounter),
    // usage_in_bytes counts descendants, so the hierarchical inactive_file is the one to subtract.
    working_set: workingSet(usage, stat?.get('total_inactive_file')),
    effective_limit: hierLimit === undefined ? undefined : limitFrom(hierLimit),
    hierarchical_memory_limit: hierLimit === undefined ? undefined : limitFrom(hierLimit),
    oom_kill_count: oom,
  };
  if (type === 'full' && stat) {
    out.container_data = memoryData(stat, (f) => f);
    out.hierarchical_data = memoryData(stat, (f) => `total_${f}`);
  }
  return defined(out) ?? {};
}

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
  const stat = carried ? undefined : readStat(io, `${dir}/memory.stat`, (t) => parseFlatKeyed(t, type === 'full' ? V2_FULL_KEYS : V2_SUMMARY_KEYS));
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
  if (type === 'full') {
    out.effective_limit = effectiveLimitV2(h, dir);
    if (stat) out.hierarchical_data = memoryData(stat, (f) => V2_KEYS[f]);
  }
  return defined(out) ?? {};
}

/**
 * The memory limit alone (v1 memory.limit_in_bytes, v2 memory.max), for samplers that show
 * it and nothing else of the spec: one file where read() takes three, each of which a
 * sampler would keep open. Undefined when the container has no memory hierarchy.
 */
export function memoryLimit(h: CgroupHandle): number | undefined {
  const dir = h.dir('memory');
  if (dir === undefined) return undefined;
  const file = h.version === 1 ? `${dir}/memory.limit_in_bytes` : `${dir}/memory.max`;
  return readStat(h.io, file, parseLimit);
}

export const memory: Resource = {
  controller: 'memory',
  wants: (spec) => spec.memory !== undefined,
  validate(spec) {
    if (spec.memory) validate(spec.memory);
  },
  apply(h, spec, policy) {
    const dir = isolatedDir(h, 'memory');
    const t = target(spec.memory ?? {}, policy);
    if (h.version === 1) applyV1(h, dir, t, policy === 'create');
    else applyV2(h, dir, t);
  },
  read(h) {
    const dir = h.dir('memory');
    if (dir === undefined) return undefined;
    const m = h.version === 1 ? readV1(h, dir) : readV2(h, dir);
    return m ? { memory: m } : undefined;
  },
  stats(h, type, prev) {
    const dir = h.dir('memory');
    if (dir === undefined) return {};
    const out: ContainerStats = {};
    const m = h.version === 1 ? statsV1(h, dir, type, prev?.memory) : statsV2(h, dir, type, prev?.memory);
    if (Object.keys(m).length > 0) out.memory = m;
    if (h.version === 2) {
      const p = readPressure(h.io, `${dir}/memory.pressure`);
      if (p) out.pressure = { memory: p };
    }
    return out;
  },
};

import { Code, LmctfyError } from '../errors.js';

/** Pure unit conversions between lmctfy's spec and the kernel's control-file values. */

function invalid(message: string): never {
  throw new LmctfyError(Code.INVALID_ARGUMENT, message);
}

/** An integer in [min, max], or INVALID_ARGUMENT naming the field. */
export function checkInteger(field: string, value: number, min: number, max = Number.MAX_SAFE_INTEGER): number {
  if (!Number.isSafeInteger(value)) invalid(`${field}: ${value} is not an integer`);
  if (value < min || value > max) invalid(`${field}: ${value} is out of range [${min}, ${max}]`);
  return value;
}

// ---- cpu ----

export const MIN_SHARES = 2;
export const MAX_SHARES = 262144;
export const DEFAULT_SHARES = 1024;
export const DEFAULT_WEIGHT = 100;
export const MIN_WEIGHT = 1;
export const MAX_WEIGHT = 10000;
export const DEFAULT_PERIOD_US = 100_000;
/** The kernel refuses CFS quotas below 1 ms. */
export const MIN_QUOTA_US = 1000;
/** Largest cpu.limit whose shares still fit in MAX_SHARES. */
export const MAX_CPU_LIMIT = Math.floor((MAX_SHARES * 1000) / 1024);

/** cpu.limit (CPU ms per second) → v1 cpu.shares: max(2, limit×1024/1000). */
export function cpuLimitToShares(limit: number): number {
  checkInteger('cpu.limit', limit, 0);
  const shares = limitShares(limit);
  if (shares > MAX_SHARES) invalid(`cpu.limit: ${limit} needs ${shares} cpu.shares, above the kernel maximum ${MAX_SHARES} (cpu.limit ≤ ${MAX_CPU_LIMIT})`);
  return shares;
}

function limitShares(limit: number): number {
  return Math.max(MIN_SHARES, Math.floor((limit * 1024) / 1000));
}

/**
 * v1 shares [2, 262144] → v2 weight [1, 10000], the formula opencontainers/cgroups adopted
 * in 2025 (and runc, crun and Kubernetes with it): weight = ⌈10^((L² + 125L)/612 − 7/34)⌉
 * with L = log2(shares), a curve through the ends of both ranges and through the defaults
 * (1024 shares → weight 100). The linear map it replaced gave the default 1024 shares a
 * weight of 39, below every peer left at the v2 default 100.
 */
export function sharesToWeight(shares: number): number {
  if (shares <= MIN_SHARES) return MIN_WEIGHT;
  if (shares >= MAX_SHARES) return MAX_WEIGHT;
  const l = Math.log2(shares);
  return Math.ceil(Math.pow(10, (l * l + 125 * l) / 612 - 7 / 34));
}

/** cpu.limit → v2 cpu.weight, through the shares it has on v1. */
export function cpuLimitToWeight(limit: number): number {
  return sharesToWeight(cpuLimitToShares(limit));
}

/*
 * Reading a limit back. The kernel holds a rounded value: several cpu.limit values give the
 * same cpu.shares (0, 1 and 2 all give 2) and many the same cpu.weight (about 13 near the
 * default), so the kernel cannot tell which one was asked. What a user expects of `spec` is
 * to get back what they asked, and what they ask is nearly always a round number (200,
 * 1000, 2500): so the read-back value is the roundest limit that gives the value the kernel
 * holds. It always converts to that same kernel value, so feeding `spec` output back to
 * `update` changes nothing, and a round request reads back exactly (`limit: 200` stays 200,
 * `limit: 0` stays 0, where reading the shares back linearly said 199 and 2).
 */

/** The roundest integer in [lo, hi]: most trailing decimal zeros, 0 the roundest of all. */
export function roundest(lo: number, hi: number): number {
  if (lo <= 0) return 0;
  for (let step = 10 ** Math.floor(Math.log10(hi)); step >= 1; step /= 10) {
    const m = Math.ceil(lo / step) * step;
    if (m <= hi) return m;
  }
  return lo;
}

/** Smallest x in [lo, hi] with f(x) ≥ y, or hi + 1 when there is none; f is non-decreasing. */
function firstAtLeast(f: (x: number) => number, y: number, lo: number, hi: number): number {
  let a = lo;
  let b = hi + 1;
  while (a < b) {
    const mid = Math.floor((a + b) / 2);
    if (f(mid) >= y) b = mid;
    else a = mid + 1;
  }
  return a;
}

/**
 * The roundest x in [lo, hi] with f(x) = held (f non-decreasing). A held value no x gives
 * (written by someone else) reads as the smallest x giving more, or hi past the top.
 */
export function roundestPreimage(f: (x: number) => number, held: number, lo: number, hi: number): number {
  const first = firstAtLeast(f, held, lo, hi);
  if (first > hi) return hi;
  if (f(first) !== held) return first;
  return roundest(first, firstAtLeast(f, held + 1, first, hi) - 1);
}

/** v1 cpu.shares → the cpu.limit to report (see roundest above). */
export function sharesToCpuLimit(shares: number): number {
  return roundestPreimage(limitShares, shares, 0, MAX_CPU_LIMIT);
}

/**
 * v2 cpu.weight → shares as cAdvisor exports them (container_spec_cpu_shares): its linear
 * map, integer division as its Go does, so dashboards read the same number from both. Not
 * the inverse of sharesToWeight: cAdvisor has not followed the 2025 formula.
 */
export function weightAsCadvisorShares(weight: number): number {
  return 2 + Math.floor(((weight - 1) * 262142) / 9999);
}

/** v2 cpu.weight → the cpu.limit to report (see roundest above). */
export function weightToCpuLimit(weight: number): number {
  return roundestPreimage((limit) => sharesToWeight(limitShares(limit)), weight, 0, MAX_CPU_LIMIT);
}

/** cpu.max_limit (CPU ms per second) → CFS quota in µs per `periodUs`. */
export function maxLimitToQuota(maxLimit: number, periodUs: number): number {
  checkInteger('cpu.max_limit', maxLimit, 1);
  const quota = Math.floor((maxLimit * periodUs) / 1000);
  if (quota < MIN_QUOTA_US) {
    invalid(`cpu.max_limit: ${maxLimit} gives a CFS quota of ${quota} µs per ${periodUs} µs period, below the kernel minimum ${MIN_QUOTA_US} µs`);
  }
  return quota;
}

/** CFS quota → cpu.max_limit; undefined when the quota is unlimited (negative). */
export function quotaToMaxLimit(quotaUs: number, periodUs: number): number | undefined {
  if (quotaUs < 0 || periodUs <= 0) return undefined;
  return Math.round((quotaUs * 1000) / periodUs);
}

/** v2 `cpu.max`: `<quota|max> <period>`; quota -1 for max. */
export function parseCpuMax(text: string): { quotaUs: number; periodUs: number } | undefined {
  const m = /^(max|\d+)(?:\s+(\d+))?$/.exec(text.trim());
  if (!m) return undefined;
  const periodUs = m[2] === undefined ? DEFAULT_PERIOD_US : Number(m[2]);
  if (periodUs <= 0) return undefined;
  return { quotaUs: m[1] === 'max' ? -1 : Number(m[1]), periodUs };
}

/** cpuacct.stat reports in USER_HZ ticks, which Linux fixes at 100 for userspace. */
export const USER_HZ = 100;
export function ticksToNs(ticks: number): number {
  return ticks * (1e9 / USER_HZ);
}

// ---- memory ----

export const PAGE_SIZE = 4096;

/**
 * The kernel's "unlimited" as v1's memory.limit_in_bytes prints it (2^63 − 4096, the page
 * counter's maximum); anything from there up to INT64_MAX means unlimited too.
 */
export const KERNEL_UNLIMITED_BYTES = 2 ** 63 - 4096;

/** A memory byte value as lmctfy keeps it: the kernel's own unlimited values (INT64_MAX is 2^63 as a JS number) become -1. */
export function memoryBytes(value: number): number {
  return value >= KERNEL_UNLIMITED_BYTES && value <= 2 ** 63 ? -1 : value;
}

/**
 * A memory byte value: -1 unlimited (or the kernel's own, see memoryBytes), otherwise at
 * least one page (0 only where allowed: a reservation of 0 means none).
 */
export function checkMemoryBytes(field: string, value: number, allowZero: boolean): number {
  if (memoryBytes(value) === -1) return -1;
  if (!Number.isSafeInteger(value)) invalid(`${field}: ${value} is not an integer number of bytes`);
  if (value === -1 || (allowZero && value === 0)) return value;
  if (value < 0) invalid(`${field}: ${value} is negative (use -1 for unlimited)`);
  if (value < PAGE_SIZE) invalid(`${field}: ${value} bytes is below one page (${PAGE_SIZE} bytes)`);
  return value;
}

/** Compares byte limits where -1 means unlimited. */
export function limitAtLeast(a: number, b: number): boolean {
  if (a === -1) return true;
  if (b === -1) return false;
  return a >= b;
}

export type MemswOrder = 'swap-first' | 'limit-first';

/**
 * v1 insists memsw (memory+swap) ≥ limit after every single write. Writing swap first works
 * when the new swap covers the old limit (raising); otherwise limit first (lowering). When
 * the target itself is consistent one of the two always works.
 */
export function memswOrder(currentLimit: number, targetLimit: number, targetSwap: number): MemswOrder {
  if (!limitAtLeast(targetSwap, targetLimit)) {
    invalid(`memory.swap_limit ${targetSwap} is below memory.limit ${targetLimit}; swap_limit counts memory plus swap`);
  }
  return limitAtLeast(targetSwap, currentLimit) ? 'swap-first' : 'limit-first';
}

/** A byte limit as v1 files take it (-1 is accepted as unlimited). */
export function v1BytesValue(value: number): string {
  return String(value);
}

/** A byte limit as v2 files take it (`max` for unlimited). */
export function v2BytesValue(value: number): string {
  return value === -1 ? 'max' : String(value);
}

// ---- blkio ----

export const MIN_BLKIO_WEIGHT = 1;
export const MAX_BLKIO_WEIGHT = 1000;

/** v1-scale blkio weight [10, 1000] → v2 io.weight [1, 10000] (runc's mapping, clamped). */
export function blkioWeightToIoWeight(weight: number): number {
  return Math.max(MIN_WEIGHT, 1 + Math.floor(((weight - 10) * (MAX_WEIGHT - 1)) / 990));
}

export function ioWeightToBlkioWeight(weight: number): number {
  return Math.min(MAX_BLKIO_WEIGHT, Math.max(MIN_BLKIO_WEIGHT, 10 + Math.ceil(((weight - 1) * 990) / (MAX_WEIGHT - 1))));
}

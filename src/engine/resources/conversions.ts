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
  const shares = Math.floor((limit * 1024) / 1000);
  if (shares > MAX_SHARES) invalid(`cpu.limit: ${limit} needs ${shares} cpu.shares, above the kernel maximum ${MAX_SHARES} (cpu.limit ≤ ${MAX_CPU_LIMIT})`);
  return Math.max(MIN_SHARES, shares);
}

export function sharesToCpuLimit(shares: number): number {
  return Math.round((shares * 1000) / 1024);
}

/** v1 shares [2, 262144] → v2 weight [1, 10000], the conversion runc, crun and systemd share. */
export function sharesToWeight(shares: number): number {
  const s = Math.min(MAX_SHARES, Math.max(MIN_SHARES, shares));
  return 1 + Math.floor(((s - MIN_SHARES) * (MAX_WEIGHT - 1)) / (MAX_SHARES - MIN_SHARES));
}

/** The smallest shares value that sharesToWeight maps to `weight` (so the two round-trip). */
export function weightToShares(weight: number): number {
  const w = Math.min(MAX_WEIGHT, Math.max(MIN_WEIGHT, weight));
  return MIN_SHARES + Math.ceil(((w - 1) * (MAX_SHARES - MIN_SHARES)) / (MAX_WEIGHT - 1));
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
 * A memory byte value: -1 unlimited, otherwise at least one page (0 only where allowed:
 * a reservation of 0 means none).
 */
export function checkMemoryBytes(field: string, value: number, allowZero: boolean): number {
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

/** The value written to a v1 byte file (-1 is accepted by the kernel as unlimited) or v2 (`max`). */
export function bytesValue(value: number, version: 1 | 2): string {
  return value === -1 ? (version === 1 ? '-1' : 'max') : String(value);
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

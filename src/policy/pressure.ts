import { Code, LmctfyError } from '../engine/errors.js';
import type { EvictionAction, PressurePolicy } from '../messages/types.js';

/** PressurePolicy with its defaults filled in (docs/DAEMON.md). */
export interface PressureSettings {
  evictHeadroom: number;
  reclaimHeadroom: number;
  stallUs: number;
  windowUs: number;
  action: EvictionAction;
  cooldownMs: number;
  cpuStallUs: number;
  cpuReleaseMs: number;
}

const MiB = 2 ** 20;
/** The kubelet's memory.available default. */
export const DEFAULT_EVICT_HEADROOM = 100 * MiB;
/**
 * 15 % stalled over 2 s. The window is a multiple of 2 s because a process without
 * CAP_SYS_RESOURCE (as here) may only place such triggers (the kernel's averaging period).
 */
export const DEFAULT_STALL_US = 300_000;
export const DEFAULT_WINDOW_US = 2_000_000;
export const DEFAULT_COOLDOWN_MS = 2_000;
/**
 * 5 % of a 2 s window waiting for a CPU: well above what a latency-sensitive task alone on
 * an idle machine shows (under 1 % here) and well below what two CPUs of batch beside it
 * cause (15–25 %, BENCHMARKS.md).
 */
export const DEFAULT_CPU_STALL_US = 100_000;
/** Long against the 2 s PSI window, so a cap that works is not released and re-placed every few seconds. */
export const DEFAULT_CPU_RELEASE_MS = 30_000;
/** The kernel's bounds for a PSI trigger's window (kernel/sched/psi.c). */
export const MIN_WINDOW_US = 500_000;
export const MAX_WINDOW_US = 10_000_000;

export function pressureSettings(p: PressurePolicy = {}): PressureSettings {
  const evictHeadroom = p.evict_headroom ?? DEFAULT_EVICT_HEADROOM;
  return {
    evictHeadroom,
    reclaimHeadroom: p.reclaim_headroom ?? 2 * evictHeadroom,
    stallUs: p.stall_us ?? DEFAULT_STALL_US,
    windowUs: p.window_us ?? DEFAULT_WINDOW_US,
    action: p.action ?? 'KILL_TASKS',
    cooldownMs: p.cooldown_ms ?? DEFAULT_COOLDOWN_MS,
    cpuStallUs: p.cpu_stall_us ?? DEFAULT_CPU_STALL_US,
    cpuReleaseMs: p.cpu_release_ms ?? DEFAULT_CPU_RELEASE_MS,
  };
}

/** Refuses settings the daemon or the kernel cannot honour: INVALID_ARGUMENT naming the field. */
export function validatePressure(p: PressurePolicy): void {
  const bad = (what: string) => {
    throw new LmctfyError(Code.INVALID_ARGUMENT, `PolicySpec.pressure.${what}`);
  };
  const s = pressureSettings(p);
  if (!Number.isSafeInteger(s.evictHeadroom) || s.evictHeadroom < 0) bad(`evict_headroom: ${s.evictHeadroom} is not a byte count`);
  if (!Number.isSafeInteger(s.reclaimHeadroom) || s.reclaimHeadroom < s.evictHeadroom) {
    bad(`reclaim_headroom: ${s.reclaimHeadroom} must be at least evict_headroom (${s.evictHeadroom}): reclaim comes before eviction`);
  }
  if (!Number.isInteger(s.windowUs) || s.windowUs < MIN_WINDOW_US || s.windowUs > MAX_WINDOW_US) {
    bad(`window_us: ${s.windowUs} is outside the kernel's ${MIN_WINDOW_US}–${MAX_WINDOW_US} µs`);
  }
  if (!Number.isInteger(s.stallUs) || s.stallUs <= 0 || s.stallUs > s.windowUs) bad(`stall_us: ${s.stallUs} must be 1–window_us (${s.windowUs})`);
  if (!Number.isInteger(s.cooldownMs) || s.cooldownMs < 0) bad(`cooldown_ms: ${s.cooldownMs} is not a duration`);
  if (!Number.isInteger(s.cpuStallUs) || s.cpuStallUs <= 0 || s.cpuStallUs > s.windowUs) bad(`cpu_stall_us: ${s.cpuStallUs} must be 1–window_us (${s.windowUs})`);
  if (!Number.isInteger(s.cpuReleaseMs) || s.cpuReleaseMs < 0) bad(`cpu_release_ms: ${s.cpuReleaseMs} is not a duration`);
}

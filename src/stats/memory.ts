import { workingSetBytes } from '../engine/sampling/index.js';
import type { MemoryData, MemoryStats } from '../messages/types.js';

/**
 * A memory breakdown figure for the whole subtree: usage counts descendants, so the
 * hierarchical figures match it; the container's own are the fallback (where the kernel's
 * breakdown counts descendants already, the engine gives it as the hierarchical one).
 */
export function subtreeMemory(m: MemoryStats | undefined, key: keyof MemoryData): number | undefined {
  return m?.hierarchical_data?.[key] ?? m?.container_data?.[key];
}

/**
 * The working set: the engine's figure when it gave one, else the same rule applied to the
 * figures at hand (workingSetBytes: usage − inactive_file floored at 0, unknown without
 * inactive_file rather than guessed as usage).
 */
export function workingSet(m: MemoryStats | undefined): number | undefined {
  if (m?.working_set !== undefined) return m.working_set;
  return workingSetBytes(m?.usage, subtreeMemory(m, 'inactive_file'));
}

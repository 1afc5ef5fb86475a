import type { MemoryData, MemoryStats } from '../messages/types.js';

/**
 * A memory.stat figure for the whole subtree: usage counts descendants (v1 with
 * use_hierarchy, always on v2), so the hierarchical `total_*` keys match it; the
 * container's own keys are the fallback (v2's memory.stat is already hierarchical).
 */
export function subtreeMemory(m: MemoryStats | undefined, key: keyof MemoryData): number | undefined {
  return m?.hierarchical_data?.[key] ?? m?.container_data?.[key];
}

/**
 * Working set = usage − inactive_file, floored at 0 (what cAdvisor, docker and Kubernetes
 * report). The engine's value wins when it gave one; without inactive_file (memory.stat
 * not read) it is unknown rather than guessed as usage.
 */
export function workingSet(m: MemoryStats | undefined): number | undefined {
  if (m?.working_set !== undefined) return m.working_set;
  const inactive = subtreeMemory(m, 'inactive_file');
  if (m?.usage === undefined || inactive === undefined) return undefined;
  return Math.max(0, m.usage - inactive);
}

/**
 * The one working-set rule, for the engine's stats and for every exporter: usage minus the
 * inactive file cache, floored at 0 (cAdvisor's, docker's and Kubernetes' figure).
 *
 * Without inactive_file the working set is unknown, not usage. cAdvisor falls back to
 * usage there; we do not, because a number shown under that name must be one: usage
 * reported as the working set overstates it by the whole page cache, and nobody reading it
 * could tell. It only happens when memory.stat could not be read (a container vanishing
 * mid-pass), where an absent field is the truthful answer (docs/STATS.md, "Working set").
 */
export function workingSetBytes(usage: number | undefined, inactiveFile: number | undefined): number | undefined {
  if (usage === undefined || inactiveFile === undefined) return undefined;
  return Math.max(0, usage - inactiveFile);
}

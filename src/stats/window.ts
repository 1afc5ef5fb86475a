import type { TaskSchedstat } from '../engine/sampling/index.js';
import type { ContainerStats } from '../messages/types.js';
import { SchedstatHistogrammer } from './histogram.js';

/** What a windowed read needs of one container and the clock; the CLI passes the engine's, tests fakes. */
export interface WindowDeps {
  /** The container's full stats now. */
  stats(): ContainerStats;
  /** schedstat of every thread of the container's own processes now. */
  tasks(): TaskSchedstat[];
  sleep(ms: number): Promise<void>;
}

/**
 * Where the latency histograms of a windowed read came from: the kernel's own file
 * (cumulative, no window needed), schedstat over the window, or nowhere (no window asked
 * on a kernel without the file).
 */
export type HistogramOrigin = 'kernel' | 'schedstat' | 'none';

/**
 * A container's full stats, with CPU latency histograms wherever they can be had. A kernel
 * that keeps them per container gives them in one read. Without it they need two readings of the
 * threads' schedstat: given a window, the first is taken, the window waited, then the stats
 * and the second, so the histograms cover exactly that window (docs/STATS.md, CPU latency
 * histograms); without one, the stats go out without histograms.
 */
export async function statsWithHistograms(deps: WindowDeps, windowMs: number | undefined): Promise<{ stats: ContainerStats; histograms: HistogramOrigin }> {
  const now = deps.stats();
  if (now.cpu?.histograms?.length) return { stats: now, histograms: 'kernel' };
  if (windowMs === undefined) return { stats: now, histograms: 'none' };
  const histogrammer = new SchedstatHistogrammer();
  histogrammer.observe('', 0, deps.tasks());
  await deps.sleep(windowMs);
  const stats = deps.stats();
  const histograms = histogrammer.observe('', 0, deps.tasks())!;
  return { stats: { ...stats, cpu: { ...stats.cpu, histograms } }, histograms: 'schedstat' };
}

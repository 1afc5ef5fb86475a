import type { TaskSchedstat } from '../engine/sampling/index.js';
import type { ContainerStats } from '../messages/types.js';
import type { ContinuousHistograms } from './continuous.js';
import { SchedstatHistogrammer } from './histogram.js';

/** What a windowed read needs of one container and the clock; the CLI passes the engine's, tests fakes. */
export interface WindowDeps {
  /** The container's full stats now. */
  stats(): ContainerStats;
  /** schedstat of every thread of the container's own processes now. */
  tasks(): TaskSchedstat[];
  sleep(ms: number): Promise<void>;
  /** The daemon's histograms since it first saw the container; undefined when no daemon answers. */
  continuous?(): Promise<ContinuousHistograms | undefined>;
}

/**
 * Where the latency histograms of a windowed read came from: the kernel's own file
 * (cumulative, no window needed), schedstat over the window, the daemon's sums of schedstat
 * since it first saw the container (no window asked), or nowhere (no window asked on a
 * kernel without the file, and no daemon).
 */
export type HistogramOrigin = 'kernel' | 'schedstat' | 'daemon' | 'none';

/**
 * A container's full stats, with CPU latency histograms wherever they can be had. A kernel
 * that keeps them per container gives them in one read. Without it they need two readings of the
 * threads' schedstat: given a window, the first is taken, the window waited, then the stats
 * and the second, so the histograms cover exactly that window (docs/STATS.md, CPU latency
 * histograms); without one, the daemon's continuous histograms when it runs, else the
 * stats go out without histograms.
 */
export async function statsWithHistograms(deps: WindowDeps, windowMs: number | undefined): Promise<{ stats: ContainerStats; histograms: HistogramOrigin; daemon?: ContinuousHistograms }> {
  const now = deps.stats();
  if (now.cpu?.histograms?.length) return { stats: now, histograms: 'kernel' };
  if (windowMs === undefined) {
    const daemon = await deps.continuous?.();
    if (!daemon) return { stats: now, histograms: 'none' };
    return { stats: { ...now, cpu: { ...now.cpu, histograms: daemon.histograms } }, histograms: 'daemon', daemon };
  }
  const histogrammer = new SchedstatHistogrammer();
  histogrammer.observe('', 0, deps.tasks());
  await deps.sleep(windowMs);
  const stats = deps.stats();
  const histograms = histogrammer.observe('', 0, deps.tasks())!;
  return { stats: { ...stats, cpu: { ...stats.cpu, histograms } }, histograms: 'schedstat' };
}

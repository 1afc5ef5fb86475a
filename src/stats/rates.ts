import { depthOf } from '../engine/names.js';
import type { IoDeviceStats, NetworkInterfaceStats } from '../messages/types.js';
import type { ContainerRates, ContainerView, RawContainerSample, RawSample, SampleView } from './model.js';

const NS_PER_SEC = 1e9;

/**
 * Increase of a cumulative counter between two passes; undefined when either side is
 * missing or the counter went backwards (reset, wrap): a restart, never a negative rate.
 */
export function counterDelta(prev: number | undefined, cur: number | undefined): number | undefined {
  if (prev === undefined || cur === undefined || cur < prev) return undefined;
  return cur - prev;
}

function deviceKey(d: IoDeviceStats): string {
  return `${d.device.major ?? '?'}:${d.device.minor ?? '?'}`;
}

type IoCounter = 'read_bytes' | 'write_bytes' | 'read_ios' | 'write_ios';

/**
 * Increase of one counter summed over a set of items (devices, interfaces) between two
 * passes, matching items by `key`. An item absent from the previous pass counts from 0 (the
 * kernel creates a cgroup's per-device counters at zero on its first IO, and an interface
 * at zero when it is made). Any item going backwards makes the whole sum unknown, and so
 * does a counter that no item of the current pass reports (a kernel file that was not read).
 */
export function summedCounterDelta<T>(prev: readonly T[] | undefined, cur: readonly T[] | undefined, key: (item: T) => string, value: (item: T) => number | undefined): number | undefined {
  if (!prev || !cur) return undefined;
  if (cur.length > 0 && cur.every((d) => value(d) === undefined)) return undefined;
  const before = new Map(prev.map((d) => [key(d), value(d)]));
  let sum = 0;
  for (const d of cur) {
    const v = value(d);
    if (v === undefined) continue;
    const delta = counterDelta(before.get(key(d)) ?? 0, v);
    if (delta === undefined) return undefined;
    sum += delta;
  }
  return sum;
}

/** Increase of one IO counter (bytes or operations) across all block devices, matched by major:minor. */
export function ioCounterDelta(prev: IoDeviceStats[] | undefined, cur: IoDeviceStats[] | undefined, field: IoCounter): number | undefined {
  return summedCounterDelta(prev, cur, deviceKey, (d) => d[field]);
}

/** Increase of one network counter across a virtual host's interfaces, matched by their host end. */
export function netCounterDelta(prev: NetworkInterfaceStats[] | undefined, cur: NetworkInterfaceStats[] | undefined, field: 'rx_bytes' | 'tx_bytes'): number | undefined {
  return summedCounterDelta(prev, cur, (i) => i.outside ?? i.name ?? '', (i) => i[field]);
}

/**
 * Rates of one container over one interval (dtNs of monotonic time). Pure. Every field is
 * absent when it cannot be known honestly: first pass, recreated cgroup (changed id),
 * a counter that went backwards, or a stat the kernel does not provide.
 */
export function deriveRates(prev: RawContainerSample | undefined, cur: RawContainerSample, dtNs: number): ContainerRates {
  const rates: ContainerRates = {};
  if (!prev || prev.id !== cur.id || !(dtNs > 0)) return rates;
  const dtSec = dtNs / NS_PER_SEC;

  const cpuNs = counterDelta(prev.stats.cpu?.usage?.total, cur.stats.cpu?.usage?.total);
  if (cpuNs !== undefined) {
    rates.cpuPercent = (cpuNs / dtNs) * 100;
    const cap = cur.limits.cpuMaxMilli;
    if (cap !== undefined && cap > 0) rates.cpuPercentOfCap = rates.cpuPercent / (cap / 1000);
  }

  const t0 = prev.stats.cpu?.throttling_data;
  const t1 = cur.stats.cpu?.throttling_data;
  const periods = counterDelta(t0?.periods, t1?.periods);
  const throttled = counterDelta(t0?.throttled_periods, t1?.throttled_periods);
  // No CFS period elapsed (no cap, or idle): the ratio has no denominator.
  if (periods !== undefined && periods > 0 && throttled !== undefined) {
    rates.throttledPercent = Math.min(100, (throttled / periods) * 100);
  }

  const devs0 = prev.stats.blockio?.devices;
  const devs1 = cur.stats.blockio?.devices;
  const perSec = (field: IoCounter) => {
    const delta = ioCounterDelta(devs0, devs1, field);
    return delta === undefined ? undefined : delta / dtSec;
  };
  const read = perSec('read_bytes');
  if (read !== undefined) rates.ioReadBytesPerSec = read;
  const written = perSec('write_bytes');
  if (written !== undefined) rates.ioWriteBytesPerSec = written;
  const readOps = perSec('read_ios');
  if (readOps !== undefined) rates.ioReadOpsPerSec = readOps;
  const writeOps = perSec('write_ios');
  if (writeOps !== undefined) rates.ioWriteOpsPerSec = writeOps;

  const if0 = prev.stats.network?.interface;
  const if1 = cur.stats.network?.interface;
  for (const [field, key] of [['rx_bytes', 'netRxBytesPerSec'], ['tx_bytes', 'netTxBytesPerSec']] as const) {
    const delta = netCounterDelta(if0, if1, field);
    if (delta !== undefined) rates[key] = delta / dtSec;
  }

  const u0 = prev.stats.memory?.usage;
  const u1 = cur.stats.memory?.usage;
  // A gauge, not a counter: shrinking is real and stays negative.
  if (u0 !== undefined && u1 !== undefined) rates.memoryGrowthPerSec = (u1 - u0) / dtSec;

  const ooms = counterDelta(prev.stats.memory?.oom_kill_count, cur.stats.memory?.oom_kill_count);
  if (ooms !== undefined) rates.oomKillsDelta = ooms;

  return rates;
}

/**
 * Turns successive raw passes into views: keeps each container's previous raw sample
 * (by name) and the monotonic time of the pass it came from. Containers absent from a
 * pass are forgotten, so the state is as large as the last pass.
 */
export class SampleDeriver {
  /** Each container's previous raw sample, updated in place pass after pass (no garbage per container and pass). */
  private prev = new Map<string, { sample: RawContainerSample; monoNs: number; depth: number; pass: number }>();
  private passes = 0;
  private lastMonoNs: number | undefined;
  /**
   * The rates of readings a pass handed on as the very same object (Sampler's carried and
   * kept readings): against itself every counter's increase is zero, whatever the interval,
   * so they are derived once per reading and shared, not made again each pass.
   */
  private readonly stillRates = new WeakMap<RawContainerSample, ContainerRates>();

  derive(raw: RawSample): SampleView {
    const pass = ++this.passes;
    const containers: ContainerView[] = raw.containers.map((c) => {
      const before = this.prev.get(c.name);
      const depth = before?.depth ?? depthOf(c.name);
      const dtNs = before ? raw.monoNs - before.monoNs : 0;
      const view: ContainerView = {
        name: c.name,
        depth,
        raw: c,
        rates: before?.sample === c && dtNs > 0 ? this.ratesOfStill(c, dtNs) : deriveRates(before?.sample, c, dtNs),
      };
      if (before) {
        before.sample = c;
        before.monoNs = raw.monoNs;
        before.pass = pass;
      } else this.prev.set(c.name, { sample: c, monoNs: raw.monoNs, depth, pass });
      const state = c.stats.freezer?.state;
      if (state !== undefined) view.state = state;
      const histograms = c.stats.cpu?.histograms;
      if (histograms !== undefined) view.histograms = histograms;
      return view;
    });
    // Containers absent from this pass are forgotten.
    if (this.prev.size !== containers.length) for (const [name, p] of this.prev) if (p.pass !== pass) this.prev.delete(name);
    const intervalSec = this.lastMonoNs === undefined ? 0 : Math.max(0, raw.monoNs - this.lastMonoNs) / NS_PER_SEC;
    this.lastMonoNs = raw.monoNs;
    const view: SampleView = { timestamp: raw.timestamp, monoNs: raw.monoNs, intervalSec, containers };
    if (raw.host) view.host = raw.host;
    return view;
  }

  private ratesOfStill(c: RawContainerSample, dtNs: number): ContainerRates {
    let rates = this.stillRates.get(c);
    if (!rates) this.stillRates.set(c, (rates = deriveRates(c, c, dtNs)));
    return rates;
  }
}

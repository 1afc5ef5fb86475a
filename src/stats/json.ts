import type { AdmissionView } from '../engine/export-reads.js';
import type { ContainerStats, CpuSpec, FreezerState, MemorySpec, PidsSpec, SchedulingLatency } from '../messages/types.js';
import { containerTier } from './tier.js';
import type { ContainerRates, ContainerView, HostSample, RawContainerSample, SampleView } from './model.js';

/** Derived numbers, each named with its unit. */
export interface RatesJson {
  cpu_percent?: number;
  /** What 100 in cpu_percent means. */
  cpu_percent_denominator?: 'one CPU';
  cpu_percent_of_cap?: number;
  throttled_percent?: number;
  io_read_bytes_per_sec?: number;
  io_write_bytes_per_sec?: number;
  memory_growth_bytes_per_sec?: number;
  /** A virtual host's traffic over its interfaces, as seen from inside. */
  network_rx_bytes_per_sec?: number;
  network_tx_bytes_per_sec?: number;
  oom_kills_delta?: number;
}

/** The settings shown beside usage, as a ContainerSpec fragment (proto field names). */
export interface LimitsJson {
  cpu?: Pick<CpuSpec, 'limit' | 'max_limit'>;
  memory?: Pick<MemorySpec, 'limit'>;
  pids?: PidsSpec;
}

export interface ContainerJson {
  name: string;
  id: number;
  state?: FreezerState;
  stats: ContainerStats;
  limits: LimitsJson;
  rates: RatesJson;
  histogram_source?: 'kernel' | 'schedstat';
  /** Ours: the container's tier (stats/tier.ts, docs/POLICY.md); absent for one sharing its parent's cpu group. */
  tier?: SchedulingLatency;
}

/** Ours: amounts in the spec's units, CPU milliseconds per second and bytes. */
export interface AmountsJson {
  cpu: number;
  memory: number;
}

/** Ours: the machine policy's budget (docs/POLICY.md, `lmctfy policy show`). */
export interface AdmissionJson {
  capacity: AmountsJson;
  reserve: AmountsJson;
  allocatable: AmountsJson;
  tiers: Array<{ tier: SchedulingLatency; overcommit_percent: number; containers: number; admitted: AmountsJson; headroom: AmountsJson }>;
}

export interface HostJson {
  hostname?: string;
  cpus?: number;
  load1?: number;
  load5?: number;
  load15?: number;
  mem_total_bytes?: number;
  mem_available_bytes?: number;
}

export interface SampleJson {
  timestamp: string;
  interval_sec: number;
  host?: HostJson;
  /** Present when a machine policy is set. */
  admission?: AdmissionJson;
  containers: ContainerJson[];
}

/** An object of the given keys whose values are defined, finite numbers (the others left out). */
function pick<T extends object>(pairs: Array<[keyof T, number | undefined]>): T {
  const out = {} as Record<keyof T, number>;
  for (const [k, v] of pairs) if (v !== undefined && Number.isFinite(v)) out[k] = v;
  return out as T;
}

export function ratesToJson(r: ContainerRates): RatesJson {
  const out = pick<RatesJson>([
    ['cpu_percent', r.cpuPercent],
    ['cpu_percent_of_cap', r.cpuPercentOfCap],
    ['throttled_percent', r.throttledPercent],
    ['io_read_bytes_per_sec', r.ioReadBytesPerSec],
    ['io_write_bytes_per_sec', r.ioWriteBytesPerSec],
    ['memory_growth_bytes_per_sec', r.memoryGrowthPerSec],
    ['network_rx_bytes_per_sec', r.netRxBytesPerSec],
    ['network_tx_bytes_per_sec', r.netTxBytesPerSec],
    ['oom_kills_delta', r.oomKillsDelta],
  ]);
  if (out.cpu_percent !== undefined) out.cpu_percent_denominator = 'one CPU';
  return out;
}

export function limitsToJson(l: RawContainerSample['limits']): LimitsJson {
  const out: LimitsJson = {};
  const cpu = pick<NonNullable<LimitsJson['cpu']>>([
    ['limit', l.cpuShareMilli],
    ['max_limit', l.cpuMaxMilli],
  ]);
  if (Object.keys(cpu).length > 0) out.cpu = cpu;
  if (l.memoryLimit !== undefined) out.memory = { limit: l.memoryLimit };
  if (l.pidsLimit !== undefined) out.pids = { limit: l.pidsLimit };
  return out;
}

function hostToJson(h: HostSample): HostJson {
  const out: HostJson = pick<HostJson>([
    ['cpus', h.cpus],
    ['load1', h.load1],
    ['load5', h.load5],
    ['load15', h.load15],
    ['mem_total_bytes', h.memTotalBytes],
    ['mem_available_bytes', h.memAvailableBytes],
  ]);
  return h.hostname === undefined ? out : { hostname: h.hostname, ...out };
}

export function containerToJson(c: ContainerView, admission?: AdmissionView): ContainerJson {
  return containerWithTier(c, containerTier(c, admission));
}

function containerWithTier(c: ContainerView, tier: SchedulingLatency | undefined): ContainerJson {
  return {
    name: c.name,
    id: c.raw.id,
    ...(c.state === undefined ? {} : { state: c.state }),
    ...(tier === undefined ? {} : { tier }),
    limits: limitsToJson(c.raw.limits),
    rates: ratesToJson(c.rates),
    ...(c.raw.histogramSource === undefined ? {} : { histogram_source: c.raw.histogramSource }),
    stats: c.raw.stats,
  };
}

export function admissionToJson(a: AdmissionView): AdmissionJson {
  const b = a.budget;
  return {
    capacity: { ...b.capacity },
    reserve: { ...b.reserve },
    allocatable: { ...b.allocatable },
    tiers: a.tiers.map((t) => ({ tier: t.tier, overcommit_percent: b.overcommit[t.tier], containers: t.containers, admitted: { ...t.admitted }, headroom: { ...t.headroom } })),
  };
}

/** A sample's figures before its containers. */
function headToJson(view: SampleView, admission?: AdmissionView): Omit<SampleJson, 'containers'> {
  return {
    timestamp: view.timestamp,
    interval_sec: view.intervalSec,
    ...(view.host ? { host: hostToJson(view.host) } : {}),
    ...(admission ? { admission: admissionToJson(admission) } : {}),
  };
}

/**
 * The export shape of one sample (docs/STATS.md): proto field names and units for the
 * raw stats, absolute names, an RFC 3339 timestamp, derived numbers under `rates`.
 */
export function sampleToJson(view: SampleView, admission?: AdmissionView): SampleJson {
  return { ...headToJson(view, admission), containers: view.containers.map((c) => containerToJson(c, admission)) };
}

/** One NDJSON line (with its newline) for a stream of samples. */
export function toNdjsonLine(view: SampleView, admission?: AdmissionView): string {
  return `${JSON.stringify(sampleToJson(view, admission))}\n`;
}

/** Whether two containers' rates hold the same numbers under the same names. */
function sameRates(a: ContainerRates, b: ContainerRates): boolean {
  let n = 0;
  for (const key in a) {
    if (a[key as keyof ContainerRates] !== b[key as keyof ContainerRates]) return false;
    n++;
  }
  for (const _ in b) n--;
  return n === 0;
}

/** A container's JSON text, as UTF-8, and what it was made from besides its reading. */
interface ContainerText {
  rates: ContainerRates;
  tier: SchedulingLatency | undefined;
  bytes: Buffer;
}

const COMMA = 0x2c;
const TAIL = Buffer.from(']}\n');

/**
 * toNdjsonLine for a stream, byte for byte, as UTF-8, keeping each container's text with the
 * reading it was made from. A container's text is its reading's (name, id, freezer state,
 * stats, limits, histograms) with its rates and tier: where a pass hands on the very same
 * reading (Sampler's carryEmpty keeps an empty, still container's unread) with the same rates
 * (a still container's are zeros) and tier, the bytes are those made before, copied.
 */
export class NdjsonLines {
  private readonly texts = new WeakMap<RawContainerSample, ContainerText>();

  line(view: SampleView, admission?: AdmissionView): Buffer {
    const head = Buffer.from(`${JSON.stringify(headToJson(view, admission)).slice(0, -1)},"containers":[`);
    const parts = new Array<Buffer>(view.containers.length);
    let length = head.length + Math.max(0, parts.length - 1) + TAIL.length;
    for (let i = 0; i < parts.length; i++) length += (parts[i] = this.container(view.containers[i], admission)).length;
    const out = Buffer.allocUnsafe(length);
    let n = head.copy(out, 0);
    for (let i = 0; i < parts.length; i++) {
      if (i > 0) out[n++] = COMMA;
      n += parts[i].copy(out, n);
    }
    TAIL.copy(out, n);
    return out;
  }

  private container(c: ContainerView, admission: AdmissionView | undefined): Buffer {
    const kept = this.texts.get(c.raw);
    const tier = containerTier(c, admission);
    if (kept && kept.tier === tier && (kept.rates === c.rates || sameRates(kept.rates, c.rates))) return kept.bytes;
    const bytes = Buffer.from(JSON.stringify(containerWithTier(c, tier)));
    this.texts.set(c.raw, { rates: c.rates, tier, bytes });
    return bytes;
  }
}

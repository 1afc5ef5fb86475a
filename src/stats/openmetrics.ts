import type { AdmissionView } from '../engine/export-reads.js';
import type { Device, IoDeviceStats, NetworkInterfaceStats, PressureLine, PressureStats } from '../messages/types.js';
import type { DecisionTotals } from './decisions.js';
import { subtreeMemory, workingSet } from './memory.js';
import type { ContainerView, RawContainerSample } from './model.js';
import { containerTier } from './tier.js';

export type MetricsFormat = 'openmetrics' | 'prometheus';

/**
 * counter: `_total` samples; in OpenMetrics the family (HELP/TYPE) drops the suffix.
 * legacy-counter: a counter cAdvisor names without `_total`; OpenMetrics forbids that for
 * counters, so there it is typed `unknown` to keep the name dashboards query.
 */
type Kind = 'counter' | 'gauge' | 'legacy-counter';

/** Labels of the plain families (no `id`). */
type Labels = Readonly<Record<string, string>>;

/**
 * Takes one sample of a family for the container being written: `labels` is the text after
 * its `id` pair (`,cpu="total"`, escaped, or ''); an undefined or non-finite value is skipped.
 */
type Emit = (labels: string, value: number | undefined) => void;

export interface MetricsOptions {
  format: MetricsFormat;
  /**
   * Name of block device major:minor for the `device` label (`/dev/sda`); without one, or
   * when it returns undefined, the label is empty, as cAdvisor leaves a device it cannot name.
   */
  deviceName?: (major: number, minor: number) => string | undefined;
  /** The machine policy's budget and tiers (lmctfy_admitted_*, lmctfy_container_tier); without one those families are left out. */
  admission?: () => AdmissionView | undefined;
  /** The daemon's decisions counted from the root's journal (lmctfy_evictions_total, lmctfy_reclaims_total, lmctfy_cpu_caps_total, lmctfy_cpu_slices_total); without it those families are left out. */
  decisions?: () => DecisionTotals;
  /** The machine's PSI (lmctfy_machine_pressure_avg10_ratio); without it, or undefined, that family is left out. */
  machinePressure?: () => PressureStats | undefined;
  /** The lines of the last exposition's readings, for a writer called again and again (serve): see ExpositionCache. */
  cache?: ExpositionCache;
}

/** A family's sample lines in the last exposition: container i's are bytes[offsets[i], offsets[i + 1]). */
interface FamilyLines {
  bytes: Buffer;
  offsets: Int32Array;
}

/**
 * The sample lines of the last exposition, family by family, and the readings they were made
 * of. A reading handed on unchanged from one pass to the next (the very same object, at the
 * same place in the pass: Sampler's carryEmpty) gives the very same lines, so a run of such
 * readings is copied at once instead of made again: a scrape of an idle tree formats only
 * what moved. Families that look beyond the reading (device names, tiers) are always made.
 */
export class ExpositionCache {
  raws: readonly RawContainerSample[] = [];
  families: Array<FamilyLines | undefined> = [];
}

/** What the metrics look up beyond the sample, each at most once per exposition. */
interface Lookups {
  /** The device's name, escaped for a label value. */
  device(d: Device): string;
  admission: AdmissionView | undefined;
}

/** What a family not marked looksUp is given: a lookup there is a mistake the tests catch, not a stale line in a cache. */
const NO_LOOKUPS: Lookups = {
  device() {
    throw new Error('a family using lookups must be marked looksUp');
  },
  get admission(): undefined {
    throw new Error('a family using lookups must be marked looksUp');
  },
};

/** What the exposition reads of a container: its name and raw pass (a ContainerView has both). */
type Exported = Pick<ContainerView, 'name' | 'raw'>;

/** The containers of a pass, as a view or as a raw pass (exposed()), which the exposition needs no rates of. */
export interface ExportedPass {
  containers: readonly Exported[];
}

/** A raw pass as the exposition reads it, without deriving rates or recording history it does not print. */
export function exposed(containers: readonly RawContainerSample[]): ExportedPass {
  return { containers: containers.map((raw) => ({ name: raw.name, raw })) };
}

interface Metric {
  name: string;
  kind: Kind;
  /** cAdvisor's HELP text, word for word. */
  help: string;
  /** Emits the container's samples; no intermediate objects (an exposition has ~40 families × 1,000s of containers). */
  samples(c: Exported, lookups: Lookups, emit: Emit): void;
  /** Its samples depend on the lookups too (device names, the policy's tiers), not on the reading alone: never taken from an ExpositionCache. */
  looksUp?: true;
}

const seconds = (ns: number | undefined) => (ns === undefined ? undefined : ns / 1e9);
const pressureSeconds = (line: PressureLine | undefined) => (line?.total === undefined ? undefined : line.total / 1e6);
/** cAdvisor reports an unset (unlimited) limit as 0; lmctfy's unlimited is −1. */
const limitOrZero = (v: number | undefined) => (v === undefined ? undefined : v < 0 ? 0 : v);

/** A metric with one sample per container. */
function single(name: string, kind: Kind, help: string, value: (c: Exported) => number | undefined): Metric {
  return { name, kind, help, samples: (c, _lookups, emit) => emit('', value(c)) };
}

/** A per-device IO counter, labelled with the device as cAdvisor does. */
function perDevice(name: string, help: string, field: keyof Omit<IoDeviceStats, 'device'>): Metric {
  return {
    name,
    kind: 'counter',
    help,
    looksUp: true,
    samples: (c, { device }, emit) => {
      for (const d of c.raw.stats.blockio?.devices ?? []) emit(`,device="${device(d.device)}"`, d[field]);
    },
  };
}

/** A per-interface network counter of a virtual host, labelled with the interface's name inside, as cAdvisor does. */
function perInterface(name: string, help: string, field: keyof Omit<NetworkInterfaceStats, 'name' | 'outside'>): Metric {
  return {
    name,
    kind: 'counter',
    help,
    samples: (c, _lookups, emit) => {
      for (const i of c.raw.stats.network?.interface ?? []) emit(`,interface="${escapeLabelValue(i.name ?? '')}"`, i[field]);
    },
  };
}

/** container_memory_failures_total's label texts, scope container (the cgroup's own faults, v1 only) and hierarchy (with its descendants'). */
const FAILURE_LABELS = (['pgfault', 'pgmajfault'] as const).map((type) => ({
  type,
  container: `,failure_type="${type}",scope="container"`,
  hierarchy: `,failure_type="${type}",scope="hierarchy"`,
}));

/**
 * cAdvisor's names, types, labels and HELP texts (docs/STATS.md), so dashboards and
 * alerts built for it work unchanged; only families lmctfy has data for.
 */
const METRICS: Metric[] = [
  {
    name: 'container_cpu_usage_seconds_total',
    kind: 'counter',
    help: 'Cumulative cpu time consumed in seconds.',
    // cAdvisor's default (no per-CPU metrics) labels the whole usage cpu="total".
    samples: (c, _lookups, emit) => emit(',cpu="total"', seconds(c.raw.stats.cpu?.usage?.total)),
  },
  single('container_cpu_user_seconds_total', 'counter', 'Cumulative user cpu time consumed in seconds.', (c) => seconds(c.raw.stats.cpu?.usage?.user)),
  single('container_cpu_system_seconds_total', 'counter', 'Cumulative system cpu time consumed in seconds.', (c) => seconds(c.raw.stats.cpu?.usage?.system)),
  single('container_cpu_cfs_periods_total', 'counter', 'Number of elapsed enforcement period intervals.', (c) => c.raw.stats.cpu?.throttling_data?.periods),
  single(
    'container_cpu_cfs_throttled_periods_total',
    'counter',
    'Number of throttled period intervals.',
    (c) => c.raw.stats.cpu?.throttling_data?.throttled_periods,
  ),
  single(
    'container_cpu_cfs_throttled_seconds_total',
    'counter',
    'Total time duration the container has been throttled.',
    (c) => seconds(c.raw.stats.cpu?.throttling_data?.throttled_time),
  ),
  single('container_spec_cpu_period', 'gauge', 'CPU period of the container.', (c) => c.raw.limits.cpuKernel?.periodUs),
  single('container_spec_cpu_quota', 'gauge', 'CPU quota of the container.', (c) => c.raw.limits.cpuKernel?.quotaUs),
  single('container_spec_cpu_shares', 'gauge', 'CPU share of the container.', (c) => c.raw.limits.cpuKernel?.shares),
  single(
    'container_memory_usage_bytes',
    'gauge',
    'Current memory usage in bytes, including all memory regardless of when it was accessed',
    (c) => c.raw.stats.memory?.usage,
  ),
  single('container_memory_working_set_bytes', 'gauge', 'Current working set in bytes.', (c) => workingSet(c.raw.stats.memory)),
  single('container_memory_max_usage_bytes', 'gauge', 'Maximum memory usage recorded in bytes', (c) => c.raw.stats.memory?.max_usage),
  single('container_memory_cache', 'gauge', 'Number of bytes of page cache memory.', (c) => subtreeMemory(c.raw.stats.memory, 'cache')),
  single('container_memory_rss', 'gauge', 'Size of RSS in bytes.', (c) => subtreeMemory(c.raw.stats.memory, 'rss')),
  single('container_memory_mapped_file', 'gauge', 'Size of memory mapped files in bytes.', (c) => subtreeMemory(c.raw.stats.memory, 'mapped_file')),
  single(
    'container_memory_total_active_file_bytes',
    'gauge',
    'Current total active file in bytes.',
    (c) => subtreeMemory(c.raw.stats.memory, 'active_file'),
  ),
  single(
    'container_memory_total_inactive_file_bytes',
    'gauge',
    'Current total inactive file in bytes.',
    (c) => subtreeMemory(c.raw.stats.memory, 'inactive_file'),
  ),
  single('container_memory_failcnt', 'legacy-counter', 'Number of memory usage hits limits', (c) => c.raw.stats.memory?.fail_count),
  {
    name: 'container_memory_failures_total',
    kind: 'counter',
    help: 'Cumulative count of memory allocation failures.',
    samples: (c, _lookups, emit) => {
      const m = c.raw.stats.memory;
      for (const f of FAILURE_LABELS) {
        emit(f.container, m?.container_data?.[f.type]);
        emit(f.hierarchy, m?.hierarchical_data?.[f.type]);
      }
    },
  },
  single('container_oom_events_total', 'counter', 'Count of out of memory events observed for the container', (c) => c.raw.stats.memory?.oom_kill_count),
  single('container_spec_memory_limit_bytes', 'gauge', 'Memory limit for the container.', (c) =>
    limitOrZero(c.raw.stats.memory?.limit ?? c.raw.limits.memoryLimit),
  ),
  single('container_spec_memory_reservation_limit_bytes', 'gauge', 'Memory reservation limit for the container.', (c) =>
    limitOrZero(c.raw.stats.memory?.reservation),
  ),
  single('container_spec_memory_swap_limit_bytes', 'gauge', 'Memory swap limit for the container.', (c) => limitOrZero(c.raw.stats.memory?.swap_limit)),
  single('container_threads', 'gauge', 'Number of threads running inside the container', (c) => c.raw.stats.pids?.current),
  single('container_threads_max', 'gauge', 'Maximum number of threads allowed inside the container, infinity if value is zero', (c) =>
    limitOrZero(c.raw.stats.pids?.limit ?? c.raw.limits.pidsLimit),
  ),
  perDevice('container_fs_reads_bytes_total', 'Cumulative count of bytes read', 'read_bytes'),
  perDevice('container_fs_reads_total', 'Cumulative count of reads completed', 'read_ios'),
  perDevice('container_fs_writes_bytes_total', 'Cumulative count of bytes written', 'write_bytes'),
  perDevice('container_fs_writes_total', 'Cumulative count of writes completed', 'write_ios'),
  ...(
    [
      ['receive', 'rx', 'received', 'receiving'],
      ['transmit', 'tx', 'transmitted', 'transmitting'],
    ] as const
  ).flatMap(([way, f, done, doing]): Metric[] => [
    perInterface(`container_network_${way}_bytes_total`, `Cumulative count of bytes ${done}`, `${f}_bytes`),
    perInterface(`container_network_${way}_packets_total`, `Cumulative count of packets ${done}`, `${f}_packets`),
    perInterface(`container_network_${way}_packets_dropped_total`, `Cumulative count of packets dropped while ${doing}`, `${f}_dropped`),
    perInterface(`container_network_${way}_errors_total`, `Cumulative count of errors encountered while ${doing}`, `${f}_errors`),
  ]),
  {
    name: 'container_blkio_device_usage_total',
    kind: 'counter',
    help: 'Blkio Device bytes usage',
    looksUp: true,
    samples: (c, { device }, emit) => {
      for (const d of c.raw.stats.blockio?.devices ?? []) {
        const labels = `,device="${device(d.device)}",major="${d.device.major ?? 0}",minor="${d.device.minor ?? 0}"`;
        emit(`${labels},operation="Read"`, d.read_bytes);
        emit(`${labels},operation="Write"`, d.write_bytes);
      }
    },
  },
  ...(
    [
      ['cpu', 'CPU'],
      ['memory', 'memory'],
      ['io', 'IO'],
    ] as const
  ).flatMap(([r, what]): Metric[] => [
    single(
      `container_pressure_${r}_waiting_seconds_total`,
      'counter',
      `Total time duration tasks in the container have waited due to ${what} congestion.`,
      (c) => pressureSeconds(c.raw.stats.pressure?.[r]?.some),
    ),
    single(
      `container_pressure_${r}_stalled_seconds_total`,
      'counter',
      `Total time duration no tasks in the container could make progress due to ${what} congestion.`,
      (c) => pressureSeconds(c.raw.stats.pressure?.[r]?.full),
    ),
  ]),
];

/** Ours: a container's tier (stats/tier.ts, docs/POLICY.md), as an info-style gauge. */
const TIER_METRIC: Metric = {
  name: 'lmctfy_container_tier',
  kind: 'gauge',
  help: "The container's tier, its cpu.scheduling_latency (label tier); always 1.",
  looksUp: true,
  samples: (c, { admission }, emit) => {
    const tier = containerTier(c, admission);
    if (tier !== undefined) emit(`,tier="${escapeLabelValue(tier)}"`, 1);
  },
};

const PRESSURE_RESOURCES = ['cpu', 'memory', 'io'] as const;
const PRESSURE_KINDS = ['some', 'full'] as const;
const avg10Ratio = (line: PressureLine | undefined) => (line?.avg10 === undefined ? undefined : line.avg10 / 100);
const PRESSURE_LABELS = PRESSURE_RESOURCES.flatMap((resource) => PRESSURE_KINDS.map((kind) => ({ resource, kind, labels: `,resource="${resource}",kind="${kind}"` })));

/** Ours: PSI's 10 s average per container (cAdvisor exports only the totals), where the kernel keeps it (cgroup v2). */
const PRESSURE_METRIC: Metric = {
  name: 'lmctfy_container_pressure_avg10_ratio',
  kind: 'gauge',
  help: 'Share of the last 10 s in which some (kind="some") or all (kind="full") tasks of the container stalled on the resource (PSI avg10 / 100).',
  samples: (c, _lookups, emit) => {
    const p = c.raw.stats.pressure;
    for (const { resource, kind, labels } of PRESSURE_LABELS) emit(labels, avg10Ratio(p?.[resource]?.[kind]));
  },
};

/** A family of ours with no `id`: the machine's, or the daemon's counts. */
function plainFamily(name: string, kind: 'gauge' | 'counter', help: string, samples: Array<{ labels: Labels; value: number }>, format: MetricsFormat): string[] {
  if (samples.length === 0) return [];
  const family = kind === 'counter' && format === 'openmetrics' ? name.replace(/_total$/, '') : name;
  const labelText = (l: Labels) => {
    const pairs = Object.entries(l).map(([k, v]) => `${k}="${escapeLabelValue(v)}"`);
    return pairs.length ? `{${pairs.join(',')}}` : '';
  };
  return [`# HELP ${family} ${help}`, `# TYPE ${family} ${kind}`, ...samples.map((x) => `${name}${labelText(x.labels)} ${x.value}`)];
}

/** Ours: the machine's PSI averages, from /proc/pressure. */
function machinePressureFamily(p: PressureStats, format: MetricsFormat): string[] {
  const samples = PRESSURE_RESOURCES.flatMap((r) =>
    PRESSURE_KINDS.flatMap((k) => {
      const value = avg10Ratio(p[r]?.[k]);
      return value === undefined ? [] : [{ labels: { resource: r, kind: k }, value }];
    }),
  );
  return plainFamily(
    'lmctfy_machine_pressure_avg10_ratio',
    'gauge',
    'Share of the last 10 s in which some (kind="some") or all (kind="full") tasks of the machine stalled on the resource (PSI avg10 / 100).',
    samples,
    format,
  );
}

/** Ours: the daemon's evictions, reclaims, CPU caps and slices, counted from the root's journal. */
function decisionFamilies(d: DecisionTotals, format: MetricsFormat): string[] {
  const evictions = [...d.evictions].map(([key, value]) => {
    const [tier, reason] = key.split('\0') as [string, string];
    return { labels: { tier, reason }, value };
  });
  const byTier = (m: ReadonlyMap<string, number>) => [...m].map(([tier, value]) => ({ labels: { tier }, value }));
  return [
    ...plainFamily('lmctfy_evictions_total', 'counter', 'Containers lmctfy daemon evicted, by tier and by what set it off (usage, stall, oom).', evictions, format),
    ...plainFamily('lmctfy_reclaims_total', 'counter', 'Times lmctfy daemon asked the kernel to reclaim memory of a container, by tier.', byTier(d.reclaims), format),
    ...plainFamily('lmctfy_cpu_caps_total', 'counter', 'Times lmctfy daemon capped the CPU of a container while a latency-sensitive tier waited for CPU, by tier.', byTier(d.cpuCaps), format),
    ...plainFamily('lmctfy_cpu_slices_total', 'counter', 'Times lmctfy daemon gave the tasks of a latency-sensitive container the shortest scheduler slice while it waited for CPU, by tier.', byTier(d.cpuSlices), format),
  ];
}

const ALL_METRICS: readonly Metric[] = [...METRICS, PRESSURE_METRIC, TIER_METRIC];

/** Ours: the machine policy's budget, one sample per tier or one for the machine (no `id`). */
/** Gauges: the same HELP/TYPE in both formats. */
function admissionFamilies(a: AdmissionView): string[] {
  const cores = (milli: number) => milli / 1000;
  const perTier = (what: 'admitted' | 'headroom', r: 'cpu' | 'memory') => a.tiers.map((t) => ({ labels: `{tier="${t.tier}"}`, value: r === 'cpu' ? cores(t[what].cpu) : t[what].memory }));
  const machine = (v: number) => [{ labels: '', value: v }];
  const families: Array<[string, string, Array<{ labels: string; value: number }>]> = [
    ['lmctfy_admitted_cpu_cores', 'CPU guaranteed to admitted containers of the tier, at the machine scope.', perTier('admitted', 'cpu')],
    ['lmctfy_admitted_memory_bytes', 'Memory guaranteed to admitted containers of the tier, at the machine scope.', perTier('admitted', 'memory')],
    ['lmctfy_admitted_headroom_cpu_cores', 'CPU one more container of the tier could be guaranteed.', perTier('headroom', 'cpu')],
    ['lmctfy_admitted_headroom_memory_bytes', 'Memory one more container of the tier could be guaranteed.', perTier('headroom', 'memory')],
    ['lmctfy_admitted_capacity_cpu_cores', 'CPU the machine policy admits against.', machine(cores(a.budget.capacity.cpu))],
    ['lmctfy_admitted_capacity_memory_bytes', 'Memory the machine policy admits against.', machine(a.budget.capacity.memory)],
    ['lmctfy_admitted_reserve_cpu_cores', 'CPU the machine policy keeps for the system.', machine(cores(a.budget.reserve.cpu))],
    ['lmctfy_admitted_reserve_memory_bytes', 'Memory the machine policy keeps for the system.', machine(a.budget.reserve.memory)],
  ];
  return families.flatMap(([name, help, samples]) => [`# HELP ${name} ${help}`, `# TYPE ${name} gauge`, ...samples.map((x) => `${name}${x.labels} ${x.value}`)]);
}

/** Escapes a label value: backslash, double quote and newline (both formats). */
export function escapeLabelValue(v: string): string {
  // Most names need nothing: one test instead of three replaces.
  if (!/[\\"\n]/.test(v)) return v;
  return v.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');
}

function familyHeader(m: Metric, format: MetricsFormat): { name: string; type: string } {
  if (format === 'prometheus') return { name: m.name, type: m.kind === 'gauge' ? 'gauge' : 'counter' };
  if (m.kind === 'counter') return { name: m.name.replace(/_total$/, ''), type: 'counter' };
  return { name: m.name, type: m.kind === 'gauge' ? 'gauge' : 'unknown' };
}

/**
 * The exposition's bytes, written as they are made. Built as one string instead, a scrape
 * kept tens of thousands of pieces alive until the text was sent, and every young-generation
 * collection on the way copied them (about 5.7 MB made for 243 KB of text at 1,000
 * containers); written here, each piece is garbage at once.
 */
class ExpositionBytes {
  private buf: Buffer;
  private n = 0;

  constructor(size: number) {
    this.buf = Buffer.allocUnsafe(size);
  }

  get length(): number {
    return this.n;
  }

  /** Appends bytes made before (an ExpositionCache's), without a view object per piece. */
  copy(b: Buffer, from: number, to: number): void {
    if (this.n + to - from > this.buf.length) this.grow(to - from);
    this.n += b.copy(this.buf, this.n, from, to);
  }

  private grow(more: number): void {
    const next = Buffer.allocUnsafe(Math.max(this.buf.length * 2, this.n + more));
    this.buf.copy(next, 0, 0, this.n);
    this.buf = next;
  }

  write(s: string): void {
    // A UTF-16 code unit is at most 3 bytes of UTF-8: with that much room, the write is whole.
    if (this.n + s.length * 3 > this.buf.length) this.grow(s.length * 3);
    this.n += this.buf.write(s, this.n);
  }

  /** Drops what was written past `length` (a family header no container had a sample for). */
  truncate(length: number): void {
    this.n = length;
  }

  bytes(): Buffer {
    return this.buf.subarray(0, this.n);
  }
}

/** The last exposition's size: the next one's buffer starts there (1,000 containers: ~250 KB). */
let lastSize = 64 * 1024;

/**
 * The sample as OpenMetrics 1.0 or Prometheus 0.0.4 text, as UTF-8 bytes: one family per
 * metric with HELP and TYPE, samples labelled `id` = absolute name (plus the metric's own
 * labels), seconds and bytes. A container lacking a stat has no sample there; a family no
 * container has is left out.
 */
export function openMetricsBytes(view: ExportedPass, options: MetricsOptions): Buffer {
  // A device appears in many containers and families.
  const devices = new Map<string, string>();
  const lookups: Lookups = {
    device(d) {
      const key = `${d.major ?? 0}:${d.minor ?? 0}`;
      let name = devices.get(key);
      if (name === undefined) devices.set(key, (name = escapeLabelValue(options.deviceName?.(d.major ?? 0, d.minor ?? 0) ?? '')));
      return name;
    },
    admission: options.admission?.(),
  };
  // Every family labels each container with its id: escaped once, not once per family.
  const ids = view.containers.map((c) => escapeLabelValue(c.name));
  const out = new ExpositionBytes(Math.ceil(lastSize * 1.1));
  let open = '';
  let id = '';
  let samples = 0;
  const emit: Emit = (labels, value) => {
    if (value === undefined || !Number.isFinite(value)) return;
    out.write(open);
    out.write(id);
    out.write(`"${labels}} ${value}\n`);
    samples++;
  };
  const cache = options.cache;
  const n = view.containers.length;
  // Whether container i's reading is the one the cache's lines at i were made of.
  const same = cache && view.containers.map((c, i) => cache.raws[i] === c.raw);
  const families: Array<FamilyLines | undefined> = [];
  ALL_METRICS.forEach((m, f) => {
    const start = out.length;
    const { name, type } = familyHeader(m, options.format);
    out.write(`# HELP ${name} ${m.help}\n# TYPE ${name} ${type}\n`);
    const linesStart = out.length;
    open = `${m.name}{id="`;
    samples = 0;
    const before = m.looksUp ? undefined : cache?.families[f];
    const offsets = cache && !m.looksUp ? new Int32Array(n + 1) : undefined;
    for (let i = 0; i < n; ) {
      if (offsets) offsets[i] = out.length - linesStart;
      if (before && same![i]) {
        // The run of unchanged readings from here, copied at once.
        let j = i + 1;
        while (j < n && same![j]) j++;
        const shift = out.length - linesStart - before.offsets[i]!;
        for (let k = i + 1; k < j; k++) offsets![k] = shift + before.offsets[k]!;
        if (before.offsets[j]! > before.offsets[i]!) {
          out.copy(before.bytes, before.offsets[i]!, before.offsets[j]!);
          samples++;
        }
        i = j;
        continue;
      }
      id = ids[i]!;
      m.samples(view.containers[i]!, m.looksUp ? lookups : NO_LOOKUPS, emit);
      i++;
    }
    if (offsets) {
      offsets[n] = out.length - linesStart;
      families[f] = { bytes: Buffer.from(out.bytes().subarray(linesStart)), offsets };
    }
    // An empty family's header goes: no container's lines were written after it.
    if (samples === 0) out.truncate(start);
  });
  if (cache) {
    cache.raws = view.containers.map((c) => c.raw);
    cache.families = families;
  }
  const lines: string[] = [];
  if (lookups.admission) lines.push(...admissionFamilies(lookups.admission));
  const machine = options.machinePressure?.();
  if (machine) lines.push(...machinePressureFamily(machine, options.format));
  if (options.decisions) lines.push(...decisionFamilies(options.decisions(), options.format));
  if (options.format === 'openmetrics') lines.push('# EOF');
  if (lines.length > 0) out.write(`${lines.join('\n')}\n`);
  lastSize = out.length;
  return out.bytes();
}

/** openMetricsBytes as a string. */
export function toOpenMetrics(view: ExportedPass, options: MetricsOptions): string {
  return openMetricsBytes(view, options).toString('utf8');
}

/** HTTP Content-Type for a format. */
export function contentType(format: MetricsFormat): string {
  return format === 'openmetrics'
    ? 'application/openmetrics-text; version=1.0.0; charset=utf-8'
    : 'text/plain; version=0.0.4; charset=utf-8';
}

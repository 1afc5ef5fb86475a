import { Code, LmctfyError } from '../engine/errors.js';
import { isWithin, resolveName } from '../engine/names.js';
import type { FreezerState, HistogramMap } from '../messages/types.js';
import type { ContainerView, HistorySeries, Percentiles, SampleView } from '../stats/model.js';
import { mergeTextSpec, parseTextSpec, printTextSpec, SpecSyntaxError, type TextMessage } from './fake-spec.js';
import type { ConsoleActions, ConsoleHeader, ConsoleSource } from './source.js';

export interface FakeConsoleOptions {
  /** Generated containers under /fleet (100 per group), for size tests and the demo. */
  extraContainers?: number;
  /** Starting interval, default 1000 ms. */
  intervalMs?: number;
  /** Publish a pass every interval while anyone listens (the demo); tests call tick(). */
  autoTick?: boolean;
}

interface FakeNode {
  name: string;
  /** Drives this container's made-up numbers. */
  seed: number;
  spec: TextMessage;
  state: FreezerState;
  tasks: number;
  oomKills: number;
  /** An OOM kill every this many passes. */
  oomEvery?: number;
  cpuNs: number;
}

const MiB = 1024 * 1024;
const HISTORY_LENGTH = 120;
const BUCKETS_US = [10, 100, 1000, 10_000, 100_000];
const START_MS = Date.UTC(2024, 0, 1, 12, 0, 0);

const SEED_TREE: ReadonlyArray<{ name: string; spec: string; tasks: number; state?: FreezerState; oomEvery?: number }> = [
  { name: '/', spec: '', tasks: 1 },
  { name: '/system', spec: 'memory { limit: 536870912 }', tasks: 12 },
  { name: '/web', spec: 'cpu { max_limit: 4000 } memory { limit: 2147483648 }', tasks: 0 },
  { name: '/web/frontend', spec: 'cpu { limit: 1000 max_limit: 1000 } memory { limit: 268435456 }', tasks: 4 },
  { name: '/web/backend', spec: 'cpu { max_limit: 2000 } memory { limit: 1073741824 }', tasks: 8 },
  { name: '/batch', spec: '', tasks: 0 },
  { name: '/batch/job-1', spec: 'memory { limit: 134217728 }', tasks: 2, oomEvery: 15 },
  { name: '/batch/job-2', spec: 'cpu { max_limit: 500 }', tasks: 3, state: 'FROZEN' },
];

/**
 * A deterministic stand-in for the sampler and the engine: a small tree (plus optional
 * generated containers) whose numbers are functions of the pass number, and actions that
 * change it. Nothing runs unless `autoTick` is set and someone subscribes.
 */
export class FakeConsole implements ConsoleSource, ConsoleActions {
  private readonly nodes = new Map<string, FakeNode>();
  private readonly histories = new Map<string, { cpu: number[]; mem: number[] }>();
  private readonly listeners = new Set<(view: SampleView) => void>();
  private passes = 0;
  private interval: number;
  private timer: NodeJS.Timeout | undefined;
  private nextPid = 4000;
  private nextSeed = 0;

  constructor(private readonly options: FakeConsoleOptions = {}) {
    this.interval = options.intervalMs ?? 1000;
    for (const c of SEED_TREE) {
      this.add(c.name, parseTextSpec(c.spec), c.tasks, c.state ?? 'THAWED', c.oomEvery);
    }
    const extra = options.extraContainers ?? 0;
    if (extra > 0) this.add('/fleet', {}, 0);
    for (let i = 0; i < extra; i++) {
      const group = `/fleet/g${String(Math.floor(i / 100)).padStart(3, '0')}`;
      if (!this.nodes.has(group)) this.add(group, {}, 0);
      this.add(`${group}/c${String(i).padStart(5, '0')}`, {}, 1 + (i % 4));
    }
  }

  // ---- ConsoleSource ----

  subscribe(listener: (view: SampleView) => void): () => void {
    this.listeners.add(listener);
    if (this.options.autoTick && this.timer === undefined) {
      this.tick();
      this.startTimer();
    }
    return () => {
      this.listeners.delete(listener);
      if (this.listeners.size === 0) this.stopTimer();
    };
  }

  history(name: string): HistorySeries | undefined {
    const h = this.histories.get(name);
    if (!h) return undefined;
    return {
      cpuPercent: [...h.cpu],
      memoryUsage: [...h.mem],
      cpuPercentiles: percentiles(h.cpu),
      memoryPercentiles: percentiles(h.mem),
    };
  }

  recentCpu(name: string, n: number): readonly number[] | undefined {
    return this.histories.get(name)?.cpu.slice(-n);
  }

  setIntervalMs(ms: number): void {
    this.interval = ms;
    if (this.timer !== undefined) {
      this.stopTimer();
      this.startTimer();
    }
  }

  intervalMs(): number {
    return this.interval;
  }

  header(): ConsoleHeader {
    return { host: 'demo-host', cpus: 8, memoryBytes: 16 * 1024 * MiB, cgroupMode: 'v2 (fake)', rootName: '/' };
  }

  /** Makes one pass, sends it to every listener and returns it. */
  tick(): SampleView {
    this.passes++;
    const view = this.sample();
    for (const listener of this.listeners) listener(view);
    return view;
  }

  /** Stops the timer and forgets the listeners. */
  dispose(): void {
    this.stopTimer();
    this.listeners.clear();
  }

  // ---- ConsoleActions ----

  async create(parent: string, childName: string, specText: string): Promise<string> {
    this.mustExist(parent);
    const name = resolveName(childName, parent);
    if (this.nodes.has(name)) throw new LmctfyError(Code.ALREADY_EXISTS, `container ${name} already exists`);
    this.add(name, this.parse(specText), 0);
    return name;
  }

  async update(name: string, specText: string): Promise<void> {
    const node = this.mustExist(name);
    node.spec = mergeTextSpec(node.spec, this.parse(specText));
  }

  async pause(name: string): Promise<void> {
    this.mustExist(name).state = 'FROZEN';
  }

  async resume(name: string): Promise<void> {
    this.mustExist(name).state = 'THAWED';
  }

  async run(name: string, _command: string): Promise<number> {
    this.mustExist(name).tasks++;
    return this.nextPid++;
  }

  async killAll(name: string): Promise<void> {
    this.mustExist(name);
    for (const node of this.nodes.values()) if (isWithin(node.name, name)) node.tasks = 0;
  }

  async destroy(name: string, force: boolean): Promise<void> {
    const node = this.mustExist(name);
    if (name === '/') throw new LmctfyError(Code.FAILED_PRECONDITION, 'the root container cannot be destroyed');
    const subtree = [...this.nodes.keys()].filter((n) => isWithin(n, name));
    if (!force && (subtree.length > 1 || node.tasks > 0)) {
      throw new LmctfyError(Code.FAILED_PRECONDITION, `${name} has children or tasks; destroy it with force`);
    }
    for (const n of subtree) {
      this.nodes.delete(n);
      this.histories.delete(n);
    }
  }

  async specText(name: string): Promise<string> {
    return printTextSpec(this.mustExist(name).spec);
  }

  validateSpec(specText: string): string | undefined {
    try {
      parseTextSpec(specText);
      return undefined;
    } catch (e) {
      if (e instanceof SpecSyntaxError) return e.message;
      throw e;
    }
  }

  // ---- internals ----

  private add(name: string, spec: TextMessage, tasks: number, state: FreezerState = 'THAWED', oomEvery?: number): void {
    this.nodes.set(name, { name, seed: this.nextSeed++, spec, state, tasks, oomKills: 0, oomEvery, cpuNs: 0 });
  }

  private mustExist(name: string): FakeNode {
    const node = this.nodes.get(name);
    if (!node) throw new LmctfyError(Code.NOT_FOUND, `container ${name} does not exist`);
    return node;
  }

  private parse(specText: string): TextMessage {
    try {
      return parseTextSpec(specText);
    } catch (e) {
      if (e instanceof SpecSyntaxError) throw new LmctfyError(Code.INVALID_ARGUMENT, `spec: ${e.message}`);
      throw e;
    }
  }

  private startTimer(): void {
    this.timer = setInterval(() => this.tick(), this.interval);
  }

  private stopTimer(): void {
    clearInterval(this.timer);
    this.timer = undefined;
  }

  private sample(): SampleView {
    const t = this.passes;
    const intervalSec = t === 1 ? 0 : this.interval / 1000;
    const containers: ContainerView[] = [];
    for (const node of this.nodes.values()) {
      const view = this.containerView(node, t, intervalSec);
      containers.push(view);
      const h = this.histories.get(node.name) ?? { cpu: [], mem: [] };
      h.cpu.push(view.rates.cpuPercent ?? 0);
      h.mem.push(view.raw.stats.memory?.usage ?? 0);
      if (h.cpu.length > HISTORY_LENGTH) {
        h.cpu.shift();
        h.mem.shift();
      }
      this.histories.set(node.name, h);
    }
    return {
      timestamp: new Date(START_MS + t * this.interval).toISOString(),
      monoNs: t * this.interval * 1e6,
      intervalSec,
      containers,
    };
  }

  private containerView(node: FakeNode, t: number, intervalSec: number): ContainerView {
    const wave = (Math.sin((t + node.seed * 7) / 5) + 1) / 2;
    const cpuMaxMilli = numberAt(node.spec, 'cpu', 'max_limit');
    const memoryLimit = numberAt(node.spec, 'memory', 'limit');
    const capPercent = cpuMaxMilli === undefined ? 150 : cpuMaxMilli / 10;
    const running = node.state === 'THAWED' && node.tasks > 0;
    const cpuPercent = running ? round1(wave * capPercent * 0.98) : 0;
    node.cpuNs += Math.round((cpuPercent / 100) * intervalSec * 1e9);
    const memBase = memoryLimit ?? (32 + (node.seed % 5) * 48) * MiB;
    const usage = node.tasks > 0 ? Math.round(memBase * (0.55 + 0.45 * wave)) : 4 * MiB;
    const oomKill = node.oomEvery !== undefined && t % node.oomEvery === 0 ? 1 : 0;
    node.oomKills += oomKill;
    return {
      name: node.name,
      depth: node.name === '/' ? 0 : node.name.split('/').length - 1,
      raw: {
        name: node.name,
        id: node.seed + 1,
        stats: {
          cpu: { usage: { total: node.cpuNs } },
          memory: {
            usage,
            limit: memoryLimit,
            working_set: Math.round(usage * 0.8),
            oom_kill_count: node.oomKills,
          },
          pids: { current: node.tasks },
          freezer: { state: node.state },
        },
        limits: { cpuMaxMilli, memoryLimit },
      },
      rates: {
        cpuPercent,
        cpuPercentOfCap: cpuMaxMilli === undefined ? undefined : round1((cpuPercent / capPercent) * 100),
        throttledPercent: cpuMaxMilli !== undefined && wave > 0.8 ? round1((wave - 0.8) * 250) : 0,
        oomKillsDelta: oomKill,
      },
      state: node.state,
      histograms: running ? histograms(node.seed, t) : undefined,
    };
  }
}

function numberAt(spec: TextMessage, message: string, field: string): number | undefined {
  const m = spec[message];
  const v = typeof m === 'object' ? m[field] : undefined;
  return typeof v === 'number' ? v : undefined;
}

function round1(n: number): number {
  return Math.round(n * 10) / 10;
}

function histograms(seed: number, t: number): HistogramMap[] {
  const counts = (salt: number) =>
    BUCKETS_US.map((bucket, i) => ({ bucket, value: ((seed * 13 + t * 7 + i * salt) % 23) * (BUCKETS_US.length - i) }));
  return [
    { type: 'QUEUE_SELF', stat: counts(5) },
    { type: 'ONCPU', stat: counts(11) },
  ];
}

/** Nearest-rank percentiles; undefined below two samples. */
function percentiles(values: readonly number[]): Percentiles | undefined {
  if (values.length < 2) return undefined;
  const sorted = [...values].sort((a, b) => a - b);
  const at = (p: number) => sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
  return { p50: at(50), p90: at(90), p99: at(99) };
}

import { Code, LmctfyError, isLmctfyError } from '../../src/engine/errors.js';
import { isWithin, resolveName } from '../../src/engine/names.js';
import { formatText, parseText } from '../../src/messages/codec.js';
import type { ContainerSpec, FreezerState, HistogramMap } from '../../src/messages/types.js';
import { HistoryStore } from '../../src/stats/history.js';
import type { ContainerView, HistorySeries, SampleView } from '../../src/stats/model.js';
import type { ConsoleActions, ConsoleHeader, ConsoleSource, LogChunk, ProcessSnapshot, SignalName } from '../../src/ui/source.js';

export interface FakeConsoleOptions {
  /** Generated containers under /fleet (100 per group), for size tests and the render bench. */
  extraContainers?: number;
  /** Starting interval, default 1000 ms. */
  intervalMs?: number;
  /** Publish a pass every interval while anyone listens; tests call tick(). */
  autoTick?: boolean;
}

interface FakeNode {
  name: string;
  /** Drives this container's made-up numbers. */
  seed: number;
  spec: ContainerSpec;
  state: FreezerState;
  tasks: number;
  oomKills: number;
  /** An OOM kill every this many passes. */
  oomEvery?: number;
  cpuNs: number;
  /** What detached commands "wrote": one line per run. */
  log: string;
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
 * A deterministic stand-in for the sampler and the engine, for tests and the render
 * benchmark: a small tree (plus optional generated containers) whose numbers are functions
 * of the pass number, and actions that change it. Specs go through the real codec and
 * history through the real HistoryStore, so the console sees what it would in production.
 * Nothing runs unless `autoTick` is set and someone subscribes.
 */
export class FakeConsole implements ConsoleSource, ConsoleActions {
  private readonly nodes = new Map<string, FakeNode>();
  private readonly histories = new HistoryStore({ capacity: HISTORY_LENGTH });
  private readonly listeners = new Set<(view: SampleView) => void>();
  private passes = 0;
  private interval: number;
  private timer: NodeJS.Timeout | undefined;
  private nextPid = 4000;
  private nextSeed = 0;

  constructor(private readonly options: FakeConsoleOptions = {}) {
    this.interval = options.intervalMs ?? 1000;
    for (const c of SEED_TREE) {
      this.add(c.name, this.parse(c.spec), c.tasks, c.state ?? 'THAWED', c.oomEvery);
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
    return this.histories.series(name);
  }

  recentCpu(name: string, n: number): readonly number[] | undefined {
    return this.histories.recentCpu(name, n);
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
    node.spec = mergeDiff(node.spec, this.parse(specText)) as ContainerSpec;
  }

  async pause(name: string): Promise<void> {
    this.mustExist(name).state = 'FROZEN';
  }

  async resume(name: string): Promise<void> {
    this.mustExist(name).state = 'THAWED';
  }

  async run(name: string, command: string): Promise<number> {
    const node = this.mustExist(name);
    node.tasks++;
    const pid = this.nextPid++;
    node.log += `[${pid}] ${command}\n`;
    return pid;
  }

  /** Every signal ends its target here (the fake has no handlers). */
  async signal(name: string, target: number | 'all', signal: SignalName): Promise<void> {
    const node = this.mustExist(name);
    if (target === 'all') node.tasks = 0;
    else if (target - pidBase(node) >= 0 && target - pidBase(node) < node.tasks) node.tasks--;
    else throw new LmctfyError(Code.NOT_FOUND, `process ${target} is not in container ${name}`);
    this.signals.push({ name, target, signal });
  }

  /** Signals sent, oldest first. */
  readonly signals: Array<{ name: string; target: number | 'all'; signal: SignalName }> = [];

  async processes(name: string): Promise<ProcessSnapshot> {
    const node = this.mustExist(name);
    const processes = Array.from({ length: node.tasks }, (_, i) => ({
      pid: pidBase(node) + i,
      ppid: 1,
      uid: 0,
      user: 'root',
      state: node.state === 'FROZEN' ? 'D' : 'S',
      cpuTicks: Math.round(node.cpuNs / 1e7 / (i + 1)),
      rssBytes: (i + 1) * 4 * MiB,
      command: i === 0 ? `worker --id ${node.seed}` : `worker --child ${i}`,
      startTicks: 1000 + i,
    }));
    return { clockTicksPerSecond: 100, processes };
  }

  async log(name: string, offset?: number): Promise<LogChunk> {
    const text = this.mustExist(name).log;
    const from = offset === undefined || offset > text.length ? 0 : offset;
    return { text: text.slice(from), next: text.length, reset: offset !== undefined && offset > text.length };
  }

  /** Shells typed here "exit" with their command's length, so a test can tell them apart. */
  async shell(name: string, command: string): Promise<number> {
    this.mustExist(name);
    return command.length;
  }

  async destroy(name: string, force: boolean): Promise<void> {
    const node = this.mustExist(name);
    if (name === '/') throw new LmctfyError(Code.FAILED_PRECONDITION, 'the root container cannot be destroyed');
    const subtree = [...this.nodes.keys()].filter((n) => isWithin(n, name));
    if (!force && (subtree.length > 1 || node.tasks > 0)) {
      throw new LmctfyError(Code.FAILED_PRECONDITION, `${name} has children or tasks; destroy it with force`);
    }
    for (const n of subtree) this.nodes.delete(n);
  }

  /** Checkpoints taken, oldest first; one without leaveRunning ends the container as the engine's does. */
  readonly checkpoints: Array<{ name: string; dir: string; leaveRunning: boolean }> = [];

  async checkpoint(name: string, dir: string, leaveRunning: boolean): Promise<string> {
    this.mustExist(name);
    this.checkpoints.push({ name, dir, leaveRunning });
    if (!leaveRunning) await this.destroy(name, true);
    return dir.startsWith('/') ? dir : `/cwd/${dir}`;
  }

  async specText(name: string): Promise<string> {
    return formatText('ContainerSpec', this.mustExist(name).spec);
  }

  validateSpec(specText: string): string | undefined {
    try {
      this.parse(specText);
      return undefined;
    } catch (e) {
      if (isLmctfyError(e)) return e.message;
      throw e;
    }
  }

  // ---- internals ----

  private add(name: string, spec: ContainerSpec, tasks: number, state: FreezerState = 'THAWED', oomEvery?: number): void {
    this.nodes.set(name, { name, seed: this.nextSeed++, spec, state, tasks, oomKills: 0, oomEvery, cpuNs: 0, log: '' });
  }

  private mustExist(name: string): FakeNode {
    const node = this.nodes.get(name);
    if (!node) throw new LmctfyError(Code.NOT_FOUND, `container ${name} does not exist`);
    return node;
  }

  private parse(specText: string): ContainerSpec {
    return parseText<ContainerSpec>('ContainerSpec', specText);
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
    for (const node of this.nodes.values()) containers.push(this.containerView(node, t, intervalSec));
    const view = {
      timestamp: new Date(START_MS + t * this.interval).toISOString(),
      monoNs: t * this.interval * 1e6,
      intervalSec,
      containers,
    };
    this.histories.record(view);
    return view;
  }

  private containerView(node: FakeNode, t: number, intervalSec: number): ContainerView {
    const wave = (Math.sin((t + node.seed * 7) / 5) + 1) / 2;
    const cpuMaxMilli = node.spec.cpu?.max_limit;
    const memoryLimit = node.spec.memory?.limit;
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

/** `update` with the diff policy: fields given replace those set, nested messages merge, the rest stay. */
function mergeDiff(base: object, change: object): Record<string, unknown> {
  const out: Record<string, unknown> = { ...base };
  for (const [field, value] of Object.entries(change)) {
    const old = out[field];
    const nested = (v: unknown): v is object => typeof v === 'object' && v !== null && !Array.isArray(v);
    out[field] = nested(value) && nested(old) ? mergeDiff(old, value) : value;
  }
  return out;
}

/** Each container's made-up pids start at their own 1000s. */
function pidBase(node: FakeNode): number {
  return 10_000 + node.seed * 1000;
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

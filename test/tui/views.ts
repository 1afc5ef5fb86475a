import { vi } from 'vitest';
import type { FreezerState, HistogramMap, SchedulingLatency } from '../../src/messages/types.js';
import type { ConsoleActions, ConsoleHeader, ConsoleSource } from '../../src/ui/source.js';
import type { JournalRecord } from '../../src/engine/journal.js';
import type { ContainerView, HistorySeries, SampleView } from '../../src/stats/model.js';

export interface ContainerFields {
  cpu?: number;
  cpuOfCap?: number;
  cpuMaxMilli?: number;
  memory?: number;
  memoryLimit?: number;
  workingSet?: number;
  tasks?: number;
  state?: FreezerState;
  throttled?: number;
  oomKills?: number;
  oomDelta?: number;
  /** Bytes and operations per second. */
  ioRead?: number;
  ioWrite?: number;
  ioReadOps?: number;
  ioWriteOps?: number;
  histograms?: HistogramMap[];
  tier?: SchedulingLatency;
}

export function container(name: string, f: ContainerFields = {}): ContainerView {
  return {
    name,
    depth: name === '/' ? 0 : name.split('/').length - 1,
    raw: {
      name,
      id: 1,
      stats: {
        memory: { usage: f.memory, working_set: f.workingSet, oom_kill_count: f.oomKills },
        pids: f.tasks === undefined ? undefined : { current: f.tasks },
        freezer: f.state === undefined ? undefined : { state: f.state },
      },
      limits: { cpuMaxMilli: f.cpuMaxMilli, memoryLimit: f.memoryLimit },
    },
    rates: {
      cpuPercent: f.cpu,
      cpuPercentOfCap: f.cpuOfCap,
      throttledPercent: f.throttled,
      oomKillsDelta: f.oomDelta,
      ioReadBytesPerSec: f.ioRead,
      ioWriteBytesPerSec: f.ioWrite,
      ioReadOpsPerSec: f.ioReadOps,
      ioWriteOpsPerSec: f.ioWriteOps,
    },
    state: f.state,
    histograms: f.histograms,
    tier: f.tier,
  };
}

export function sampleView(containers: ContainerView[], timestamp = '2024-01-01T12:00:00.000Z'): SampleView {
  return { timestamp, monoNs: 0, intervalSec: 1, containers };
}

/** A tree given by names only: '/', '/a', '/a/x', ... */
export function namesView(...names: string[]): SampleView {
  return sampleView(names.map((n) => container(n)));
}

export const HEADER: ConsoleHeader = { host: 'box-7', cpus: 16, memoryBytes: 64 * 1024 ** 3, cgroupMode: 'v1', rootName: '/' };

/** A source the test drives by hand: `emit` publishes a view synchronously. */
export class ManualSource implements ConsoleSource {
  private readonly listeners = new Set<(view: SampleView) => void>();
  readonly histories = new Map<string, HistorySeries>();
  interval = 1000;
  readonly setIntervalMs = vi.fn((ms: number) => {
    this.interval = ms;
  });

  subscribe(listener: (view: SampleView) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }
  emit(view: SampleView): void {
    for (const l of this.listeners) l(view);
  }
  listenerCount(): number {
    return this.listeners.size;
  }
  history(name: string): HistorySeries | undefined {
    return this.histories.get(name);
  }
  recentCpu(name: string, n: number): readonly number[] | undefined {
    return this.histories.get(name)?.cpuPercent.slice(-n);
  }
  intervalMs(): number {
    return this.interval;
  }
  header(): ConsoleHeader {
    return HEADER;
  }
  private journalListener: ((records: readonly JournalRecord[], past: boolean) => void) | undefined;
  journal(listener: (records: readonly JournalRecord[], past: boolean) => void): () => void {
    this.journalListener = listener;
    return () => {
      this.journalListener = undefined;
    };
  }
  /** Publishes journal records as the live source's follower would. */
  emitJournal(records: readonly JournalRecord[], past = false): void {
    this.journalListener?.(records, past);
  }
}

/** Actions that succeed and record their calls. */
export function fakeActions(): { [K in keyof ConsoleActions]: ConsoleActions[K] & ReturnType<typeof vi.fn> } {
  return {
    create: vi.fn(async (parent: string, child: string) => (parent === '/' ? `/${child}` : `${parent}/${child}`)),
    update: vi.fn(async () => undefined),
    pause: vi.fn(async () => undefined),
    resume: vi.fn(async () => undefined),
    run: vi.fn(async () => 4242),
    signal: vi.fn(async () => undefined),
    processes: vi.fn(async () => ({
      clockTicksPerSecond: 100,
      processes: [
        { pid: 31, ppid: 1, uid: 0, user: 'root', state: 'S', cpuTicks: 10, rssBytes: 4 << 20, command: 'nginx: master', startTicks: 5 },
        { pid: 32, ppid: 31, uid: 33, user: 'www-data', state: 'R', cpuTicks: 50, rssBytes: 8 << 20, command: 'nginx: worker', startTicks: 6 },
      ],
    })),
    log: vi.fn(async (_name: string, offset?: number) => ({ text: offset === undefined ? 'hello\nworld\n' : '', next: 12, reset: false })),
    shell: vi.fn(async () => 0),
    destroy: vi.fn(async () => undefined),
    checkpoint: vi.fn(async (_name: string, dir: string) => dir),
    specText: vi.fn(async () => 'cpu {\n  limit: 500\n}\n'),
    validateSpec: vi.fn((text: string) => (text.includes('{') && !text.includes('}') ? 'line 1: missing "}"' : undefined)),
  };
}

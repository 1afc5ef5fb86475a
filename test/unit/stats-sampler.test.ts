import { describe, expect, it } from 'vitest';
import { Code, LmctfyError } from '../../src/engine/errors.js';
import { codeForErrno } from '../../src/engine/kernel/errno.js';
import type { ContainerStats, HistogramMap } from '../../src/messages/types.js';
import { procReader } from '../../src/engine/sampling/index.js';
import { Sampler, type Clock, type SamplerOptions, type StatsSource } from '../../src/stats/sampler.js';
import type { RawSample } from '../../src/stats/model.js';
import { fakeProc } from '../fixtures/proc/fake-proc.js';

const SEC = 1e9;

interface FakeContainer {
  id: number;
  stats: ContainerStats;
  pids: number[];
  /** Its thread list, offered when fakeSource is asked to. */
  tids?: number[];
  /** Vanishes between the walk and the read. */
  vanishOnRead?: boolean;
  pidsError?: string;
  /** An event since the last pass says something of it was written (StatsSource.quiet false). */
  heard?: boolean;
}

function fakeSource(tree: Map<string, FakeContainer>, withThreads = false) {
  const calls: string[] = [];
  const source: StatsSource = {
    walk: (root) => {
      calls.push(`walk ${root}`);
      return [...tree].map(([name, c]) => ({ name, id: c.id }));
    },
    read: (name, type) => {
      calls.push(`read ${name} ${type}`);
      const c = tree.get(name);
      if (!c || c.vanishOnRead) return undefined;
      return { stats: c.stats, limits: { cpuMaxMilli: 2000 } };
    },
    pids: (name) => {
      calls.push(`pids ${name}`);
      const c = tree.get(name);
      if (c?.pidsError) throw new LmctfyError(codeForErrno(c.pidsError), `pids ${name}: ${c.pidsError}`, { errno: c.pidsError });
      return c?.pids ?? [];
    },
    quiet: (name) => tree.get(name)?.heard !== true,
  };
  if (withThreads)
    source.threads = (name) => {
      calls.push(`threads ${name}`);
      return tree.get(name)?.tids ?? [];
    };
  return { source, calls };
}

function manualClock(): Clock & { advance(sec: number): void } {
  let mono = 5 * SEC;
  let wall = Date.UTC(2024, 0, 2, 3, 4, 5, 600);
  return {
    wallMs: () => wall,
    monoNs: () => mono,
    advance(sec) {
      mono += sec * SEC;
      wall += sec * 1000;
    },
  };
}

const hostFiles = {
  '/proc/loadavg': '0.50 0.25 0.10 2/100 999\n',
  '/proc/meminfo': 'MemTotal:       1024 kB\nMemAvailable:    512 kB\n',
  '/sys/devices/system/cpu/online': '0-3\n',
  '/proc/sys/kernel/hostname': 'node7\n',
};

describe('Sampler.sample', () => {
  it('one raw pass: wall time in RFC 3339, monotonic ns, every container walked and read', () => {
    const tree = new Map<string, FakeContainer>([
      ['/', { id: 1, stats: { cpu: { usage: { total: 10 } } }, pids: [] }],
      ['/a', { id: 2, stats: { memory: { usage: 4096 } }, pids: [] }],
    ]);
    const { source, calls } = fakeSource(tree);
    const s = new Sampler(source, { proc: procReader(fakeProc(hostFiles)), clock: manualClock(), type: 'full', root: '/' });
    const raw = s.sample();
    expect(raw.timestamp).toBe('2024-01-02T03:04:05.600Z');
    expect(raw.monoNs).toBe(5 * SEC);
    expect(raw.containers).toEqual([
      { name: '/', id: 1, stats: { cpu: { usage: { total: 10 } } }, limits: { cpuMaxMilli: 2000 } },
      { name: '/a', id: 2, stats: { memory: { usage: 4096 } }, limits: { cpuMaxMilli: 2000 } },
    ]);
    expect(raw.host).toEqual({
      hostname: 'node7',
      cpus: 4,
      load1: 0.5,
      load5: 0.25,
      load15: 0.1,
      memTotalBytes: 1024 * 1024,
      memAvailableBytes: 512 * 1024,
    });
    expect(calls).toEqual(['walk /', 'read / full', 'read /a full']);
  });

  it('a container vanishing between walk and read drops out of the pass', () => {
    const tree = new Map<string, FakeContainer>([
      ['/a', { id: 2, stats: {}, pids: [] }],
      ['/b', { id: 3, stats: {}, pids: [], vanishOnRead: true }],
    ]);
    const s = new Sampler(fakeSource(tree).source, { proc: procReader(fakeProc()), host: false });
    const raw = s.sample();
    expect(raw.containers.map((c) => c.name)).toEqual(['/a']);
    expect(raw.host).toBeUndefined();
  });

  it('summary stats by default', () => {
    const { source, calls } = fakeSource(new Map([['/a', { id: 2, stats: {}, pids: [] }]]));
    new Sampler(source, { proc: procReader(fakeProc()), host: false }).sample();
    expect(calls).toContain('read /a summary');
  });
});

describe('schedstat histograms', () => {
  function setup() {
    const proc = fakeProc();
    proc.setTask(100, 100, 0, 0, 0);
    proc.setTask(100, 101, 0, 0, 0);
    const tree = new Map<string, FakeContainer>([['/a', { id: 2, stats: { cpu: { usage: { total: 1 } } }, pids: [100] }]]);
    const clock = manualClock();
    const { source, calls } = fakeSource(tree);
    const sampler = new Sampler(source, { proc: procReader(proc), clock, histograms: true, host: false });
    return { proc, tree, clock, sampler, calls };
  }
  const onCpu = (hs: HistogramMap[] | undefined) => hs?.find((h) => h.type === 'ONCPU')?.stat.map((b) => b.value);

  it('first pass starts the series; the next carries that interval’s histograms', () => {
    const { proc, tree, sampler } = setup();
    const first = sampler.sample().containers[0]!;
    expect(first.stats.cpu?.histograms).toBeUndefined();
    expect(first.histogramSource).toBeUndefined();
    proc.setTask(100, 100, 4 * 10_000, 0, 4); // 4 slices of 10 µs
    proc.exit(100, 101); // exits: dropped from this interval
    proc.setTask(100, 102, 1e9, 0, 1); // born: starts its series
    tree.get('/a')!.stats = { cpu: { usage: { total: 2 } } }; // what ran shows in the usage
    const second = sampler.sample().containers[0]!;
    expect(second.histogramSource).toBe('schedstat');
    expect(onCpu(second.stats.cpu?.histograms)).toEqual([0, 0, 0, 4, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]);
    expect(second.stats.cpu?.usage).toEqual({ total: 2 });
  });

  it('a container whose CPU usage did not move has empty histograms, its tasks not listed', () => {
    const { sampler, calls } = setup();
    sampler.sample();
    const listed = calls.filter((x) => x.startsWith('pids')).length;
    const c = sampler.sample().containers[0]!;
    expect(c.histogramSource).toBe('schedstat');
    expect(onCpu(c.stats.cpu?.histograms)).toEqual(new Array(17).fill(0));
    expect(calls.filter((x) => x.startsWith('pids')).length).toBe(listed);
  });

  it("with the container's thread list, each thread is read by its id alone and no process is listed", () => {
    const proc = fakeProc();
    proc.setTask(100, 100, 0, 0, 0);
    proc.setTask(100, 101, 0, 0, 0);
    const tree = new Map<string, FakeContainer>([['/a', { id: 2, stats: { cpu: { usage: { total: 1 } } }, pids: [100], tids: [100, 101] }]]);
    const { source, calls } = fakeSource(tree, true);
    const sampler = new Sampler(source, { proc: procReader(proc), clock: manualClock(), histograms: true, host: false });
    sampler.sample();
    proc.setTask(100, 100, 4 * 10_000, 0, 4); // 4 slices of 10 µs
    proc.setTask(100, 101, 2 * 1_000_000, 0, 2); // a thread not leading its process: 2 slices of 1 ms
    tree.get('/a')!.stats = { cpu: { usage: { total: 2 } } };
    const c = sampler.sample().containers[0]!;
    expect(onCpu(c.stats.cpu?.histograms)).toEqual([0, 0, 0, 4, 0, 0, 0, 0, 0, 2, 0, 0, 0, 0, 0, 0, 0]);
    expect(calls.filter((x) => x.startsWith('pids') || x.startsWith('threads'))).toEqual(['threads /a', 'threads /a']);
  });

  it('kernel histograms are kept as they are and schedstat is not read', () => {
    const { tree, sampler, calls } = setup();
    const kernel: HistogramMap[] = [{ type: 'SERVE', stat: [{ bucket: 1000, value: 9 }] }];
    tree.get('/a')!.stats = { cpu: { histograms: kernel } };
    sampler.sample();
    const c = sampler.sample().containers[0]!;
    expect(c.stats.cpu?.histograms).toBe(kernel);
    expect(c.histogramSource).toBe('kernel');
    expect(calls.some((x) => x.startsWith('pids'))).toBe(false);
  });

  it('without the option no process is looked at', () => {
    const { source, calls } = fakeSource(new Map([['/a', { id: 2, stats: {}, pids: [100] }]]));
    const s = new Sampler(source, { proc: procReader(fakeProc()), host: false });
    s.sample();
    s.sample();
    expect(calls.some((x) => x.startsWith('pids'))).toBe(false);
  });

  it('a container gone between its stats and its process list keeps its stats, without histograms', () => {
    const { tree, sampler } = setup();
    sampler.sample();
    tree.get('/a')!.stats = { cpu: { usage: { total: 2 } } };
    tree.get('/a')!.pidsError = 'ENOENT';
    const c = sampler.sample().containers[0]!;
    expect(c.stats.cpu?.histograms).toBeUndefined();
  });

  it('other failures listing processes are reported, not hidden', () => {
    const { tree, sampler } = setup();
    tree.get('/a')!.pidsError = 'EACCES';
    expect(() => sampler.sample()).toThrow(expect.objectContaining({ code: Code.PERMISSION_DENIED }));
  });

  it('a container that left the tree and came back starts over', () => {
    const { tree, sampler } = setup();
    const a = tree.get('/a')!;
    sampler.sample();
    tree.delete('/a');
    sampler.sample();
    tree.set('/a', a);
    expect(sampler.sample().containers[0]!.stats.cpu?.histograms).toBeUndefined();
  });
});

describe('Sampler.next and series', () => {
  it('derives rates between passes and records history', () => {
    const tree = new Map<string, FakeContainer>([['/a', { id: 2, stats: { cpu: { usage: { total: 0 } }, memory: { usage: 100 } }, pids: [] }]]);
    const clock = manualClock();
    const s = new Sampler(fakeSource(tree).source, { proc: procReader(fakeProc()), clock, host: false });
    const first = s.next();
    expect(first.intervalSec).toBe(0);
    expect(first.containers[0]!.rates).toEqual({});
    clock.advance(2);
    tree.get('/a')!.stats = { cpu: { usage: { total: SEC } }, memory: { usage: 300 } };
    const second = s.next();
    expect(second.intervalSec).toBe(2);
    expect(second.containers[0]!.rates).toEqual({ cpuPercent: 50, cpuPercentOfCap: 25, memoryGrowthPerSec: 100 });
    expect(s.series('/a')).toMatchObject({ cpuPercent: [50], memoryUsage: [100, 300] });
    expect(s.series('/nope')).toBeUndefined();
  });
});

describe('carryEmpty: a subtree shown empty and still keeps its readings', () => {
  /** CPU time and task count of a container, as an export pass reads them. */
  const reading = (cpu: number, tasks: number): ContainerStats => ({ cpu: { usage: { total: cpu, user: 0, system: 0 } }, pids: { current: tasks, limit: -1 } });
  const idleTree = () =>
    new Map<string, FakeContainer>([
      ['/', { id: 1, stats: reading(100, 0), pids: [] }],
      ['/a', { id: 2, stats: reading(60, 0), pids: [] }],
      ['/a/b', { id: 3, stats: reading(40, 0), pids: [] }],
      ['/c', { id: 4, stats: reading(40, 0), pids: [] }],
    ]);
  const twoPasses = (tree: Map<string, FakeContainer>, change: (tree: Map<string, FakeContainer>) => void, carryEmpty = true) => {
    const { source, calls } = fakeSource(tree);
    const s = new Sampler(source, { proc: procReader(fakeProc()), host: false, type: 'export', carryEmpty });
    const first = s.sample();
    change(tree);
    calls.length = 0;
    const second = s.sample();
    return { first, second, reads: calls.filter((c) => c.startsWith('read')).map((c) => c.split(' ')[1]) };
  };

  it('under a container read with no task and its CPU time where it stood, every descendant keeps its reading (the same object), unread', () => {
    const { first, second, reads } = twoPasses(idleTree(), () => undefined);
    expect(reads).toEqual(['/']);
    for (let i = 1; i < 4; i++) expect(second.containers[i]).toBe(first.containers[i]);
  });

  it.each([
    [
      'a child ran: the top and it are read, and a sibling read still and empty proves its own subtree',
      (t: Map<string, FakeContainer>) => {
        t.get('/')!.stats = reading(101, 0);
        t.get('/c')!.stats = reading(41, 0);
      },
      ['/', '/a', '/c'],
    ],
    [
      'a task is in the subtree (a zombie counts)',
      (t: Map<string, FakeContainer>) => {
        for (const [name, cpu] of [['/', 100], ['/a', 60], ['/a/b', 40]] as const) t.get(name)!.stats = reading(cpu, 1);
      },
      ['/', '/a', '/a/b', '/c'],
    ],
    ['the top was written to (a counter reset is an event): its children are read', (t: Map<string, FakeContainer>) => (t.get('/')!.heard = true), ['/', '/a', '/c']],
    ['an event in a child: it is read, and proves nothing below it', (t: Map<string, FakeContainer>) => (t.get('/a')!.heard = true), ['/', '/a', '/a/b']],
    ['a child with a figure that moves without tasks (memory) is read', (t: Map<string, FakeContainer>) => (t.get('/c')!.stats = { ...reading(40, 0), memory: { usage: 4096 } }), ['/']],
    ['a child made again (another cgroup id) is read', (t: Map<string, FakeContainer>) => (t.get('/c')!.id = 5), ['/', '/c']],
  ])('%s', (_what, change, expected) => {
    expect(twoPasses(idleTree(), change).reads).toEqual(expected);
  });

  it('a reading that had memory figures is read again: carried only what an empty subtree cannot move', () => {
    const tree = idleTree();
    tree.get('/c')!.stats = { ...reading(40, 0), memory: { usage: 4096 } };
    expect(twoPasses(tree, () => undefined).reads).toEqual(['/', '/c']);
  });

  it("a reading with throttling figures is read again: a capped group's period timer runs on after its last task", () => {
    const tree = idleTree();
    tree.get('/c')!.stats = { cpu: { ...reading(40, 0).cpu, throttling_data: { periods: 3 } }, pids: { current: 0 } };
    expect(twoPasses(tree, () => undefined).reads).toEqual(['/', '/c']);
  });

  it('a child whose last reading held a task is read, whatever its parent says', () => {
    const tree = idleTree();
    tree.get('/a/b')!.stats = reading(40, 1);
    expect(twoPasses(tree, (t) => (t.get('/a/b')!.stats = reading(40, 0))).reads).toEqual(['/', '/a/b']);
  });

  it('without the option, or from a source that cannot tell (no quiet), every container is read every pass', () => {
    expect(twoPasses(idleTree(), () => undefined, false).reads).toEqual(['/', '/a', '/a/b', '/c']);
    const { source, calls } = fakeSource(idleTree());
    delete source.quiet;
    const s = new Sampler(source, { proc: procReader(fakeProc()), host: false, type: 'export', carryEmpty: true });
    s.sample();
    s.sample();
    expect(calls.filter((c) => c.startsWith('read')).length).toBe(8);
  });
});

describe("carryEmpty on the console's counters passes: freezer state and schedstat histograms", () => {
  /** CPU time, task count and freezer state of a container, as a counters pass reads them. */
  const reading = (cpu: number, tasks: number, state: 'THAWED' | 'FROZEN' = 'THAWED'): ContainerStats => ({
    cpu: { usage: { total: cpu } },
    pids: { current: tasks, limit: -1 },
    freezer: { state, self_freezing: false },
  });
  const consoleTree = () =>
    new Map<string, FakeContainer>([
      ['/', { id: 1, stats: reading(100, 0), pids: [] }],
      ['/a', { id: 2, stats: reading(60, 0), pids: [] }],
      ['/a/b', { id: 3, stats: reading(40, 0), pids: [] }],
    ]);
  const consoleSampler = (tree: Map<string, FakeContainer>) => {
    const { source, calls } = fakeSource(tree);
    const s = new Sampler(source, { proc: procReader(fakeProc()), host: false, type: 'counters', histograms: true, carryEmpty: true });
    const pass = () => {
      calls.length = 0;
      const raw = s.sample();
      return { byName: new Map(raw.containers.map((c) => [c.name, c])), reads: calls.filter((c) => c.startsWith('read')).map((c) => c.split(' ')[1]) };
    };
    return pass;
  };
  const empty = (h: HistogramMap[] | undefined) => h !== undefined && h.length > 0 && h.every((m) => m.stat.every((b) => b.value === 0));

  it('a first reading (no histograms yet) is read again; from then on the subtree is its top alone, the same objects with an empty interval', () => {
    const pass = consoleSampler(consoleTree());
    pass();
    const second = pass();
    expect(second.reads).toEqual(['/', '/a', '/a/b']);
    expect(empty(second.byName.get('/a/b')!.stats.cpu!.histograms)).toBe(true);
    const third = pass();
    expect(third.reads).toEqual(['/']);
    expect(third.byName.get('/a')).toBe(second.byName.get('/a'));
    expect(third.byName.get('/a/b')).toBe(second.byName.get('/a/b'));
    expect(third.byName.get('/a/b')!.stats.freezer).toEqual({ state: 'THAWED', self_freezing: false });
  });

  it('a container whose last interval ran is carried with an empty interval, not the one that ran again', () => {
    const tree = consoleTree();
    tree.get('/a/b')!.pids = [100];
    const proc = fakeProc();
    proc.setTask(100, 100, 0, 0, 0);
    const { source } = fakeSource(tree);
    const s = new Sampler(source, { proc: procReader(proc), host: false, type: 'counters', histograms: true, carryEmpty: true });
    s.sample();
    // Its task ran 2 ms over 4 slices, then exited: the interval's histograms hold them.
    proc.setTask(100, 100, 2_000_000, 1_000, 4);
    for (const [name, cpu] of [['/', 102], ['/a', 62], ['/a/b', 42]] as const) tree.get(name)!.stats = reading(cpu, 0);
    const ran = s.sample().containers.find((c) => c.name === '/a/b')!;
    expect(empty(ran.stats.cpu!.histograms)).toBe(false);
    proc.exit(100);
    tree.get('/a/b')!.pids = [];
    const carried = s.sample().containers.find((c) => c.name === '/a/b')!;
    expect(carried).not.toBe(ran);
    expect(carried.stats.pids).toBe(ran.stats.pids);
    expect(empty(carried.stats.cpu!.histograms)).toBe(true);
    expect(s.sample().containers.find((c) => c.name === '/a/b')).toBe(carried);
  });

  it.each([
    ['its freezer state written (pausing it is a write, so an event): it is read and shows FROZEN', '/a/b', ['/', '/a/b']],
    ["an ancestor's freezer state written (a child of a frozen v1 cgroup reads FROZEN): the event is heard for each below it", '/a', ['/', '/a', '/a/b']],
  ])('%s', (_what, paused, expected) => {
    const tree = consoleTree();
    const pass = consoleSampler(tree);
    pass();
    pass();
    for (const [name, c] of tree) {
      if (name.startsWith(paused)) {
        c.stats = reading(c.stats.cpu!.usage!.total!, 0, 'FROZEN');
        c.heard = true;
      }
    }
    const frozen = pass();
    expect(frozen.reads).toEqual(expected);
    expect(frozen.byName.get('/a/b')!.stats.freezer!.state).toBe('FROZEN');
    for (const c of tree.values()) c.heard = false;
    // A state other than THAWED is read every pass (FREEZING becomes FROZEN with no write).
    expect(pass().reads).toEqual(expected);
  });

  it('a task that joins anywhere in the subtree shows on the next pass: the top counts it, so nothing below is carried', () => {
    const tree = consoleTree();
    const pass = consoleSampler(tree);
    pass();
    pass();
    for (const [name, cpu] of [['/', 100], ['/a', 60], ['/a/b', 40]] as const) tree.get(name)!.stats = reading(cpu, 1);
    const joined = pass();
    expect(joined.reads).toEqual(['/', '/a', '/a/b']);
    expect(joined.byName.get('/a/b')!.stats.pids!.current).toBe(1);
  });

  it('without histograms asked for, a reading with schedstat histograms is not what the sampler makes: a plain reading is carried', () => {
    const tree = consoleTree();
    const { source, calls } = fakeSource(tree);
    const s = new Sampler(source, { proc: procReader(fakeProc()), host: false, type: 'counters', carryEmpty: true });
    s.sample();
    calls.length = 0;
    s.sample();
    expect(calls.filter((c) => c.startsWith('read'))).toEqual(['read / counters']);
  });
});

describe('reuseStill: a reading read whole and found as it was is handed on as the same object', () => {
  it('the same object while every figure is equal (a re-validation), a new one once a figure moved', () => {
    const tree = new Map<string, FakeContainer>([['/a', { id: 2, stats: { cpu: { usage: { total: 5 } }, memory: { usage: 4096 } }, pids: [] }]]);
    const { source, calls } = fakeSource(tree);
    // A source that can tell no container still: every pass reads it whole, in a new object each time.
    const s = new Sampler({ ...source, read: (n, t) => structuredClone(source.read(n, t)), still: () => false }, { proc: procReader(fakeProc()), host: false, reuseStill: true });
    const first = s.sample().containers[0];
    const second = s.sample().containers[0];
    expect(second).toBe(first);
    tree.get('/a')!.stats = { cpu: { usage: { total: 5 } }, memory: { usage: 8192 } };
    const third = s.sample().containers[0];
    expect(third).not.toBe(first);
    expect(third!.stats.memory!.usage).toBe(8192);
    expect(calls.filter((c) => c.startsWith('read'))).toHaveLength(3);
  });

  it('without the option every pass hands a new object', () => {
    const tree = new Map<string, FakeContainer>([['/a', { id: 2, stats: { cpu: { usage: { total: 5 } } }, pids: [] }]]);
    const { source } = fakeSource(tree);
    const s = new Sampler({ ...source, read: (n, t) => structuredClone(source.read(n, t)), still: () => false }, { proc: procReader(fakeProc()), host: false });
    expect(s.sample().containers[0]).not.toBe(s.sample().containers[0]);
  });
});

describe('reuseStill with schedstat histograms', () => {
  it('a reading handed on for a re-read with a still interval’s histograms is itself kept as still: no copy next pass', () => {
    const proc = fakeProc();
    proc.setTask(100, 100, 0, 0, 0);
    const tree = new Map<string, FakeContainer>([['/a', { id: 2, stats: { cpu: { usage: { total: 1 } } }, pids: [100] }]]);
    const { source } = fakeSource(tree);
    let still = false;
    const s = new Sampler({ ...source, read: (n, t) => structuredClone(source.read(n, t)), still: () => still }, { proc: procReader(proc), histograms: true, host: false, reuseStill: true });
    s.sample();
    // Its CPU time moved, none of its threads' schedstat did: an interval of empty histograms, from the tasks.
    tree.get('/a')!.stats = { cpu: { usage: { total: 2 } } };
    const ran = s.sample().containers[0]!;
    expect(ran.stats.cpu!.histograms!.flatMap((h) => h.stat.map((b) => b.value)).every((v) => v === 0)).toBe(true);
    // Read whole again with nothing moved: the same figures, handed on.
    expect(s.sample().containers[0]).toBe(ran);
    still = true;
    expect(s.sample().containers[0]).toBe(ran);
  });
});

describe('a steady pass: the source walks the same array while its tree is unchanged', () => {
  const reading = (cpu: number, tasks: number): ContainerStats => ({ cpu: { usage: { total: cpu, user: 0, system: 0 } }, pids: { current: tasks, limit: -1 } });
  /**
   * One script of passes over a fake tree: containers still, moving, re-read whole and found
   * as they were, heard, added, vanishing during a pass and back, removed, made again under
   * their name. `steadyWalk`: the walk hands the same array again until the tree changes (as
   * the engine's source does), else a new one each pass (the sampler then finds each kept
   * reading by name). What each pass holds, which readings are the last pass's very objects,
   * and what the source was asked.
   */
  function run(steadyWalk: boolean, options: SamplerOptions) {
    const proc = fakeProc();
    proc.setTask(100, 100, 0, 0, 0);
    proc.setTask(200, 200, 0, 0, 0);
    const tree = new Map<string, FakeContainer>([
      ['/', { id: 1, stats: reading(100, 0), pids: [] }],
      ['/a', { id: 2, stats: reading(60, 1), pids: [100] }],
      ['/a/b', { id: 3, stats: reading(40, 0), pids: [] }],
      ['/c', { id: 4, stats: reading(40, 1), pids: [200] }],
    ]);
    const { source, calls } = fakeSource(tree);
    let walked: ReturnType<StatsSource['walk']> = [];
    let changed = true;
    // What the source finds still this pass: all but the names listed.
    let moving = new Set<string>();
    const steady: StatsSource = {
      ...source,
      walk: (root) => {
        if (!steadyWalk || changed) walked = source.walk(root);
        else calls.push(`walk ${root}`);
        changed = false;
        return walked;
      },
      read: (name, type) => structuredClone(source.read(name, type)),
      still: (name) => {
        calls.push(`still ${name}`);
        return tree.has(name) && !moving.has(name);
      },
    };
    const s = new Sampler(steady, { proc: procReader(proc), clock: manualClock(), host: false, ...options });
    const passes: RawSample[] = [];
    const pass = (movingNow: string[], edit?: () => void) => {
      moving = new Set(movingNow);
      edit?.();
      passes.push(s.sample());
    };
    const all = ['/', '/a', '/a/b', '/c'];
    pass(all);
    pass([]);
    pass(['/', '/a'], () => {
      tree.get('/')!.stats = reading(110, 0);
      tree.get('/a')!.stats = reading(70, 1);
      proc.setTask(100, 100, 10_000, 0, 1);
    });
    // Re-read whole, every figure as it was.
    pass(['/c']);
    pass([]);
    pass(['/a/b'], () => (tree.get('/a/b')!.heard = true));
    pass([], () => (tree.get('/a/b')!.heard = false));
    pass(['/d'], () => {
      tree.set('/d', { id: 5, stats: reading(0, 0), pids: [] });
      changed = true;
    });
    pass([]);
    pass(['/c'], () => (tree.get('/c')!.vanishOnRead = true));
    pass(['/c'], () => (tree.get('/c')!.vanishOnRead = false));
    pass([]);
    pass([], () => {
      tree.delete('/a/b');
      changed = true;
    });
    pass([]);
    pass(['/a'], () => {
      tree.get('/a')!.id = 9;
      changed = true;
    });
    pass([]);
    pass(['/', '/c'], () => {
      tree.get('/')!.stats = reading(120, 0);
      tree.get('/c')!.stats = reading(50, 1);
      proc.setTask(200, 200, 20_000, 0, 2);
    });
    pass([]);
    const kept = passes.map((p, i) => p.containers.map((c) => (i > 0 ? passes[i - 1]!.containers.indexOf(c) : -1)));
    return { passes, kept, calls };
  }

  for (const [what, options] of [
    ['reuseStill with histograms (the recorder)', { reuseStill: true, histograms: true, type: 'counters' }],
    ['carryEmpty (the console, the exports)', { carryEmpty: true, type: 'export' }],
  ] as Array<[string, SamplerOptions]>) {
    it(`${what}: the same passes as a new walk each pass gives, the same readings kept, the same asked of the source`, () => {
      const steady = run(true, options);
      const fresh = run(false, options);
      expect(steady.passes).toEqual(fresh.passes);
      expect(steady.kept).toEqual(fresh.kept);
      expect(steady.calls).toEqual(fresh.calls);
      // The script does keep readings, and reads some again.
      expect(steady.kept.flat().filter((i) => i >= 0).length).toBeGreaterThan(5);
      expect(steady.calls.filter((c) => c.startsWith('read')).length).toBeGreaterThan(10);
    });
  }
});

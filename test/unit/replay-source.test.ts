import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { REPLAY_FILL_DELAY_MS, REPLAY_FILL_SLICE, REPLAY_HISTORY, replaySource } from '../../src/cli/replay-source.js';
import type { JournalRecord } from '../../src/engine/journal.js';
import { StoreReader, StoreWriter } from '../../src/record/store.js';
import type { RawSample, SampleView } from '../../src/stats/model.js';

const dirs: string[] = [];
// The history window is decoded on a timer after each first view: the tests run it when they choose.
beforeEach(() => {
  vi.useFakeTimers();
});
afterEach(() => {
  vi.useRealTimers();
  for (const d of dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true });
});

const T0 = Date.UTC(2026, 11, 2, 3, 0, 0);
const pass = (t: number): RawSample => ({
  timestamp: new Date(t).toISOString(),
  monoNs: t * 1e6,
  containers: [
    { name: '/', id: 1, stats: { cpu: { usage: { total: (t - T0) * 1e6 } } }, limits: {} },
    { name: '/a', id: 2, stats: { cpu: { usage: { total: (t - T0) * 5e5 } } }, limits: {} },
  ],
});

function store(seconds: number, records: JournalRecord[]): StoreReader {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lmctfy-replay-source-'));
  dirs.push(dir);
  let now = T0;
  const w = new StoreWriter(dir, { root: '/r', container: '/', intervalMs: 1000, retention: {}, now: () => now });
  for (let s = 0; s < seconds; s++) {
    now = T0 + s * 1000;
    w.writeSample(pass(now));
  }
  w.writeJournal(records);
  w.close();
  return StoreReader.open(dir);
}

describe('replay source', () => {
  const records: JournalRecord[] = [
    { time: T0 + 30_500, kind: 'action', what: 'pause', container: '/a', code: 0 },
    { time: T0 + 200_000, kind: 'event', what: 'oom', container: '/a' },
  ];

  it('shows the moment asked with rates against the sample before, and moves by sample, time, typed time and journal record', () => {
    const src = replaySource(store(300, records), '/', T0 + 10_500);
    const seen: SampleView[] = [];
    src.subscribe((v) => seen.push(v));
    const last = () => seen.at(-1)!;
    expect(last().timestamp).toBe(new Date(T0 + 10_000).toISOString());
    // 0.5 s of CPU per second: 50 %.
    expect(last().containers.find((c) => c.name === '/a')!.rates.cpuPercent).toBeCloseTo(50);
    vi.runAllTimers();
    expect(src.history('/a')!.cpuPercent.length).toBeGreaterThan(5);
    expect(src.replay!.move({ kind: 'step', samples: 1 }).text).toContain('sample 12 of 300');
    src.replay!.move({ kind: 'shift', ms: 60_000 });
    expect(last().timestamp).toBe(new Date(T0 + 71_000).toISOString());
    src.replay!.move({ kind: 'goTo', text: new Date(T0 + 5000).toISOString() });
    expect(last().timestamp).toBe(new Date(T0 + 5000).toISOString());
    const next = src.replay!.move({ kind: 'nextEvent' });
    expect(next.text).toContain('action pause /a OK');
    // The first sample at or after the record shows what it did.
    expect(last().timestamp).toBe(new Date(T0 + 31_000).toISOString());
    expect(src.replay!.move({ kind: 'shift', ms: -3_600_000 })).toMatchObject({ text: expect.stringContaining('sample 1 of 300') });
    expect(src.replay!.move({ kind: 'step', samples: -1 })).toMatchObject({ warn: true, text: expect.stringContaining('the first sample') });
    expect(src.header().replayTime!()).toMatch(/\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}/);
  });

  it('hands the console the journal up to the moment shown, then what it passes', () => {
    const src = replaySource(store(300, records), '/', T0 + 10_000);
    const got: Array<[string, boolean]> = [];
    src.journal!((rs, past) => got.push(...rs.map((r) => [r.what, past] as [string, boolean])));
    expect(got).toEqual([]);
    src.replay!.move({ kind: 'shift', ms: 60_000 });
    expect(got).toEqual([['pause', true]]);
    src.replay!.move({ kind: 'shift', ms: -30_000 });
    src.replay!.move({ kind: 'shift', ms: 3_600_000 });
    expect(got).toEqual([['pause', true], ['oom', true]]);
  });

  it('draws the first view from the moment and the sample before it, then fills the history window behind it', () => {
    const reader = store(300, records);
    const read = vi.spyOn(reader, 'samples');
    const journal = vi.spyOn(reader, 'journal');
    const times = vi.spyOn(reader, 'sampleTimes');
    const src = replaySource(reader, '/', T0 + 200_000);
    const seen: SampleView[] = [];
    src.subscribe((v) => seen.push(v));
    const got: string[] = [];
    src.journal!((rs) => got.push(...rs.map((r) => r.what)));
    // The first view: complete for the moment (every container, its rates), two samples decoded.
    expect(seen).toHaveLength(1);
    expect(seen[0]!.timestamp).toBe(new Date(T0 + 200_000).toISOString());
    expect(seen[0]!.containers.map((c) => c.name)).toEqual(['/', '/a']);
    expect(seen[0]!.containers.find((c) => c.name === '/a')!.rates.cpuPercent).toBeCloseTo(50);
    expect(read.mock.calls).toEqual([[T0 + 200_000, T0 + 200_000, 1]]);
    expect(src.history('/a')!.cpuPercent.length).toBeLessThanOrEqual(2);
    // Neither every sample's time nor the journal was read for it.
    expect(times).not.toHaveBeenCalled();
    expect(journal).not.toHaveBeenCalled();
    expect(got).toEqual([]);
    vi.runAllTimers();
    // Then the window behind it, in slices that cover it once, shown again, and the journal up to the moment.
    const slices = read.mock.calls.slice(1).map(([from, to]) => [(from - T0) / 1000, (to - T0) / 1000]);
    expect(slices).toHaveLength(Math.ceil((REPLAY_HISTORY + 1) / REPLAY_FILL_SLICE));
    expect(slices[0]![0]).toBe(200 - REPLAY_HISTORY);
    expect(slices.at(-1)![1]).toBe(200);
    for (let k = 1; k < slices.length; k++) expect(slices[k]![0]).toBe(slices[k - 1]![1] + 1);
    expect(seen).toHaveLength(2);
    expect(seen[1]!.timestamp).toBe(seen[0]!.timestamp);
    expect(src.history('/a')!.cpuPercent.length).toBeGreaterThan(REPLAY_HISTORY / 2);
    expect(got).toEqual(['pause', 'oom']);
  });

  it('drops the history of a moment left before it was filled', () => {
    const reader = store(300, records);
    const src = replaySource(reader, '/', T0 + 200_000);
    const seen: SampleView[] = [];
    src.subscribe((v) => seen.push(v));
    const read = vi.spyOn(reader, 'samples');
    src.replay!.move({ kind: 'step', samples: 1 });
    src.replay!.move({ kind: 'step', samples: 1 });
    // A move between two slices of a window drops the rest of it.
    vi.advanceTimersByTime(REPLAY_FILL_DELAY_MS);
    expect(read).toHaveBeenCalledTimes(3);
    src.replay!.move({ kind: 'step', samples: 1 });
    vi.runAllTimers();
    // Three first views, one slice of the second moment's window, and all of the last one's.
    const calls = read.mock.calls.map((c) => (c[1] - T0) / 1000);
    expect(calls.slice(0, 4)).toEqual([201, 202, 202 - REPLAY_HISTORY + REPLAY_FILL_SLICE - 1, 203]);
    expect(calls.slice(4)).toHaveLength(Math.ceil((REPLAY_HISTORY + 1) / REPLAY_FILL_SLICE));
    expect(calls.at(-1)).toBe(203);
    expect(seen.at(-1)!.timestamp).toBe(new Date(T0 + 203_000).toISOString());
  });
});

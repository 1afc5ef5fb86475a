import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { replaySource } from '../../src/cli/replay-source.js';
import type { JournalRecord } from '../../src/engine/journal.js';
import { StoreReader, StoreWriter } from '../../src/record/store.js';
import type { RawSample, SampleView } from '../../src/stats/model.js';

const dirs: string[] = [];
afterEach(() => {
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
});

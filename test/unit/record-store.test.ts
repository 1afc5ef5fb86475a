import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { Code } from '../../src/engine/errors.js';
import type { JournalRecord } from '../../src/engine/journal.js';
import { unrecorded } from '../../src/record/recorder.js';
import { overRetention, parseRetention } from '../../src/record/retention.js';
import { KEY_EVERY, SEGMENT_MS, StoreReader, StoreWriter } from '../../src/record/store.js';
import { parseTime } from '../../src/record/time.js';
import type { RawSample } from '../../src/stats/model.js';
import { errorOf } from '../helpers/errors.js';

const dirs: string[] = [];
function tmpStore(): string {
  const d = fs.mkdtempSync(path.join(os.tmpdir(), 'lmctfy-record-test-'));
  dirs.push(d);
  return d;
}
afterEach(() => {
  for (const d of dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true });
});

const T0 = Date.UTC(2026, 11, 2, 3, 0, 0);
function pass(t: number, n = 3): RawSample {
  return {
    timestamp: new Date(t).toISOString(),
    monoNs: t * 1e6,
    containers: Array.from({ length: n }, (_, i) => ({ name: `/c${i}`, id: i + 1, stats: { cpu: { usage: { total: (t - T0) * (i + 1) } }, memory: { usage: 4096 * i } }, limits: {} })),
  };
}
function writeSeconds(dir: string, from: number, seconds: number, retention = parseRetention('7d')): StoreWriter {
  let now = from;
  const w = new StoreWriter(dir, { root: '/r', container: '/', intervalMs: 1000, retention, now: () => now });
  for (let s = 0; s < seconds; s++) {
    now = from + s * 1000;
    w.writeSample(pass(now));
  }
  return w;
}
const segs = (dir: string) => fs.readdirSync(dir).filter((f) => f.endsWith('.seg')).sort();

describe('store', () => {
  it('reads back each sample at its time, and the journal in order', () => {
    const dir = tmpStore();
    const w = writeSeconds(dir, T0, 150);
    const recs: JournalRecord[] = [
      { time: T0 + 5000, kind: 'action', what: 'create', container: '/c2', code: 0 },
      { time: T0 + 99_000, kind: 'event', what: 'oom', container: '/c1' },
    ];
    w.writeJournal(recs);
    w.close();
    const r = StoreReader.open(dir);
    expect(r.span()).toEqual({ fromMs: T0, toMs: T0 + 149_000 });
    expect(r.sampleTimes()).toHaveLength(150);
    const [prev, at] = r.sampleAt(T0 + 123_500, 1);
    expect(at!.timeMs).toBe(T0 + 123_000);
    expect(at!.raw).toEqual(pass(T0 + 123_000));
    expect(prev!.raw).toEqual(pass(T0 + 122_000));
    expect(r.samples(T0 + 10_000, T0 + 70_000).map((s) => s.timeMs)).toEqual(Array.from({ length: 61 }, (_, i) => T0 + 10_000 + i * 1000));
    expect(r.journal()).toEqual(recs);
    expect(r.journal(T0 + 6000)).toEqual([recs[1]]);
    expect(r.damage).toEqual([]);
  });

  it('starts a segment an hour at a time, each with a keyframe, and the hour boundary reads across', () => {
    const dir = tmpStore();
    writeSeconds(dir, T0, SEGMENT_MS / 1000 + 5).close();
    expect(segs(dir)).toEqual([`${T0}.seg`, `${T0 + SEGMENT_MS}.seg`]);
    const r = StoreReader.open(dir);
    const around = r.samples(T0 + SEGMENT_MS - 2000, T0 + SEGMENT_MS + 2000);
    expect(around.map((s) => s.raw)).toEqual([-2, -1, 0, 1, 2].map((k) => pass(T0 + SEGMENT_MS + k * 1000)));
  });

  it('finds the time of the sample at or before a moment from the indexes only', () => {
    const dir = tmpStore();
    writeSeconds(dir, T0, SEGMENT_MS / 1000 + 5).close();
    const r = StoreReader.open(dir);
    const decode = vi.spyOn(r, 'samples');
    expect([T0 - 1, T0, T0 + 1500, T0 + SEGMENT_MS - 1, T0 + SEGMENT_MS + 4000, T0 + SEGMENT_MS + 60_000].map((t) => r.sampleTimeAt(t))).toEqual([
      undefined,
      T0,
      T0 + 1000,
      T0 + SEGMENT_MS - 1000,
      T0 + SEGMENT_MS + 4000,
      T0 + SEGMENT_MS + 4000,
    ]);
    expect(decode).not.toHaveBeenCalled();
  });

  it('a segment removed by retention after its index was read is left out, not an error', () => {
    const dir = tmpStore();
    writeSeconds(dir, T0, SEGMENT_MS / 1000 + 5).close();
    const r = StoreReader.open(dir);
    expect(r.sampleTimes()).toHaveLength(SEGMENT_MS / 1000 + 5);
    fs.rmSync(path.join(dir, `${T0}.seg`));
    expect(r.samples(T0 + SEGMENT_MS - 2000, T0 + SEGMENT_MS + 1000).map((s) => s.timeMs)).toEqual([T0 + SEGMENT_MS, T0 + SEGMENT_MS + 1000]);
  });

  it('a store cut in the middle of a frame (a kill while writing) opens up to the cut and says where', () => {
    const dir = tmpStore();
    writeSeconds(dir, T0, 100).close();
    const seg = path.join(dir, segs(dir)[0]!);
    const size = fs.statSync(seg).size;
    fs.truncateSync(seg, size - 10);
    const r = StoreReader.open(dir);
    expect(r.sampleTimes()).toHaveLength(99);
    expect(r.damage).toHaveLength(1);
    expect(r.damage[0]).toMatchObject({ file: seg, why: expect.stringContaining('cut while written') });
    expect(r.sampleAt(T0 + 98_000)[0]!.raw).toEqual(pass(T0 + 98_000));
  });

  it('a damaged frame leaves out what depends on it up to the next keyframe, says where, and the rest reads', () => {
    const dir = tmpStore();
    writeSeconds(dir, T0, 3 * KEY_EVERY).close();
    const seg = path.join(dir, segs(dir)[0]!);
    const idx = fs.readFileSync(seg.replace(/\.seg$/, '.idx'));
    // The 70th frame (second keyframe interval): flip a byte of its payload.
    const offset = idx.readUInt32LE(70 * 17 + 8);
    const fd = fs.openSync(seg, 'r+');
    const b = Buffer.alloc(1);
    fs.readSync(fd, b, 0, 1, offset + 25);
    b[0] = b[0]! ^ 0xff;
    fs.writeSync(fd, b, 0, 1, offset + 25);
    fs.closeSync(fd);
    const r = StoreReader.open(dir);
    const got = r.samples(-Infinity, Infinity).map((s) => s.timeMs);
    expect(got).toHaveLength(3 * KEY_EVERY - (2 * KEY_EVERY - 70));
    expect(got).not.toContain(T0 + 70_000);
    expect(got).toContain(T0 + 69_000);
    expect(got).toContain(T0 + 2 * KEY_EVERY * 1000);
    expect(r.damage).toEqual([{ file: seg, offset, why: 'checksum mismatch (damaged)' }]);
    const v = StoreReader.open(dir);
    expect(v.verify()).toBe(got.length);
    expect(v.damage).toHaveLength(1);
  });

  it('an index missing its last entries (a kill between frame and index) is rebuilt from the frames', () => {
    const dir = tmpStore();
    writeSeconds(dir, T0, 20).close();
    const idx = path.join(dir, segs(dir)[0]!.replace(/\.seg$/, '.idx'));
    fs.truncateSync(idx, 17 * 5 + 3);
    const r = StoreReader.open(dir);
    expect(r.sampleTimes()).toHaveLength(20);
    expect(r.damage).toEqual([]);
  });

  it('a store of a newer format version is refused with what to do', () => {
    const dir = tmpStore();
    writeSeconds(dir, T0, 2).close();
    const meta = JSON.parse(fs.readFileSync(path.join(dir, 'store.json'), 'utf8'));
    fs.writeFileSync(path.join(dir, 'store.json'), JSON.stringify({ ...meta, version: 9 }));
    const err = errorOf(() => StoreReader.open(dir));
    expect(err?.code).toBe(Code.FAILED_PRECONDITION);
    expect(err?.message).toContain('format version 9; this lmctfy reads versions up to 1: replay it with a newer lmctfy');
    expect(errorOf(() => StoreReader.open(path.join(dir, 'nope')))?.code).toBe(Code.NOT_FOUND);
  });

  it('a store of another root is not written into', () => {
    const dir = tmpStore();
    writeSeconds(dir, T0, 1).close();
    const err = errorOf(() => new StoreWriter(dir, { root: '/other', container: '/', intervalMs: 1000, retention: {} }));
    expect(err?.message).toContain('holds root /r, not /other');
  });

  it('retention removes the oldest segments only, never the one being written', () => {
    const dir = tmpStore();
    // Four hours, one segment each, under an age of 2.5 h.
    for (let h = 0; h < 4; h++) writeSeconds(dir, T0 + h * SEGMENT_MS, 3, parseRetention('150m')).close();
    expect(segs(dir)).toHaveLength(3);
    expect(segs(dir)[0]).toBe(`${T0 + SEGMENT_MS}.seg`);
    const r = StoreReader.open(dir);
    expect(r.span()!.fromMs).toBe(T0 + SEGMENT_MS);
    expect(r.sampleAt(T0 + 3 * SEGMENT_MS + 2000)[0]!.raw).toEqual(pass(T0 + 3 * SEGMENT_MS + 2000));
  });
});

describe('retention', () => {
  const segsOf = (sizes: number[]) => sizes.map((bytes, i) => ({ endMs: i * 1000 + 999, bytes }));
  const table: Array<[string, number[], number, number]> = [
    ['1MiB', [400_000, 400_000, 400_000], 10_000, 1],
    ['1MiB', [2 ** 20, 2 ** 20, 2 ** 20], 10_000, 2],
    ['1MiB', [5 * 2 ** 20], 10_000, 0],
    ['2s', [1, 1, 1, 1], 4000, 2],
    ['2s,1MiB', [2 ** 20, 1, 1, 1], 2500, 1],
    ['1d', [1, 1, 1], 10_000, 0],
  ];
  it.each(table)('--retain %s over %j at %d drops %d', (spec, sizes, now, n) => {
    expect(overRetention(segsOf(sizes), parseRetention(spec), now)).toHaveLength(n);
  });
  it.each(['', 'x', '5', '7d,7d', '1GiB,2GiB', '10kb', '3 parsecs'])('"%s" is refused with the forms it takes', (v) => {
    expect(errorOf(() => parseRetention(v))?.code).toBe(Code.INVALID_ARGUMENT);
  });
  it('units', () => {
    expect(parseRetention('7d,1GiB')).toEqual({ maxAgeMs: 7 * 86400e3, maxBytes: 2 ** 30 });
    expect(parseRetention('36h')).toEqual({ maxAgeMs: 36 * 3600e3 });
    expect(parseRetention('500MB')).toEqual({ maxBytes: 500e6 });
  });
});

describe('time', () => {
  const now = Date.parse('2026-12-02T13:30:00Z');
  const table: Array<[string, number]> = [
    ['now', now],
    ['10m ago', now - 600_000],
    ['1h30m ago', now - 5_400_000],
    ['2d ago', now - 2 * 86_400_000],
    ['2026-12-02T03:12:00Z', Date.parse('2026-12-02T03:12:00Z')],
    ['2026-12-02 03:12', new Date(2026, 11, 2, 3, 12).getTime()],
  ];
  it.each(table)('%s', (text, want) => {
    expect(parseTime(text, now)).toBe(want);
  });
  it('a time of today is local', () => {
    const d = new Date(now);
    d.setHours(3, 12, 30, 0);
    expect(parseTime('03:12:30', now)).toBe(d.getTime());
  });
  it.each(['yesterday', '10 minutes ago', '25:00', '', '12/02/2026'])('"%s" is refused with the forms it takes', (v) => {
    expect(errorOf(() => parseTime(v, now, '--at'))?.message).toContain('--at must be "now"');
  });
});

describe('journal copy', () => {
  const r = (time: number, what: string): JournalRecord => ({ time, kind: 'action', what, container: '/a' });
  it('copies what the store lacks, once, and nothing twice after a restart', () => {
    expect(unrecorded([r(1, 'a'), r(2, 'b'), r(2, 'c'), r(3, 'd'), r(3, 'd')], [r(1, 'a'), r(2, 'b')])).toEqual([r(2, 'c'), r(3, 'd')]);
    expect(unrecorded([r(1, 'a')], [])).toEqual([r(1, 'a')]);
  });
});

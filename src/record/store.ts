import * as fs from 'node:fs';
import * as path from 'node:path';
import { Code, LmctfyError } from '../engine/errors.js';
import { parseJournalLine, type JournalRecord } from '../engine/journal.js';
import type { RawSample } from '../stats/model.js';
import { FrameDecoder, FrameEncoder } from './frame-codec.js';
import { overRetention, type Retention } from './retention.js';
import {
  FORMAT_VERSION,
  FRAME_HEADER_BYTES,
  FrameType,
  SEGMENT_HEADER_BYTES,
  checkSegmentHeader,
  encodeFrame,
  frameHeadAt,
  framePayload,
  readAt,
  segmentHeader,
  type Damage,
  type FrameHead,
} from './segment.js';

/**
 * A record store (docs/RECORDING.md): a directory holding `store.json` (format, version,
 * the root recorded) and segments of an hour each, `<start ms>.seg`, each with its time
 * index `<start ms>.idx` (one entry per frame: time, offset, length, type). A segment
 * starts with a keyframe; retention removes whole segments, oldest first.
 */
export const STORE_FORMAT = 'lmctfy-record';
/** A new segment at least this often, so retention can free space an hour at a time. */
export const SEGMENT_MS = 3_600_000;
export const SEGMENT_MAX_BYTES = 64 << 20;
/** A keyframe every this many samples: a seek decodes at most this many frames. */
export const KEY_EVERY = 60;
const INDEX_ENTRY_BYTES = 17;

export interface StoreMeta {
  format: typeof STORE_FORMAT;
  version: number;
  /** The lmctfy root recorded (its tracking dir) and the top of the tree sampled. */
  root: string;
  container: string;
  interval_ms: number;
  created: string;
}

interface Segment {
  file: string;
  startMs: number;
  size: number;
  frames: FrameHead[];
}

function segmentFiles(dir: string): Array<{ file: string; startMs: number }> {
  let names: string[];
  try {
    names = fs.readdirSync(dir);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') throw new LmctfyError(Code.NOT_FOUND, `record store ${dir} does not exist`);
    throw new LmctfyError(Code.PERMISSION_DENIED, `cannot read record store ${dir}: ${(e as Error).message}`);
  }
  return names
    .filter((n) => /^\d{13}\.seg$/.test(n))
    .sort()
    .map((n) => ({ file: path.join(dir, n), startMs: Number(n.slice(0, 13)) }));
}

const indexFile = (seg: string) => seg.replace(/\.seg$/, '.idx');

function readMeta(dir: string): StoreMeta {
  const file = path.join(dir, 'store.json');
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') throw new LmctfyError(Code.NOT_FOUND, `${dir} is not a record store (no store.json); record one with lmctfy record --dir ${dir}`);
    throw new LmctfyError(Code.PERMISSION_DENIED, `cannot read ${file}: ${(e as Error).message}`);
  }
  let meta: StoreMeta;
  try {
    meta = JSON.parse(text) as StoreMeta;
  } catch {
    throw new LmctfyError(Code.DATA_LOSS, `${file} is not JSON`);
  }
  if (meta.format !== STORE_FORMAT) throw new LmctfyError(Code.DATA_LOSS, `${file} does not describe an lmctfy record store`);
  if (!Number.isInteger(meta.version) || meta.version > FORMAT_VERSION) {
    throw new LmctfyError(Code.FAILED_PRECONDITION, `record store ${dir} is format version ${meta.version}; this lmctfy reads versions up to ${FORMAT_VERSION}: replay it with a newer lmctfy`);
  }
  return meta;
}

/** A segment's bytes (with its index) and the time of its last frame, from its index's last entry. */
function segmentExtent(file: string, startMs: number): { bytes: number; endMs: number } {
  let bytes = 0;
  let endMs = startMs;
  try {
    bytes += fs.statSync(file).size;
    const fd = fs.openSync(indexFile(file), 'r');
    try {
      const size = fs.fstatSync(fd).size;
      bytes += size;
      const last = size - (size % INDEX_ENTRY_BYTES) - INDEX_ENTRY_BYTES;
      if (last >= 0) endMs = readAt(fd, last, 8).readDoubleLE(0);
    } finally {
      fs.closeSync(fd);
    }
  } catch {
    /* removed meanwhile, or its index lost: its start stands for its end */
  }
  return { bytes, endMs };
}

export interface WriterOptions {
  root: string;
  container: string;
  intervalMs: number;
  retention: Retention;
  /** Wall clock, ms (tests). */
  now?: () => number;
}

/** Appends to a store; one writer per store (the recorder holds its lock). */
export class StoreWriter {
  private readonly encoder = new FrameEncoder();
  private seg?: { fd: number; idx: number; file: string; startMs: number; size: number };
  private sinceKey = KEY_EVERY;
  private readonly now: () => number;

  constructor(
    readonly dir: string,
    private readonly opts: WriterOptions,
  ) {
    this.now = opts.now ?? Date.now;
    fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
    const metaFile = path.join(dir, 'store.json');
    if (fs.existsSync(metaFile)) {
      const meta = readMeta(dir);
      if (meta.root !== opts.root) {
        throw new LmctfyError(Code.FAILED_PRECONDITION, `record store ${dir} holds root ${meta.root}, not ${opts.root}; give another --dir`);
      }
    } else {
      const meta: StoreMeta = { format: STORE_FORMAT, version: FORMAT_VERSION, root: opts.root, container: opts.container, interval_ms: opts.intervalMs, created: new Date(this.now()).toISOString() };
      fs.writeFileSync(metaFile, `${JSON.stringify(meta, null, 2)}\n`, { mode: 0o600 });
    }
  }

  /** Appends a pass; a new segment (starting with a keyframe) when the current one is an hour old or full. */
  writeSample(raw: RawSample): void {
    const t = Date.parse(raw.timestamp);
    if (!this.seg || t - this.seg.startMs >= SEGMENT_MS || this.seg.size >= SEGMENT_MAX_BYTES) this.roll(t);
    const key = this.sinceKey >= KEY_EVERY;
    this.sinceKey = key ? 1 : this.sinceKey + 1;
    this.append(key ? FrameType.Key : FrameType.Delta, t, this.encoder.encode(raw, key));
  }

  /** Appends journal records (one frame), at the time of the newest. */
  writeJournal(records: JournalRecord[]): void {
    if (records.length === 0) return;
    const t = Math.max(...records.map((r) => r.time));
    if (!this.seg) this.roll(this.now());
    this.append(FrameType.Journal, t, Buffer.from(records.map((r) => JSON.stringify(r)).join('\n')));
  }

  private append(type: FrameType, timeMs: number, payload: Buffer): void {
    const s = this.seg!;
    const frame = encodeFrame(type, timeMs, payload);
    // One write each: a kill leaves a frame whole or cut at the end, which readers detect.
    fs.writeSync(s.fd, frame, 0, frame.length, s.size);
    const entry = Buffer.alloc(INDEX_ENTRY_BYTES);
    entry.writeDoubleLE(timeMs, 0);
    entry.writeUInt32LE(s.size, 8);
    entry.writeUInt32LE(frame.length, 12);
    entry.writeUInt8(type, 16);
    fs.writeSync(s.idx, entry);
    s.size += frame.length;
  }

  private roll(t: number): void {
    this.closeSegment();
    // Never two segments of one start: a restart within the same millisecond waits it out.
    let start = t;
    while (fs.existsSync(path.join(this.dir, `${String(start).padStart(13, '0')}.seg`))) start++;
    const file = path.join(this.dir, `${String(start).padStart(13, '0')}.seg`);
    const fd = fs.openSync(file, 'wx', 0o600);
    const head = segmentHeader(start);
    fs.writeSync(fd, head);
    const idx = fs.openSync(indexFile(file), 'w', 0o600);
    this.seg = { fd, idx, file, startMs: start, size: head.length };
    this.sinceKey = KEY_EVERY;
    this.retain();
  }

  /** Removes the oldest segments past the retention (never the one being written); returns the files removed. */
  retain(): string[] {
    const segs = segmentFiles(this.dir).map((s) => ({ ...s, ...segmentExtent(s.file, s.startMs) }));
    const drop = overRetention(segs, this.opts.retention, this.now()).filter((s) => s.file !== this.seg?.file);
    for (const s of drop) {
      fs.rmSync(s.file, { force: true });
      fs.rmSync(indexFile(s.file), { force: true });
    }
    return drop.map((s) => s.file);
  }

  private closeSegment(): void {
    if (!this.seg) return;
    fs.closeSync(this.seg.fd);
    fs.closeSync(this.seg.idx);
    this.seg = undefined;
  }

  close(): void {
    this.closeSegment();
  }
}

/** A sample read back, with where it is in the store. */
export interface StoredSample {
  raw: RawSample;
  timeMs: number;
}

export interface ReaderOptions {
  /** Told of each damage when it is found (once per place); it is also kept in `damage`. */
  onDamage?: (d: Damage) => void;
}

/**
 * Reads a store. Opening reads `store.json` and lists the segments, whose names give their
 * start times: a segment's time index is read only when a moment in it (or everything) is
 * asked for, and its frames only when decoded. The part of a segment its index missed (a
 * kill between a frame and its index entry) is found by reading frame headers. Damage (a cut
 * or a checksum that does not match) ends what can be read of its segment; each is reported
 * once, when found, in `damage` and to `onDamage`.
 */
export class StoreReader {
  readonly meta: StoreMeta;
  readonly damage: Damage[] = [];
  /** Every segment by start time; `loaded` once its index has been read (null: unreadable or gone). */
  private readonly segments: Array<{ file: string; startMs: number; loaded?: Segment | null }>;

  private constructor(
    readonly dir: string,
    private readonly opts: ReaderOptions,
  ) {
    this.meta = readMeta(dir);
    this.segments = segmentFiles(dir);
  }

  static open(dir: string, opts: ReaderOptions = {}): StoreReader {
    return new StoreReader(dir, opts);
  }

  private load(i: number): Segment | undefined {
    const s = this.segments[i]!;
    if (s.loaded === undefined) s.loaded = this.openSegment(s.file, s.startMs) ?? null;
    return s.loaded ?? undefined;
  }

  /** Loaded segments among `from`..`to` (indexes into the list), in order. */
  private loadRange(from = 0, to = this.segments.length - 1): Segment[] {
    const out: Segment[] = [];
    for (let i = Math.max(0, from); i <= to; i++) {
      const s = this.load(i);
      if (s) out.push(s);
    }
    return out;
  }

  /** The index of the last segment starting at or before `ms` (-1 when none does). */
  private segmentAt(ms: number): number {
    let lo = -1;
    let hi = this.segments.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (this.segments[mid]!.startMs <= ms) lo = mid;
      else hi = mid - 1;
    }
    return lo;
  }

  private openSegment(file: string, startMs: number): Segment | undefined {
    let fd: number;
    try {
      fd = fs.openSync(file, 'r');
    } catch {
      // Removed by retention meanwhile.
      return undefined;
    }
    try {
      const size = fs.fstatSync(fd).size;
      try {
        checkSegmentHeader(readAt(fd, 0, SEGMENT_HEADER_BYTES), file);
      } catch (e) {
        if ((e as LmctfyError).code === Code.FAILED_PRECONDITION) throw e;
        this.noteDamage(file, 0, (e as Error).message);
        return undefined;
      }
      const frames: FrameHead[] = [];
      let idx = Buffer.alloc(0);
      try {
        idx = fs.readFileSync(indexFile(file));
      } catch {
        /* rebuilt from the frames below */
      }
      let end = SEGMENT_HEADER_BYTES;
      for (let at = 0; at + INDEX_ENTRY_BYTES <= idx.length; at += INDEX_ENTRY_BYTES) {
        const f: FrameHead = { timeMs: idx.readDoubleLE(at), offset: idx.readUInt32LE(at + 8), bytes: idx.readUInt32LE(at + 12), type: idx.readUInt8(at + 16) };
        if (f.offset !== end || f.offset + f.bytes > size) break;
        frames.push(f);
        end += f.bytes;
      }
      // Frames past what the index holds: read their headers.
      while (end < size) {
        const head = frameHeadAt(readAt(fd, end, FRAME_HEADER_BYTES), end, end);
        if (typeof head === 'string') {
          this.noteDamage(file, end, head);
          break;
        }
        if (end + head.bytes > size) {
          this.noteDamage(file, end, 'the file ends inside a frame (cut while written)');
          break;
        }
        frames.push(head);
        end += head.bytes;
      }
      return { file, startMs, size: end, frames };
    } finally {
      fs.closeSync(fd);
    }
  }

  /** First and last sample times, ms; undefined when nothing is recorded. Reads the first and last segments' indexes only. */
  span(): { fromMs: number; toMs: number } | undefined {
    let from: number | undefined;
    let first = 0;
    for (; first < this.segments.length && from === undefined; first++) from = this.load(first)?.frames.find((f) => f.type !== FrameType.Journal)?.timeMs;
    if (from === undefined) return undefined;
    let to: number | undefined;
    for (let i = this.segments.length - 1; i >= first - 1 && to === undefined; i--) to = lastSampleTime(this.load(i)?.frames ?? []);
    return { fromMs: from, toMs: to ?? from };
  }

  /**
   * Times of every sample from `fromMs` to `toMs`, in order (the console's steps). Reads the
   * indexes of the segments that can hold them: a segment holds the samples from its start
   * to the next one's.
   */
  sampleTimes(fromMs = -Infinity, toMs = Infinity): number[] {
    const out: number[] = [];
    for (const s of this.loadRange(this.segmentAt(fromMs), this.segmentAt(toMs))) for (const f of s.frames) if (f.type !== FrameType.Journal && f.timeMs >= fromMs && f.timeMs <= toMs) out.push(f.timeMs);
    return out;
  }

  /**
   * Where a run of samples to `toMs` starts: the first sample at or after `fromMs` with
   * `before` more ahead of it, walking back from `toMs` through as few segments as that takes.
   */
  private startOf(fromMs: number, toMs: number, before: number): number | undefined {
    let start: number | undefined;
    let need = before;
    for (let i = this.segmentAt(toMs); i >= 0; i--) {
      const frames = this.load(i)?.frames ?? [];
      for (let k = frames.length - 1; k >= 0; k--) {
        const f = frames[k]!;
        if (f.type === FrameType.Journal || f.timeMs > toMs) continue;
        if (f.timeMs < fromMs) {
          if (need === 0) return start;
          need--;
        }
        start = f.timeMs;
      }
    }
    return start;
  }

  /**
   * The samples from `fromMs` to `toMs`, in order, with `before` more samples ahead of
   * `fromMs` (for rates and history). Reading stops at damage, which is added to `damage`.
   */
  samples(fromMs: number, toMs: number, before = 0): StoredSample[] {
    const out: StoredSample[] = [];
    const startMs = this.startOf(fromMs, toMs, before);
    if (startMs === undefined) return out;
    for (const s of this.loadRange(this.segmentAt(startMs), this.segmentAt(toMs))) {
      const frames = s.frames;
      let last = frames.length - 1;
      while (last >= 0 && (frames[last]!.type === FrameType.Journal || frames[last]!.timeMs > toMs)) last--;
      if (last < 0 || frames[last]!.timeMs < startMs) continue;
      let from = frames.findIndex((f) => f.type !== FrameType.Journal && f.timeMs >= startMs);
      // Back to the keyframe the first wanted sample depends on.
      while (from > 0 && frames[from]!.type !== FrameType.Key) from--;
      this.decodeRun(s, from, last, (t) => t >= startMs, (raw, t) => out.push({ raw, timeMs: t }));
    }
    return out;
  }

  /** The sample at `timeMs` or the last one before it, with up to `before` earlier ones; undefined before the first. */
  sampleAt(timeMs: number, before = 0): StoredSample[] {
    const t = this.sampleTimeAt(timeMs);
    return t === undefined ? [] : this.samples(t, t, before);
  }

  /** The time of the sample at `timeMs` or the last one before it, from the indexes only; undefined before the first. */
  sampleTimeAt(timeMs: number): number | undefined {
    for (let i = this.segmentAt(timeMs); i >= 0; i--) {
      const t = lastSampleTime(this.load(i)?.frames ?? [], timeMs);
      if (t !== undefined) return t;
    }
    return undefined;
  }

  /** Journal records (actions, events, decisions) from `fromMs` to `toMs`, in order. */
  journal(fromMs = -Infinity, toMs = Infinity): JournalRecord[] {
    const out: JournalRecord[] = [];
    // A journal frame is written at its newest record's time, which may be older than its segment's start (records copied on a restart): all are read.
    for (const s of this.loadRange()) {
      const frames = s.frames.filter((f) => f.type === FrameType.Journal);
      if (frames.length === 0) continue;
      const fd = fs.openSync(s.file, 'r');
      try {
        for (const f of frames) {
          const buf = readAt(fd, f.offset, f.bytes);
          const payload = framePayload(buf, f, f.offset);
          if (typeof payload === 'string') {
            this.noteDamage(s.file, f.offset, payload);
            continue;
          }
          for (const line of payload.toString('utf8').split('\n')) {
            const r = parseJournalLine(line);
            if (r && r.time >= fromMs && r.time <= toMs) out.push(r);
          }
        }
      } finally {
        fs.closeSync(fd);
      }
    }
    return out.sort((a, b) => a.time - b.time);
  }

  /**
   * Reads every frame and checks its checksum and decoding; what is found is in `damage`.
   * Returns how many frames were good.
   */
  verify(): number {
    let good = 0;
    for (const s of this.loadRange()) {
      const key = s.frames.findIndex((f) => f.type === FrameType.Key);
      if (key >= 0) this.decodeRun(s, key, s.frames.length - 1, () => false, () => undefined, () => good++);
      good += s.frames.filter((f) => f.type === FrameType.Journal).length;
    }
    return good;
  }

  private noteDamage(file: string, offset: number, why: string): void {
    if (this.damage.some((d) => d.file === file && d.offset === offset)) return;
    const d = { file, offset, why };
    this.damage.push(d);
    this.opts.onDamage?.(d);
  }

  /**
   * Decodes sample frames from..to of a segment (from is a keyframe), in one read; stops at
   * damage. Only the samples `wanted` are built and handed to `onSample`; `onFrame` counts
   * each frame decoded.
   */
  private decodeRun(s: Segment, from: number, to: number, wanted: (timeMs: number) => boolean, onSample: (raw: RawSample, timeMs: number) => void, onFrame?: () => void): void {
    const frames = s.frames;
    if (from < 0 || to < from) return;
    const base = frames[from]!.offset;
    let fd: number;
    try {
      fd = fs.openSync(s.file, 'r');
    } catch (e) {
      // Removed by retention since its index was read: nothing of it is left to decode.
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return;
      throw e;
    }
    let buf: Buffer;
    try {
      buf = readAt(fd, base, frames[to]!.offset + frames[to]!.bytes - base);
    } finally {
      fs.closeSync(fd);
    }
    const decoder = new FrameDecoder();
    let keyed = false;
    for (let i = from; i <= to; i++) {
      const f = frames[i]!;
      if (f.type === FrameType.Journal) continue;
      if (f.type === FrameType.Key) keyed = true;
      if (!keyed) continue;
      const payload = framePayload(buf, f, base);
      let raw: RawSample | undefined;
      try {
        if (typeof payload === 'string') throw new LmctfyError(Code.DATA_LOSS, payload);
        const key = f.type === FrameType.Key;
        if (wanted(f.timeMs)) raw = decoder.decode(payload, key, f.timeMs);
        else decoder.apply(payload, key);
      } catch (e) {
        this.noteDamage(s.file, f.offset, (e as Error).message);
        // Deltas until the next keyframe depend on this one.
        keyed = false;
        continue;
      }
      onFrame?.();
      if (raw) onSample(raw, f.timeMs);
    }
  }
}

/** The time of a segment's last sample frame at or before `maxMs`. */
function lastSampleTime(frames: readonly FrameHead[], maxMs = Infinity): number | undefined {
  for (let k = frames.length - 1; k >= 0; k--) if (frames[k]!.type !== FrameType.Journal && frames[k]!.timeMs <= maxMs) return frames[k]!.timeMs;
  return undefined;
}

/** One line per damage found, for stderr: where, and what was left out. */
export function describeDamage(d: Damage): string {
  return `record store damaged: ${d.file} at byte ${d.offset}: ${d.why}; what follows it in that segment up to the next keyframe is left out`;
}

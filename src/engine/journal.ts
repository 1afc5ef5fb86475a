import * as fs from 'node:fs';
import * as path from 'node:path';
import { Code, LmctfyError } from './errors.js';
import { besideLocks, ensurePrivateDir, lockKey } from './lock.js';
import { completeUtf8 } from './run-log.js';

/**
 * The journal of one lmctfy root (docs/JOURNAL.md): an append-only file of NDJSON lines
 * beside the locks and logs, where every lmctfy process of that root writes what changed a
 * container (actions), what the kernel reported (events) and what the policy daemon did
 * (decisions). `lmctfy events` follows it, the console shows it, the recorder copies it into
 * its store. It is a plain file of one JSON object a line, so an operator can read it with
 * `tail` and `jq`, and no process alone understands it.
 */
export const JOURNAL_MAX_BYTES = 4 << 20;

export type JournalKind = 'action' | 'event' | 'decision';

export interface JournalRecord {
  /** Milliseconds since the epoch. */
  time: number;
  kind: JournalKind;
  /** The verb: an action's command (create, update, destroy, ...), an event's type, a decision's act. */
  what: string;
  /** The container's lmctfy name; '/' for the root, '' for the machine as a whole. */
  container: string;
  /** Who asked (actions): the caller's uid and pid. */
  uid?: number;
  pid?: number;
  /** The spec as given, in text format (create, update). */
  spec?: string;
  /** The result as a canonical status code (0 = OK). */
  code?: number;
  /** One line a person reads: why, or what went wrong. */
  reason?: string;
  /** The container's QoS tier, where the record is about one. */
  tier?: string;
  /** Numbers and names that go with the record (pressure, bytes freed, signal, ...). */
  detail?: Record<string, string | number | boolean>;
}

const KINDS: ReadonlySet<string> = new Set<JournalKind>(['action', 'event', 'decision']);

export function journalDir(): string {
  return besideLocks('journal');
}

/** The current journal file of a root (which may not exist yet); `<file>.1` holds the part before the last rotation. */
export function journalPath(scope: string): string {
  return `${journalDir()}/${lockKey(scope, ':journal')}.ndjson`;
}

/** Both files of a root's journal: the current one and the part before the last rotation. */
export function journalFiles(scope: string): [string, string] {
  const file = journalPath(scope);
  return [file, `${file}.1`];
}

/** Removes a root's journal, both files, for a root that is gone; a missing file is no error. */
export function removeJournal(scope: string): void {
  for (const file of journalFiles(scope)) fs.rmSync(file, { force: true });
}

/**
 * A journal line back into a record, or undefined for a line that is not one (cut by a
 * crash, or written by hand): readers skip such lines and count them instead of failing.
 */
export function parseJournalLine(line: string): JournalRecord | undefined {
  let v: unknown;
  try {
    v = JSON.parse(line);
  } catch {
    return undefined;
  }
  if (typeof v !== 'object' || v === null || Array.isArray(v)) return undefined;
  const r = v as Record<string, unknown>;
  if (typeof r.time !== 'number' || !Number.isFinite(r.time)) return undefined;
  if (typeof r.kind !== 'string' || !KINDS.has(r.kind)) return undefined;
  if (typeof r.what !== 'string' || r.what === '' || typeof r.container !== 'string') return undefined;
  for (const k of ['uid', 'pid', 'code'] as const) if (r[k] !== undefined && !Number.isInteger(r[k])) return undefined;
  for (const k of ['spec', 'reason', 'tier'] as const) if (r[k] !== undefined && typeof r[k] !== 'string') return undefined;
  if (r.detail !== undefined && (typeof r.detail !== 'object' || r.detail === null || Array.isArray(r.detail))) return undefined;
  return r as unknown as JournalRecord;
}

/**
 * Appends one record. One write(2) of one whole line on an O_APPEND descriptor: lines of
 * concurrent processes never interleave. At JOURNAL_MAX_BYTES the file is renamed to
 * `.1` (replacing the older part), so a journal never takes more than twice that; only the
 * process that still holds the file it grew renames it, so two appenders cannot rotate twice.
 */
export function appendJournal(scope: string, record: JournalRecord): void {
  const file = journalPath(scope);
  ensurePrivateDir(path.dirname(file), 'journal');
  const line = `${JSON.stringify(record)}\n`;
  let fd: number;
  try {
    fd = fs.openSync(file, fs.constants.O_WRONLY | fs.constants.O_APPEND | fs.constants.O_CREAT, 0o600);
  } catch (e) {
    throw new LmctfyError(Code.PERMISSION_DENIED, `cannot open journal ${file}: ${(e as Error).message}`);
  }
  try {
    fs.writeSync(fd, line);
    const st = fs.fstatSync(fd);
    if (st.size >= JOURNAL_MAX_BYTES) rotate(file, st.ino);
  } catch (e) {
    if (e instanceof LmctfyError) throw e;
    throw new LmctfyError(Code.UNAVAILABLE, `cannot append to journal ${file}: ${(e as Error).message}`);
  } finally {
    fs.closeSync(fd);
  }
}

function rotate(file: string, ino: number): void {
  try {
    if (fs.statSync(file).ino === ino) fs.renameSync(file, `${file}.1`);
  } catch (e) {
    // Another appender rotated first.
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
  }
}

export interface JournalRead {
  records: JournalRecord[];
  /** Lines that were not records (cut or foreign), skipped. */
  skipped: number;
  /** Pass as the next read's offset to follow the journal. */
  next: number;
  /** The journal was rotated since the offset asked: records start from the new file's beginning. */
  reset: boolean;
}

/**
 * Reads records from `offset` of the current file; without an offset, the whole journal
 * (the rotated part first). A journal that does not exist reads as empty. A line not yet
 * finished by its writer is left for the next read.
 */
export function readJournal(scope: string, offset?: number): JournalRead {
  if (offset !== undefined && (!Number.isSafeInteger(offset) || offset < 0)) {
    throw new LmctfyError(Code.INVALID_ARGUMENT, `journal offset ${offset} is not a byte position`);
  }
  const file = journalPath(scope);
  const out: JournalRead = { records: [], skipped: 0, next: 0, reset: false };
  if (offset === undefined) collect(readWhole(`${file}.1`), out);
  const text = completeLines(readFrom(file, offset ?? 0, out));
  collect(text, out);
  out.next += Buffer.byteLength(text);
  return out;
}

/** The text up to its last newline: a line its writer has not finished waits for the next read. */
function completeLines(text: string): string {
  return text.slice(0, text.lastIndexOf('\n') + 1);
}

function collect(text: string, out: JournalRead): void {
  for (const line of text.split('\n')) {
    if (line === '') continue;
    const r = parseJournalLine(line);
    if (r) out.records.push(r);
    else out.skipped++;
  }
}

function readWhole(file: string): string {
  try {
    return fs.readFileSync(file, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return '';
    throw new LmctfyError(Code.PERMISSION_DENIED, `cannot read journal ${file}: ${(e as Error).message}`);
  }
}

/** Text of `file` from `offset` (from 0 with out.reset when the file is now shorter); out.next gets the start. */
function readFrom(file: string, offset: number, out: JournalRead): string {
  let fd: number;
  try {
    fd = fs.openSync(file, fs.constants.O_RDONLY);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw new LmctfyError(Code.PERMISSION_DENIED, `cannot read journal ${file}: ${(e as Error).message}`);
    out.reset = offset > 0;
    return '';
  }
  try {
    const size = fs.fstatSync(fd).size;
    out.reset = offset > size;
    const from = out.reset ? 0 : offset;
    const buf = Buffer.alloc(size - from);
    const n = buf.length ? fs.readSync(fd, buf, 0, buf.length, from) : 0;
    out.next = from;
    return buf.toString('utf8', 0, completeUtf8(buf.subarray(0, n)));
  } finally {
    fs.closeSync(fd);
  }
}

/** Byte length and inode of the current journal file (0 and undefined when there is none yet). */
function currentEnd(file: string): { size: number; ino?: number } {
  try {
    const st = fs.statSync(file);
    return { size: st.size, ino: st.ino };
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return { size: 0 };
    throw new LmctfyError(Code.PERMISSION_DENIED, `cannot read journal ${file}: ${(e as Error).message}`);
  }
}

/**
 * Follows the journal from its current end, calling `onRecords` with each batch appended
 * since. Driven by inotify on the journal's directory (the file may not exist yet, and
 * rotation replaces it), so it costs nothing while nothing is written. When the file was
 * rotated under it, the rest of the rotated part is read first, so no record is missed.
 * Returns a function that stops following. `from` (a read's `next`) starts at that offset
 * of the current file instead, so a reader that has just read the journal misses nothing
 * appended between its read and the start of following.
 */
export function followJournal(scope: string, onRecords: (records: JournalRecord[]) => void, from?: number): () => void {
  const file = journalPath(scope);
  const dir = path.dirname(file);
  ensurePrivateDir(dir, 'journal');
  let { size: next, ino } = currentEnd(file);
  if (from !== undefined) next = from;
  const pump = () => {
    const out: JournalRead = { records: [], skipped: 0, next: 0, reset: false };
    const now = currentEnd(file);
    if (ino !== undefined && now.ino !== ino) {
      if (currentEnd(`${file}.1`).ino === ino) collect(completeLines(readFrom(`${file}.1`, next, out)), out);
      next = 0;
    }
    ino = now.ino;
    const text = completeLines(readFrom(file, next, out));
    collect(text, out);
    next = out.next + Buffer.byteLength(text);
    if (out.records.length) onRecords(out.records);
  };
  const base = path.basename(file);
  let stopped = false;
  const watcher = fs.watch(dir, { persistent: true }, (_event, name) => {
    if (!stopped && (name === null || name === base)) pump();
  });
  // What was appended between the caller's read and the watch comes first, once the caller has the stop function.
  if (from !== undefined) setImmediate(() => stopped || pump());
  return () => {
    stopped = true;
    watcher.close();
  };
}

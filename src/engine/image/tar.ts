/**
 * The tar format as OCI layers and image archives use it (docs/IMAGES.md): ustar headers,
 * pax extended headers for what ustar cannot hold (long names, large numbers, xattrs as
 * SCHILY.xattr.NAME), GNU long names on reading. Node has no tar module; this one is a
 * push parser over chunks (gunzip output, file reads) and a header encoder, so callers
 * stream without holding an archive in memory.
 */
import { Code, LmctfyError } from '../errors.js';

export type EntryType = 'file' | 'link' | 'symlink' | 'char' | 'block' | 'dir' | 'fifo';

export interface TarEntry {
  /** As written in the archive ("./etc/passwd", "bin/", ...): callers normalise. */
  path: string;
  type: EntryType;
  mode: number;
  uid: number;
  gid: number;
  size: number;
  /** Seconds since the epoch (pax may give a fraction). */
  mtime: number;
  /** Target of a symlink, or the archive path a hard link names. */
  linkname: string;
  devmajor: number;
  devminor: number;
  xattrs: Map<string, Buffer>;
}

/** Receives one entry's data; `end` once it is all there. */
export interface EntrySink {
  data(chunk: Buffer): void;
  end(): void;
}

const BLOCK = 512;
const TYPES: Record<string, EntryType> = { '0': 'file', '\0': 'file', '7': 'file', '1': 'link', '2': 'symlink', '3': 'char', '4': 'block', '5': 'dir', '6': 'fifo' };

const corrupt = (what: string, message: string) => new LmctfyError(Code.INVALID_ARGUMENT, `${what} is not a valid tar archive: ${message}`);

function cString(b: Buffer, start: number, len: number): string {
  const end = b.indexOf(0, start);
  return b.toString('utf8', start, end < 0 || end > start + len ? start + len : end);
}

/** A numeric header field: octal text, or base-256 (GNU) when its first byte has the high bit. */
export function parseNumber(b: Buffer, start: number, len: number): number {
  if (b[start]! & 0x80) {
    let v = b[start]! & 0x3f;
    for (let i = start + 1; i < start + len; i++) v = v * 256 + b[i]!;
    return v;
  }
  const text = cString(b, start, len).trim();
  if (text === '') return 0;
  if (!/^[0-7]+$/.test(text)) return NaN;
  return parseInt(text, 8);
}

function checksumOf(header: Buffer): number {
  let sum = 0;
  for (let i = 0; i < BLOCK; i++) sum += i >= 148 && i < 156 ? 32 : header[i]!;
  return sum;
}

/** "LEN KEY=VALUE\n" records of a pax extended header; values are bytes (xattrs may be binary). */
export function parsePax(body: Buffer, what: string): Map<string, Buffer> {
  const out = new Map<string, Buffer>();
  let at = 0;
  while (at < body.length) {
    if (body[at] === 0) break;
    const space = body.indexOf(0x20, at);
    const len = space < 0 ? NaN : Number(body.toString('ascii', at, space));
    if (!Number.isInteger(len) || len <= 0 || at + len > body.length || body[at + len - 1] !== 0x0a) throw corrupt(what, 'a malformed pax extended header');
    const record = body.subarray(space + 1, at + len - 1);
    const eq = record.indexOf(0x3d);
    if (eq < 0) throw corrupt(what, 'a pax record without "="');
    out.set(record.toString('utf8', 0, eq), record.subarray(eq + 1));
    at += len;
  }
  return out;
}

type State = 'header' | 'body' | 'extension' | 'done';

/**
 * Parses a tar stream pushed in chunks of any size. For each entry `onEntry` returns where
 * its data goes (or nothing, to skip it). `end` throws when the stream stopped inside an
 * entry. `finished` says whether the end-of-archive blocks were seen.
 */
export class TarParser {
  private state: State = 'header';
  private pending: Buffer[] = [];
  private pendingLength = 0;
  /** Bytes of the current body still to come, and padding after it. */
  private remaining = 0;
  private padding = 0;
  private sink: EntrySink | undefined;
  private extension: { kind: string; parts: Buffer[] } | undefined;
  private pax = new Map<string, Buffer>();
  private globalPax = new Map<string, Buffer>();
  private longName: string | undefined;
  private longLink: string | undefined;
  private current = '';
  private zeroBlocks = 0;
  finished = false;

  constructor(
    private readonly what: string,
    private readonly onEntry: (entry: TarEntry) => EntrySink | undefined,
  ) {}

  push(chunk: Buffer): void {
    let at = 0;
    while (at < chunk.length && this.state !== 'done') {
      if (this.state === 'header') {
        const need = BLOCK - this.pendingLength;
        const take = Math.min(need, chunk.length - at);
        this.pending.push(chunk.subarray(at, at + take));
        this.pendingLength += take;
        at += take;
        if (this.pendingLength === BLOCK) {
          const header = this.pending.length === 1 ? this.pending[0]! : Buffer.concat(this.pending);
          this.pending = [];
          this.pendingLength = 0;
          this.header(header);
        }
        continue;
      }
      if (this.remaining > 0) {
        const take = Math.min(this.remaining, chunk.length - at);
        const part = chunk.subarray(at, at + take);
        if (this.state === 'extension') this.extension!.parts.push(Buffer.from(part));
        else this.sink?.data(part);
        this.remaining -= take;
        at += take;
        if (this.remaining > 0) continue;
      }
      const skip = Math.min(this.padding, chunk.length - at);
      this.padding -= skip;
      at += skip;
      if (this.padding === 0) this.bodyDone();
    }
  }

  end(): void {
    if (this.state === 'done' || (this.state === 'header' && this.pendingLength === 0 && this.pax.size === 0 && !this.extension)) return;
    throw new LmctfyError(Code.INVALID_ARGUMENT, `${this.what} is truncated${this.current ? ` (it ends inside ${this.current})` : ''}`);
  }

  private header(h: Buffer): void {
    if (h.every((b) => b === 0)) {
      // Two zero blocks end the archive; some writers put only one.
      if (++this.zeroBlocks >= 2) {
        this.state = 'done';
        this.finished = true;
      }
      return;
    }
    if (this.zeroBlocks > 0) {
      this.zeroBlocks = 0;
    }
    const stored = parseNumber(h, 148, 8);
    if (stored !== checksumOf(h)) throw corrupt(this.what, `a header checksum does not match${this.current ? ` (after ${this.current})` : ''}`);
    const flag = String.fromCharCode(h[156]!);
    const size = parseNumber(h, 124, 12);
    if (!Number.isSafeInteger(size) || size < 0) throw corrupt(this.what, 'a header with a bad size');
    this.remaining = size;
    this.padding = (BLOCK - (size % BLOCK)) % BLOCK;
    if (flag === 'x' || flag === 'g' || flag === 'L' || flag === 'K') {
      this.state = 'extension';
      this.extension = { kind: flag, parts: [] };
      if (size === 0) this.bodyDone();
      return;
    }
    const type = TYPES[flag];
    if (!type) throw corrupt(this.what, `entry type "${flag}" (${flag === 'S' ? 'GNU sparse file' : 'unknown'}) is not supported`);
    const magic = h.toString('ascii', 257, 262);
    const prefix = magic === 'ustar' && h[262] === 0 ? cString(h, 345, 155) : '';
    const attr = (key: string) => this.pax.get(key) ?? this.globalPax.get(key);
    const num = (key: string, fallback: number) => {
      const v = attr(key);
      return v === undefined ? fallback : Number(v.toString('utf8'));
    };
    const xattrs = new Map<string, Buffer>();
    for (const m of [this.globalPax, this.pax]) {
      for (const [k, v] of m) {
        if (k.startsWith('SCHILY.xattr.')) xattrs.set(k.slice(13), v);
        else if (k.startsWith('LIBARCHIVE.xattr.')) xattrs.set(decodeURIComponent(k.slice(17)), Buffer.from(v.toString('ascii'), 'base64'));
      }
    }
    const entry: TarEntry = {
      path: attr('path')?.toString('utf8') ?? this.longName ?? (prefix ? `${prefix}/${cString(h, 0, 100)}` : cString(h, 0, 100)),
      type,
      mode: parseNumber(h, 100, 8) & 0o7777,
      uid: num('uid', parseNumber(h, 108, 8)),
      gid: num('gid', parseNumber(h, 116, 8)),
      size: num('size', size),
      mtime: num('mtime', parseNumber(h, 136, 12)),
      linkname: attr('linkpath')?.toString('utf8') ?? this.longLink ?? cString(h, 157, 100),
      devmajor: parseNumber(h, 329, 8) || 0,
      devminor: parseNumber(h, 337, 8) || 0,
      xattrs,
    };
    if (entry.size !== size) {
      this.remaining = entry.size;
      this.padding = (BLOCK - (entry.size % BLOCK)) % BLOCK;
    }
    if (![entry.mode, entry.uid, entry.gid, entry.size, entry.mtime].every(Number.isFinite)) throw corrupt(this.what, `bad numbers in the header of ${entry.path}`);
    // Only regular files carry data; a hard link's size is 0 in every writer we read.
    if (type !== 'file') {
      this.remaining = 0;
      this.padding = 0;
    }
    this.pax = new Map();
    this.longName = undefined;
    this.longLink = undefined;
    this.current = entry.path;
    this.sink = this.onEntry(entry);
    this.state = 'body';
    if (this.remaining === 0 && this.padding === 0) this.bodyDone();
  }

  private bodyDone(): void {
    if (this.state === 'extension') {
      const { kind, parts } = this.extension!;
      const body = Buffer.concat(parts);
      this.extension = undefined;
      if (kind === 'x') this.pax = parsePax(body, this.what);
      else if (kind === 'g') this.globalPax = parsePax(body, this.what);
      else if (kind === 'L') this.longName = cString(body, 0, body.length);
      else this.longLink = cString(body, 0, body.length);
    } else {
      this.sink?.end();
      this.sink = undefined;
    }
    this.state = 'header';
  }
}

function octal(b: Buffer, start: number, len: number, v: number): void {
  b.write(v.toString(8).padStart(len - 1, '0') + '\0', start, len, 'ascii');
}

function paxRecord(key: string, value: Buffer): Buffer {
  const body = Buffer.concat([Buffer.from(` ${key}=`, 'utf8'), value, Buffer.from('\n')]);
  // The length counts its own digits.
  let len = body.length + 1;
  while (String(len).length + body.length !== len) len = String(len).length + body.length;
  return Buffer.concat([Buffer.from(String(len), 'ascii'), body]);
}

const TYPE_FLAGS: Record<EntryType, string> = { file: '0', link: '1', symlink: '2', char: '3', block: '4', dir: '5', fifo: '6' };
const MAX_OCTAL_8 = 0o7777777;
const MAX_OCTAL_12 = 0o77777777777;

function block(name: string, e: Pick<TarEntry, 'type' | 'mode' | 'uid' | 'gid' | 'size' | 'mtime' | 'linkname' | 'devmajor' | 'devminor'>, flag?: string): Buffer {
  const h = Buffer.alloc(BLOCK);
  h.write(name, 0, 100, 'utf8');
  octal(h, 100, 8, e.mode & 0o7777);
  octal(h, 108, 8, Math.min(e.uid, MAX_OCTAL_8));
  octal(h, 116, 8, Math.min(e.gid, MAX_OCTAL_8));
  octal(h, 124, 12, Math.min(e.size, MAX_OCTAL_12));
  octal(h, 136, 12, Math.min(Math.floor(e.mtime), MAX_OCTAL_12));
  h.write(flag ?? TYPE_FLAGS[e.type], 156, 1, 'ascii');
  h.write(e.linkname, 157, 100, 'utf8');
  h.write('ustar\x0000', 257, 8, 'ascii');
  octal(h, 329, 8, e.devmajor);
  octal(h, 337, 8, e.devminor);
  h.write(checksumOf(h).toString(8).padStart(6, '0') + '\0 ', 148, 8, 'ascii');
  return h;
}

/**
 * The header block(s) of one entry: a ustar header, preceded by a pax extended header
 * when a name or link target is longer than ustar holds, a number is too large, or there
 * are xattrs (SCHILY.xattr.NAME, as GNU tar and Go's archive/tar write them). Its data
 * follows, padded with `padding(size)`.
 */
export function encodeHeader(e: TarEntry): Buffer {
  const records: Buffer[] = [];
  const name = Buffer.byteLength(e.path) <= 100 ? e.path : undefined;
  if (name === undefined) records.push(paxRecord('path', Buffer.from(e.path)));
  if (Buffer.byteLength(e.linkname) > 100) records.push(paxRecord('linkpath', Buffer.from(e.linkname)));
  if (e.uid > MAX_OCTAL_8) records.push(paxRecord('uid', Buffer.from(String(e.uid))));
  if (e.gid > MAX_OCTAL_8) records.push(paxRecord('gid', Buffer.from(String(e.gid))));
  if (e.size > MAX_OCTAL_12) records.push(paxRecord('size', Buffer.from(String(e.size))));
  for (const [k, v] of [...e.xattrs].sort(([a], [b]) => (a < b ? -1 : 1))) records.push(paxRecord(`SCHILY.xattr.${k}`, v));
  const main = block(name ?? truncateUtf8(e.path, 100), e);
  if (records.length === 0) return main;
  const body = Buffer.concat(records);
  const paxHeader = block(truncateUtf8(`PaxHeaders/${e.path.split('/').filter(Boolean).pop() ?? ''}`, 100), { ...e, type: 'file', size: body.length, linkname: '', devmajor: 0, devminor: 0 }, 'x');
  return Buffer.concat([paxHeader, body, Buffer.alloc(padding(body.length)), main]);
}

function truncateUtf8(s: string, bytes: number): string {
  const b = Buffer.from(s);
  return b.length <= bytes ? s : b.subarray(0, bytes).toString('utf8').replace(/\uFFFD+$/, '');
}

export function padding(size: number): number {
  return (BLOCK - (size % BLOCK)) % BLOCK;
}

/** The two zero blocks that end an archive. */
export const END_OF_ARCHIVE = Buffer.alloc(2 * BLOCK);

/**
 * A directory as a layer tar (docs/IMAGES.md): an overlay upper dir (its whiteouts, character
 * devices 0/0, and opaque xattrs become OCI `.wh.` entries; overlayfs's own xattrs stay
 * behind), or a plain root file system. Streamed, hashed (diff_id) and gzip-compressed
 * (the blob and its digest) without holding it in memory.
 */
import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Readable, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import * as zlib from 'node:zlib';
import { Code, LmctfyError } from '../errors.js';
import { listXattrs } from './fsattr.js';
import { encodeHeader, END_OF_ARCHIVE, padding, type TarEntry } from './tar.js';
import { isOpaque, layerXattrs, opaqueFor, whiteoutFor, WHITEOUT_PREFIX } from './whiteout.js';

export const CHUNK = 1 << 20;

function entryOf(rel: string, st: fs.Stats, extra: Partial<TarEntry> = {}): TarEntry {
  return {
    path: rel,
    type: 'file',
    mode: st.mode & 0o7777,
    uid: st.uid,
    gid: st.gid,
    size: 0,
    mtime: Math.floor(st.mtimeMs / 1000),
    linkname: '',
    devmajor: 0,
    devminor: 0,
    xattrs: new Map(),
    ...extra,
  };
}

/** Every path below `dir`, parents before children, in a stable (sorted) order. */
function walk(dir: string, rel = ''): string[] {
  const out: string[] = [];
  for (const name of fs.readdirSync(path.join(dir, rel)).sort()) {
    const r = rel ? `${rel}/${name}` : name;
    out.push(r);
    if (fs.lstatSync(path.join(dir, r)).isDirectory()) out.push(...walk(dir, r));
  }
  return out;
}

/**
 * The upper dir as a layer tar, as chunks. A file that changes while it is read is cut or
 * padded to the size its header gave (pause the container first for a consistent layer).
 */
async function* dirLayer(upper: string, what: string): AsyncGenerator<Buffer> {
  const rels = walk(upper);
  const stats = new Map(rels.map((r) => [r, fs.lstatSync(path.join(upper, r))]));
  const attrs = listXattrs(
    rels.filter((r) => !isWhiteout(stats.get(r)!)).map((r) => path.join(upper, r)),
    `reading the xattrs of ${what}`,
  );
  const links = new Map<string, string>();
  for (const rel of rels) {
    const st = stats.get(rel)!;
    const abs = path.join(upper, rel);
    if (path.posix.basename(rel).startsWith(WHITEOUT_PREFIX)) {
      throw new LmctfyError(Code.FAILED_PRECONDITION, `${what}: /${rel} starts with ${WHITEOUT_PREFIX}, which an OCI layer reserves for deletions; rename it before exporting`);
    }
    if (isWhiteout(st)) {
      yield encodeHeader(entryOf(whiteoutFor(rel), st, { mode: 0, uid: 0, gid: 0 }));
      continue;
    }
    const xattrs = attrs.get(abs);
    const keep = layerXattrs(xattrs);
    if (st.isDirectory()) {
      yield encodeHeader(entryOf(`${rel}/`, st, { type: 'dir', xattrs: keep }));
      if (isOpaque(xattrs)) yield encodeHeader(entryOf(opaqueFor(rel), st, { mode: 0, uid: 0, gid: 0 }));
    } else if (st.isSymbolicLink()) {
      yield encodeHeader(entryOf(rel, st, { type: 'symlink', linkname: fs.readlinkSync(abs), xattrs: keep }));
    } else if (st.isFile()) {
      const key = `${st.dev}:${st.ino}`;
      const first = st.nlink > 1 ? links.get(key) : undefined;
      if (first !== undefined) {
        yield encodeHeader(entryOf(rel, st, { type: 'link', linkname: first, xattrs: keep }));
        continue;
      }
      if (st.nlink > 1) links.set(key, rel);
      yield encodeHeader(entryOf(rel, st, { size: st.size, xattrs: keep }));
      yield* fileChunks(abs, st.size);
      yield Buffer.alloc(padding(st.size));
    } else {
      const type = st.isCharacterDevice() ? 'char' : st.isBlockDevice() ? 'block' : st.isFIFO() ? 'fifo' : undefined;
      if (type === undefined) continue; // sockets have no tar form
      yield encodeHeader(entryOf(rel, st, { type, devmajor: Math.floor(st.rdev / 256) & 0xfff, devminor: (st.rdev & 0xff) | ((st.rdev >> 12) & 0xfff00), xattrs: keep }));
    }
  }
  yield END_OF_ARCHIVE;
}

function isWhiteout(st: fs.Stats): boolean {
  return st.isCharacterDevice() && st.rdev === 0;
}

/** Exactly `size` bytes of a file: cut when it grew, zero-padded when it shrank. */
export function* fileChunks(file: string, size: number): Generator<Buffer> {
  const fd = fs.openSync(file, 'r');
  try {
    for (let at = 0; at < size; ) {
      const b = Buffer.allocUnsafe(Math.min(CHUNK, size - at));
      const n = fs.readSync(fd, b, 0, b.length, at);
      if (n === 0) {
        yield Buffer.alloc(size - at);
        return;
      }
      yield n === b.length ? b : b.subarray(0, n);
      at += n;
    }
  } finally {
    fs.closeSync(fd);
  }
}

export function hashing(hash: crypto.Hash, counter?: { bytes: number }): Transform {
  return new Transform({
    transform(chunk: Buffer, _enc, done) {
      hash.update(chunk);
      if (counter) counter.bytes += chunk.length;
      done(null, chunk);
    },
  });
}

/** A packed layer: its uncompressed tar (diff_id) and its gzip-compressed blob (digest, size). */
export interface PackedLayer {
  tar: string;
  diffId: string;
  gz: string;
  digest: string;
  size: number;
}

/** Packs `dir` into `scratch` (layer.tar and layer.tar.gz). `what` names it in errors. */
export async function packDir(dir: string, scratch: string, what: string): Promise<PackedLayer> {
  const tar = path.join(scratch, 'layer.tar');
  const gz = path.join(scratch, 'layer.tar.gz');
  const diff = crypto.createHash('sha256');
  await pipeline(Readable.from(dirLayer(dir, what)), hashing(diff), fs.createWriteStream(tar));
  const digest = crypto.createHash('sha256');
  const size = { bytes: 0 };
  await pipeline(fs.createReadStream(tar, { highWaterMark: CHUNK }), zlib.createGzip(), hashing(digest, size), fs.createWriteStream(gz));
  return { tar, diffId: `sha256:${diff.digest('hex')}`, gz, digest: `sha256:${digest.digest('hex')}`, size: size.bytes };
}

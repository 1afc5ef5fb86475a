/**
 * Unpacking one layer tar into a directory of the layer cache, ready to be an overlay lower
 * dir (docs/IMAGES.md): OCI whiteouts become overlay whiteouts (`.wh.NAME` → a character
 * device 0/0 named NAME, `.wh..wh..opq` → trusted.overlay.opaque=y on its directory, and
 * user.overlay.opaque=y for overlays mounted in a user namespace), and
 * owners, modes, times, device nodes and xattrs are kept. The uncompressed stream's sha256
 * must be the config's diff_id.
 */
import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as zlib from 'node:zlib';
import { Code, LmctfyError } from '../errors.js';
import { FsOps, S_IFBLK, S_IFCHR, S_IFIFO } from './fsattr.js';
import { TarParser, type EntrySink, type TarEntry } from './tar.js';
import { layerPath, layerXattrs, OPAQUE_XATTRS } from './whiteout.js';

interface DirMeta {
  abs: string;
  mode: number;
  mtime: number;
}

/** Writes a layer's entries below `dest`, never through a symlink the layer made. */
class LayerWriter {
  /** Relative directories known to be real directories (not symlinks) in dest. */
  private readonly dirs = new Set<string>(['']);
  private readonly dirMeta: DirMeta[] = [];
  private readonly ops = new FsOps();

  constructor(
    private readonly dest: string,
    private readonly what: string,
  ) {}

  private fail(message: string): never {
    throw new LmctfyError(Code.INVALID_ARGUMENT, `${this.what}: ${message}`);
  }

  /** Makes sure `rel` is a real directory in dest, making it (and its parents) when missing. */
  private ensureDir(rel: string): void {
    if (this.dirs.has(rel)) return;
    this.ensureDir(parentOf(rel));
    const abs = path.join(this.dest, rel);
    const st = fs.lstatSync(abs, { throwIfNoEntry: false });
    if (!st) fs.mkdirSync(abs, { mode: 0o755 });
    else if (!st.isDirectory()) this.fail(`${rel} is ${st.isSymbolicLink() ? 'a symlink' : 'not a directory'} and an entry is written below it`);
    this.dirs.add(rel);
  }

  /** Clears the way for a new entry at rel; true when a directory already there is kept. */
  private clear(rel: string, keepDir: boolean): boolean {
    const abs = path.join(this.dest, rel);
    if (this.ops.paths.has(abs)) this.ops.flush(this.what);
    const st = fs.lstatSync(abs, { throwIfNoEntry: false });
    if (!st) return false;
    if (st.isDirectory()) {
      if (keepDir) return true;
      for (const d of this.dirs) if (d === rel || d.startsWith(`${rel}/`)) this.dirs.delete(d);
      fs.rmSync(abs, { recursive: true, force: true });
    } else {
      fs.unlinkSync(abs);
    }
    return false;
  }

  entry(e: TarEntry): EntrySink | undefined {
    const p = layerPath(e.path, this.what);
    if (p.kind === 'root') {
      if (e.type === 'dir') this.dirMeta.push({ abs: this.dest, mode: e.mode, mtime: e.mtime });
      return undefined;
    }
    if (p.kind === 'opaque') {
      this.ensureDir(p.dir);
      for (const name of OPAQUE_XATTRS) this.ops.setXattr(path.join(this.dest, p.dir), name, Buffer.from('y'));
      return undefined;
    }
    const rel = p.path;
    const abs = path.join(this.dest, rel);
    this.ensureDir(parentOf(rel));
    if (p.kind === 'whiteout') {
      this.clear(rel, false);
      this.ops.mknod(abs, S_IFCHR, 0, 0, 0, 0);
      return undefined;
    }
    const kept = this.clear(rel, e.type === 'dir');
    const xattrs = layerXattrs(e.xattrs);
    let sink: EntrySink | undefined;
    switch (e.type) {
      case 'dir':
        if (!kept) fs.mkdirSync(abs, { mode: 0o700 });
        this.dirs.add(rel);
        fs.lchownSync(abs, e.uid, e.gid);
        this.dirMeta.push({ abs, mode: e.mode, mtime: e.mtime });
        break;
      case 'file':
        sink = this.file(abs, e);
        break;
      case 'link': {
        const target = layerPath(e.linkname, this.what);
        if (target.kind !== 'path') this.fail(`hard link ${rel} points at "${e.linkname}", which is not a file in the layer`);
        this.ensureDir(parentOf(target.path));
        const targetAbs = path.join(this.dest, target.path);
        if (this.ops.paths.has(targetAbs)) this.ops.flush(this.what);
        try {
          fs.linkSync(targetAbs, abs);
        } catch (err) {
          this.fail(`hard link ${rel} → ${e.linkname}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
        }
        break;
      }
      case 'symlink':
        fs.symlinkSync(e.linkname, abs);
        fs.lchownSync(abs, e.uid, e.gid);
        fs.lutimesSync(abs, e.mtime, e.mtime);
        break;
      case 'char':
      case 'block':
      case 'fifo': {
        const type = e.type === 'char' ? S_IFCHR : e.type === 'block' ? S_IFBLK : S_IFIFO;
        this.ops.mknod(abs, type | e.mode, e.devmajor, e.devminor, e.uid, e.gid);
        break;
      }
    }
    for (const [k, v] of xattrs) this.ops.setXattr(abs, k, v);
    return sink;
  }

  private file(abs: string, e: TarEntry): EntrySink {
    const fd = fs.openSync(abs, 'wx', 0o600);
    return {
      data: (chunk) => {
        fs.writeSync(fd, chunk);
      },
      end: () => {
        try {
          // Owner first: chown clears setuid and setgid bits, which the mode then sets.
          fs.fchownSync(fd, e.uid, e.gid);
          fs.fchmodSync(fd, e.mode);
          fs.futimesSync(fd, e.mtime, e.mtime);
        } finally {
          fs.closeSync(fd);
        }
      },
    };
  }

  /** Device nodes and xattrs, then directory modes and times (writing into them changed their times). */
  finish(): void {
    this.ops.flush(this.what);
    for (const d of this.dirMeta.reverse()) {
      fs.chmodSync(d.abs, d.mode);
      fs.utimesSync(d.abs, d.mtime, d.mtime);
    }
  }
}

function parentOf(rel: string): string {
  const i = rel.lastIndexOf('/');
  return i < 0 ? '' : rel.slice(0, i);
}

/** Whether a file starts with gzip's magic bytes (media types are not trusted for this). */
export function isGzip(file: string): boolean {
  const fd = fs.openSync(file, 'r');
  try {
    const b = Buffer.alloc(2);
    return fs.readSync(fd, b, 0, 2, 0) === 2 && b[0] === 0x1f && b[1] === 0x8b;
  } finally {
    fs.closeSync(fd);
  }
}

/**
 * Unpacks the layer blob `blob` (gzip or plain tar) into `dest` (a new, empty directory),
 * checking that the uncompressed tar's sha256 is `diffId`. Throws INVALID_ARGUMENT naming
 * `what` for a corrupt, truncated or mismatching layer; the caller removes dest then.
 */
export async function unpackLayer(blob: string, diffId: string, dest: string, what: string): Promise<void> {
  const hash = crypto.createHash('sha256');
  const writer = new LayerWriter(dest, what);
  const parser = new TarParser(what, (e) => writer.entry(e));
  const input = fs.createReadStream(blob, { highWaterMark: 1 << 20 });
  const stream = isGzip(blob) ? input.pipe(zlib.createGunzip({ chunkSize: 1 << 17 })) : input;
  try {
    for await (const chunk of stream as AsyncIterable<Buffer>) {
      hash.update(chunk);
      parser.push(chunk);
    }
  } catch (e) {
    input.destroy();
    if (e instanceof LmctfyError) throw e;
    throw new LmctfyError(Code.INVALID_ARGUMENT, `${what} is corrupt: ${(e as Error).message}`);
  }
  parser.end();
  writer.finish();
  const got = `sha256:${hash.digest('hex')}`;
  if (got !== diffId) throw new LmctfyError(Code.INVALID_ARGUMENT, `${what} unpacks to ${got}, not its diff_id ${diffId} (corrupt image)`);
}

/**
 * mknod and extended attributes through the native helper build/lmctfy-fsattr
 * (native/fsattr-helper.c): Node has neither. Calls are batched, one process per batch.
 */
import { spawnSync } from 'node:child_process';
import { Code, LmctfyError } from '../errors.js';
import { nativeHelper } from '../native-helpers.js';

function run(fields: string[], what: string): Buffer {
  const r = spawnSync(nativeHelper('lmctfy-fsattr', 'image helper'), [], { input: fields.map((f) => `${f}\0`).join(''), maxBuffer: 1 << 30 });
  if (r.error || r.status !== 0) {
    const why = r.error?.message ?? (r.stderr.toString().trim() || `exit ${r.status}`);
    throw new LmctfyError(Code.INTERNAL, `${what}: ${why}`);
  }
  return r.stdout;
}

/** Device nodes, fifos and whiteouts (character devices 0/0) and xattrs to make, in order. */
export class FsOps {
  private fields: string[] = [];
  readonly paths = new Set<string>();

  /** `mode` holds the file type bits (S_IFCHR, S_IFBLK, S_IFIFO) and the permissions. */
  mknod(file: string, mode: number, major: number, minor: number, uid: number, gid: number): void {
    this.fields.push('n', file, mode.toString(8), String(major), String(minor), String(uid), String(gid));
    this.paths.add(file);
  }

  setXattr(file: string, name: string, value: Buffer): void {
    this.fields.push('x', file, name, value.toString('hex'));
    this.paths.add(file);
  }

  get size(): number {
    return this.fields.length;
  }

  flush(what: string): void {
    if (this.fields.length === 0) return;
    run(this.fields, what);
    this.fields = [];
    this.paths.clear();
  }
}

export const S_IFCHR = 0o020000;
export const S_IFBLK = 0o060000;
export const S_IFIFO = 0o010000;

/** Every xattr of each file (not following symlinks); files without any are absent. */
export function listXattrs(files: string[], what: string): Map<string, Map<string, Buffer>> {
  const out = new Map<string, Map<string, Buffer>>();
  if (files.length === 0) return out;
  const fields = run(files.flatMap((f) => ['l', f]), what).toString('latin1').split('\0');
  for (let i = 0; i + 2 < fields.length; i += 3) {
    const file = Buffer.from(fields[i]!, 'latin1').toString('utf8');
    let attrs = out.get(file);
    if (!attrs) out.set(file, (attrs = new Map()));
    attrs.set(Buffer.from(fields[i + 1]!, 'latin1').toString('utf8'), Buffer.from(fields[i + 2]!, 'hex'));
  }
  return out;
}

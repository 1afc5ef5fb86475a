/**
 * OCI whiteouts and overlayfs's, the two ways a layer says "deleted below" (docs/IMAGES.md):
 * in a layer tar `.wh.NAME` deletes NAME and `.wh..wh..opq` hides everything a directory
 * held below; in an overlay upper or lower dir a character device 0/0 deletes and the
 * xattr trusted.overlay.opaque=y (user.overlay.opaque in a user namespace) hides.
 */
import * as path from 'node:path';
import { Code, LmctfyError } from '../errors.js';

export const WHITEOUT_PREFIX = '.wh.';
export const OPAQUE_MARKER = '.wh..wh..opq';
/** overlayfs reads the first, or the second when mounted with userxattr (in a user namespace). */
export const OPAQUE_XATTRS = ['trusted.overlay.opaque', 'user.overlay.opaque'];

/** What a layer entry's path means: an ordinary path, a deletion, or an opaque directory. */
export type LayerPath = { kind: 'path'; path: string } | { kind: 'whiteout'; path: string } | { kind: 'opaque'; dir: string } | { kind: 'root' };

/**
 * A layer entry's path made relative and checked ("./etc/x" → "etc/x"); "..", which could
 * write outside the layer, is refused. Whiteout names are recognised here.
 */
export function layerPath(raw: string, what: string): LayerPath {
  const parts = raw.split('/').filter((p) => p !== '' && p !== '.');
  if (parts.includes('..')) throw new LmctfyError(Code.INVALID_ARGUMENT, `${what} has an entry "${raw}" with "..", which would write outside the layer`);
  if (parts.length === 0) return { kind: 'root' };
  const base = parts[parts.length - 1]!;
  const dir = parts.slice(0, -1).join('/');
  if (base === OPAQUE_MARKER) return { kind: 'opaque', dir };
  if (base.startsWith(WHITEOUT_PREFIX)) {
    const name = base.slice(WHITEOUT_PREFIX.length);
    if (name === '' || name === '.' || name === '..') throw new LmctfyError(Code.INVALID_ARGUMENT, `${what} has a whiteout "${raw}" that names nothing`);
    return { kind: 'whiteout', path: dir ? `${dir}/${name}` : name };
  }
  return { kind: 'path', path: parts.join('/') };
}

/** Whether a directory's xattrs mark it opaque in an overlay upper dir. */
export function isOpaque(xattrs: Map<string, Buffer> | undefined): boolean {
  return OPAQUE_XATTRS.some((k) => xattrs?.get(k)?.toString() === 'y');
}

/**
 * The xattrs of an upper-dir file that belong in a layer: overlayfs's own bookkeeping
 * (trusted.overlay.*, user.overlay.*: origin, impure, opaque...) stays behind.
 */
export function layerXattrs(xattrs: Map<string, Buffer> | undefined): Map<string, Buffer> {
  const out = new Map<string, Buffer>();
  for (const [k, v] of xattrs ?? []) if (!k.startsWith('trusted.overlay.') && !k.startsWith('user.overlay.')) out.set(k, v);
  return out;
}

/** The tar path of the whiteout for a deleted upper-dir entry `rel` ("bin/vi" → "bin/.wh.vi"). */
export function whiteoutFor(rel: string): string {
  const dir = path.posix.dirname(rel);
  const name = `${WHITEOUT_PREFIX}${path.posix.basename(rel)}`;
  return dir === '.' ? name : `${dir}/${name}`;
}

/** The tar path of the opaque marker of directory `rel`. */
export function opaqueFor(rel: string): string {
  return `${rel}/${OPAQUE_MARKER}`;
}

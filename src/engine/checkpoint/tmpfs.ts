/**
 * A virtual host's tmpfs mounts (its /dev, /dev/shm, the masks' empty one) are kept out of
 * criu's images (docs/CHECKPOINT.md, "tmpfs mounts"): criu packs each superblock one after the
 * other with tar, sh and gzip, about half of a 64 MiB virtual host's dump after its probe, and
 * unpacks them so again at restore. lmctfy marks them external (`--external mnt[MOUNTPOINT]:KEY`),
 * the vhost helper's `archive` packs their content beside the upper dir's at post-dump, while the
 * processes are still stopped, and restore's wrap mounts them again and unpacks them before criu
 * binds them in (native/criu-tmpfs.h).
 */
import type { MountEntry } from '../kernel/mountinfo.js';

export interface SavedTmpfs {
  /** criu's name for the external mount. */
  key: string;
  /** Where it is mounted in the virtual host. */
  mountPoint: string;
  /** The mount's source ("tmpfs", "shm") and its superblock's options without rw/ro ("size=65536k,mode=755"). */
  source: string;
  options: string;
  /** The superblock is read-only (the masks' tmpfs). */
  readOnly: boolean;
  /** The file in the checkpoint dir holding its content; absent: it was empty. */
  archive?: string;
}

/** What a mount point, source or options may hold to go on criu's and place's command lines as they are. */
const PLAIN_PATH = /^\/[A-Za-z0-9_.@+/-]*$/;
const PLAIN_WORD = /^[A-Za-z0-9_.@+-]+$/;
const PLAIN_OPTIONS = /^[A-Za-z0-9_.@+=:%,-]*$/;
const KEY = /^lmctfy-tmpfs-\d+$/;
const ARCHIVE = /^tmpfs-\d+\.tar$/;

/**
 * The tmpfs mounts of a virtual host's mount table (its PID 1's mountinfo) that lmctfy saves
 * itself: for each tmpfs superblock the host does not have mounted (`hostMounts`: a bind of
 * one of the host's, such as a `filesystem.mounts` entry, is the host's and is bound again at
 * restore, by criu), its first mount when that one shows the whole of it (its root), is
 * private, is not mounted over, and has names that need no quoting. Its other mounts (the
 * masks' binds) are binds of it to criu. Anything else stays criu's, as before.
 */
export function externalTmpfs(mounts: readonly MountEntry[], hostMounts: readonly MountEntry[]): SavedTmpfs[] {
  const out: SavedTmpfs[] = [];
  const seen = new Set<string>(hostMounts.map((m) => m.device));
  for (const m of mounts) {
    if (m.fsType !== 'tmpfs' || seen.has(m.device)) continue;
    seen.add(m.device);
    const options = m.superOptions.filter((o) => o !== 'rw' && o !== 'ro').join(',');
    const overmounted = mounts.some((o) => o !== m && o.mountPoint === m.mountPoint);
    if (m.root !== '/' || m.optional.length > 0 || overmounted || !PLAIN_PATH.test(m.mountPoint) || !PLAIN_WORD.test(m.source) || !PLAIN_OPTIONS.test(options)) continue;
    out.push({ key: `lmctfy-tmpfs-${out.length}`, mountPoint: m.mountPoint, source: m.source, options, readOnly: m.superOptions.includes('ro') });
  }
  return out;
}

/** The archive file of the i-th saved tmpfs, in the checkpoint dir. */
export const tmpfsArchive = (i: number) => `tmpfs-${i}.tar`;

/** The `vhost.tmpfs` of a manifest, checked: the list, or a line saying what is wrong. */
export function parseSavedTmpfs(raw: unknown): SavedTmpfs[] | string {
  if (!Array.isArray(raw)) return 'vhost.tmpfs is not a list';
  const out: SavedTmpfs[] = [];
  for (const [i, e] of raw.entries()) {
    const t = e as Partial<Record<keyof SavedTmpfs, unknown>> | null;
    if (typeof t !== 'object' || t === null) return `vhost.tmpfs[${i}] is not an object`;
    if (typeof t.key !== 'string' || !KEY.test(t.key)) return `vhost.tmpfs[${i}].key is not lmctfy-tmpfs-N`;
    if (typeof t.mountPoint !== 'string' || !PLAIN_PATH.test(t.mountPoint)) return `vhost.tmpfs[${i}].mountPoint is not a plain absolute path`;
    if (typeof t.source !== 'string' || !PLAIN_WORD.test(t.source)) return `vhost.tmpfs[${i}].source is not a plain word`;
    if (typeof t.options !== 'string' || !PLAIN_OPTIONS.test(t.options)) return `vhost.tmpfs[${i}].options are not mount options`;
    if (typeof t.readOnly !== 'boolean') return `vhost.tmpfs[${i}].readOnly is not true or false`;
    if (t.archive !== undefined && (typeof t.archive !== 'string' || !ARCHIVE.test(t.archive))) return `vhost.tmpfs[${i}].archive is not tmpfs-N.tar`;
    out.push({ key: t.key, mountPoint: t.mountPoint, source: t.source, options: t.options, readOnly: t.readOnly, ...(t.archive !== undefined ? { archive: t.archive as string } : {}) });
  }
  if (new Set(out.map((t) => t.key)).size !== out.length) return 'vhost.tmpfs names one key twice';
  return out;
}

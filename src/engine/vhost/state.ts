import * as fs from 'node:fs';
import * as path from 'node:path';
import { Code, LmctfyError } from '../errors.js';
import { besideLocks, ensurePrivateDir, lockKey } from '../lock.js';
import type { FilesystemSpec, VirtualHostSpec } from '../../messages/types.js';

/**
 * A virtual host's state on the host, beside the locks and run logs (docs/LOCKING.md,
 * src/engine/run-log.ts): `/run/lmctfy/vhosts/<key>` for root, `$TMPDIR/lmctfy-<uid>/vhosts/<key>`
 * otherwise, keyed like the container's lock. It holds `spec.json` (what was asked, read
 * back by `lmctfy spec`), `init.pid` (PID 1 on the host) and, with a rootfs, the overlay's
 * `upper/` (everything written inside), `work/` and `merged/` (the mount point, mounted
 * only inside the virtual host's own mount namespace); after a restore, `tmpfs/N`, where
 * criu's wrap mounted its saved tmpfs mounts in its own mount namespace (docs/CHECKPOINT.md).
 * Its paths are joined as strings, as lock.ts's are (clean by construction).
 */
export function vhostsDir(): string {
  return besideLocks('vhosts');
}

export function stateDir(scope: string, name: string): string {
  return `${vhostsDir()}/${lockKey(scope, name)}`;
}

function specFile(scope: string, name: string): string {
  return `${stateDir(scope, name)}/spec.json`;
}

export interface SavedVirtualHost {
  virtual_host: VirtualHostSpec;
  filesystem?: FilesystemSpec;
  /** The namespaces made, as the helper's letters (plan.ts) and U for a user namespace, for the console. */
  namespaces?: string;
}

/** Whether `name` is a virtual host (its state exists). */
export function isVirtualHost(scope: string, name: string): boolean {
  return fs.existsSync(specFile(scope, name));
}

export function readSaved(scope: string, name: string): SavedVirtualHost | undefined {
  try {
    return JSON.parse(fs.readFileSync(specFile(scope, name), 'utf8')) as SavedVirtualHost;
  } catch {
    return undefined;
  }
}

/**
 * A fresh state dir (0700) with the overlay's dirs; a leftover of an earlier container of the
 * same name is removed first. With `owner` (a user namespace's root), the overlay's dirs are
 * the owner's: its helper mounts them as the owner. The vhosts dir and the one above it (the
 * locks' parent) are then searchable (o+x), so the owner can reach its own dir and list none.
 */
export function makeStateDir(scope: string, name: string, saved: SavedVirtualHost, owner?: { uid: number; gid: number }): string {
  const dir = stateDir(scope, name);
  ensurePrivateDir(vhostsDir(), 'virtual host state');
  try {
    if (owner) {
      // Searchable, never listable nor writable: the owner reaches its own state dir only.
      const top = path.dirname(vhostsDir());
      fs.chmodSync(top, (fs.statSync(top).mode & 0o777) | 0o111);
      fs.chmodSync(vhostsDir(), 0o711);
    }
    fs.rmSync(dir, { recursive: true, force: true });
    fs.mkdirSync(dir, { mode: 0o700 });
    for (const d of ['upper', 'work', 'merged']) fs.mkdirSync(path.join(dir, d), { mode: 0o755 });
    if (owner) for (const d of ['', 'upper', 'work', 'merged']) fs.chownSync(path.join(dir, d), owner.uid, owner.gid);
    fs.writeFileSync(path.join(dir, 'spec.json'), JSON.stringify(saved));
  } catch (e) {
    removeStateDir(scope, name);
    throw new LmctfyError(Code.PERMISSION_DENIED, `cannot make the virtual host's state directory ${dir}: ${(e as Error).message}`);
  }
  return dir;
}

export function writeInitPid(scope: string, name: string, pid: number): void {
  fs.writeFileSync(path.join(stateDir(scope, name), 'init.pid'), `${pid}\n`);
}

export function readInitPid(scope: string, name: string): number | undefined {
  try {
    const n = Number(fs.readFileSync(path.join(stateDir(scope, name), 'init.pid'), 'utf8').trim());
    return Number.isInteger(n) && n > 0 ? n : undefined;
  } catch {
    return undefined;
  }
}

/** Removes the state (the overlay's upper dir with it); missing is fine. */
export function removeStateDir(scope: string, name: string): void {
  fs.rmSync(stateDir(scope, name), { recursive: true, force: true });
}

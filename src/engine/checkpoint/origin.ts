/**
 * Where a restored container came from, kept beside the locks (`/run/lmctfy/origins/<key>`
 * for root), keyed like the container's lock and tied to its tracking dir's inode: a later
 * container of the same name (a different cgroup) never shows a stale origin.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { ensurePrivateDir, lockDir, lockKey } from '../lock.js';

export interface Origin {
  /** The checkpoint directory it was restored from. */
  dir: string;
  /** Its name, root and machine when checkpointed, and when. */
  name: string;
  root: string;
  host: string;
  created: string;
}

function originsDir(): string {
  return path.join(path.dirname(lockDir()), 'origins');
}

function originFile(scope: string, name: string): string {
  return path.join(originsDir(), `${lockKey(scope, name)}.json`);
}

export function writeOrigin(scope: string, name: string, inode: number, origin: Origin): void {
  ensurePrivateDir(originsDir(), 'restored containers\' origins');
  fs.writeFileSync(originFile(scope, name), JSON.stringify({ ...origin, inode }));
}

/** The origin of `name` if it was restored and is still that same container (`inode`). */
export function readOrigin(scope: string, name: string, inode: number | undefined): Origin | undefined {
  if (inode === undefined) return undefined;
  try {
    const o = JSON.parse(fs.readFileSync(originFile(scope, name), 'utf8')) as Origin & { inode: number };
    if (o.inode !== inode) return undefined;
    return { dir: o.dir, name: o.name, root: o.root, host: o.host, created: o.created };
  } catch {
    return undefined;
  }
}

export function removeOrigin(scope: string, name: string): void {
  fs.rmSync(originFile(scope, name), { force: true });
}

/** One line for people: `restored from DIR (NAME on HOST, checkpointed TIME)`. */
export function describeOrigin(o: Origin): string {
  return `restored from ${o.dir} (${o.name}${o.root === '/' ? '' : ` under root ${o.root}`} on ${o.host}, checkpointed ${o.created})`;
}

import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { writeFileAtomically } from '../engine/atomic-file.js';
import { journalPath } from '../engine/journal.js';
import { lockKey } from '../engine/lock.js';

/**
 * Where a root's recorder keeps its store, for the other lmctfy processes of that root
 * (top --replay, stats --at without --dir): a small JSON file beside the root's journal,
 * `<journal key>.recorder`, written when a recorder starts. It stays when the recorder
 * ends: the store stays too.
 */
export interface RecorderPointer {
  dir: string;
  pid: number;
  interval_ms: number;
  started: string;
}

export function pointerPath(scope: string): string {
  return journalPath(scope).replace(/\.ndjson$/, '.recorder');
}

export function writePointer(scope: string, p: RecorderPointer): void {
  writeFileAtomically(pointerPath(scope), `${JSON.stringify(p)}\n`, 0o600);
}

/** The recorder pointer of a root, undefined when no recorder ever ran for it. */
export function readPointer(scope: string): RecorderPointer | undefined {
  try {
    const p = JSON.parse(fs.readFileSync(pointerPath(scope), 'utf8')) as RecorderPointer;
    return typeof p.dir === 'string' ? p : undefined;
  } catch {
    return undefined;
  }
}

/**
 * The default store of a root: under /var/lib/lmctfy/record for root (/run, where the
 * journal lives, is often a small tmpfs), beside the caller's lock directory otherwise.
 */
export function defaultStoreDir(scope: string): string {
  const key = lockKey(scope, ':record');
  const uid = process.getuid?.() ?? 0;
  return uid === 0 ? path.join('/var/lib/lmctfy/record', key) : path.join(os.tmpdir(), `lmctfy-${uid}`, 'record', key);
}

import * as fs from 'node:fs';
import * as path from 'node:path';
import { Code, LmctfyError } from './errors.js';
import { ensurePrivateDir, lockDir, lockKey } from './lock.js';

/**
 * Per-container logs of detached commands (the console's `r`): beside the locks
 * (docs/LOCKING.md), in `/run/lmctfy/logs` for root and `$TMPDIR/lmctfy-<uid>/logs` for
 * anyone else, one file per (root, container) named by the same hash as its lock. The exec
 * helper's logger appends to `<key>.log` and renames it to `<key>.log.1` at LOG_MAX_BYTES,
 * so a container's output never takes more than twice that.
 */
export const LOG_MAX_BYTES = 1 << 20;

export function logDir(): string {
  return path.join(path.dirname(lockDir()), 'logs');
}

/** The current log file of a container (which may not exist yet). */
export function logPath(scope: string, name: string): string {
  return path.join(logDir(), `${lockKey(scope, name)}.log`);
}

/** Makes the log directory (0700), or refuses one someone else controls (ensurePrivateDir). */
export function ensureLogDir(): string {
  const dir = logDir();
  ensurePrivateDir(dir, 'log');
  return dir;
}

export interface LogChunk {
  /** Text read from `offset` (UTF-8; a character cut at the end is left for the next read). */
  text: string;
  /** Pass this as the next read's offset to follow the log. */
  next: number;
  /** The log was rotated (or removed) since `offset`: `text` starts from its beginning. */
  reset: boolean;
}

/**
 * Reads the log from `offset` (default: its last `maxBytes`), at most `maxBytes`. A log
 * that does not exist reads as empty. Following: call again with `next`; a log smaller
 * than the offset was rotated, and reading starts over at 0 with `reset`.
 */
export function readLogFile(file: string, offset?: number, maxBytes = 64 * 1024): LogChunk {
  if (offset !== undefined && (!Number.isSafeInteger(offset) || offset < 0)) {
    throw new LmctfyError(Code.INVALID_ARGUMENT, `log offset ${offset} is not a byte position`);
  }
  let fd: number;
  try {
    fd = fs.openSync(file, fs.constants.O_RDONLY);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return { text: '', next: 0, reset: offset !== undefined && offset > 0 };
    throw new LmctfyError(Code.PERMISSION_DENIED, `cannot read log ${file}: ${(e as Error).message}`);
  }
  try {
    const size = fs.fstatSync(fd).size;
    const reset = offset !== undefined && offset > size;
    const from = offset === undefined ? Math.max(0, size - maxBytes) : reset ? 0 : offset;
    const buf = Buffer.alloc(Math.min(maxBytes, size - from));
    const n = buf.length ? fs.readSync(fd, buf, 0, buf.length, from) : 0;
    const end = completeUtf8(buf.subarray(0, n));
    return { text: buf.toString('utf8', 0, end), next: from + end, reset };
  } finally {
    fs.closeSync(fd);
  }
}

/** Length of the longest prefix of buf that does not end inside a UTF-8 sequence. */
export function completeUtf8(buf: Uint8Array): number {
  // Look back over at most 3 continuation bytes for the lead byte of the last sequence.
  for (let i = buf.length - 1, back = 0; i >= 0 && back < 4; i--, back++) {
    const b = buf[i]!;
    if ((b & 0xc0) === 0x80) continue;
    const need = b >= 0xf0 ? 4 : b >= 0xe0 ? 3 : b >= 0xc0 ? 2 : 1;
    return back + 1 >= need ? buf.length : i;
  }
  return buf.length;
}

/** Whether this user's log directory holds any log (a cheap check before listing a subtree to remove theirs). */
export function hasLogs(): boolean {
  try {
    return fs.readdirSync(logDir()).length > 0;
  } catch {
    return false;
  }
}

/** Removes a container's log and its rotated part; a missing file is fine. */
export function removeLogs(scope: string, names: string[]): void {
  for (const name of names) {
    const file = logPath(scope, name);
    for (const f of [file, `${file}.1`]) fs.rmSync(f, { force: true });
  }
}

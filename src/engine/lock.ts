import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Code, LmctfyError } from './errors.js';

/**
 * Per-container advisory locks so two lmctfy processes never interleave a create, update,
 * pause or destroy of the same container (docs/RELIABILITY.md 15). A lock is a symlink whose target
 * is the owner's pid: symlink(2) creates it atomically with its content in one call. A lock
 * whose owner died is stale and taken over. cgroupfs cannot hold such files, so locks live
 * in /run/lmctfy (or a per-user tmp dir).
 */
let cachedLockDir: string | undefined;

export function lockDir(): string {
  cachedLockDir ??= (() => {
    const uid = process.getuid?.() ?? 0;
    return uid === 0 ? '/run/lmctfy/locks' : path.join(os.tmpdir(), `lmctfy-${uid}`, 'locks');
  })();
  return cachedLockDir;
}

/**
 * 64-bit FNV-1a of the root and name: names can be longer than a file name may be, and a
 * collision would only make two containers share a lock (serialize), never break one.
 */
export function lockKey(scope: string, name: string): string {
  // FNV-1a 64 in two 32-bit halves (BigInt cost ~20 µs a key, on every create and destroy):
  // h × prime, prime = 2^40 + 0x1b3, is h × 0x1b3 plus the low half shifted 8 into the high.
  let hi = 0xcbf29ce4;
  let lo = 0x84222325;
  const text = `${scope}\0${name}`;
  for (let i = 0; i < text.length; i++) {
    lo = (lo ^ text.charCodeAt(i)) >>> 0;
    const low = lo * 0x1b3;
    hi = (hi * 0x1b3 + Math.floor(low / 0x100000000) + ((lo << 8) >>> 0)) >>> 0;
    lo = low >>> 0;
  }
  return hi.toString(16).padStart(8, '0') + lo.toString(16).padStart(8, '0');
}

/*
 * Paths below lockDir() and its parent are joined as strings: lockDir() is a clean path (a
 * constant, or path.join's), so they are what path.join would give. path.join normalizes
 * what it joins a character at a time in JavaScript, which at a command's start runs in
 * V8's interpreter: a create's 27 joins cost it ~1 M instructions (BENCHMARKS.md section 5).
 */
function lockPath(scope: string, name: string): string {
  return `${lockDir()}/${lockKey(scope, name)}.lock`;
}

/** `name` beside the locks' directory (/run/lmctfy for root): the journal's, the virtual hosts', the policy's. */
export function besideLocks(name: string): string {
  return `${path.dirname(lockDir())}/${name}`;
}

function ownerAlive(file: string): boolean {
  let pid: number;
  try {
    pid = Number(fs.readlinkSync(file));
  } catch (e) {
    // ENOENT: released or reaped under us, look again. Anything else (a plain file left by
    // an older lmctfy) is not a live owner.
    return (e as NodeJS.ErrnoException).code === 'ENOENT';
  }
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function tryAcquire(file: string): boolean {
  try {
    fs.symlinkSync(String(process.pid), file);
    return true;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
    if (!ownerAlive(file)) {
      // Rename first so two processes reaping the same stale lock cannot both win.
      const reaped = `${file}.stale-${process.pid}`;
      try {
        fs.renameSync(file, reaped);
        fs.unlinkSync(reaped);
      } catch {
        /* someone else reaped it */
      }
    }
    return false;
  }
}

/** Directories this process has made sure are its own: one mkdir and check per process, not per call. */
const privateDirs = new Set<string>();

/**
 * Makes `dir` (0700, with its parents) for state lmctfy keeps beside its locks, or refuses
 * one someone else controls: a non-root user's sits at a predictable path in a shared tmp,
 * and another user who made it first (or planted a symlink) could hold or fake what is in
 * it. `what` names the directory in errors. Without `create`, a missing directory is
 * false and nothing is made.
 */
export function ensurePrivateDir(dir: string, what: string, create = true): boolean {
  if (privateDirs.has(dir)) return true;
  if (create) {
    try {
      fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
    } catch (e) {
      throw new LmctfyError(Code.PERMISSION_DENIED, `cannot create ${what} directory ${dir}: ${(e as Error).message}`);
    }
  } else if (!fs.existsSync(dir)) {
    return false;
  }
  const uid = process.getuid?.() ?? 0;
  for (const d of [path.dirname(dir), dir]) {
    const st = fs.lstatSync(d);
    if (!st.isDirectory() || st.uid !== uid || (st.mode & 0o022) !== 0) {
      throw new LmctfyError(Code.PERMISSION_DENIED, `${what} directory ${d} must be a directory owned by uid ${uid} that no one else can write`);
    }
  }
  privateDirs.add(dir);
  return true;
}

/**
 * Takes the lock for (scope, name) without waiting, for a process that holds it as long as
 * it runs (the policy daemon): released by `release()` or, if the process dies, taken over
 * as stale by the next one. When a live process holds it, says which.
 */
export function holdLock(scope: string, name: string): { release(): void } | { holder: number } {
  const file = lockPath(scope, name);
  ensurePrivateDir(path.dirname(file), 'lock');
  for (let attempt = 0; attempt < 3; attempt++) {
    if (tryAcquire(file)) {
      return {
        release: () => {
          if (fs.readlinkSync(file, { encoding: 'utf8' }) === String(process.pid)) fs.unlinkSync(file);
        },
      };
    }
    let holder: number;
    try {
      holder = Number(fs.readlinkSync(file));
    } catch {
      continue; // released or reaped under us: try again
    }
    if (ownerAlive(file)) return { holder };
  }
  throw new LmctfyError(Code.ABORTED, `cannot take lock ${file} for ${name}: it changes hands too fast`);
}

/** Runs fn holding the lock for (scope, name); waits up to timeoutMs for another holder. */
export async function withLock<T>(scope: string, name: string, fn: () => Promise<T> | T, timeoutMs = 30_000): Promise<T> {
  const file = lockPath(scope, name);
  ensurePrivateDir(path.dirname(file), 'lock');
  const deadline = Date.now() + timeoutMs;
  let delay = 2;
  for (;;) {
    let got: boolean;
    try {
      got = tryAcquire(file);
    } catch (e) {
      throw new LmctfyError(Code.PERMISSION_DENIED, `cannot take lock ${file} for ${name}: ${(e as Error).message}`);
    }
    if (got) break;
    if (Date.now() > deadline) {
      throw new LmctfyError(Code.ABORTED, `container ${name} is busy: another lmctfy holds ${file}`);
    }
    await new Promise((r) => setTimeout(r, delay));
    delay = Math.min(delay * 2, 50);
  }
  try {
    return await fn();
  } finally {
    try {
      fs.unlinkSync(file);
    } catch {
      /* already reaped */
    }
  }
}

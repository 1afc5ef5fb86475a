import * as fs from 'node:fs';
import { writeFileAtomically } from './atomic-file.js';
import { Code, LmctfyError } from './errors.js';
import { besideLocks, ensurePrivateDir, lockKey } from './lock.js';
import { Admissions } from '../policy/admissions.js';
import { budgetOf } from '../policy/budget.js';
import type { Amounts, LedgerEntry } from '../policy/types.js';
import type { PolicySpec } from '../messages/types.js';

/**
 * Where a root's policy and admitted ledger live (docs/POLICY.md "Where it is kept"): beside
 * the locks (docs/LOCKING.md), in `policy/` of the same directory, one pair of files per
 * root named by the same hash as the root's locks:
 * - `<key>.policy.json`: the PolicySpec as JSON, replaced whole by rename;
 * - `<key>.ledger`: a journal of what was admitted, one JSON line per change (a container's
 *   guarantees, or a subtree gone), appended under the policy lock and compacted by rename
 *   when it grows past a few times the live entries. Each process keeps the ledger it read
 *   and reads only what others appended since, so admission does not reread the tree.
 * A ledger that is missing or unreadable is rebuilt from the kernel.
 */

/** The lock every ledger change takes (a name no container can have). */
export const POLICY_LOCK = ':policy';

export function policyDir(): string {
  return besideLocks('policy');
}

const paths = new Map<string, { policy: string; ledger: string }>();

function files(scope: string): { policy: string; ledger: string } {
  let f = paths.get(scope);
  if (f === undefined) {
    // Joined as a string, as lock.ts's paths are (clean by construction).
    const base = `${policyDir()}/${lockKey(scope, '')}`;
    paths.set(scope, (f = { policy: `${base}.policy.json`, ledger: `${base}.ledger` }));
  }
  return f;
}

/** Whether the root has a policy: the one check a create or destroy makes when it has none. */
export function hasPolicy(scope: string): boolean {
  return fs.statSync(files(scope).policy, { throwIfNoEntry: false }) !== undefined;
}

/** Makes the directory (0700) or refuses one someone else controls (ensurePrivateDir). */
function ensureDir(create: boolean): boolean {
  return ensurePrivateDir(policyDir(), 'policy', create);
}

/** Writes `data` to `file` whole or not at all: a sibling, then rename. */
function replaceFile(file: string, data: string): void {
  try {
    writeFileAtomically(file, data, 0o600);
  } catch (e) {
    throw new LmctfyError(Code.PERMISSION_DENIED, `cannot write ${file}: ${(e as Error).message}`);
  }
}

export interface PolicyState {
  spec: PolicySpec;
  admissions: Admissions;
}

interface Cached extends PolicyState {
  policyStamp: string;
  /** Identity (idOf) of the ledger file applied. */
  ledgerId: string;
  /** Bytes of the ledger applied. */
  offset: number;
  /** Lines in the ledger file (compaction's measure). */
  lines: number;
  /** The ledger opened for appending, while `ledgerId` is the file at its path. */
  appendFd?: number;
}

const cache = new Map<string, Cached>();

function stampOf(st: fs.Stats): string {
  return `${st.ino}:${st.size}:${st.mtimeMs}`;
}

/** The policy only (no ledger); undefined when none is set. */
export function readPolicySpec(scope: string): PolicySpec | undefined {
  if (!ensureDir(false)) return undefined;
  let text: string;
  try {
    text = fs.readFileSync(files(scope).policy, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new LmctfyError(Code.PERMISSION_DENIED, `cannot read policy ${files(scope).policy}: ${(e as Error).message}`);
  }
  try {
    return JSON.parse(text) as PolicySpec;
  } catch {
    throw new LmctfyError(Code.DATA_LOSS, `policy ${files(scope).policy} is not valid JSON; set it again with lmctfy policy set`);
  }
}

/**
 * The policy and the ledger as they stand, reading only what changed since this process
 * last looked; undefined when no policy is set. `rebuild` lists every container's
 * guarantees from the kernel, for a ledger that is missing or unreadable; `locked` (the caller
 * holds the policy lock) writes that recount back. Ledger changes need the policy lock;
 * reads do not.
 */
export function loadPolicy(scope: string, kernel: () => Amounts, rebuild: (old: Admissions | undefined) => Iterable<[string, LedgerEntry]>, locked: boolean): PolicyState | undefined {
  const f = files(scope);
  let c = cache.get(scope);
  const lst = fs.statSync(f.ledger, { throwIfNoEntry: false });
  // The ledger file read last time, grown or not: `policy set` and `clear` replace both files,
  // so the policy is the one read with it and needs no look of its own.
  if (c !== undefined && lst !== undefined && idOf(lst) === c.ledgerId && lst.size >= c.offset && syncLedger(f.ledger, c, lst)) return c;
  const pst = fs.statSync(f.policy, { throwIfNoEntry: false });
  if (pst === undefined) {
    if (c) closeAppender(c);
    cache.delete(scope);
    return undefined;
  }
  const stamp = stampOf(pst);
  if (c === undefined || c.policyStamp !== stamp) {
    const spec = readPolicySpec(scope);
    if (spec === undefined) return undefined;
    const budget = budgetOf(spec, kernel());
    if (c === undefined) cache.set(scope, (c = { spec, admissions: new Admissions(budget), policyStamp: stamp, ledgerId: '', offset: 0, lines: 0 }));
    else Object.assign(c, { spec, policyStamp: stamp }).admissions.budget = budget;
  }
  if (lst === undefined || !syncLedger(f.ledger, c, lst)) {
    c.admissions = Admissions.of(c.admissions.budget, rebuild(c.admissions));
    // Only a holder of the policy lock replaces the ledger; a reader keeps its recount to itself.
    if (locked) writeLedger(scope, c);
    else c.ledgerId = '';
  }
  return c;
}

/** A file's identity: its inode, and its birth time where the file system keeps one (an inode number can be reused). */
function idOf(st: fs.Stats): string {
  return `${st.ino}:${st.birthtimeMs}`;
}

/** Applies what the ledger gained since `c.offset`; false when it is missing or unreadable. */
function syncLedger(file: string, c: Cached, st: fs.Stats): boolean {
  if (idOf(st) !== c.ledgerId || st.size < c.offset) {
    // Replaced (compacted or rebuilt by another process): read it whole.
    c.admissions = new Admissions(c.admissions.budget);
    c.offset = 0;
    c.lines = 0;
    c.ledgerId = idOf(st);
    closeAppender(c);
  }
  if (st.size === c.offset) return true;
  let fd: number;
  try {
    fd = fs.openSync(file, fs.constants.O_RDONLY);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return false;
    throw new LmctfyError(Code.PERMISSION_DENIED, `cannot read ledger ${file}: ${(e as Error).message}`);
  }
  let text: string;
  try {
    const buf = Buffer.alloc(st.size - c.offset);
    const n = fs.readSync(fd, buf, 0, buf.length, c.offset);
    text = buf.toString('utf8', 0, n);
  } finally {
    fs.closeSync(fd);
  }
  // Only whole lines: a change is one write, and a torn last line (a crash) is left out.
  const end = text.lastIndexOf('\n') + 1;
  try {
    for (const line of text.slice(0, end).split('\n')) {
      if (line === '') continue;
      applyLine(c.admissions, JSON.parse(line) as LedgerLine);
      c.lines++;
    }
  } catch {
    return false;
  }
  c.offset += Buffer.byteLength(text.slice(0, end));
  return true;
}

/** The ledger stays open for appends while its file is the same one (a rename by a compaction closes it). */
function appender(file: string, c: Cached): number {
  if (c.appendFd === undefined) {
    try {
      c.appendFd = fs.openSync(file, fs.constants.O_WRONLY | fs.constants.O_APPEND);
    } catch (e) {
      throw new LmctfyError(Code.PERMISSION_DENIED, `cannot write ledger ${file}: ${(e as Error).message}`);
    }
  }
  return c.appendFd;
}

function closeAppender(c: Cached): void {
  if (c.appendFd === undefined) return;
  fs.closeSync(c.appendFd);
  c.appendFd = undefined;
}

/** One ledger change: a container's guarantees, or a subtree gone (`gone`). */
interface LedgerLine {
  n: string;
  e?: LedgerEntry;
  gone?: true;
}

function applyLine(a: Admissions, l: LedgerLine): void {
  if (typeof l.n !== 'string') throw new Error('ledger line without a name');
  if (l.gone) a.remove(l.n);
  else if (l.e && typeof l.e.tier === 'string' && Number.isFinite(l.e.cpu) && Number.isFinite(l.e.memory)) a.set(l.n, l.e);
  else throw new Error('malformed ledger line');
}

/** Appends changes made to `state.admissions` (the caller holds the policy lock), compacting when the journal is long. */
export function recordChanges(scope: string, state: PolicyState, lines: LedgerLine[]): void {
  const c = state as Cached;
  const data = lines.map((l) => JSON.stringify(l) + '\n').join('');
  const file = files(scope).ledger;
  if (c.lines + lines.length > 4 * c.admissions.entries.size + 64) {
    writeLedger(scope, c);
    return;
  }
  const bytes = Buffer.from(data);
  try {
    const fd = appender(file, c);
    fs.writeSync(fd, bytes);
    // A release may have appended meanwhile (it takes no lock): then this line is not at
    // the offset, and the next read takes both (applying a line twice changes nothing).
    if (fs.fstatSync(fd).size === c.offset + bytes.length) {
      c.offset += bytes.length;
      c.lines += lines.length;
    }
  } catch (e) {
    if (e instanceof LmctfyError) throw e;
    throw new LmctfyError(Code.PERMISSION_DENIED, `cannot write ledger ${file}: ${(e as Error).message}`);
  }
}

/**
 * A destroy's release, without the policy lock: one line saying the subtree is gone,
 * appended in one write (appends never interleave inside a line). Freeing can only leave
 * more room, so no check needs it to be ordered with the others. A compaction or recount
 * renaming the ledger at the same moment can lose it: then the ledger counts a container
 * that is gone, which never admits too much, and the recount a refusal makes first drops it.
 * Returns whether the root has a ledger (a policy).
 */
export function releaseUnlocked(scope: string, name: string): boolean {
  const file = files(scope).ledger;
  const st = fs.statSync(file, { throwIfNoEntry: false });
  // No ledger: no policy any more, or one being replaced, whose recount reads the kernel.
  if (st === undefined) return false;
  const bytes = Buffer.from(JSON.stringify({ n: name, gone: true } satisfies LedgerLine) + '\n');
  const c = cache.get(scope);
  try {
    if (c !== undefined && idOf(st) === c.ledgerId) {
      const fd = appender(file, c);
      fs.writeSync(fd, bytes);
      // Right after what this process has read: nothing of others' lies between, so its own
      // ledger may take the line now instead of reading it back.
      if (fs.fstatSync(fd).size === c.offset + bytes.length) {
        c.admissions.remove(name);
        c.offset += bytes.length;
        c.lines++;
      }
      return true;
    }
    const fd = fs.openSync(file, fs.constants.O_WRONLY | fs.constants.O_APPEND);
    try {
      fs.writeSync(fd, bytes);
    } finally {
      fs.closeSync(fd);
    }
    return true;
  } catch (e) {
    if (e instanceof LmctfyError) throw e;
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return true;
    throw new LmctfyError(Code.PERMISSION_DENIED, `cannot write ledger ${file}: ${(e as Error).message}`);
  }
}

/** Writes the whole ledger (rebuilt or compacted) by rename. */
function writeLedger(scope: string, c: Cached): void {
  const file = files(scope).ledger;
  let data = '';
  for (const [n, e] of c.admissions.entries) data += JSON.stringify({ n, e }) + '\n';
  replaceFile(file, data);
  closeAppender(c);
  const st = fs.statSync(file);
  c.ledgerId = idOf(st);
  c.offset = st.size;
  c.lines = c.admissions.entries.size;
}

/** Replaces the policy and the ledger together (the caller holds the policy lock). */
export function storePolicy(scope: string, spec: PolicySpec, admissions: Admissions): PolicyState {
  ensureDir(true);
  const f = files(scope);
  const old = cache.get(scope);
  if (old) closeAppender(old);
  const c: Cached = { spec, admissions, policyStamp: '', ledgerId: '', offset: 0, lines: 0 };
  writeLedger(scope, c);
  replaceFile(f.policy, JSON.stringify(spec) + '\n');
  c.policyStamp = stampOf(fs.statSync(f.policy));
  cache.set(scope, c);
  return c;
}

/** Removes the policy and its ledger: admission stops (the caller holds the policy lock). */
export function clearPolicy(scope: string): boolean {
  const f = files(scope);
  const had = hasPolicy(scope);
  const c = cache.get(scope);
  if (c) closeAppender(c);
  fs.rmSync(f.policy, { force: true });
  fs.rmSync(f.ledger, { force: true });
  cache.delete(scope);
  return had;
}

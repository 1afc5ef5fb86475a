/**
 * Finding and running criu (docs/CHECKPOINT.md). lmctfy never builds it here: the project's
 * scripts/criu.mjs does (from Debian's source archive) and caches it where this looks.
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { writeFileAtomically } from '../atomic-file.js';
import { envpOf, exitOfChild, makePipe, readPipe, spawnBare, writeAll } from '../bare-spawn.js';
import { Code, LmctfyError } from '../errors.js';
import { lockDir } from '../lock.js';
import { primeRequest, takePrimedCriu, type PrimeOptions, type PrimedHelper } from './prime.js';

/** Where scripts/criu.mjs caches its build (keep the two in step). */
export const CACHED_CRIU = '/var/cache/lmctfy/criu-4.1.1/criu';
const MINIMUM: readonly [number, number] = [4, 1];

/** "Version: 4.1.1" (criu --version) as [4, 1, 1]; undefined when there is none. */
export function parseCriuVersion(text: string): [number, number, number] | undefined {
  const m = /Version:\s*(\d+)\.(\d+)(?:\.(\d+))?/.exec(text);
  return m ? [Number(m[1]), Number(m[2]), Number(m[3] ?? 0)] : undefined;
}

export interface Criu {
  file: string;
  version: string;
}

let found: Criu | undefined;

/** The executable `name` names: itself when it holds a slash, else the first on `searchPath` (as execvp looks). */
export function resolveCommand(name: string, searchPath: string): string | undefined {
  const isExecutable = (f: string) => {
    const st = fs.statSync(f, { throwIfNoEntry: false });
    return st !== undefined && st.isFile() && (st.mode & 0o111) !== 0;
  };
  if (name.includes('/')) return isExecutable(name) ? path.resolve(name) : undefined;
  return searchPath
    .split(':')
    .map((dir) => path.join(dir || '.', name))
    .find(isExecutable);
}

/** What `criu --version` printed, by file, with the identity of the file that printed it. */
type VersionCache = Record<string, { ino: number; size: number; mtimeMs: number; printed: string }>;

/**
 * Each command used to run `criu --version` (tens of ms: criu links two dozen libraries);
 * what it prints is kept beside the locks, keyed by the file's inode, size and mtime, so a
 * replaced or rebuilt criu is asked again.
 */
const versionCacheFile = () => path.join(path.dirname(lockDir()), 'criu-versions.json');

export function readVersionCache(cacheFile: string): VersionCache {
  try {
    return JSON.parse(fs.readFileSync(cacheFile, 'utf8')) as VersionCache;
  } catch {
    return {};
  }
}

/** What `file --version` prints, from the cache (kept in cacheFile) while the file is the same; undefined when it cannot run. */
export function printedVersion(file: string, cache: VersionCache, cacheFile: string): string | undefined {
  const st = fs.statSync(file);
  const hit = cache[file];
  if (hit && hit.ino === st.ino && hit.size === st.size && hit.mtimeMs === st.mtimeMs) return hit.printed;
  const r = spawnSync(file, ['--version'], { encoding: 'utf8' });
  if (r.error) return undefined;
  cache[file] = { ino: st.ino, size: st.size, mtimeMs: st.mtimeMs, printed: r.stdout ?? '' };
  try {
    fs.mkdirSync(path.dirname(cacheFile), { recursive: true, mode: 0o700 });
    writeFileAtomically(cacheFile, JSON.stringify(cache), 0o600);
  } catch {
    // Not kept: the next command asks criu again.
  }
  return r.stdout ?? '';
}

/**
 * The criu to use: $LMCTFY_CRIU, else the PATH's when it is 4.1 or newer, else the cached
 * build. FAILED_PRECONDITION saying how to get one when none fits.
 */
export function findCriu(): Criu {
  if (found) return found;
  const tried: string[] = [];
  const cacheFile = versionCacheFile();
  const cache = readVersionCache(cacheFile);
  const candidates = [process.env.LMCTFY_CRIU, 'criu', CACHED_CRIU].flatMap((f) => {
    const file = f ? resolveCommand(f, process.env.PATH ?? '') : undefined;
    return file ? [file] : [];
  });
  for (const file of new Set(candidates)) {
    const printed = printedVersion(file, cache, cacheFile);
    if (printed === undefined) continue;
    const v = parseCriuVersion(printed);
    if (!v) {
      tried.push(`${file} printed no version`);
    } else if (v[0] < MINIMUM[0] || (v[0] === MINIMUM[0] && v[1] < MINIMUM[1])) {
      tried.push(`${file} is criu ${v.join('.')}, older than ${MINIMUM.join('.')}`);
    } else {
      return (found = { file, version: v.join('.') });
    }
  }
  throw new LmctfyError(
    Code.FAILED_PRECONDITION,
    `checkpoint/restore needs criu ${MINIMUM.join('.')} or newer (${tried.length ? tried.join('; ') : `none on the PATH nor at ${CACHED_CRIU}`}); ` +
      "`node scripts/criu.mjs` in lmctfy's source (as root) builds one from Debian's source archive, or set LMCTFY_CRIU",
  );
}

/**
 * criu logs errors it goes on after: RLIMIT_NOFILE without CAP_SYS_RESOURCE, and the
 * iptables tools it looks for to save a net namespace's rules (absent: there are none).
 */
const HARMLESS = /Can't setup RLIMIT_NOFILE|ip6?tables(-legacy)?-(save|restore)|exited, status=1$/;

/** The lines of a criu log that say why it failed: its "Error (...)" lines without the harmless ones. */
export function criuErrors(log: string): string[] {
  return log
    .split('\n')
    .filter((l) => /\bError \(/.test(l) && !HARMLESS.test(l))
    .map((l) => l.replace(/^\(\s*\d+\.\d+\)\s*/, '').replace(/^\d+:\s*/, '').trim());
}

/**
 * criu's log level: 2 (errors and warnings) unless LMCTFY_CRIU_VERBOSITY gives 0 to 4. At 4
 * (what runc asks for) a 64 MiB dump logs some 1,900 lines, each its own write: about 10 ms
 * of a dump here, for a log nobody reads unless something failed (docs/CHECKPOINT.md).
 */
export function criuVerbosity(setting: string | undefined): number {
  if (setting === undefined || setting === '') return 2;
  if (!/^[0-4]$/.test(setting)) throw new LmctfyError(Code.INVALID_ARGUMENT, `LMCTFY_CRIU_VERBOSITY is ${JSON.stringify(setting)}; give criu's log level, 0 to 4 (4 logs every step)`);
  return Number(setting);
}

export interface RunOptions {
  env?: Record<string, string>;
  /** A command criu runs under (its argv then follows), e.g. one entering a mount namespace first. */
  wrap?: string[];
  /**
   * The wrap reports on a status pipe (its fd 5, closed when it execs criu): a failed step as
   * "STEP ERRNO". With `atGate`, it then waits at a gate (its fd 6) after writing "ready":
   * `atGate` runs, and the gate opens; if `atGate` throws, the gate closes, the wrap ends
   * without running criu, and that error is the result.
   */
  report?: { atGate?: () => void };
  /** What a failure of the wrap itself means (its exit status, stderr and status pipe), before criu's log is read; undefined: criu's failure. */
  wrapFailed?: (status: number | string, stderr: string, reported: string) => LmctfyError | undefined;
  /**
   * The processes have a mount namespace of their own (a virtual host's), so criu may run in
   * one of its own: the primed helper's, where its probe of the kernel is already done (prime.ts).
   */
  ownMountNamespace?: boolean;
  /** With ownMountNamespace, for a dump: the virtual host's PID 1, whose root mount the primed helper holds until criu has ended (prime.ts). */
  holdRootOf?: number;
}

/** criu (or its wrap) running: its pid and our ends of its stderr, status pipe and gate (-1: none). */
interface CriuChild {
  pid: number;
  stderr: number;
  status: number;
  gate: number;
}

/** The primed helper (prime.ts) running argv, its unused pipes closed; undefined when there is none. */
function primedChild(argv: readonly string[], env: Readonly<Record<string, string>>, report: RunOptions['report'], own: PrimeOptions): CriuChild | undefined {
  const helper: PrimedHelper | undefined = takePrimedCriu();
  if (!helper) return undefined;
  const keep: (5 | 6)[] = report ? (report.atGate ? [5, 6] : [5]) : [];
  const child = { ...helper };
  if (!report) {
    fs.closeSync(child.status);
    child.status = -1;
  }
  if (!report?.atGate) {
    fs.closeSync(child.gate);
    child.gate = -1;
  }
  // A helper gone before its request shows as its exit status, which the caller reads.
  writeAll(helper.stdin, primeRequest(keep, env, argv, own));
  fs.closeSync(helper.stdin);
  return child;
}

/**
 * criu (or its wrap) started with lmctfy's spawn add-on as the primed helper is
 * (bare-spawn.ts), so no command's path loads child_process: stdin and stdout /dev/null, a
 * stderr pipe, and with `report` the status pipe (its fd 5) and, with a gate, the gate (fd 6).
 */
function spawnedChild(argv: readonly string[], env: Readonly<Record<string, string>>, report: RunOptions['report']): CriuChild {
  const made: number[] = [];
  try {
    const stderr = makePipe(argv[0]!);
    made.push(...stderr);
    const status = report ? makePipe(argv[0]!) : undefined;
    if (status) made.push(...status);
    const gate = report?.atGate ? makePipe(argv[0]!) : undefined;
    if (gate) made.push(...gate);
    const fds = [-1, -1, stderr[1], ...(report ? [-1, -1, status![1], gate ? gate[0] : -1] : [])];
    const envp = Object.keys(env).length ? envpOf({ ...process.env, ...env }) : null;
    const pid = spawnBare(argv[0]!, [...argv], envp, fds);
    for (const fd of [stderr[1], status?.[1], gate?.[0]]) if (fd !== undefined) fs.closeSync(fd);
    return { pid, stderr: stderr[0], status: status?.[0] ?? -1, gate: gate?.[1] ?? -1 };
  } catch (e) {
    for (const fd of made) fs.closeSync(fd);
    throw e;
  }
}

/**
 * Runs criu ACTION with args, its log at logFile. Resolves on success; rejects with one line
 * (`what`, then criu's first error, and where the whole log is).
 */
export async function runCriu(action: 'dump' | 'restore', args: string[], logFile: string, what: string, opts: RunOptions = {}): Promise<void> {
  const criu = findCriu();
  const argv = [...(opts.wrap ?? []), criu.file, action, `-v${criuVerbosity(process.env.LMCTFY_CRIU_VERBOSITY)}`, '-o', logFile, ...args];
  const report = opts.report;
  const child =
    // A wrap (the vhost helper's place) waits for criu's probe itself, after its own steps.
    (opts.ownMountNamespace ? primedChild(argv, opts.env ?? {}, report, { holdRoot: opts.holdRootOf, probeLater: opts.wrap !== undefined }) : undefined) ??
    spawnedChild(argv, opts.env ?? {}, report);
  const exited = exitOfChild(child.pid, argv[0]!);
  const stderrRead = readPipe(child.stderr);
  let reported = '';
  let gateError: unknown;
  let gate = child.gate;
  const closeGate = () => {
    if (gate >= 0) fs.closeSync(gate);
    gate = -1;
  };
  const reportRead =
    child.status >= 0
      ? readPipe(child.status, (d) => {
          reported += d;
          if (gate < 0 || !reported.endsWith('ready\n')) return;
          try {
            report!.atGate!();
            writeAll(gate, Buffer.from('g'));
          } catch (e) {
            gateError = e;
          }
          closeGate();
        })
      : Promise.resolve('');
  let status: number | string;
  try {
    const exit = await exited;
    status = exit.code ?? exit.signal ?? 'unknown';
  } catch (e) {
    status = (e as Error).message;
  }
  closeGate();
  // Every writer of the pipes has ended with criu (the helper's own hold of a root mount closes them first).
  const stderr = await stderrRead;
  await reportRead;
  if (status === 0) return;
  if (gateError !== undefined) throw gateError;
  const wrapError = opts.wrapFailed?.(status, stderr, reported);
  if (wrapError) throw wrapError;
  let log = '';
  try {
    log = fs.readFileSync(logFile, 'utf8');
  } catch {
    // criu ended before writing it
  }
  const first = criuErrors(log)[0] ?? stderr.trim().split('\n').at(-1) ?? `exit ${status}`;
  throw new LmctfyError(Code.FAILED_PRECONDITION, `${what}: criu ${action} failed: ${first} (full log: ${logFile})`);
}

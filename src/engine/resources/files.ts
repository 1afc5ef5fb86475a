import * as path from 'node:path';
import { Code, LmctfyError } from '../errors.js';
import type { KernelIo } from '../kernel/io.js';
import type { V1Controller } from '../kernel/layout.js';
import type { Pressure } from '../../messages/types.js';
import { parsePressure } from './parse.js';
import type { CgroupHandle } from './types.js';

/** How resource handlers reach their control files, with errors that name the setting. */

/** Errnos that mean "this file is not here" rather than "reading it failed". */
const ABSENT = new Set(['ENOENT', 'ENOTSUP', 'EOPNOTSUPP', 'ENODEV']);

export function isAbsent(e: unknown): boolean {
  return e instanceof LmctfyError && e.errno !== undefined && ABSENT.has(e.errno);
}

/** Contents of an optional file, or undefined when it does not exist or is not supported. */
export function readOptional(io: KernelIo, file: string): string | undefined {
  try {
    return io.readFile(file);
  } catch (e) {
    if (isAbsent(e)) return undefined;
    throw e;
  }
}

/** Applies `parse` to an optional file; absent or malformed → undefined (a stats field left out). */
export function readStat<T>(io: KernelIo, file: string, parse: (text: string) => T | undefined): T | undefined {
  const text = readOptional(io, file);
  return text === undefined ? undefined : parse(text);
}

/** Parses a file a spec read depends on: malformed contents are DATA_LOSS naming the file. */
export function parseOrDataLoss<T>(file: string, text: string, parse: (text: string) => T | undefined, what: string): T {
  const v = parse(text);
  if (v === undefined) {
    throw new LmctfyError(Code.DATA_LOSS, `${file}: cannot parse ${JSON.stringify(text.trim().slice(0, 80))} as ${what}`);
  }
  return v;
}

/** Reads and parses a file a spec read depends on (missing → its NOT_FOUND, malformed → DATA_LOSS). */
export function readSpecValue<T>(io: KernelIo, file: string, parse: (text: string) => T | undefined, what: string): T {
  return parseOrDataLoss(file, io.readFile(file), parse, what);
}

/** The container's directory for a controller, or INVALID_ARGUMENT when it does not isolate it. */
export function isolatedDir(h: CgroupHandle, controller: V1Controller): string {
  const dir = h.dir(controller);
  if (dir === undefined) {
    throw new LmctfyError(Code.INVALID_ARGUMENT, `container ${h.name} does not isolate ${controller}`);
  }
  return dir;
}

/** Why a control file is missing, as the error to report. */
export function missingFileError(h: CgroupHandle, controller: V1Controller, file: string, field: string, cause?: unknown): LmctfyError {
  const dir = path.posix.dirname(file);
  const opts = cause === undefined ? undefined : { cause, errno: 'ENOENT' };
  if (!h.io.exists(dir)) {
    return new LmctfyError(Code.NOT_FOUND, `container ${h.name} no longer exists (${dir} is gone)`, opts);
  }
  const why = h.resources.whyMissing(h, controller, dir);
  if (why !== undefined) return new LmctfyError(Code.UNIMPLEMENTED, `${field}: ${why}`, opts);
  return new LmctfyError(Code.UNIMPLEMENTED, `${field}: this kernel has no ${file}`, opts);
}

/**
 * Writes one setting. Failures name the setting, the container and the value; a missing
 * file becomes UNIMPLEMENTED (or NOT_FOUND when the cgroup itself is gone). The errno is kept.
 */
export function writeSetting(
  h: CgroupHandle,
  controller: V1Controller,
  file: string,
  value: string,
  field: string,
  hints: Readonly<Record<string, string>> = {},
): void {
  try {
    h.io.writeFile(file, value);
  } catch (e) {
    const errno = e instanceof LmctfyError ? e.errno : undefined;
    if (errno === 'ENOENT') throw missingFileError(h, controller, file, field, e);
    const hint = errno === undefined ? undefined : hints[errno];
    throw settingError(h, field, value, e, hint === undefined ? '' : ` (${hint})`);
  }
}

export function settingError(h: CgroupHandle, field: string, value: string, e: unknown, hint = ''): LmctfyError {
  const le = e instanceof LmctfyError ? e : undefined;
  const message = `cannot set ${field} of ${h.name} to ${value.trim()}${hint}: ${e instanceof Error ? e.message : String(e)}`;
  return new LmctfyError(le?.code ?? Code.INTERNAL, message, { cause: e, errno: le?.errno });
}

/** A PSI file; absent, unsupported (psi=0 gives EOPNOTSUPP) or malformed → undefined. */
export function readPressure(io: KernelIo, file: string): Pressure | undefined {
  return readStat(io, file, parsePressure);
}

/** The object without its undefined fields, or undefined when none is left (stats fragments). */
export function defined<T extends object>(o: T): T | undefined {
  // for-in over the fresh literal callers pass: no entry arrays (it runs per container per pass).
  const out: Record<string, unknown> = {};
  let kept = 0;
  for (const k in o) {
    const v = o[k];
    if (v !== undefined) {
      out[k] = v;
      kept++;
    }
  }
  return kept > 0 ? (out as T) : undefined;
}

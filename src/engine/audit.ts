import { Code, LmctfyError } from './errors.js';
import { appendJournal, type JournalRecord } from './journal.js';
import type { Machine } from './kernel/machine.js';
import type { ContainerSpec, PolicySpec } from '../messages/types.js';

/**
 * The audit trail (docs/JOURNAL.md): every engine operation that changes a container or the
 * root's policy appends one action record to the root's journal, success or failure, so the
 * library, the CLI and the console are all recorded in one place. The journal is a witness,
 * never a gate: one that cannot be written is said once on stderr and the action stands.
 */
export interface AuditInfo {
  /** The spec as given (create, update, policy set), recorded in text format. */
  spec?: ContainerSpec;
  policy?: PolicySpec;
  detail?: JournalRecord['detail'];
}

let warned = false;

/**
 * The spec codec, loaded when a spec is first recorded (an import the bundler keeps lazy):
 * the commands that record none (list, stats, pause, ...) neither load nor initialise it, a
 * measurable share of their start (BENCHMARKS.md section 5).
 */
let codec: Promise<typeof import('../messages/codec.js')> | undefined;

async function specText(info: AuditInfo): Promise<string | undefined> {
  if (!info.spec && !info.policy) return undefined;
  const { formatText } = await (codec ??= import('../messages/codec.js'));
  return info.spec ? formatText('ContainerSpec', info.spec) : formatText('PolicySpec', info.policy!);
}

/** The action record of one operation, with its spec already in text form; `error` is what it failed with, if it did. */
export function actionRecord(what: string, container: string, info: AuditInfo, spec: string | undefined, error?: unknown): JournalRecord {
  const r: JournalRecord = { time: Date.now(), kind: 'action', what, container, uid: process.getuid?.() ?? 0, pid: process.pid };
  if (spec !== undefined) r.spec = spec;
  if (error === undefined) r.code = Code.OK;
  else if (error instanceof LmctfyError) {
    r.code = error.code;
    r.reason = error.message;
  } else {
    r.code = Code.INTERNAL;
    r.reason = error instanceof Error ? error.message : String(error);
  }
  if (info.detail) r.detail = info.detail;
  return r;
}

function append(m: Machine, record: JournalRecord): void {
  try {
    appendJournal(m.trackingDir('/'), record);
  } catch (e) {
    // A failed action already printed its error and changed nothing; only an action that
    // happened without its record is worth a warning (once).
    if (warned || record.code !== Code.OK) return;
    warned = true;
    process.stderr.write(`lmctfy: warning: actions are not being journalled: ${e instanceof Error ? e.message : String(e)}\n`);
  }
}

/**
 * Runs an operation that records no spec and journals its outcome once it is known (when its
 * promise settles, for an asynchronous one); its result or error passes through unchanged.
 */
export function audited<T>(m: Machine, what: string, container: string, info: Pick<AuditInfo, 'detail'>, op: () => T): T {
  let result: T;
  try {
    result = op();
  } catch (e) {
    append(m, actionRecord(what, container, info, undefined, e));
    throw e;
  }
  if (!(result instanceof Promise)) {
    append(m, actionRecord(what, container, info, undefined));
    return result;
  }
  return result.then(
    (v: unknown) => {
      append(m, actionRecord(what, container, info, undefined));
      return v;
    },
    (e: unknown) => {
      append(m, actionRecord(what, container, info, undefined, e));
      throw e;
    },
  ) as T;
}

/** audited for an asynchronous operation given a spec or policy, recorded in text format once the outcome is known. */
export async function auditedWithSpec<T>(m: Machine, what: string, container: string, info: AuditInfo, op: () => Promise<T>): Promise<T> {
  let result: T;
  try {
    result = await op();
  } catch (e) {
    append(m, actionRecord(what, container, info, await specText(info), e));
    throw e;
  }
  append(m, actionRecord(what, container, info, await specText(info)));
  return result;
}

import { unlessNotFound } from '../errors.js';
import type { Heard } from './reading.js';
import type { Member } from './tree.js';

// The reads as functions of their own: an arrow in isStill or checkKids capturing the
// container would make each call (one per container and pass) allocate a context for it.
/** A container's CPU time; undefined when it is gone. */
function cpuUsageOf(k: Member): number | undefined {
  return unlessNotFound(() => k.handle.resources.cpuUsage(k.handle));
}

/** Whether a container holds no task; undefined when it is gone. */
function unpopulatedOf(k: Member): boolean | undefined {
  return unlessNotFound(() => k.handle.resources.unpopulated(k.handle));
}

/** The pass a stillness check belongs to (while watching). */
export interface StillPass {
  number: number;
  heard: Heard;
  /**
   * The container is re-validated this pass (every VALIDATE_EVERY passes, staggered): it is
   * then read whole, so what moves without its tasks running (memory given back by reclaim,
   * a zombie reaped from outside) shows within that many passes.
   */
  validating: boolean;
  /**
   * Its CPU time is known not to have moved without reading it: its parent's stood still
   * earlier in this pass (CPU time is hierarchical), or its parent's sum check proved it
   * (checkKids).
   */
  proven: boolean;
  /** Its CPU time as its parent's sum check read it earlier in this pass, to use instead of a read. */
  read?: number;
}

/**
 * Whether nothing a counters pass reads of a container can have changed since the previous
 * pass, from one cheap read (none when proven, none for a container known empty): its
 * cumulative CPU time stands still, so no task in it or below it ran, and no event says
 * its settings or freezer state were written. False when its re-validation is due, and the
 * first time it is asked. Its reading state says whether its CPU time stood still
 * (`cpuStillPass`), which is what its children are spared reads by.
 *
 * A container found to hold no task is not read at all while no event says a task may have
 * joined: with no task its CPU time cannot move, so the read would find it still. It is
 * asked once per stretch of stillness (when its CPU time stands still at a value other than
 * at the last asking: a last task exiting is charged, so this follows it), after an event,
 * and, while found empty, at re-validation (an event missed).
 */
export function isStill(name: string, k: Member, pass: StillPass): boolean {
  const r = k.reading;
  r.visitedPass = pass.number;
  if (pass.heard.joined(name) || (pass.validating && r.unpopulated)) r.unpopulated = undefined;
  const empty = r.unpopulated === true && r.cpuUsage !== undefined;
  if (!empty && (!pass.proven || r.cpuUsage === undefined)) {
    const before = r.cpuUsage;
    r.cpuUsage = pass.read ?? cpuUsageOf(k);
    if (r.cpuUsage === undefined || r.cpuUsage !== before) return false;
    // Asked after the read that found it still: a task joining in between is in the answer, or its event is heard next pass.
    if (r.unpopulated === undefined || r.askedAt !== r.cpuUsage) {
      r.unpopulated = unpopulatedOf(k) ?? false;
      r.askedAt = r.cpuUsage;
    }
  }
  r.cpuStillPass = pass.number;
  if (pass.validating || pass.heard.settingsWritten(name) || pass.heard.freezerWritten(name)) return false;
  r.stillPass = pass.number;
  return true;
}

/**
 * The sum check (docs/RECORDING.md, "What a sample holds"): whether the children of a
 * container whose CPU time moved can be known still without reading each, where a parent's
 * CPU time is exactly its own tasks' plus its children's (v1 cpuacct: every charge is
 * added to the task's cgroup and each ancestor, in ns). Called in pass `pass` right after
 * the parent's own read (`r.cpuUsage`, which the children's reads of this pass follow),
 * with its CPU time as the previous pass left it (`before`).
 *
 * The children that moved in the previous pass are read (their readings kept for their
 * own checks, `sumRead`), then the parent again. Every counter only grows, each child's
 * last known value was read after the parent's read of the previous pass (or is proven
 * equal to its value then), and these reads come before the parent's second one: so the
 * parent's growth from its previous pass's read to that second read is at least the growth
 * the children read show, plus whatever any other child or the parent's own tasks ran.
 * Equal to the children's growth exactly, none of the others ran: they are proven still
 * (`sumPass`). Anything else (one of them ran, a child read ran between the reads, a
 * child without a previous value, a counter past 2^53) proves nothing, and each child is
 * read as before.
 */
export function checkKids(k: Member, before: number | undefined, pass: number, kid: (name: string) => Member | undefined): void {
  const r = k.reading;
  const start = r.cpuUsage;
  if (before === undefined || start === undefined || r.cpuStillPass === pass) return;
  let grown = 0;
  for (const name of k.kids) {
    const c = kid(name)?.reading;
    // Every child must carry a value from the previous pass for the sum to stand for it.
    if (c?.cpuUsage === undefined || c.visitedPass !== pass - 1) return;
    if (c.cpuStillPass === pass - 1) continue;
    const read = cpuUsageOf(kid(name)!);
    if (read === undefined) return;
    c.sumRead = read;
    c.sumReadPass = pass;
    grown += read - c.cpuUsage;
  }
  const after = cpuUsageOf(k);
  if (after === undefined || !Number.isSafeInteger(after) || !Number.isSafeInteger(grown)) return;
  if (after - before === grown) r.sumPass = pass;
}

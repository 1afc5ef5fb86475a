import { unlessNotFound } from '../errors.js';
import type { Heard } from './reading.js';
import type { Member } from './tree.js';

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
  /** Its parent was found still earlier in this pass: CPU time is hierarchical, so its own stood still too. */
  parentStill: boolean;
}

/**
 * Whether nothing a counters pass reads of a container can have changed since the previous
 * pass, from one cheap read (none under a still parent, none for a container known empty):
 * its cumulative CPU time stands still, so no task in it or below it ran, and no event says
 * its settings or freezer state were written. False when its re-validation is due, and the
 * first time it is asked.
 *
 * A container found to hold no task is not read at all while no event says a task may have
 * joined: with no task its CPU time cannot move, so the read would find it still. It is
 * asked once per stretch of stillness (when its CPU time stands still at a value other than
 * at the last asking: a last task exiting is charged, so this follows it), after an event,
 * and, while found empty, at re-validation (an event missed).
 */
export function isStill(name: string, k: Member, pass: StillPass): boolean {
  const r = k.reading;
  if (pass.heard.joined(name) || (pass.validating && r.unpopulated)) r.unpopulated = undefined;
  const empty = r.unpopulated === true && r.cpuUsage !== undefined;
  if (!empty && (!pass.parentStill || r.cpuUsage === undefined)) {
    const before = r.cpuUsage;
    r.cpuUsage = unlessNotFound(() => k.handle.resources.cpuUsage(k.handle));
    if (r.cpuUsage === undefined || r.cpuUsage !== before) return false;
    // Asked after the read that found it still: a task joining in between is in the answer, or its event is heard next pass.
    if (r.unpopulated === undefined || r.askedAt !== r.cpuUsage) {
      r.unpopulated = unlessNotFound(() => k.handle.resources.unpopulated(k.handle)) ?? false;
      r.askedAt = r.cpuUsage;
    }
  }
  if (pass.validating || pass.heard.settingsWritten(name) || pass.heard.freezerWritten(name)) return false;
  r.stillPass = pass.number;
  return true;
}

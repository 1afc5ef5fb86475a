import { Code, LmctfyError } from '../engine/errors.js';

const UNIT_MS: Record<string, number> = { ms: 1, s: 1e3, m: 60e3, h: 3600e3, d: 86400e3, w: 7 * 86400e3 };

/**
 * A moment as a person types it (stats --at, top --replay --at/--from/--to, the console's
 * jump, events --since): "now", "10m ago" or "1h30m ago" ("ago" may be left out: "90s",
 * "2h"), a time of today "03:12" or "03:12:30", or a date
 * and time Date understands ("2026-12-02 03:12", RFC 3339). Local time unless it says
 * otherwise, as `date` prints it.
 */
export function parseTime(text: string, nowMs: number, what = 'time'): number {
  const t = text.trim();
  if (t === 'now') return nowMs;
  const ago = /^((?:\d+(?:\.\d+)?\s*(?:ms|[smhdw])\s*)+)(?:ago)?$/i.exec(t);
  if (ago) {
    let ms = 0;
    for (const m of ago[1]!.matchAll(/(\d+(?:\.\d+)?)\s*(ms|[smhdw])/gi)) ms += Number(m[1]) * UNIT_MS[m[2]!.toLowerCase()]!;
    return nowMs - ms;
  }
  const clock = /^(\d{1,2}):(\d{2})(?::(\d{2}))?$/.exec(t);
  if (clock) {
    const d = new Date(nowMs);
    d.setHours(Number(clock[1]), Number(clock[2]), Number(clock[3] ?? 0), 0);
    if (Number(clock[1]) < 24 && Number(clock[2]) < 60 && Number(clock[3] ?? 0) < 60) return d.getTime();
  }
  const abs = /^\d{4}-\d{2}-\d{2}/.test(t) ? Date.parse(t) : NaN;
  if (Number.isFinite(abs)) return abs;
  throw new LmctfyError(Code.INVALID_ARGUMENT, `${what} must be "now", a time ago (10m ago, 1h30m ago, or just 10m), a time of today (03:12) or a date and time (2026-12-02 03:12), got "${text}"`);
}

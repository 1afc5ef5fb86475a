import { Code, LmctfyError } from '../engine/errors.js';

/**
 * How much a store keeps (lmctfy record --retain): an age, a size, or both ("7d,1GiB").
 * The oldest segments go first, whole; the newest is always kept.
 */
export interface Retention {
  maxAgeMs?: number;
  maxBytes?: number;
}

export const DEFAULT_RETENTION = '7d,1GiB';

const AGE_UNITS: Record<string, number> = { s: 1e3, m: 60e3, h: 3600e3, d: 86400e3, w: 7 * 86400e3 };
const SIZE_UNITS: Record<string, number> = { b: 1, k: 1e3, kb: 1e3, kib: 1024, m: 1e6, mb: 1e6, mib: 2 ** 20, g: 1e9, gb: 1e9, gib: 2 ** 30, t: 1e12, tb: 1e12, tib: 2 ** 40 };

/** A duration: a number and s, m, h, d or w ("90m", "7d"). */
export function parseDuration(text: string, what: string): number {
  const m = /^(\d+(?:\.\d+)?)\s*([smhdw])$/i.exec(text.trim());
  if (!m) throw new LmctfyError(Code.INVALID_ARGUMENT, `${what} must be a number and s, m, h, d or w (like 90m or 7d), got "${text}"`);
  return Number(m[1]) * AGE_UNITS[m[2]!.toLowerCase()]!;
}

export function parseRetention(text: string): Retention {
  const out: Retention = {};
  for (const part of text.split(',')) {
    const p = part.trim();
    const size = /^(\d+(?:\.\d+)?)\s*([a-z]+)$/i.exec(p);
    const unit = size?.[2]!.toLowerCase();
    if (size && unit !== undefined && SIZE_UNITS[unit] !== undefined && !(unit in AGE_UNITS)) {
      if (out.maxBytes !== undefined) throw new LmctfyError(Code.INVALID_ARGUMENT, `--retain gives a size twice: "${text}"`);
      out.maxBytes = Number(size[1]) * SIZE_UNITS[unit]!;
    } else if (/^\d+(?:\.\d+)?\s*[smhdw]$/i.test(p)) {
      if (out.maxAgeMs !== undefined) throw new LmctfyError(Code.INVALID_ARGUMENT, `--retain gives an age twice: "${text}"`);
      out.maxAgeMs = parseDuration(p, '--retain');
    } else {
      throw new LmctfyError(Code.INVALID_ARGUMENT, `--retain takes an age (7d, 36h), a size (500MiB, 2GiB) or both separated by a comma, got "${text}"`);
    }
  }
  if (out.maxBytes !== undefined && out.maxBytes < 2 ** 20) throw new LmctfyError(Code.INVALID_ARGUMENT, `--retain size must be at least 1MiB, got "${text}"`);
  return out;
}

/**
 * The segments (oldest first) retention removes: those whose last frame is older than the
 * age, then the oldest while the total is over the size. The newest segment is never among them.
 */
export function overRetention<S extends { endMs: number; bytes: number }>(segments: readonly S[], r: Retention, nowMs: number): S[] {
  const drop: S[] = [];
  let total = segments.reduce((n, s) => n + s.bytes, 0);
  for (let i = 0; i < segments.length - 1; i++) {
    const s = segments[i]!;
    const old = r.maxAgeMs !== undefined && s.endMs < nowMs - r.maxAgeMs;
    const big = r.maxBytes !== undefined && total > r.maxBytes;
    if (!old && !big) break;
    drop.push(s);
    total -= s.bytes;
  }
  return drop;
}

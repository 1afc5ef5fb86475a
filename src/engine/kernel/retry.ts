import { LmctfyError } from '../errors.js';

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

export interface RetryOptions {
  /** Total attempts, including the first (at least 1). */
  tries: number;
  /** Delay before the second attempt; doubles each time up to maxDelayMs. */
  baseDelayMs: number;
  /** Cap on one delay (default 1000 ms). */
  maxDelayMs?: number;
  /** Errnos worth another try (EBUSY, EINVAL, EINTR, ...); anything else is thrown at once. */
  retryOn: readonly string[];
  /** Runs between a failed attempt and the next one (e.g. kill stragglers before another rmdir). */
  between?: (error: LmctfyError, attempt: number) => void | Promise<void>;
}

function retryable(e: unknown, retryOn: readonly string[]): e is LmctfyError {
  return e instanceof LmctfyError && e.errno !== undefined && retryOn.includes(e.errno);
}

/** Delay before attempt `attempt` (1-based; attempt 1 has none). */
export function backoffDelay(attempt: number, baseDelayMs: number, maxDelayMs = 1000): number {
  if (attempt <= 1) return 0;
  return Math.min(maxDelayMs, baseDelayMs * 2 ** (attempt - 2));
}

/**
 * Runs fn until it succeeds, fails with an errno not in retryOn, or runs out of tries;
 * the last error is thrown unchanged so callers still see its code and errno.
 */
export async function retry<T>(fn: (attempt: number) => T | Promise<T>, opts: RetryOptions): Promise<T> {
  const tries = Math.max(1, opts.tries);
  for (let attempt = 1; ; attempt++) {
    try {
      return await fn(attempt);
    } catch (e) {
      if (attempt >= tries || !retryable(e, opts.retryOn)) throw e;
      if (opts.between) await opts.between(e, attempt);
      await sleep(backoffDelay(attempt + 1, opts.baseDelayMs, opts.maxDelayMs));
    }
  }
}

/** Immediate retries for errors that clear within microseconds (EINTR, EINVAL on a task being born). */
export function retrySync<T>(fn: (attempt: number) => T, opts: { tries: number; retryOn: readonly string[] }): T {
  const tries = Math.max(1, opts.tries);
  for (let attempt = 1; ; attempt++) {
    try {
      return fn(attempt);
    } catch (e) {
      if (attempt >= tries || !retryable(e, opts.retryOn)) throw e;
    }
  }
}

import { describe, expect, it, vi } from 'vitest';
import { Code, LmctfyError } from '../../src/engine/errors.js';
import { backoffDelay, retry, retrySync } from '../../src/engine/kernel/retry.js';

function failing(errnos: Array<string | undefined>) {
  let calls = 0;
  const fn = () => {
    const errno = errnos[calls++];
    if (errno === undefined) return 'ok';
    throw new LmctfyError(Code.FAILED_PRECONDITION, `rmdir x: ${errno}`, { errno });
  };
  return { fn, calls: () => calls };
}

describe('backoffDelay', () => {
  it.each([
    [1, 10, 1000, 0],
    [2, 10, 1000, 10],
    [3, 10, 1000, 20],
    [5, 10, 1000, 80],
    [20, 10, 1000, 1000],
    [4, 10, 25, 25],
  ])('attempt %s, base %s, cap %s → %s ms', (attempt, base, cap, want) => {
    expect(backoffDelay(attempt, base, cap)).toBe(want);
  });
});

describe('retry', () => {
  it('retries a listed errno until success', async () => {
    const f = failing(['EBUSY', 'EBUSY']);
    await expect(retry(f.fn, { tries: 5, baseDelayMs: 1, retryOn: ['EBUSY'] })).resolves.toBe('ok');
    expect(f.calls()).toBe(3);
  });

  it('gives up after `tries` with the last error unchanged', async () => {
    const f = failing(['EBUSY', 'EBUSY', 'EBUSY', 'EBUSY']);
    const err = await retry(f.fn, { tries: 3, baseDelayMs: 1, retryOn: ['EBUSY'] }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(LmctfyError);
    expect((err as LmctfyError).errno).toBe('EBUSY');
    expect(f.calls()).toBe(3);
  });

  it('throws an unlisted errno at once', async () => {
    const f = failing(['EACCES']);
    await expect(retry(f.fn, { tries: 5, baseDelayMs: 1, retryOn: ['EBUSY'] })).rejects.toThrow(/EACCES/);
    expect(f.calls()).toBe(1);
  });

  it('throws a non-LmctfyError at once', async () => {
    let calls = 0;
    const fn = () => {
      calls++;
      throw new Error('boom');
    };
    await expect(retry(fn, { tries: 5, baseDelayMs: 1, retryOn: ['EBUSY'] })).rejects.toThrow('boom');
    expect(calls).toBe(1);
  });

  it('runs `between` after each failed attempt that will be retried', async () => {
    const f = failing(['EBUSY', 'EINTR']);
    const seen: Array<[string | undefined, number]> = [];
    await retry(f.fn, { tries: 5, baseDelayMs: 1, retryOn: ['EBUSY', 'EINTR'], between: (e, n) => void seen.push([e.errno, n]) });
    expect(seen).toEqual([
      ['EBUSY', 1],
      ['EINTR', 2],
    ]);
  });

  it('waits with growing delays: 20, 40, 80 ms between the four attempts', async () => {
    const f = failing(['EBUSY', 'EBUSY', 'EBUSY']);
    // A virtual clock: each attempt is seen to wait for exactly its delay.
    vi.useFakeTimers();
    try {
      const done = retry(f.fn, { tries: 4, baseDelayMs: 20, retryOn: ['EBUSY'] });
      const callsAfter = async (ms: number) => (await vi.advanceTimersByTimeAsync(ms), f.calls());
      expect(f.calls()).toBe(1);
      expect([await callsAfter(19), await callsAfter(1)]).toEqual([1, 2]);
      expect([await callsAfter(39), await callsAfter(1)]).toEqual([2, 3]);
      expect([await callsAfter(79), await callsAfter(1)]).toEqual([3, 4]);
      await expect(done).resolves.toBe('ok');
    } finally {
      vi.useRealTimers();
    }
  });
});

describe('retrySync', () => {
  it('retries immediately and returns the result', () => {
    const f = failing(['EINVAL', 'EINTR']);
    expect(retrySync(f.fn, { tries: 3, retryOn: ['EINVAL', 'EINTR'] })).toBe('ok');
    expect(f.calls()).toBe(3);
  });

  it('stops at `tries`', () => {
    const f = failing(['EINVAL', 'EINVAL', 'EINVAL']);
    expect(() => retrySync(f.fn, { tries: 2, retryOn: ['EINVAL'] })).toThrow(/EINVAL/);
    expect(f.calls()).toBe(2);
  });
});

import { describe, expect, it } from 'vitest';
import { Code, type LmctfyError } from '../../src/engine/errors.js';
import { LiveSampler } from '../../src/stats/live.js';

// A root that does not exist: opening the engine on it fails, so whoever opens it says so.
const api = { root: `lmctfy-no-such-root-${process.pid}` };

describe('LiveSampler', () => {
  it('opens no engine on the main thread when made: only the thread that reads passes does', () => {
    const live = new LiveSampler({ api, root: '/', intervalMs: 1000 });
    expect(live.series('/')).toBeUndefined();
    live.stop();
  });

  it('sampling on this thread opens the engine when it starts, and reports a failure to', () => {
    const live = new LiveSampler({ api, root: '/', intervalMs: 1000, inThread: true });
    const errors: LmctfyError[] = [];
    live.onError((e) => errors.push(e));
    live.start();
    live.stop();
    expect(errors.map((e) => e.code)).toEqual([Code.FAILED_PRECONDITION]);
  });
});

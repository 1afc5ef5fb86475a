import { describe, expect, it } from 'vitest';
import { Code, type LmctfyError } from '../../src/engine/errors.js';
import { LiveSampler, PassBudget } from '../../src/stats/live.js';

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

describe('PassBudget: when passes on the main thread cost too much (budget 100 ms)', () => {
  const firstOver = (costs: number[]) => {
    const budget = new PassBudget(100);
    return costs.findIndex((c) => budget.over(c));
  };
  it.each<[string, number[], number]>([
    ['cheap passes stay', [400, 200, ...Array(10).fill(50)], -1],
    ['the first walk, however long, is no spike', [5000, ...Array(10).fill(50)], -1],
    ['a warm-up dearer than the budget, then cheap: stays', [500, 200, 150, 150, 90, 80, 80, 80, 80, 80], -1],
    ['steadily over: moves once the warm-up is over', [400, ...Array(10).fill(150)], 7],
    ['one outlier among five does not move it', [...Array(8).fill(50), 900 / 2, 50, 50], -1],
    ['a pass past the first at five times the budget moves at once', [400, 50, 600], 2],
  ])('%s', (_what, costs, index) => {
    expect(firstOver(costs)).toBe(index);
  });
});

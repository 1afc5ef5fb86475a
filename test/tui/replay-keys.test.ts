import { describe, expect, it } from 'vitest';
import { splitKeys } from '../../src/ui/view/key-input.js';
import { initialState, reduce, reduceAll, type ConsoleInput, type ConsoleState } from '../../src/ui/state/console-state.js';
import { container, sampleView } from './views.js';

/** The replay keys of the console's state machine (lmctfy top --replay), without Ink. */

const TREE = sampleView([container('/'), container('/web', { tasks: 1 })]);
const env = { now: 1_000_000, validateSpec: () => undefined };
const keys = (chunk: string): ConsoleInput[] => splitKeys(chunk).map((key) => ({ type: 'key', key }));

function start(replay: boolean): ConsoleState {
  return reduce(initialState({ readOnly: false, replay, intervalMs: 1000, columns: 120, rows: 30 }), { type: 'sample', view: TREE }, env).state;
}

describe('replay keys', () => {
  it.each([
    ['t', { kind: 'step', samples: -1 }],
    ['T', { kind: 'step', samples: 1 }],
    ['[', { kind: 'shift', ms: -60_000 }],
    [']', { kind: 'shift', ms: 60_000 }],
    ['{', { kind: 'shift', ms: -3_600_000 }],
    ['}', { kind: 'shift', ms: 3_600_000 }],
    ['n', { kind: 'nextEvent' }],
  ])('%s moves the replay', (key, move) => {
    expect(reduceAll(start(true), keys(key), env).effects).toEqual([{ kind: 'replay', move }]);
  });

  it('+ and - set how many samples t and T step, saying how far that is as recorded; live they set the interval', () => {
    const coarser = reduceAll(start(true), keys('++'), env);
    expect(coarser.effects).toEqual([]);
    expect(coarser.state.status).toMatchObject({ text: 'replay: t T step 5 samples (5 s as recorded)' });
    expect(reduceAll(coarser.state, keys('T'), env).effects).toEqual([{ kind: 'replay', move: { kind: 'step', samples: 5 } }]);
    expect(reduceAll(coarser.state, keys('-t'), env).effects).toEqual([{ kind: 'replay', move: { kind: 'step', samples: -2 } }]);
    // Bounded at both ends.
    expect(reduceAll(start(true), keys('--t'), env).effects).toEqual([{ kind: 'replay', move: { kind: 'step', samples: -1 } }]);
    expect(reduceAll(start(true), keys('++++++++T'), env).effects).toEqual([{ kind: 'replay', move: { kind: 'step', samples: 60 } }]);
    expect(reduceAll(start(false), keys('+'), env).effects).toEqual([{ kind: 'setInterval', ms: expect.any(Number) }]);
  });

  it('g asks for a time and goes there on Enter; Esc goes nowhere', () => {
    const asked = reduceAll(start(true), keys('g10m ago'), env);
    expect(asked.state.dialog).toMatchObject({ kind: 'goTo', field: { value: '10m ago' } });
    expect(asked.effects).toEqual([]);
    const gone = reduceAll(asked.state, keys('\r'), env);
    expect(gone.effects).toEqual([{ kind: 'replay', move: { kind: 'goTo', text: '10m ago' } }]);
    expect(gone.state.dialog).toBeUndefined();
    expect(reduceAll(asked.state, keys('\u001b'), env).effects).toEqual([]);
  });

  it('where it moved comes back as the status line', () => {
    const s = reduce(start(true), { type: 'replayed', text: '2026-12-02 03:12:05 (sample 5 of 9)' }, env).state;
    expect(s.status).toMatchObject({ text: '2026-12-02 03:12:05 (sample 5 of 9)' });
  });

  it('actions are off in a replay, and say why', () => {
    const t = reduceAll(start(true), keys('d'), env);
    expect(t.effects).toEqual([]);
    expect(t.state.dialog).toBeUndefined();
    expect(t.state.status).toMatchObject({ text: expect.stringContaining('replay: destroy is disabled'), tone: 'warn' });
    expect(reduceAll(start(true), keys('+'), env).effects).toEqual([]);
  });

  it('live, the replay keys say where they work and do nothing', () => {
    const t = reduceAll(start(false), keys('t'), env);
    expect(t.effects).toEqual([]);
    expect(t.state.status?.text).toContain('lmctfy top --replay');
  });
});

import { describe, expect, it } from 'vitest';
import type { KeyPress } from '../../src/ui/view/key-input.js';
import { splitKeys } from '../../src/ui/view/key-input.js';
import {
  ASSUMED_STATE_MS,
  initialState,
  keyMode,
  reduce,
  reduceAll,
  rowsOf,
  selectedIndex,
  selectedProcess,
  type ConsoleInput,
  type ConsoleState,
  type Effect,
} from '../../src/ui/state/console-state.js';
import { container, sampleView } from './views.js';

/** The console's state machine, without Ink: keys and samples in, state and effects out. */

const TREE = sampleView([
  container('/'),
  container('/busy', { tasks: 2 }),
  container('/frozen', { state: 'FROZEN', tasks: 1 }),
  container('/idle', { tasks: 0 }),
  container('/web', { tasks: 0 }),
  container('/web/api', { tasks: 0 }),
]);

const env = { now: 1_000_000, validateSpec: (text: string) => (text.includes('{') && !text.includes('}') ? 'missing "}"' : undefined) };

function start(readOnly = false): ConsoleState {
  return reduce(initialState({ readOnly, intervalMs: 1000, columns: 120, rows: 30 }), { type: 'sample', view: TREE }, env).state;
}

const keys = (chunk: string): ConsoleInput[] => splitKeys(chunk).map((key) => ({ type: 'key', key }));

/** Types `chunk` as one read; returns the state and every effect asked for. */
function type(s: ConsoleState, chunk: string, e = env) {
  return reduceAll(s, keys(chunk), e);
}

const selectedName = (s: ConsoleState) => rowsOf(s)[selectedIndex(s)]?.name;

describe('keys of one read act in order', () => {
  it.each([
    ['jjj', '/idle'],
    ['jjjk', '/frozen'],
    ['\u001b[B\u001b[B', '/frozen'],
    ['\u001b[F', '/web/api'],
    ['\u001b[F\u001b[H', '/'],
    ['\u001b[6~', '/web/api'],
    ['jjjjj\u001b[D', '/web'],
  ])('%j selects %s', (chunk, name) => {
    expect(selectedName(type(start(), chunk).state)).toBe(name);
  });

  it('++ walks the interval up twice, each step asking the source', () => {
    const { state, effects } = type(start(), '++');
    expect(state.intervalMs).toBe(5000);
    expect(effects).toEqual([
      { kind: 'setInterval', ms: 2000 },
      { kind: 'setInterval', ms: 5000 },
    ]);
  });

  it('sq sorts, then quits', () => {
    const { state, effects } = type(start(), 'sq');
    expect(state.sort).toBe('cpu');
    expect(effects).toEqual([{ kind: 'quit' }]);
  });

  it('a filter typed with its Enter, then a move, in one read', () => {
    const { state } = type(start(), '/api\r\u001b[B');
    expect(state.filter).toBe('api');
    expect(state.dialog).toBeUndefined();
    expect(rowsOf(state).map((r) => r.name)).toEqual(['/', '/web', '/web/api']);
    expect(selectedName(state)).toBe('/web');
  });

  it('a line break inside pasted text is a space in a prompt, not Enter', () => {
    const { state } = type(start(), 'cdb\rx');
    expect(state.dialog).toMatchObject({ step: 'child', field: { value: 'db x' } });
  });

  it('keys after a dialog opened go to the dialog', () => {
    const { state } = type(start(), 'cjob');
    expect(state.dialog).toMatchObject({ kind: 'flow', flow: 'create', field: { value: 'job' } });
  });

  it('Ctrl+C quits from the table', () => {
    expect(type(start(), '\u0003').effects).toEqual([{ kind: 'quit' }]);
  });
});

describe('flows', () => {
  it('create: name, spec (validated), then the call; the new container is selected when it shows', () => {
    let t = type(start(), 'jjjjc');
    t = type(t.state, 'db\r');
    t = type(t.state, 'cpu {\r');
    expect(t.state.dialog).toMatchObject({ step: 'spec', error: 'missing "}"' });
    expect(t.effects).toEqual([]);
    t = type(t.state, ' }\r');
    expect(t.state.dialog).toBeUndefined();
    expect(t.effects).toEqual([{ kind: 'call', call: { action: 'create', parent: '/web', child: 'db', spec: 'cpu { }' } }]);
    expect(t.state.status).toMatchObject({ text: 'creating /web/db…', pending: true });
    let s = reduce(t.state, { type: 'done', call: { action: 'create', parent: '/web', child: 'db', spec: '' }, result: '/web/db' }, env).state;
    expect(s.status?.text).toBe('created /web/db');
    expect(s.events.get('/web')?.map((e) => e.text)).toEqual(['created /web/db']);
    s = reduce(s, { type: 'sample', view: sampleView([...TREE.containers, container('/web/db')]) }, env).state;
    expect(selectedName(s)).toBe('/web/db');
  });

  it.each([
    ['an empty name', 'c\r', 'the name is empty'],
    ['a path', 'ca/b\r', 'give one name component, without "/"'],
  ])('create refuses %s and keeps asking', (_, chunk, error) => {
    const { state, effects } = type(start(), chunk);
    expect(state.dialog).toMatchObject({ step: 'child', error });
    expect(effects).toEqual([]);
  });

  it('update reads the spec first and edits it on one line', () => {
    let t = type(start(), 'jjju');
    const target = { name: '/idle', state: undefined, childCount: 0, tasks: 0 };
    expect(t.effects).toEqual([{ kind: 'readSpec', target: expect.objectContaining({ name: '/idle' }) }]);
    t = reduce(t.state, { type: 'specRead', target, text: 'cpu {\n  limit: 500\n}\n' }, env);
    expect(t.state.dialog).toMatchObject({ flow: 'update', field: { value: 'cpu { limit: 500 }' } });
    t = type(t.state, '\r');
    expect(t.effects).toEqual([{ kind: 'call', call: { action: 'update', name: '/idle', spec: 'cpu { limit: 500 }' } }]);
  });

  it('an editor read while the filter is open waits for it', () => {
    const target = { name: '/idle', state: undefined, childCount: 0, tasks: 0 };
    let s = type(start(), '/').state;
    s = reduce(s, { type: 'specRead', target, text: '' }, env).state;
    expect(s.dialog?.kind).toBe('filter');
    s = type(s, '\r').state;
    expect(s.dialog).toMatchObject({ flow: 'update' });
  });

  it.each<[string, string, string | undefined, Effect[]]>([
    ['a leaf pauses at once', 'j', 'p', [{ kind: 'call', call: { action: 'pause', name: '/busy' } }]],
    ['a frozen one resumes at once', 'jj', 'p', [{ kind: 'call', call: { action: 'resume', name: '/frozen' } }]],
    ['/ asks first', '', 'py', [{ kind: 'call', call: { action: 'pause', name: '/' } }]],
    ['a parent asks first', 'jjjj', 'py', [{ kind: 'call', call: { action: 'pause', name: '/web' } }]],
    ['a parent, answered n', 'jjjj', 'pn', []],
  ])('pause: %s', (_, moves, chunk, effects) => {
    expect(type(type(start(), moves).state, chunk!).effects).toEqual(effects);
  });

  it('a second p before the sample shows the first toggles back, until the sample is too old to doubt', () => {
    let s = type(start(), 'j').state;
    s = reduce(s, { type: 'done', call: { action: 'pause', name: '/busy' } }, env).state;
    expect(type(s, 'p').effects).toEqual([{ kind: 'call', call: { action: 'resume', name: '/busy' } }]);
    const later = { ...env, now: env.now + ASSUMED_STATE_MS };
    expect(type(s, 'p', later).effects).toEqual([{ kind: 'call', call: { action: 'pause', name: '/busy' } }]);
  });

  it('destroy: / is refused at once, without a question', () => {
    const { state, effects } = type(start(), 'd');
    expect(state.dialog).toBeUndefined();
    expect(state.status).toMatchObject({ text: 'the root container / cannot be destroyed', tone: 'error' });
    expect(effects).toEqual([]);
  });

  it.each([
    ['an empty container after one y', 'jjj', 'dy', { action: 'destroy', name: '/idle', force: false }],
    ['a busy one after two', 'j', 'dyy', { action: 'destroy', name: '/busy', force: true }],
    ['a parent after two', 'jjjj', 'dyy', { action: 'destroy', name: '/web', force: true }],
  ])('destroy: %s', (_, moves, chunk, call) => {
    expect(type(type(start(), moves).state, chunk).effects).toEqual([{ kind: 'call', call }]);
  });

  it.each([
    ['Enter keeps it running', '/srv/ck\r\r', { action: 'checkpoint', name: '/busy', dir: '/srv/ck', leaveRunning: true }],
    ['→ then Enter stops and destroys it', '/srv/ck\r\u001b[C\r', { action: 'checkpoint', name: '/busy', dir: '/srv/ck', leaveRunning: false }],
  ])('checkpoint (C) asks for a directory, then what after: %s', (_, chunk, call) => {
    const s = type(start(), 'jC').state;
    expect(s.dialog).toMatchObject({ flow: 'checkpoint', step: 'dir' });
    expect(type(s, chunk).effects).toEqual([{ kind: 'call', call }]);
  });

  it('checkpoint (C): / is refused at once, and an empty directory keeps the prompt open', () => {
    expect(type(start(), 'C').state.status).toMatchObject({ text: 'the root container / cannot be checkpointed', tone: 'error' });
    const s = type(start(), 'jC\r');
    expect(s.state.dialog).toMatchObject({ flow: 'checkpoint', step: 'dir' });
    expect(s.effects).toEqual([]);
  });

  it.each([
    ['Enter takes TERM', '\ry', 'TERM'],
    ['→ then Enter', '\u001b[C\ry', 'KILL'],
    ['Tab twice', '\t\t\ry', 'HUP'],
    ['← wraps to the last', '\u001b[D\ry', 'USR2'],
    ['a number', '5\ry', 'USR1'],
  ])('signal to all tasks: %s', (_, chunk, signal) => {
    const s = type(start(), 'jK').state;
    expect(s.dialog).toMatchObject({ flow: 'signal', step: 'signal', choice: 0 });
    expect(type(s, chunk).effects).toEqual([{ kind: 'call', call: { action: 'signal', name: '/busy', target: 'all', signal } }]);
  });

  it.each([
    ['run', 'jrsleep 9\r', [{ kind: 'call', call: { action: 'run', name: '/busy', command: 'sleep 9' } }]],
    ['run refuses an empty command', 'jr \r', []],
    ['the shell, typed command', 'jxtop -b\r', [{ kind: 'handOver', name: '/busy', command: 'top -b' }]],
    ['the shell, the default', 'jx\r', [{ kind: 'handOver', name: '/busy', command: '' }]],
  ])('%s', (_, chunk, effects) => {
    expect(type(start(), chunk).effects).toEqual(effects);
  });

  it('Esc in any step cancels, and says so', () => {
    for (const chunk of ['c\u001b', 'cx\r\u001b', 'K\u001b', 'x\u001b', 'jjjjd\u001b', 'jjjjdyn']) {
      const { state, effects } = type(start(), chunk);
      expect(state.dialog, chunk).toBeUndefined();
      expect(state.status?.text, chunk).toBe('cancelled');
      expect(effects, chunk).toEqual([]);
    }
  });

  it.each(['c', 'u', 'p', 'r', 'K', 'd', 'x'])('read-only: %s only says so', (key) => {
    const { state, effects } = type(start(true), key);
    expect(state.status?.text).toMatch(/^read-only: \w+ is disabled$/);
    expect(state.dialog).toBeUndefined();
    expect(effects).toEqual([]);
  });

  it('a failed call is reported and logged on its container', () => {
    const call = { action: 'pause', name: '/busy' } as const;
    const s = reduce(start(), { type: 'failed', call, message: 'FAILED_PRECONDITION: busy' }, env).state;
    expect(s.status).toMatchObject({ text: 'FAILED_PRECONDITION: busy', tone: 'error' });
    expect(s.events.get('/busy')?.[0]).toMatchObject({ text: 'FAILED_PRECONDITION: busy', tone: 'error', time: new Date(env.now).toISOString() });
  });
});

describe('status', () => {
  it('expires by its id; a newer message is kept; a pending one stays', () => {
    const s = type(start(), 's').state;
    const id = s.status!.id;
    expect(reduce(s, { type: 'expireStatus', id }, env).state.status).toBeUndefined();
    const newer = type(s, 's').state;
    expect(reduce(newer, { type: 'expireStatus', id }, env).state.status?.text).toBe('sorted by memory');
    const pending = type(s, 'j').state;
    const paused = type(pending, 'p').state;
    expect(reduce(paused, { type: 'expireStatus', id: paused.status!.id }, env).state.status?.text).toBe('pausing /busy…');
  });
});

describe('a selection that vanishes', () => {
  const without = (name: string) => sampleView(TREE.containers.filter((c) => c.name !== name));

  it('destroyed elsewhere: says so and shows the parent', () => {
    const s = type(start(), '\u001b[F').state;
    const next = reduce(s, { type: 'sample', view: without('/web/api') }, env).state;
    expect(selectedName(next)).toBe('/web');
    expect(next.status).toMatchObject({ text: '/web/api was destroyed elsewhere; showing /web', tone: 'warn' });
  });

  it('destroyed here: no word of elsewhere', () => {
    let s = type(start(), '\u001b[Fdy').state;
    s = reduce(s, { type: 'done', call: { action: 'destroy', name: '/web/api', force: false } }, env).state;
    s = reduce(s, { type: 'sample', view: without('/web/api') }, env).state;
    expect(s.status?.text).toBe('destroyed /web/api');
    expect(s.destroying.size).toBe(0);
  });

  it('hidden by a filter is not destroyed', () => {
    const s = type(start(), '\u001b[F/busy\r').state;
    const next = reduce(s, { type: 'sample', view: TREE }, env).state;
    expect(rowsOf(next).map((r) => r.name)).not.toContain('/web/api');
    expect(next.status?.text ?? '').not.toMatch(/elsewhere/);
  });
});

describe('process list and log', () => {
  const snapshot = (ticks: number) => ({
    clockTicksPerSecond: 100,
    processes: [
      { pid: 7, ppid: 1, uid: 0, user: 'root', state: 'S', cpuTicks: 100, rssBytes: 1, command: 'idle', startTicks: 1 },
      { pid: 9, ppid: 1, uid: 0, user: 'root', state: 'R', cpuTicks: ticks, rssBytes: 2, command: 'burn', startTicks: 1 },
    ],
  });

  it('P reads the processes with every pass; CPU % comes from two reads; K signals the chosen one', () => {
    let t = type(start(), 'jP');
    expect(keyMode(t.state)).toBe('processes');
    expect(t.effects).toEqual([{ kind: 'readProcesses', name: '/busy' }]);
    let s = reduce(t.state, { type: 'processes', name: '/busy', snapshot: snapshot(0), at: 0 }, env).state;
    expect(reduce(s, { type: 'sample', view: TREE }, env).effects).toEqual([{ kind: 'readProcesses', name: '/busy' }]);
    s = reduce(s, { type: 'processes', name: '/busy', snapshot: snapshot(50), at: 1000 }, env).state;
    expect(s.processes?.rows.map((r) => [r.pid, r.cpuPercent])).toEqual([
      [9, 50],
      [7, 0],
    ]);
    s = type(s, 'j').state;
    expect(selectedProcess(s.processes!)).toBe(1);
    t = type(s, 'K\u001b[C\ry');
    expect(t.effects).toEqual([
      { kind: 'call', call: { action: 'signal', name: '/busy', target: 7, signal: 'KILL' } },
    ]);
    s = type(t.state, '\u001b').state;
    expect(keyMode(s)).toBe('table');
    expect(reduce(s, { type: 'sample', view: TREE }, env).effects).toEqual([]);
  });

  it('l follows the log from its tail, line by line, and scrolls back', () => {
    let t = type(start(), 'jl');
    expect(t.effects).toEqual([{ kind: 'readLog', name: '/busy' }]);
    let s = reduce(t.state, { type: 'log', name: '/busy', chunk: { text: 'one\ntw', next: 6, reset: false } }, env).state;
    expect(s.log).toMatchObject({ lines: ['one'], partial: 'tw', next: 6 });
    t = reduce(s, { type: 'sample', view: TREE }, env);
    expect(t.effects).toEqual([{ kind: 'readLog', name: '/busy', offset: 6 }]);
    s = reduce(t.state, { type: 'log', name: '/busy', chunk: { text: 'o\n\u001b[31mred\u001b[0m\tx\r\n', next: 20, reset: false } }, env).state;
    expect(s.log?.lines).toEqual(['one', 'two', 'red    x']);
    s = reduce(s, { type: 'log', name: '/busy', chunk: { text: 'new\n', next: 4, reset: true } }, env).state;
    expect(s.log?.lines).toEqual(['one', 'two', 'red    x', '── the log was rotated ──', 'new']);
    s = type(s, 'k').state;
    expect(s.log?.scroll).toBe(0);
    s = type(s, 'l').state;
    expect(s.bottom).toBeUndefined();
  });
});

describe('layout', () => {
  it('keeps the selection on screen as it moves and as the terminal shrinks', () => {
    const many = sampleView([container('/'), ...Array.from({ length: 50 }, (_, i) => container(`/c${String(i).padStart(2, '0')}`))]);
    let s = reduce(initialState({ readOnly: false, intervalMs: 1000, columns: 100, rows: 20 }), { type: 'sample', view: many }, env).state;
    s = type(s, '\u001b[F').state;
    expect(selectedIndex(s)).toBe(50);
    expect(s.top).toBe(50 - 14 + 1);
    s = reduce(s, { type: 'resize', columns: 100, rows: 16 }, env).state;
    expect(s.top).toBe(50 - 10 + 1);
  });
});

// A key this file builds by hand, to show the reducer takes any KeyPress, not only split ones.
it('an Alt+key is no command', () => {
  const key: KeyPress = { char: 'q', meta: true };
  expect(reduce(start(), { type: 'key', key }, env).effects).toEqual([]);
});

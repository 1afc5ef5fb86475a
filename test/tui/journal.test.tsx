import { cleanup } from 'ink-testing-library';
import { afterEach, describe, expect, it } from 'vitest';
import type { JournalRecord } from '../../src/engine/journal.js';
import { initialState, reduce, type ConsoleState } from '../../src/ui/state/console-state.js';
import { decisionStatus, journalEvent } from '../../src/ui/view/journal.js';
import { startConsole } from './harness.js';
import { KEY, drawn, press, screen } from './helpers.js';
import { namesView } from './views.js';

afterEach(cleanup);

const T = Date.UTC(2026, 11, 2, 13, 0, 5);
const rec = (extra: Partial<JournalRecord>): JournalRecord => ({ time: T, kind: 'action', what: 'create', container: '/a', ...extra });
const EVICT = rec({
  kind: 'decision',
  what: 'evict',
  container: '/batch1',
  tier: 'BEST_EFFORT',
  reason: 'memory pressure 42%: killed its 3 tasks',
  detail: { tasks: 3, trigger: 'stall' },
});

describe('journal records as console events', () => {
  const table: Array<[string, JournalRecord, string, string]> = [
    ['an action by another process', rec({ pid: 42, code: 0 }), 'create by pid 42', 'ok'],
    ['a refused action', rec({ pid: 42, code: 8, reason: 'not enough memory' }), 'create by pid 42 failed (RESOURCE_EXHAUSTED): not enough memory', 'error'],
    ['a decision', EVICT, 'daemon evict (BEST_EFFORT): memory pressure 42%: killed its 3 tasks', 'warn'],
    ['a kernel event', rec({ kind: 'event', what: 'oom', reason: 'a task was killed' }), 'oom: a task was killed', 'warn'],
  ];
  it.each(table)('%s', (_title, r, text, tone) => {
    expect(journalEvent(r)).toEqual({ time: '2026-12-02T13:00:05.000Z', text, tone });
  });
});

describe('a daemon decision on the status line', () => {
  const table: Array<[string, JournalRecord, string, string]> = [
    ['an eviction', EVICT, 'daemon: evicted /batch1 (BEST_EFFORT): memory pressure 42%: killed its 3 tasks', 'error'],
    ['a reclaim', rec({ kind: 'decision', what: 'reclaim', container: '/b', tier: 'BATCH', reason: '10 MiB freed' }), 'daemon: reclaimed memory of /b (BATCH): 10 MiB freed', 'warn'],
    [
      'nothing left to evict, for the machine',
      rec({ kind: 'decision', what: 'evict', container: '', code: 8, reason: 'nothing left to evict' }),
      'daemon: evict the machine failed (RESOURCE_EXHAUSTED): nothing left to evict',
      'error',
    ],
    ['a CPU cap', rec({ kind: 'decision', what: 'cpu_cap', container: '/n', tier: 'NORMAL', reason: '/lat (PRIORITY) waited for CPU' }), 'daemon: capped the CPU of /n (NORMAL): /lat (PRIORITY) waited for CPU', 'warn'],
    ['its release', rec({ kind: 'decision', what: 'cpu_release', container: '/n', tier: 'NORMAL' }), 'daemon: released the CPU cap of /n (NORMAL)', 'warn'],
    ['exclusive CPUs of a container removed by hand', rec({ kind: 'decision', what: 'release_cpus', container: '/x', tier: 'PREMIER' }), 'daemon: gave back the exclusive CPUs of /x (PREMIER)', 'warn'],
    ['the OOM killer held off in a parent', rec({ kind: 'decision', what: 'oom_hold', container: '/p' }), "daemon: held the kernel's OOM killer off in /p", 'warn'],
    ['and given back', rec({ kind: 'decision', what: 'oom_release', container: '/p' }), "daemon: gave the kernel's OOM killer back in /p", 'warn'],
    ['a decision this console does not know', rec({ kind: 'decision', what: 'throttle', container: '/c' }), 'daemon: throttle /c', 'warn'],
  ];
  it.each(table)('%s', (_title, r, text, tone) => {
    expect(decisionStatus(r)).toEqual({ text, tone });
  });
});

describe('the reducer takes journal records', () => {
  const env = { now: T, validateSpec: () => undefined };
  const start = (): ConsoleState => reduce(initialState({ readOnly: false, intervalMs: 1000, columns: 120, rows: 30 }), { type: 'sample', view: namesView('/', '/batch1', '/a') }, env).state;

  it('live records: events of their containers, the newest decision on the status line', () => {
    const s = reduce(start(), { type: 'journal', records: [rec({ pid: 7 }), EVICT] }, env).state;
    expect(s.events.get('/a')?.map((e) => e.text)).toEqual(['create by pid 7']);
    expect(s.events.get('/batch1')?.map((e) => e.text)).toEqual([journalEvent(EVICT).text]);
    expect(s.status).toMatchObject({ text: decisionStatus(EVICT).text, tone: 'error' });
  });

  it('past records: events only; a call under way keeps its status; the machine has no event list', () => {
    const past = reduce(start(), { type: 'journal', records: [EVICT], past: true }, env).state;
    expect(past.events.get('/batch1')).toHaveLength(1);
    expect(past.status).toBeUndefined();
    const pending: ConsoleState = { ...start(), status: { text: 'pausing /a…', id: 1, pending: true } };
    const s = reduce(pending, { type: 'journal', records: [{ ...EVICT, container: '' }] }, env).state;
    expect(s.status?.text).toBe('pausing /a…');
    expect([...s.events.keys()]).toEqual([]);
  });
});

describe('the console follows the journal', () => {
  it('shows a decision on the status line when it happens, and in the container\'s events', async () => {
    const { r, source } = await startConsole(namesView('/', '/batch1'));
    await drawn(r, () => source.emitJournal([rec({ container: '/batch1', pid: 9, code: 0 })], true));
    expect(screen(r)).not.toContain('daemon:');
    await drawn(r, () => source.emitJournal([EVICT]));
    expect(screen(r)).toContain('daemon: evicted /batch1 (BEST_EFFORT): memory pressure 42%');
    await press(r, KEY.down, KEY.enter);
    expect(screen(r)).toMatch(/\d\d:\d\d:\d\d daemon evict \(BEST_EFFORT\)/);
    expect(screen(r)).toMatch(/\d\d:\d\d:\d\d create by pid 9/);
  });
});

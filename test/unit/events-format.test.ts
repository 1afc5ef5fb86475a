import { describe, expect, it } from 'vitest';
import { eventFilter, formatEventLine } from '../../src/cli/commands/events.js';
import { parseTime } from '../../src/record/time.js';
import { decisionRow } from '../../src/cli/commands/notify.js';
import { Code, LmctfyError } from '../../src/engine/errors.js';
import type { JournalRecord } from '../../src/engine/journal.js';

const T = Date.UTC(2026, 11, 2, 13, 0, 0, 250);
const rec = (extra: Partial<JournalRecord>): JournalRecord => ({ time: T, kind: 'action', what: 'create', container: '/a', ...extra });

describe('formatEventLine', () => {
  const table: Array<[string, JournalRecord, string]> = [
    ['a bare record', rec({}), '2026-12-02T13:00:00.250Z action   /a create'],
    ['an action with its result and caller', rec({ uid: 0, pid: 42, code: 0, spec: 'memory:{limit:1}' }), '2026-12-02T13:00:00.250Z action   /a create OK uid=0 pid=42'],
    [
      'a refused action: the code by name, the reason last',
      rec({ code: Code.RESOURCE_EXHAUSTED, uid: 1000, pid: 7, reason: 'not enough memory' }),
      '2026-12-02T13:00:00.250Z action   /a create RESOURCE_EXHAUSTED uid=1000 pid=7: not enough memory',
    ],
    [
      'a decision: tier, detail as words, reason',
      rec({ kind: 'decision', what: 'evict', container: '/batch1', tier: 'BEST_EFFORT', detail: { tasks: 3, pressure: 42.5, how: 'kill tasks' }, reason: 'memory pressure 42%' }),
      '2026-12-02T13:00:00.250Z decision /batch1 evict BEST_EFFORT tasks=3 pressure=42.5 how="kill tasks": memory pressure 42%',
    ],
    ['the machine as a whole', rec({ kind: 'event', what: 'pressure', container: '' }), '2026-12-02T13:00:00.250Z event    (machine) pressure'],
    ['a reason on two lines stays on one', rec({ reason: 'a\nb' }), '2026-12-02T13:00:00.250Z action   /a create: a b'],
    ['a code this version does not know', rec({ code: 99 }), '2026-12-02T13:00:00.250Z action   /a create code 99'],
    ['an empty or = detail value is quoted', rec({ detail: { a: '', b: 'x=y', c: true } }), '2026-12-02T13:00:00.250Z action   /a create a="" b="x=y" c=true'],
  ];
  it.each(table)('%s', (_title, r, line) => {
    expect(formatEventLine(r)).toBe(line);
  });
});

describe('--since, read by parseTime', () => {
  const now = T;
  const table: Array<[string, number]> = [
    ['90s', now - 90_000],
    ['10m', now - 600_000],
    ['2h', now - 7_200_000],
    ['1d', now - 86_400_000],
    ['500ms', now - 500],
    ['1.5h', now - 5_400_000],
    ['10m ago', now - 600_000],
    ['1h30m', now - 5_400_000],
    ['2026-12-02T12:00:00Z', Date.UTC(2026, 11, 2, 12)],
    ['2026-12-02', Date.UTC(2026, 11, 2)],
  ];
  it.each(table)('%s', (text, ms) => {
    expect(parseTime(text, now, '--since')).toBe(ms);
  });
  it.each(['', 'yesterday', '10', '10 minutes', '-5m', '1700000000000', '2026-13-45'])('"%s" is INVALID_ARGUMENT naming the forms', (text) => {
    let err: unknown;
    try {
      parseTime(text, now, '--since');
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(LmctfyError);
    expect((err as LmctfyError).code).toBe(Code.INVALID_ARGUMENT);
    expect((err as LmctfyError).message).toMatch(/^--since must be "now", a time ago .*, got "/);
  });
});

describe('eventFilter', () => {
  const table: Array<[string | undefined, number | undefined, Partial<JournalRecord>, boolean]> = [
    [undefined, undefined, { container: '' }, true],
    ['/', undefined, { container: '' }, true],
    ['/a', undefined, { container: '/a' }, true],
    ['/a', undefined, { container: '/a/b' }, true],
    ['/a', undefined, { container: '/ab' }, false],
    ['/a', undefined, { container: '' }, false],
    ['/a', undefined, { container: '/' }, false],
    [undefined, T, { time: T }, true],
    [undefined, T + 1, { time: T }, false],
  ];
  it.each(table)('name %s since %s: %o → %s', (name, since, r, kept) => {
    expect(eventFilter(name, since)(rec(r))).toBe(kept);
  });
});

describe('decisionRow', () => {
  it('puts notification_status first, then when, where, what, tier and why', () => {
    const r = rec({ kind: 'decision', what: 'reclaim', container: '/b', tier: 'BATCH', reason: 'memory.high lowered', detail: { bytes: 5 } });
    expect(Object.entries(decisionRow(r))).toEqual([
      ['notification_status', 'OK'],
      ['time', '2026-12-02T13:00:00.250Z'],
      ['container', '/b'],
      ['what', 'reclaim'],
      ['tier', 'BATCH'],
      ['reason', 'memory.high lowered'],
    ]);
  });
});

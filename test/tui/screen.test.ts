import { describe, expect, it } from 'vitest';
import { initialState, reduce, type ConsoleInput, type ConsoleState } from '../../src/ui/state/console-state.js';
import { changedRows, quietPass, tableFrame, type RecentCpu } from '../../src/ui/state/screen.js';
import { container, sampleView } from './views.js';

/** Whether a pass needs a frame (state/screen.ts): everything on screen but the clock is compared. */

const env = { now: 1_000_000, validateSpec: () => undefined };
const tree = (cpu: number, at: string, more: string[] = []) =>
  sampleView([container('/'), container('/a', { cpu, memory: 1 << 20, tasks: 1 }), container('/b', { cpu: 0, tasks: 0 }), ...more.map((n) => container(n))], at);

function step(s: ConsoleState, ...inputs: ConsoleInput[]): ConsoleState {
  for (const input of inputs) s = reduce(s, input, env).state;
  return s;
}

const flat: RecentCpu = (_name, n) => new Array<number>(n).fill(0);
const same = { previous: 'x', next: 'x' };

function first(): ConsoleState {
  return step(initialState({ readOnly: false, intervalMs: 1000, columns: 120, rows: 30 }), { type: 'sample', view: tree(5, '2024-01-01T12:00:00Z') });
}

describe('quietPass: a pass that changes nothing on screen but the clock', () => {
  it('is quiet when only the time moved', () => {
    const a = first();
    const b = step(a, { type: 'sample', view: tree(5, '2024-01-01T12:00:01Z') });
    expect(quietPass(a, b, same, flat)).toBe(true);
  });

  it.each<[string, (a: ConsoleState) => ConsoleState]>([
    ['a shown figure moved', (a) => step(a, { type: 'sample', view: tree(6, '2024-01-01T12:00:01Z') })],
    ['a container appeared', (a) => step(a, { type: 'sample', view: tree(5, '2024-01-01T12:00:01Z', ['/c']) })],
    ['the terminal was resized meanwhile', (a) => step(a, { type: 'resize', columns: 100, rows: 30 }, { type: 'sample', view: tree(5, '2024-01-01T12:00:01Z') })],
  ])('is not quiet when %s', (_what, next) => {
    const a = first();
    const b = next(a);
    // Against the state before the change, as the console compares with what it drew.
    expect(quietPass(a, b, same, flat)).toBe(false);
  });

  it('is not quiet while the detail panel is open: its plots move every pass', () => {
    const open = step(first(), { type: 'key', key: { name: 'enter' } });
    expect(open.bottom).toBe('detail');
    const b = step(open, { type: 'sample', view: tree(5, '2024-01-01T12:00:01Z') });
    expect(quietPass(open, b, same, flat)).toBe(false);
  });

  it('is not quiet when the header’s other facts differ, or before the first pass', () => {
    const a = first();
    const b = step(a, { type: 'sample', view: tree(5, '2024-01-01T12:00:01Z') });
    expect(quietPass(a, b, { previous: 'budget 1', next: 'budget 2' }, flat)).toBe(false);
    const empty = initialState({ readOnly: false, intervalMs: 1000, columns: 120, rows: 30 });
    expect(quietPass(empty, a, same, flat)).toBe(false);
  });

  it('is not quiet when a sparkline moved', () => {
    const a = first();
    tableFrame(a, flat);
    const b = step(a, { type: 'sample', view: tree(5, '2024-01-01T12:00:01Z') });
    const moved: RecentCpu = (name, n) => [...new Array<number>(n - 1).fill(0), name === '/a' ? 50 : 0];
    expect(quietPass(a, b, same, moved)).toBe(false);
  });

  it('keeps each state’s table as first drawn: the history read once', () => {
    const a = first();
    let reads = 0;
    const counting: RecentCpu = (name, n) => {
      reads++;
      return flat(name, n);
    };
    const frame = tableFrame(a, counting);
    expect(tableFrame(a, counting)).toBe(frame);
    expect(reads).toBe(frame.rows.length);
    expect(frame.total).toBe(3);
  });
});

describe('changedRows: the table rows a pass changed, when nothing else on screen did', () => {
  it('lists the rows whose text changed, none for a quiet pass', () => {
    const a = first();
    expect(changedRows(a, step(a, { type: 'sample', view: tree(5, '2024-01-01T12:00:01Z') }), same, flat)).toEqual([]);
    // Rows: /, /a, /b.
    expect(changedRows(a, step(a, { type: 'sample', view: tree(6, '2024-01-01T12:00:01Z') }), same, flat)).toEqual([1]);
    const moved: RecentCpu = (name, n) => [...new Array<number>(n - 1).fill(0), name === '/b' ? 50 : 0];
    tableFrame(a, flat);
    expect(changedRows(a, step(a, { type: 'sample', view: tree(6, '2024-01-01T12:00:01Z') }), same, moved)).toEqual([1, 2]);
  });

  it.each<[string, (a: ConsoleState) => ConsoleState]>([
    ['a container appeared', (a) => step(a, { type: 'sample', view: tree(6, '2024-01-01T12:00:01Z', ['/c']) })],
    ['the selection moved', (a) => step(a, { type: 'key', key: { name: 'down' } }, { type: 'sample', view: tree(6, '2024-01-01T12:00:01Z') })],
    ['the sort changed', (a) => step(a, { type: 'key', key: { char: 's' } }, { type: 'sample', view: tree(6, '2024-01-01T12:00:01Z') })],
    ['the detail panel is open', (a) => step(a, { type: 'key', key: { name: 'enter' } }, { type: 'sample', view: tree(6, '2024-01-01T12:00:01Z') })],
  ])('is undefined (render) when %s', (_what, next) => {
    const a = first();
    expect(changedRows(a, next(a), same, flat)).toBeUndefined();
  });

  it('under the help a row that changed is not where the table would put it: render', () => {
    const open = step(first(), { type: 'key', key: { char: '?' } });
    expect(open.helpOpen).toBe(true);
    expect(changedRows(open, step(open, { type: 'sample', view: tree(5, '2024-01-01T12:00:01Z') }), same, flat)).toEqual([]);
    expect(changedRows(open, step(open, { type: 'sample', view: tree(6, '2024-01-01T12:00:01Z') }), same, flat)).toBeUndefined();
  });
});

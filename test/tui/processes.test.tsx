import { cleanup } from 'ink-testing-library';
import { afterEach, describe, expect, it } from 'vitest';
import { ProcessList } from '../../src/ui/components/ProcessList.js';
import {
  layoutProcesses,
  noProcessesText,
  processCpu,
  processLine,
  processTitle,
  sortProcesses,
  type ProcessFields,
  type ProcessRow,
  type ProcessSnapshot,
} from '../../src/ui/view/processes.js';
import { mount, screen } from './helpers.js';

afterEach(cleanup);

function proc(pid: number, cpuTicks: number, f: Partial<ProcessFields> = {}): ProcessFields {
  return { pid, ppid: 1, uid: 0, user: 'root', state: 'S', cpuTicks, rssBytes: 4096, command: `cmd${pid}`, startTicks: 1000, ...f };
}

const read = (...processes: ProcessFields[]): ProcessSnapshot => ({ clockTicksPerSecond: 100, processes });

describe('processCpu', () => {
  const cpuOf = (prev: ProcessSnapshot | undefined, cur: ProcessSnapshot, sec = 2) =>
    Object.fromEntries(processCpu(prev, cur, sec).map((r) => [r.pid, r.cpuPercent]));

  it.each<[string, ProcessSnapshot | undefined, ProcessSnapshot, Record<number, number | undefined>]>([
    ['ticks over elapsed seconds and the tick rate', read(proc(10, 100)), read(proc(10, 300)), { 10: 100 }],
    ['an idle process is at 0', read(proc(10, 5)), read(proc(10, 5)), { 10: 0 }],
    ['several CPUs go above 100', read(proc(10, 0)), read(proc(10, 800)), { 10: 400 }],
    ['the first read has nothing to compare with', undefined, read(proc(10, 300)), { 10: undefined }],
    ['a process new since the last read', read(proc(10, 0)), read(proc(10, 50), proc(11, 50)), { 10: 25, 11: undefined }],
    ['a reused pid is a new process', read(proc(10, 500, { startTicks: 1 })), read(proc(10, 600, { startTicks: 2 })), { 10: undefined }],
    ['ticks going backwards are unknown', read(proc(10, 500)), read(proc(10, 400)), { 10: undefined }],
  ])('%s', (_, prev, cur, expected) => {
    expect(cpuOf(prev, cur)).toEqual(expected);
  });

  it('takes the tick rate from the read', () => {
    expect(cpuOf(read(proc(1, 0)), { clockTicksPerSecond: 250, processes: [proc(1, 250)] }, 1)).toEqual({ 1: 100 });
  });

  it('gives no CPU % over no time', () => {
    expect(cpuOf(read(proc(10, 0)), read(proc(10, 100)), 0)).toEqual({ 10: undefined });
  });

  it('keeps what a line shows', () => {
    const [row] = processCpu(undefined, read(proc(7, 0, { user: 'www', state: 'R', rssBytes: 5 * 1024 ** 2, command: 'nginx -g daemon off;' })), 1);
    expect(row).toEqual({ pid: 7, user: 'www', state: 'R', rssBytes: 5 * 1024 ** 2, command: 'nginx -g daemon off;' });
  });
});

function row(pid: number, cpuPercent: number | undefined, rssBytes = 0, f: Partial<ProcessRow> = {}): ProcessRow {
  return { pid, user: 'root', state: 'S', cpuPercent, rssBytes, command: `cmd${pid}`, ...f };
}

describe('sortProcesses', () => {
  const rows = [row(30, 5, 100), row(10, undefined, 300), row(20, 50, 200), row(40, 5, 50)];
  it.each([
    ['cpu', false, [20, 30, 40, 10]],
    ['cpu', true, [10, 40, 30, 20]],
    ['rss', false, [10, 20, 30, 40]],
    ['pid', false, [10, 20, 30, 40]],
    ['pid', true, [40, 30, 20, 10]],
  ] as const)('by %s (reversed: %s)', (key, reverse, pids) => {
    expect(sortProcesses(rows, key, reverse).map((r) => r.pid)).toEqual(pids);
  });
});

describe('process lines', () => {
  const rows = [
    row(1, 0.5, 4 * 1024 ** 2, { command: 'init' }),
    row(4_194_303, 1600.4, 1536 * 1024 ** 2, { user: 'a-very-long-user-name', state: 'R', command: 'stress-ng --cpu 16 --timeout 60s --metrics-brief' }),
  ];

  it.each([80, 60, 40])('are exactly %s columns wide, title included', (width) => {
    const layout = layoutProcesses(rows, width);
    for (const line of [processTitle(layout), ...rows.map((r) => processLine(r, layout))]) expect(line).toHaveLength(width);
  });

  it('cut only the command (and a long user name), never a number', () => {
    const layout = layoutProcesses(rows, 60);
    const line = processLine(rows[1], layout);
    expect(line).toMatch(/^4194303 a-very-lo… R  1600%  1.5 GiB stress-ng .*…$/);
    expect(processLine(rows[0], layout)).toMatch(/^ {6}1 root {7}S {3}0\.5%  4\.0 MiB init {2,}$/);
    expect(processTitle(layout)).toMatch(/^ {4}PID USER {7}S {3}CPU% {6}RSS COMMAND/);
  });

  it('give up the user, then the state, then RSS before the command gets too narrow', () => {
    expect(layoutProcesses(rows, 80).columns).toEqual(['pid', 'user', 'state', 'cpu', 'rss']);
    expect(layoutProcesses(rows, 40).columns).toEqual(['pid', 'state', 'cpu', 'rss']);
    expect(layoutProcesses(rows, 36).columns).toEqual(['pid', 'cpu', 'rss']);
    expect(layoutProcesses(rows, 24).columns).toEqual(['pid', 'cpu']);
  });
});

describe('noProcessesText', () => {
  it.each<[string, number | undefined, string]>([
    ['no count read', undefined, 'no processes in /web'],
    ['an empty subtree', 0, 'no processes in /web'],
    ['one task below', 1, 'no processes in /web itself: its 1 task is in the containers below it'],
    ['tasks below', 4, 'no processes in /web itself: its 4 tasks are in the containers below it'],
  ])('%s', (_, tasks, text) => {
    expect(noProcessesText('/web', tasks)).toBe(text);
  });
});

describe('ProcessList', () => {
  const many = Array.from({ length: 30 }, (_, i) => row(100 + i, i, 1024, { command: `worker ${i}` }));

  it('draws the title and the rows, the selected one kept on screen', () => {
    const r = mount(<ProcessList rows={many} selected={20} width={60} height={6} emptyText="no processes" />);
    const lines = screen(r).split('\n');
    expect(lines).toHaveLength(6);
    expect(lines[0]).toMatch(/PID.*USER.*CPU%.*RSS.*COMMAND/);
    expect(lines.at(-1)).toContain('worker 20');
    expect(lines[1]).toContain('worker 16');
  });

  it('says why there are no rows', () => {
    const r = mount(<ProcessList rows={[]} selected={-1} width={60} height={6} emptyText="reading processes…" />);
    expect(screen(r)).toContain('reading processes…');
  });
});

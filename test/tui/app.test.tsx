import { cleanup } from 'ink-testing-library';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { formatClock } from '../../src/ui/view/format.js';
import { HELP_ACTIONS, HELP_KEYS } from '../../src/ui/components/HelpOverlay.js';
import { startConsole } from './harness.js';
import { KEY, drawn, lineWith, press, resize, screen, selectedLine, type, type Rendered } from './helpers.js';
import { container, sampleView } from './views.js';

const TREE = sampleView([
  container('/', { cpu: 5, memory: 100 * 1024 ** 2 }),
  container('/web', { cpu: 60, memory: 900 * 1024 ** 2 }),
  container('/web/front', { cpu: 50, memory: 500 * 1024 ** 2 }),
  container('/web/back', { cpu: 40, memory: 200 * 1024 ** 2 }),
  container('/batch', { cpu: 90, memory: 50 * 1024 ** 2 }),
  container('/batch/job', { cpu: 80, memory: 40 * 1024 ** 2, tasks: 3 }),
]);

afterEach(cleanup);

const start = () => startConsole(TREE);

/** Table names in screen order, without indentation or markers. */
function names(r: Rendered): string[] {
  const lines = screen(r).split('\n');
  const title = lines.findIndex((l) => l.includes('NAME'));
  return lines
    .slice(title + 1)
    .map((l) => /^[› ] [ ▸▾]*(\S+)\s+(?:-|\d)/.exec(l)?.[1])
    .filter((n): n is string => n !== undefined);
}

describe('screen', () => {
  it('waits for the first sample', async () => {
    const { r } = await startConsole(undefined);
    expect(screen(r)).toContain('waiting for the first sample');
  });

  it('shows the header: host, CPUs, memory, cgroup mode, interval, sample time, count and the CPU% note', async () => {
    const { r } = await start();
    const text = screen(r);
    for (const part of ['box-7', '16 CPUs', '64.0 GiB memory', 'cgroup v1', 'interval 1 s', `sample ${formatClock(TREE.timestamp)}`, '6 containers', 'CPU%: 100% = one CPU']) {
      expect(text).toContain(part);
    }
  });

  it('shows the tree with names indented by depth and fold markers', async () => {
    const { r } = await start();
    expect(lineWith(r, ' /  ')).toMatch(/^› ▾ \/\s/);
    expect(lineWith(r, 'web')).toMatch(/^ {4}▾ web\s/);
    expect(lineWith(r, 'front')).toMatch(/^ {8}front\s/);
    expect(names(r)).toEqual(['/', 'batch', 'job', 'web', 'back', 'front']);
  });

  it('shows the column titles and the row numbers', async () => {
    const { r } = await start();
    expect(lineWith(r, 'NAME')).toMatch(/CPU%.*CORES.*MEM USED\/LIMIT.*WSET.*TASKS.*STATE.*THROT%.*OOM/);
    expect(lineWith(r, 'job')).toMatch(/job\s+80\.0%\s+-\s+40\.0 MiB\/-.*\s3 RUNNING/);
    expect(screen(r)).toContain('1/6');
  });
});

describe('navigation', () => {
  it.each([
    ['↓ moves down', [KEY.down], 'batch'],
    ['j moves down', ['j', 'j'], 'job'],
    ['k moves up', ['j', 'j', 'k'], 'batch'],
    ['↑ at the top stays', [KEY.up], '/'],
    ['End goes to the last row', [KEY.end], 'front'],
    ['Home goes back to the first', [KEY.end, KEY.home], '/'],
    ['PgDn moves a page (clamped)', [KEY.pageDown], 'front'],
    ['PgUp moves a page back', [KEY.end, KEY.pageUp], '/'],
  ])('%s', async (_, keys, name) => {
    const { r } = await start();
    await press(r, ...keys);
    expect(selectedLine(r)).toMatch(new RegExp(`^› [ ▸▾]*${name === '/' ? '\\/' : name}\\s`));
  });

  it('keys that arrive faster than renders all count (a held ↓)', async () => {
    const { r } = await start();
    await drawn(r, () => {
      for (let i = 0; i < 4; i++) r.stdin.write(KEY.down);
      r.stdin.write('k');
    });
    await vi.waitFor(() => expect(selectedLine(r)).toMatch(/▾ web\s/));
  });

  it.each([
    ['jjj', /▾ web\s/],
    ['jjjk', /job\s/],
    [`${KEY.down}${KEY.down}j`, /▾ web\s/],
    [`j${KEY.end}k`, /back\s/],
  ])('every key of one read %j acts, in order', async (chunk, selected) => {
    const { r } = await start();
    await drawn(r, () => r.stdin.write(chunk));
    await vi.waitFor(() => expect(selectedLine(r)).toMatch(selected));
  });

  it('++ in one read walks the interval twice', async () => {
    const { r, source } = await start();
    await drawn(r, () => r.stdin.write('++'));
    await vi.waitFor(() => expect(source.setIntervalMs).toHaveBeenLastCalledWith(5000));
    expect(source.setIntervalMs).toHaveBeenCalledTimes(2);
  });

  it('+q in one read changes the interval and quits', async () => {
    const { r, source } = await start();
    r.stdin.write('+q');
    await vi.waitFor(() => expect(source.listenerCount()).toBe(0));
    expect(source.setIntervalMs).toHaveBeenCalledExactlyOnceWith(2000);
  });

  it('← collapses, → expands', async () => {
    const { r } = await start();
    await press(r, KEY.end, KEY.up, KEY.up); // web
    await press(r, KEY.left);
    expect(names(r)).toEqual(['/', 'batch', 'job', 'web']);
    expect(selectedLine(r)).toMatch(/▸ web/);
    await press(r, KEY.right);
    expect(names(r)).toEqual(['/', 'batch', 'job', 'web', 'back', 'front']);
    expect(selectedLine(r)).toMatch(/▾ web/);
  });

  it('← on a leaf goes to its parent', async () => {
    const { r } = await start();
    await press(r, KEY.end, KEY.left);
    expect(selectedLine(r)).toMatch(/▾ web/);
  });

  it('Enter toggles the detail panel', async () => {
    const { r } = await start();
    await press(r, KEY.down, KEY.enter);
    expect(screen(r)).toContain('/batch  RUNNING  CPU 90.0%');
    expect(screen(r)).toContain('Percentiles');
    await press(r, KEY.enter);
    expect(screen(r)).not.toContain('Percentiles');
  });
});

describe('filter', () => {
  it('keeps matches and their ancestors, as you type', async () => {
    const { r } = await start();
    await press(r, '/');
    expect(screen(r)).toContain('Filter /');
    await type(r, 'fro');
    expect(names(r)).toEqual(['/', 'web', 'front']);
    await press(r, KEY.enter);
    expect(screen(r)).not.toContain('Filter /');
    expect(screen(r)).toContain('filter "fro"');
    expect(names(r)).toEqual(['/', 'web', 'front']);
  });

  it('keeps every character typed faster than renders', async () => {
    const { r } = await start();
    await press(r, '/');
    await drawn(r, () => {
      for (const ch of 'fro') r.stdin.write(ch);
      r.stdin.write(KEY.left);
      r.stdin.write(KEY.backspace);
      r.stdin.write(KEY.enter);
    });
    await vi.waitFor(() => expect(screen(r)).toContain('filter "fo"'));
  });

  it('Esc in the prompt clears the filter', async () => {
    const { r } = await start();
    await press(r, '/');
    await type(r, 'job');
    await press(r, KEY.escape);
    expect(names(r)).toHaveLength(6);
  });

  it('Esc while browsing clears a kept filter', async () => {
    const { r } = await start();
    await press(r, '/');
    await type(r, 'job');
    await press(r, KEY.enter, KEY.escape);
    expect(names(r)).toHaveLength(6);
    expect(screen(r)).toContain('filter cleared');
  });

  it('says when nothing matches', async () => {
    const { r } = await start();
    await press(r, '/');
    await type(r, 'zzz');
    expect(screen(r)).toContain('nothing matches "zzz"');
  });
});

describe('sort, interval, help, quit', () => {
  it('s cycles the sort (name, CPU, memory, ...) keeping the tree; S reverses it', async () => {
    const { r } = await start();
    await press(r, 's');
    expect(screen(r)).toContain('sorted by CPU');
    expect(names(r)).toEqual(['/', 'batch', 'job', 'web', 'front', 'back']);
    await press(r, 's');
    expect(screen(r)).toContain('sort memory');
    expect(names(r)).toEqual(['/', 'web', 'front', 'back', 'batch', 'job']);
    await press(r, 'S');
    expect(screen(r)).toContain('sorted by memory, reversed');
    expect(names(r)).toEqual(['/', 'batch', 'job', 'web', 'back', 'front']);
    await press(r, 'S', 's', 's', 's', 's');
    expect(screen(r)).toContain('sort name');
    expect(names(r)).toEqual(['/', 'batch', 'job', 'web', 'back', 'front']);
  });

  it('+ and - walk the interval within 250 ms and 60 s', async () => {
    const { r, source } = await start();
    await press(r, '+');
    expect(source.setIntervalMs).toHaveBeenLastCalledWith(2000);
    expect(screen(r)).toContain('interval 2 s');
    await press(r, '-', '-', '-', '-');
    expect(source.setIntervalMs).toHaveBeenLastCalledWith(250);
    expect(screen(r)).toContain('interval 250 ms');
  });

  it('? shows the help and any key closes it', async () => {
    const { r } = await start();
    await press(r, '?');
    expect(screen(r)).toContain('signal all tasks');
    expect(screen(r)).not.toContain('MEM USED/LIMIT');
    await press(r, 'x');
    expect(screen(r)).not.toContain('signal all tasks');
    expect(names(r)).toHaveLength(6);
  });

  it('the help fits 80×24 whole: every line, none cut', async () => {
    const { r } = await start();
    await resize(r, 80, 24);
    await press(r, '?');
    const text = screen(r);
    for (const [keys, what] of [...HELP_KEYS, ...HELP_ACTIONS]) expect(text).toContain(`${keys.padEnd(10)}${what}`);
    expect(text).toContain('Any key closes this help.');
  });

  it('q quits: the app unmounts and stops listening', async () => {
    const { r, source } = await start();
    expect(source.listenerCount()).toBe(1);
    await press(r, 'q');
    expect(source.listenerCount()).toBe(0);
  });
});

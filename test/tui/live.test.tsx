import { cleanup } from 'ink-testing-library';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { readCounter } from './counting.js';
import { startConsole } from './harness.js';
import { KEY, drawn, lineWith, press, resize, screen, selectedLine } from './helpers.js';
import { container, fakeActions, namesView, sampleView } from './views.js';

afterEach(cleanup);

describe('live updates', () => {
  it('a new pass replaces the rows', async () => {
    const { r, source } = await startConsole(sampleView([container('/'), container('/a', { cpu: 1 })]));
    expect(lineWith(r, ' a ')).toContain('1.0%');
    await drawn(r, () => source.emit(sampleView([container('/'), container('/a', { cpu: 42 }), container('/b')])));
    expect(lineWith(r, ' a ')).toContain('42.0%');
    expect(lineWith(r, ' b ')).toBeDefined();
    expect(screen(r)).toContain('3 containers');
  });

  it('the selection follows its container when rows move around it', async () => {
    const { r, source } = await startConsole(namesView('/', '/m', '/m/x', '/z'));
    await press(r, KEY.down, KEY.down);
    expect(selectedLine(r)).toMatch(/ x\s/);
    await drawn(r, () => source.emit(namesView('/', '/a', '/a/b', '/c', '/m', '/m/w', '/m/x', '/z')));
    expect(selectedLine(r)).toMatch(/ x\s/);
    expect(screen(r)).toContain('7/8');
  });

  it('a vanished selection moves to its nearest surviving ancestor', async () => {
    const { r, source } = await startConsole(namesView('/', '/m', '/m/n', '/m/n/x', '/z'));
    await press(r, KEY.down, KEY.down, KEY.down);
    expect(selectedLine(r)).toMatch(/ x\s/);
    await drawn(r, () => source.emit(namesView('/', '/m', '/z')));
    expect(selectedLine(r)).toMatch(/ m\s/);
  });

  it('records OOM kills seen in a pass as events of the container', async () => {
    const { r, source } = await startConsole(namesView('/', '/job'));
    await press(r, KEY.down, KEY.enter);
    expect(screen(r)).toContain('no events yet');
    await drawn(r, () =>
      source.emit(sampleView([container('/'), container('/job', { oomKills: 1, oomDelta: 1 })], '2024-01-01T12:00:05.000Z')),
    );
    expect(screen(r)).toMatch(/\d\d:\d\d:\d\d OOM kill/);
  });

  it('keeps drawing new passes while an action is pending', async () => {
    const actions = fakeActions();
    actions.pause.mockReturnValue(new Promise(() => undefined));
    const { r, source } = await startConsole(namesView('/', '/a'), { actions });
    await press(r, KEY.down, 'p');
    expect(screen(r)).toContain('pausing /a…');
    await drawn(r, () => source.emit(namesView('/', '/a', '/b')));
    expect(lineWith(r, ' b ')).toBeDefined();
    await press(r, KEY.down);
    expect(selectedLine(r)).toMatch(/ b\s/);
  });
});

describe('detail panel', () => {
  const history = {
    cpuPercent: [10, 50, 90, 30, 70],
    memoryUsage: [100, 200, 300, 200, 100].map((m) => m * 1024 * 1024),
    cpuPercentiles: { p50: 50, p90: 90, p99: 99 },
    memoryPercentiles: { p50: 200 * 1024 * 1024, p90: 300 * 1024 * 1024, p99: 310 * 1024 * 1024 },
  };

  it('plots history, prints percentiles, the latency histogram and the spec', async () => {
    const view = sampleView([
      container('/'),
      container('/svc', {
        cpu: 70,
        memory: 300 * 1024 ** 2,
        histograms: [{ type: 'QUEUE_SELF', stat: [{ bucket: 10, value: 4 }, { bucket: 100, value: 8 }, { bucket: 1000, value: 2 }] }],
      }),
    ]);
    const { r, source, actions } = await startConsole(undefined);
    source.histories.set('/svc', history);
    await drawn(r, () => source.emit(view));
    // Wide enough for the panel's three columns, the latency histogram among them.
    await resize(r, 160, 40);
    await press(r, KEY.down, KEY.enter);
    await vi.waitFor(() => expect(screen(r)).toContain('limit: 500'));
    const text = screen(r);
    expect(actions.specText).toHaveBeenCalledWith('/svc');
    expect(text).toContain('CPU % (100 = one CPU)');
    expect(text).toMatch(/90\.0% [┤┼]/);
    expect(text).toContain('Memory usage');
    expect(text).toContain('CPU  50.0% / 90.0% / 99.0%');
    expect(text).toContain('MEM  200 MiB / 300 MiB / 310 MiB');
    expect(text).toContain('QUEUE_SELF: wait behind own tas');
    expect(lineWith(r, '≤100µs')).toMatch(/≤100µs █+\s+8/);
    // The last bucket is a closed one (it has an upper edge): labelled by that edge, not ">".
    expect(lineWith(r, '≤1ms')).toMatch(/≤1ms [█▏▎▍▌▋▊▉]+░+\s+2/);
  });

  it('follows the selection and reads the spec again after an action', async () => {
    const { r, actions } = await startConsole(namesView('/', '/a', '/b'));
    await press(r, KEY.down, KEY.enter);
    await vi.waitFor(() => expect(actions.specText).toHaveBeenCalledWith('/a'));
    await press(r, KEY.down);
    await vi.waitFor(() => expect(actions.specText).toHaveBeenCalledWith('/b'));
    expect(screen(r)).toContain('/b  RUNNING');
    const reads = actions.specText.mock.calls.length;
    await press(r, 'p');
    await vi.waitFor(() => expect(actions.specText.mock.calls.length).toBe(reads + 1));
  });

  it('shows a spec that cannot be read as an error in the panel', async () => {
    const actions = fakeActions();
    actions.specText.mockRejectedValue(new Error('boom'));
    const { r } = await startConsole(namesView('/'), { actions });
    await press(r, KEY.enter);
    await vi.waitFor(() => expect(screen(r)).toContain('INTERNAL: boom'));
  });
});

describe('size', () => {
  const fleet = () => {
    const containers = [container('/')];
    for (let i = 0; i < 10_000; i++) containers.push(container(`/c${String(i).padStart(5, '0')}`, { cpu: i % 100 }));
    return sampleView(containers);
  };

  it('renders only the visible rows of 10,000 containers', async () => {
    const { r } = await startConsole(fleet());
    const lines = screen(r).split('\n');
    expect(lines.length).toBeLessThan(24);
    expect(screen(r)).toContain('c00000');
    expect(screen(r)).not.toContain('c09999');
    expect(screen(r)).toContain('1/10001');
    await press(r, KEY.end);
    expect(selectedLine(r)).toContain('c09999');
    expect(screen(r)).not.toContain('c00000');
    expect(screen(r)).toContain('10001/10001');
  });

  // Work counted as reads of the pass's fields: a drawn row reads a few dozen (~40 today),
  // every other container a handful (tree, history). Drawing rows off screen would read
  // ~40 per container; the bound allows 10 each plus 100 per line of the 24-row screen.
  it('keeps a pass of 10,000 containers cheap to draw: work per container, not per drawn row', async () => {
    const { r, source } = await startConsole(fleet());
    const counter = readCounter();
    const view = fleet();
    await drawn(r, () => source.emit({ ...view, containers: view.containers.map((c) => counter.wrap(c)) }));
    expect(screen(r)).toContain('c00000');
    expect(counter.reads).toBeGreaterThanOrEqual(view.containers.length);
    expect(counter.reads).toBeLessThanOrEqual(10 * view.containers.length + 100 * 24);
  });

  it('pages through the window', async () => {
    const { r } = await startConsole(fleet());
    await press(r, KEY.pageDown);
    const first = selectedLine(r);
    await press(r, KEY.pageDown);
    expect(selectedLine(r)).not.toBe(first);
    expect(screen(r)).not.toMatch(/^[› ] ▾ \/\s/m);
  });

  it('reflows on resize: fewer columns and rows', async () => {
    const { r } = await startConsole(fleet());
    expect(screen(r)).toContain('WSET');
    await resize(r, 80, 12);
    const text = screen(r);
    expect(text).not.toContain('WSET');
    expect(text).toContain('STATE');
    expect(text.split('\n').length).toBeLessThanOrEqual(11);
    for (const line of text.split('\n')) expect(line.length).toBeLessThanOrEqual(80);
    await resize(r, 160, 50);
    expect(screen(r)).toContain('CPU HIST');
    expect(screen(r).split('\n').length).toBeGreaterThan(40);
  });
});

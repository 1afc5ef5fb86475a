import { cleanup } from 'ink-testing-library';
import { afterEach, describe, expect, it } from 'vitest';
import { DetailPanel } from '../../src/ui/components/DetailPanel.js';
import type { ContainerView, HistorySeries } from '../../src/stats/model.js';
import {
  NOT_ISOLATED,
  detailLayout,
  fillColumn,
  ioSection,
  latencySection,
  specSection,
  usageSection,
  type Section,
} from '../../src/ui/view/detail.js';
import { indexTree, visibleRows } from '../../src/ui/view/tree.js';
import { mount, resize, screen } from './helpers.js';
import { container, fakeActions } from './views.js';

afterEach(cleanup);

const lines = (n: number, prefix = 'l') => Array.from({ length: n }, (_, i) => ({ text: `${prefix}${i}` }));
const texts = (column: { lines: { text: string }[] }) => column.lines.map((l) => l.text);

describe('fillColumn', () => {
  const a: Section = { title: 'A', lines: lines(2, 'a') };
  const b: Section = { title: 'B', lines: lines(4, 'b'), cuttable: true };
  const c: Section = { title: 'C', lines: lines(1, 'c') };

  it.each<[string, number, string[], string[]]>([
    ['everything fits', 20, ['A', 'a0', 'a1', 'B', 'b0', 'b1', 'b2', 'b3', 'C', 'c0'], []],
    ['a cuttable section is cut, saying how much more', 7, ['A', 'a0', 'a1', 'B', 'b0', 'b1', '… 2 more'], ['C']],
    ['a section with no room is left out, and a later one that fits is kept', 5, ['A', 'a0', 'a1', 'C', 'c0'], ['B']],
    ['a cut that would leave one line leaves the section out', 6, ['A', 'a0', 'a1', 'C', 'c0'], ['B']],
    ['no room at all', 1, [], ['A', 'B', 'C']],
  ])('%s', (_, height, shown, hidden) => {
    const column = fillColumn([a, b, c], height, 20);
    expect(texts(column)).toEqual(shown);
    expect(column.hidden).toEqual(hidden);
    expect(column.lines.length).toBeLessThanOrEqual(height);
  });

  it('cuts every line to the width with "…"', () => {
    const column = fillColumn([{ title: 'A long title', lines: [{ text: 'abcdefghij' }] }], 5, 6);
    expect(texts(column)).toEqual(['A lon…', 'abcde…']);
  });

  it('gives a section made on its turn the room that is left', () => {
    const seen: number[] = [];
    fillColumn([a, (room) => (seen.push(room), c)], 10, 20);
    expect(seen).toEqual([7]);
  });
});

describe('detailLayout', () => {
  it.each([
    // width, lines: chart width, CPU chart, memory chart, text column widths, charts hidden
    [200, 29, 80, 14, 15, [64, 54], []],
    [120, 11, 48, 5, 6, [38, 32], []],
    [80, 11, 40, 5, 6, [39], []],
    [80, 6, 40, 6, 0, [39], ['Memory chart']],
    [80, 3, 0, 0, 0, [80], ['Charts']],
    [59, 20, 0, 0, 0, [59], ['Charts']],
  ])('%s × %s', (width, height, chartWidth, cpu, memory, columns, hiddenCharts) => {
    const layout = detailLayout(width, height, true);
    expect([layout.chartWidth, layout.cpuChartHeight, layout.memoryChartHeight]).toEqual([chartWidth, cpu, memory]);
    expect(layout.columns.map((c) => c.width)).toEqual(columns);
    expect(layout.hiddenCharts).toEqual(hiddenCharts);
    // Columns and their one-space gaps fill the width exactly.
    const used = (chartWidth > 0 ? chartWidth + 1 : 0) + columns.reduce((n, w) => n + w, 0) + columns.length - 1;
    expect(used).toBe(width);
  });
});

describe('detailLayout without memory accounting', () => {
  it.each([
    [80, 11, 9, 2, []],
    [80, 6, 4, 2, []],
    [80, 5, 5, 0, ['Memory chart']],
  ])('%s × %s: CPU chart %s lines, memory %s', (width, height, cpu, memory, hiddenCharts) => {
    const layout = detailLayout(width, height, false);
    expect([layout.cpuChartHeight, layout.memoryChartHeight]).toEqual([cpu, memory]);
    expect(layout.hiddenCharts).toEqual(hiddenCharts);
  });
});

function rowOf(view: ContainerView) {
  return visibleRows(indexTree([view]), { collapsed: new Set(), filter: '', sort: 'name' })[0]!;
}

describe('sections', () => {
  it('IO: bytes and operations per second', () => {
    const view = container('/a', { ioRead: 1.5 * 1024 ** 2, ioWrite: 10 * 1024 ** 2, ioReadOps: 12, ioWriteOps: 123_456 });
    expect(ioSection(view).lines.map((l) => l.text)).toEqual(['read  1.5 MiB/s  12 IOPS', 'write 10.0 MiB/s  123k IOPS']);
  });

  it('IO: bytes without operations where the kernel does not count them', () => {
    expect(ioSection(container('/a', { ioWrite: 0 })).lines.map((l) => l.text)).toEqual(['read  -', 'write 0 B/s']);
  });

  it('IO: nothing counted', () => {
    expect(ioSection(container('/a')).lines.map((l) => l.text)).toEqual(['none counted for this container yet']);
  });

  it('memory percentiles say when the container has no memory accounting of its own', () => {
    const history: HistorySeries = { cpuPercent: [], memoryUsage: [] };
    expect(usageSection(container('/a'), history).lines[1]?.text).toBe(`MEM  ${NOT_ISOLATED}`);
    expect(usageSection(container('/a', { memory: 5 }), history).lines[1]?.text).toBe('MEM  not enough history');
  });

  it('spec: its lines, cuttable, or why there are none', () => {
    expect(specSection({ status: 'ready', text: 'cpu {\n  limit: 5\n}\n' })).toEqual({
      title: 'Spec',
      lines: [{ text: 'cpu {' }, { text: '  limit: 5' }, { text: '}' }],
      cuttable: true,
    });
    expect(specSection({ status: 'ready', text: '\n' }).lines).toEqual([{ text: '(all defaults)' }]);
    expect(specSection({ status: 'failed', error: 'NOT_FOUND: gone' }).lines).toEqual([{ text: 'NOT_FOUND: gone', tone: 'error' }]);
  });

  it('latency: names where the histograms came from, never a kernel file', () => {
    const stat = [10, 100, 1000].map((bucket, i) => ({ bucket, value: [5, 25_000_000, 1][i]! }));
    const view = container('/a', { histograms: [{ type: 'ONCPU', stat }] });
    view.raw.histogramSource = 'schedstat';
    const section = latencySection(view, 40, 10);
    expect(section.title).toBe('Latency (from task scheduler statistics)');
    expect(fillColumn([section], 1, 40).hidden).toEqual(['Latency']);
    const [name, ...buckets] = section.lines.map((l) => l.text);
    expect(name).toBe('ONCPU: on-CPU time per timeslice');
    expect(buckets).toHaveLength(3);
    for (const line of buckets) expect(line).toHaveLength(40);
    expect(buckets[1]).toMatch(/^ {2}≤100µs █+ 25M$/);
    expect(section.lines.map((l) => l.text).join('\n')).not.toMatch(/cpuacct|schedstat\b|\.stat|histogram\b/);
  });
});

describe('DetailPanel frames', () => {
  const busy = container('/web/front', { cpu: 50, memory: 500e6, tasks: 40, ioRead: 1e6, ioWrite: 10e6, ioReadOps: 12, ioWriteOps: 2400 });
  const history: HistorySeries = {
    cpuPercent: [1, 5, 20, 50, 40, 30],
    memoryUsage: [1e8, 2e8, 3e8, 5e8, 4e8, 5e8],
    cpuPercentiles: { p50: 20, p90: 40, p99: 50 },
  };
  const events = [1, 2, 3].map((i) => ({ time: '2024-01-01T12:00:00Z', text: `paused /web/front ${i}`, tone: 'ok' as const }));

  async function draw(view: ContainerView, width: number, height: number, specText = 'cpu {\n  limit: 500\n}\nmemory {\n  limit: 1073741824\n}\n') {
    const actions = fakeActions();
    actions.specText.mockImplementation(async () => specText);
    const r = mount(<DetailPanel row={rowOf(view)} history={history} events={events} actions={actions} revision={0} width={width} height={height} />);
    await resize(r, width, height + 1);
    return r;
  }

  /** Lines of the frame, each checked to fit the width. */
  function frame(r: ReturnType<typeof mount>, width: number): string[] {
    const out = screen(r).split('\n');
    for (const line of out) expect(line.length, line).toBeLessThanOrEqual(width);
    return out;
  }

  // What Console gives the panel at 80 × 24 (12 lines): every text on a line of its own.
  it('at 80 columns: charts beside numbers, IO and events; what has no room is named', async () => {
    const r = await draw(busy, 80, 12);
    const out = frame(r, 80);
    expect(out).toHaveLength(12);
    expect(out[0]).toContain('hidden for room: Spec, Latency');
    const right = out.slice(1).map((l) => l.slice(41).trimEnd());
    expect(right).toEqual([
      'Percentiles p50 / p90 / p99',
      'CPU  20.0% / 40.0% / 50.0%',
      'MEM  not enough history',
      'Block IO',
      'read  977 KiB/s  12 IOPS',
      'write 9.5 MiB/s  2400 IOPS',
      'Events',
      '12:00:00 paused /web/front 3',
      '12:00:00 paused /web/front 2',
      '12:00:00 paused /web/front 1',
      '',
    ]);
    expect(out[1]).toMatch(/^CPU % \(100 = one CPU\)/);
    // Each chart keeps at least three rows of plot.
    expect(out.filter((l) => /[┤┼]/.test(l.slice(0, 40)))).toHaveLength(4 + 5);
  });

  it('keeps what is hidden on the title line whole, before how to close the panel', async () => {
    const capped = (name: string) => container(name, { cpu: 48.3, cpuOfCap: 96.6, memory: 5e6 });
    const titleAt = async (name: string, width: number, height: number) => frame(await draw(capped(name), width, height), width)[0]!;
    expect((await titleAt('/batch', 80, 12)).trimEnd()).toBe(' /batch  RUNNING  CPU 48.3%, 96.6% of its cap  hidden for room: Spec');
    expect((await titleAt('/batch/nightly-reindex', 80, 12)).trimEnd()).toBe(' /batch/nightly-reindex  RUNNING  CPU 48.3%  hidden for room: Spec');
    expect((await titleAt('/batch', 120, 40)).trimEnd()).toBe(' /batch  RUNNING  CPU 48.3%, 96.6% of its cap  (Enter closes)');
  });

  it('at 200 columns: three columns, the spec whole', async () => {
    const r = await draw(busy, 200, 30);
    const out = frame(r, 200);
    expect(out[0]).not.toContain('hidden');
    const spec = out.map((l) => l.slice(146).trimEnd()).filter((l) => l !== '');
    expect(spec).toEqual(['Events', ...[3, 2, 1].map((i) => `12:00:00 paused /web/front ${i}`), 'Spec', 'cpu {', '  limit: 500', '}', 'memory {', '  limit: 1073741824', '}']);
    expect(out.some((l) => l.slice(81, 145).startsWith('Latency'))).toBe(true);
  });

  it('a container without memory accounting says so instead of collecting history forever', async () => {
    const r = await draw(container('/nomem', { cpu: 1 }), 80, 12);
    const out = frame(r, 80);
    expect(out.filter((l) => l.includes(NOT_ISOLATED))).toHaveLength(2);
    expect(screen(r)).not.toContain('collecting history');
    // The CPU chart takes the room the memory chart does not need.
    expect(out.filter((l) => /[┤┼]/.test(l.slice(0, 40)))).toHaveLength(8);
  });

  it('a long spec is cut with a count of what is left', async () => {
    const long = Array.from({ length: 40 }, (_, i) => `field_${i}: ${i}`).join('\n');
    const r = await draw(busy, 200, 20, long);
    const out = frame(r, 200);
    expect(out.some((l) => /… \d+ more$/.test(l.trimEnd()))).toBe(true);
  });
});
